// A small fake of the Step Functions API (AWS JSON 1.0) that also serves
// the built console under /console/. Histories were recorded with
// "stepwise run --history" (fixtures/run-*.json); "live" reveals the
// succeeded history a few events per request while RUNNING; "big" is a
// synthetic 500-state machine with a 10,000-event history.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const fixtures = path.join(here, 'fixtures');
const ACCOUNT = 'arn:aws:states:us-east-1:123456789012';

const contactDef = fs.readFileSync(path.join(fixtures, 'contact-form.asl.json'), 'utf8');
const run = (f) => JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'));

// largeDefinition mirrors orchestrator/graph's LargeDefinition.
export function largeDefinition(n) {
  const name = (i) => `S${String(i).padStart(4, '0')}`;
  const States = {};
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? { Next: name(i + 1) } : { End: true };
    if (i % 10 === 9 && i + 5 < n) States[name(i)] = { Type: 'Choice', Choices: [{ Variable: '$.skip', BooleanEquals: true, Next: name(i + 5) }], Default: name(i + 1) };
    else if (i % 7 === 6 && i >= 3) States[name(i)] = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, Catch: [{ ErrorEquals: ['States.ALL'], Next: name(i - 3) }], ...next };
    else States[name(i)] = { Type: 'Pass', ...next };
  }
  return { StartAt: name(0), States };
}

// largeHistory visits the chain of states round after round until it has
// n events, then succeeds.
function largeHistory(def, n) {
  const names = Object.keys(def.States);
  const events = [];
  const t0 = 1767225600;
  const push = (type, key, d) => {
    const id = events.length + 1;
    const e = { id, previousEventId: id - 1, timestamp: t0 + id * 0.01, type };
    if (key) e[key] = d;
    events.push(e);
  };
  push('ExecutionStarted', 'executionStartedEventDetails', { input: '{}', inputDetails: { truncated: false } });
  for (let i = 0; events.length < n - 3; i++) {
    const nm = names[i % names.length];
    const typ = def.States[nm].Type;
    push(`${typ}StateEntered`, 'stateEnteredEventDetails', { name: nm, input: `{"round":${Math.floor(i / names.length)}}` });
    push(`${typ}StateExited`, 'stateExitedEventDetails', { name: nm, output: `{"round":${Math.floor(i / names.length)}}` });
  }
  while (events.length < n - 1) push('PassStateEntered', 'stateEnteredEventDetails', { name: names[0], input: '{}' }), events.length < n - 1 && push('PassStateExited', 'stateExitedEventDetails', { name: names[0], output: '{}' });
  push('ExecutionSucceeded', 'executionSucceededEventDetails', { output: '{}' });
  return events;
}

const machines = [
  { name: 'ContactForm', def: contactDef },
  { name: 'Large500', def: JSON.stringify(largeDefinition(500)) },
];
for (const m of machines) m.arn = `${ACCOUNT}:stateMachine:${m.name}`;

const succeeded = run('run-succeeded.json');
const caught = run('run-caught.json');
const executions = [];
function addExecution(machine, name, history, status, extra = {}) {
  const start = history[0].timestamp;
  const end = history[history.length - 1].timestamp;
  executions.push({ machine, name, arn: `${ACCOUNT}:execution:${machine.name}:${name}`, history, status, startDate: start, stopDate: status === 'RUNNING' ? undefined : end, ...extra });
}
addExecution(machines[0], 'succeeded', succeeded.history, 'SUCCEEDED', { output: JSON.stringify(succeeded.output) });
addExecution(machines[0], 'caught', caught.history, 'SUCCEEDED', { output: JSON.stringify(caught.output) });
addExecution(machines[0], 'live', succeeded.history, 'RUNNING', { reveal: 10 });
for (let i = 0; i < 45; i++) addExecution(machines[0], `old-${String(i).padStart(2, '0')}`, succeeded.history, i % 3 === 0 ? 'FAILED' : 'SUCCEEDED');
addExecution(machines[1], 'big', largeHistory(JSON.parse(machines[1].def), 10000), 'SUCCEEDED');

// visible returns the events of an execution shown so far; "live" shows
// 10 more events on each DescribeExecution.
function visible(x) {
  if (!x.reveal) return x.history;
  return x.history.slice(0, Math.min(x.reveal, x.history.length));
}
function describe(x) {
  const evs = visible(x);
  const done = evs.length === x.history.length;
  const status = x.reveal ? (done ? 'SUCCEEDED' : 'RUNNING') : x.status;
  return {
    executionArn: x.arn, stateMachineArn: x.machine.arn, name: x.name, status,
    startDate: x.startDate, stopDate: status === 'RUNNING' ? undefined : x.history[x.history.length - 1].timestamp,
    input: '{"name":"Ann"}', ...(x.output && status !== 'RUNNING' ? { output: x.output } : {}),
  };
}

function page(items, maxResults, nextToken, dflt) {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString()) : 0;
  const size = Math.min(maxResults || dflt, 1000);
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { slice, next };
}

export const requests = [];
const ops = {
  ListStateMachines: () => ({ stateMachines: machines.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: 1767225600 })) }),
  DescribeStateMachine: (b) => {
    const m = machines.find((x) => x.arn === b.stateMachineArn);
    if (!m) throw { code: 400, type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${b.stateMachineArn}'` };
    return { stateMachineArn: m.arn, name: m.name, status: 'ACTIVE', definition: m.def, roleArn: 'arn:aws:iam::123456789012:role/x', type: 'STANDARD', creationDate: 1767225600 };
  },
  ListExecutions: (b) => {
    const all = executions.filter((x) => x.machine.arn === b.stateMachineArn).map(describe).filter((x) => !b.statusFilter || x.status === b.statusFilter);
    const { slice, next } = page(all, b.maxResults, b.nextToken, 100);
    return { executions: slice.map(({ input, output, ...x }) => x), nextToken: next };
  },
  DescribeExecution: (b) => {
    const x = find(b.executionArn);
    if (x.reveal && x.reveal < x.history.length) x.reveal += 10;
    return describe(x);
  },
  DescribeStateMachineForExecution: (b) => {
    const x = find(b.executionArn);
    return { stateMachineArn: x.machine.arn, name: x.machine.name, definition: x.machine.def, roleArn: 'arn:aws:iam::123456789012:role/x', updateDate: 1767225600 };
  },
  GetExecutionHistory: (b) => {
    const x = find(b.executionArn);
    let evs = visible(x);
    if (b.reverseOrder) evs = evs.slice().reverse();
    const { slice, next } = page(evs, b.maxResults, b.nextToken, 100);
    return { events: slice, nextToken: next };
  },
};
function find(arn) {
  const x = executions.find((e) => e.arn === arn);
  if (!x) throw { code: 400, type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${arn}'` };
  return x;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
export function start(port = 0) {
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const target = req.headers['x-amz-target'] || '';
        const op = target.replace('AWSStepFunctions.', '');
        requests.push(op);
        const reply = (code, obj) => {
          res.writeHead(code, { 'Content-Type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(obj));
        };
        if (req.headers['content-type'] !== 'application/x-amz-json-1.0' || !target.startsWith('AWSStepFunctions.') || !ops[op]) {
          return reply(400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` });
        }
        try {
          reply(200, ops[op](JSON.parse(body || '{}')));
        } catch (e) {
          reply(e.code || 500, { __type: e.type || 'InternalError', message: e.message || String(e) });
        }
      });
      return;
    }
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/console/')) {
      const file = url.pathname.slice('/console/'.length) || 'index.html';
      const p = path.join(dist, path.normalize(file));
      if (p.startsWith(dist) && fs.existsSync(p)) {
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(p)] || 'application/octet-stream' });
        return res.end(fs.readFileSync(p));
      }
    }
    res.writeHead(404);
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await start(Number(process.env.PORT || 8787));
  console.log(`fake Step Functions API and console on http://127.0.0.1:${s.address().port}/console/`);
}
