// compare.mjs runs the benchmark workloads of orchestrator/interp/bench_test.go
// with aws-local-stepfunctions (in-process and through its local-sfn CLI)
// and with stepwise (the Go benchmark's numbers, and `stepwise run` one-shot),
// and prints one table. scripts/bench/compare.sh calls it:
//
//	node compare.mjs --stepwise BIN --go-bench FILE [--runs N] [--oneshot N]
//
// The workloads are built here the same way bench_test.go builds them.

import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';

function passChain(n) {
  const states = {};
  for (let i = 0; i < n; i++) {
    states[`S${i}`] = i === n - 1 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `S${i + 1}` };
  }
  return { StartAt: 'S0', States: states };
}

const choiceLoop = {
  StartAt: 'Loop',
  States: {
    Loop: { Type: 'Choice', Choices: [{ Variable: '$.i', NumericLessThanPath: '$.n', Next: 'Inc' }], Default: 'Done' },
    Inc: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)', 'n.$': '$.n' }, Next: 'Loop' },
    Done: { Type: 'Succeed' },
  },
};

const map3 = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      End: true,
      ItemProcessor: {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Next: 'B' },
          B: { Type: 'Pass', Parameters: { 'v.$': '$' }, Next: 'C' },
          C: { Type: 'Pass', OutputPath: '$.v', End: true },
        },
      },
    },
  },
};

const workloads = [
  { name: 'pass-chain-100', go: 'BenchmarkPassChain100', def: passChain(100), input: { hello: 'world' }, transitions: 100 },
  { name: 'choice-loop-1000', go: 'BenchmarkChoiceLoop', def: choiceLoop, input: { i: 0, n: 1000 }, transitions: 2002 },
  {
    name: 'map-1000x3',
    go: 'BenchmarkMap1000x3',
    def: map3,
    input: { items: Array.from({ length: 1000 }, (_, i) => ({ id: i })) },
    transitions: 3001,
  },
];

function args() {
  const a = { runs: 20, oneshot: 10 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    a[k.replace(/-(.)/g, (_, c) => c.toUpperCase())] = argv[++i];
  }
  a.runs = Number(a.runs);
  a.oneshot = Number(a.oneshot);
  return a;
}

// goBench reads `go test -bench` output: ns/op per benchmark.
function goBench(file) {
  const out = {};
  if (!file) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^(Benchmark\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns\/op/);
    if (m) out[m[1]] = Number(m[3]) / 1e6;
  }
  return out;
}

// inProcess runs the workload with aws-local-stepfunctions: mean ms per run
// after a warm-up, the state machine constructed (and validated) once.
async function inProcess(w, runs) {
  const sm = new StateMachine(w.def, { validationOptions: { checkPaths: true } });
  for (let i = 0; i < 3; i++) await sm.run(structuredClone(w.input)).result;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await sm.run(structuredClone(w.input)).result;
  return Number(process.hrtime.bigint() - t0) / 1e6 / runs;
}

// oneShot runs a command n times: mean wall ms, including process start.
function oneShot(cmd, argv, n, stdin = '') {
  const opts = { encoding: 'utf8', maxBuffer: 64 << 20, input: stdin };
  const first = spawnSync(cmd, argv, opts);
  if (first.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: exit ${first.status}: ${first.stderr}${first.stdout}`.slice(0, 2000));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) spawnSync(cmd, argv, opts);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6 / n, stdout: first.stdout };
}

function fmt(ms) {
  if (ms === undefined || Number.isNaN(ms)) return 'n/a';
  return ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}

function ratio(a, b) {
  if (a === undefined || b === undefined) return 'n/a';
  return `${(a / b).toFixed(1)}x`;
}

const a = args();
const go = goBench(a.goBench);
const dir = mkdtempSync(join(tmpdir(), 'stepwise-bench-'));
const localSfn = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', 'aws-local-stepfunctions', 'bin', 'CLI.cjs');
const rows = [];
for (const w of workloads) {
  const defFile = join(dir, `${w.name}.asl.json`);
  const inFile = join(dir, `${w.name}.input.json`);
  writeFileSync(defFile, JSON.stringify(w.def));
  writeFileSync(inFile, JSON.stringify(w.input));
  const row = { name: w.name, transitions: w.transitions, goMs: go[w.go] };
  row.alsMs = await inProcess(w, a.runs);
  const want = await new StateMachine(w.def).run(structuredClone(w.input)).result;
  if (a.stepwise) {
    const sw = oneShot(a.stepwise, ['run', defFile, inFile], a.oneshot);
    row.swShot = sw.ms;
    const got = JSON.parse(sw.stdout);
    if (got.status !== 'SUCCEEDED' || !isDeepStrictEqual(got.output, want)) {
      throw new Error(`${w.name}: stepwise run printed ${sw.stdout.slice(0, 300)}, aws-local-stepfunctions returned ${JSON.stringify(want).slice(0, 300)}`);
    }
  }
  // local-sfn reads the input from stdin when stdin is not a terminal; a
  // multi-line document is one input (one line would be one input a line).
  row.alsShot = oneShot(process.execPath, [localSfn, '-f', defFile], Math.max(1, Math.floor(a.oneshot / 2)), JSON.stringify(w.input, null, 1)).ms;
  rows.push(row);
}

console.log('Per run, in-process (ms; stepwise: go test -bench, no history; aws-local-stepfunctions: StateMachine.run, mean of %d runs):', a.runs);
console.log('');
console.log('| workload | transitions | stepwise ms | aws-local-stepfunctions ms | ratio (als/stepwise) | stepwise transitions/s |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const tps = r.goMs ? Math.round(r.transitions / (r.goMs / 1000)).toLocaleString('en-US') : 'n/a';
  console.log(`| ${r.name} | ${r.transitions} | ${fmt(r.goMs)} | ${fmt(r.alsMs)} | ${ratio(r.alsMs, r.goMs)} | ${tps} |`);
}
console.log('');
console.log('One-shot CLI, wall time per execution including process start (ms):');
console.log('');
console.log('| workload | stepwise run | local-sfn | ratio (local-sfn/stepwise) |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${fmt(r.swShot)} | ${fmt(r.alsShot)} | ${ratio(r.alsShot, r.swShot)} |`);
}
