// Bundles src/ into dist/app.js and dist/app.css (committed, so that
// go build needs no npm) and copies index.html.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

// OUTDIR lets test/run.sh build elsewhere to check that dist/ is fresh.
const outdir = process.env.OUTDIR || 'dist';
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir,
  legalComments: 'linked',
  logLevel: process.env.OUTDIR ? 'warning' : 'info',
});
copyFileSync('index.html', `${outdir}/index.html`);
