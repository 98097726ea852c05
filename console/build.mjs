// Bundles src/ into dist/app.js and dist/app.css (committed, so that
// go build needs no npm) and copies index.html.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: 'dist',
  legalComments: 'linked',
  logLevel: 'info',
});
copyFileSync('index.html', 'dist/index.html');
