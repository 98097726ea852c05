// Starts the real `stepwise serve` for the browser tests: builds
// bin/stepwise (or uses STEPWISE_BIN), runs it on a free loopback port with
// a fresh data folder, and talks to it through the public Step Functions
// API (AWS JSON 1.0 on POST /) and the contact routes.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ROLE = 'arn:aws:iam::123456789012:role/stepwise-console-test';

// binary returns the stepwise binary to run, building it unless
// STEPWISE_BIN names one.
export function binary() {
  if (process.env.STEPWISE_BIN) return path.resolve(process.env.STEPWISE_BIN);
  const out = path.join(repo, 'bin', 'stepwise');
  execFileSync('go', ['build', '-o', out, './cmd/stepwise'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}

// start runs `stepwise serve` and resolves once it prints its base URL.
export async function start() {
  const bin = binary();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'stepwise-console-'));
  // The embedded store and queue in the temp folder, even when the test
  // script has set the AWS endpoints for the Go tests.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_ENDPOINT_URL|^(TABLE_NAME|QUEUE_URL|CONTACTS_TABLE|PROCESS_FUNCTION_ARN)$/.test(k)));
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => { err += b; if (err.length > 1e6) err = err.slice(-5e5); });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stepwise serve did not print its URL in 30 s:\n${out}\n${err}`)), 30000);
    child.stdout.on('data', (b) => {
      out += b;
      const m = /Step Functions API\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`stepwise serve exited (${code}):\n${out}\n${err}`)); });
  });
  child.stdout.resume();
  const exited = new Promise((r) => child.on('exit', r));
  // Never leave it running, even when the tests crash.
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  return {
    base,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
      process.off('exit', kill);
      fs.rmSync(data, { recursive: true, force: true });
    },
    sfn: (op, body) => sfn(base, op, body),
  };
}

// sfn calls one Step Functions operation and returns the decoded reply; an
// error reply throws with its __type.
export async function sfn(base, op, body = {}) {
  const res = await fetch(`${base}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${op}` },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(`${op}: ${res.status} ${data.__type || ''}: ${data.message || data.Message || ''}`);
    e.type = String(data.__type || '').split('#').pop();
    throw e;
  }
  return data;
}

// createMachine creates a STANDARD state machine and returns its ARN.
export async function createMachine(srv, name, definition) {
  const r = await srv.sfn('CreateStateMachine', { name, definition: JSON.stringify(definition), roleArn: ROLE });
  return r.stateMachineArn;
}

// startExecution starts one and returns its ARN.
export async function startExecution(srv, stateMachineArn, name, input = {}) {
  const r = await srv.sfn('StartExecution', { stateMachineArn, name, input: JSON.stringify(input) });
  return r.executionArn;
}

// waitDone polls DescribeExecution until the execution ends.
export async function waitDone(srv, executionArn, timeoutMs = 60000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await srv.sfn('DescribeExecution', { executionArn });
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > until) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// history reads the whole history through the API.
export async function history(srv, executionArn) {
  const events = [];
  let nextToken;
  do {
    const p = await srv.sfn('GetExecutionHistory', { executionArn, maxResults: 1000, nextToken });
    events.push(...p.events);
    nextToken = p.nextToken;
  } while (nextToken);
  return events;
}

// submit posts the contact form and returns the started execution's ARN.
export async function submit(srv, form) {
  const res = await fetch(`${srv.base}/contact`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(form) });
  const body = await res.json();
  if (!body.executionArn) throw new Error(`POST /contact: ${res.status} ${JSON.stringify(body)}`);
  return body.executionArn;
}

export const repoRoot = repo;
