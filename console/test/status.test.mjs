// Unit tests of the status derivation (no browser): histories recorded
// with "stepwise run --history" from fixtures/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { derive } from '../src/status.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const history = (f) => JSON.parse(fs.readFileSync(path.join(here, 'fixtures', f), 'utf8')).history;
const summary = (events) => {
  const { states, execution } = derive(events);
  return { execution, states: Object.fromEntries([...states].map(([n, s]) => [n, s.status])) };
};

test('succeeded, with a retried task and a Map', () => {
  const h = history('run-succeeded.json');
  assert.deepEqual(summary(h), {
    execution: 'SUCCEEDED',
    states: { Process: 'retried', Store: 'succeeded', Notify: 'succeeded', SendEmail: 'succeeded', 'Is urgent?': 'succeeded', Done: 'succeeded' },
  });
  const p = derive(h).states.get('Process');
  assert.equal(p.retries, 1);
  assert.equal(p.error, 'Lambda.TooManyRequestsException');
  assert.deepEqual(derive(h).states.get('Notify').iterations.map((i) => i.status), ['succeeded', 'succeeded', 'succeeded']);
});

test('a caught Map failure', () => {
  const h = history('run-caught.json');
  assert.deepEqual(summary(h).states, { Process: 'succeeded', Store: 'succeeded', Notify: 'caught', SendEmail: 'failed', 'Notify failed': 'succeeded', Done: 'succeeded' });
  const n = derive(h).states.get('Notify');
  assert.equal(n.error, 'SESV2.MessageRejectedException');
  assert.equal(n.cause, 'Email address is not verified.');
  assert.deepEqual(n.iterations, [{ index: 0, status: 'succeeded' }, { index: 1, status: 'failed' }]);
});

test('running: a prefix of the history', () => {
  assert.deepEqual(summary(history('run-succeeded.json').slice(0, 20)), {
    execution: 'RUNNING',
    states: { Process: 'retried', Store: 'succeeded', Notify: 'running', SendEmail: 'running' },
  });
});

test('an uncaught failure in a Parallel branch fails the execution', () => {
  const h = history('run-parallel-fail.json');
  assert.deepEqual(summary(h), { execution: 'FAILED', states: { Prepare: 'succeeded', Both: 'failed', Left: 'succeeded', Right: 'failed' } });
  const r = derive(h).states.get('Right');
  assert.equal(r.error, 'Boom');
  assert.equal(r.retries, 1);
  assert.equal(derive(h).states.get('Both').error, 'Boom');
});

test('a Fail state', () => {
  const events = [
    { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
    { id: 2, previousEventId: 1, timestamp: 1, type: 'FailStateEntered', stateEnteredEventDetails: { name: 'Invalid', input: '{}' } },
    { id: 3, previousEventId: 2, timestamp: 1, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'ValidationError', cause: 'bad' } },
  ];
  const s = derive(events).states.get('Invalid');
  assert.equal(s.status, 'failed');
  assert.equal(s.error, 'ValidationError');
  assert.equal(s.cause, 'bad');
});

// Histories recorded from stepwise serve (GetExecutionHistory), with their
// definitions: failures that have no error event of their own.
const recorded = (f) => JSON.parse(fs.readFileSync(path.join(here, 'fixtures', f), 'utf8'));

test('serve: a caught Map failure raised by a Fail state in one iteration', () => {
  const { definition, history: h } = recorded('serve-maptest.json');
  const { states, execution } = derive(h, definition);
  assert.equal(execution, 'SUCCEEDED');
  assert.deepEqual(Object.fromEntries([...states].map(([n, s]) => [n, s.status])),
    { M: 'caught', C: 'succeeded', Ok: 'succeeded', Boom: 'failed', Handle: 'succeeded' });
  const m = states.get('M');
  assert.deepEqual([m.error, m.cause], ['Bad', 'two']);
  assert.deepEqual(m.iterations.sort((a, b) => a.index - b.index),
    [{ index: 0, status: 'succeeded' }, { index: 1, status: 'succeeded' }, { index: 2, status: 'failed' }, { index: 3, status: 'succeeded' }]);
  assert.deepEqual([states.get('Boom').error, states.get('Boom').cause], ['Bad', 'two']);
  assert.equal(states.get('C').visits, 4);
});

test('serve: a caught Parallel failure with ResultPath', () => {
  const { definition, history: h } = recorded('serve-par2.json');
  const { states } = derive(h, definition);
  assert.deepEqual(Object.fromEntries([...states].map(([n, s]) => [n, s.status])),
    { P: 'caught', A: 'succeeded', B: 'failed', Handle: 'succeeded' });
  // The Fail state's own Error and Cause; the Parallel's from inside it.
  assert.deepEqual([states.get('P').error, states.get('P').cause], ['Bad', 'b']);
});

test('a Fail state with a computed Error takes the execution failure', () => {
  const definition = { StartAt: 'F', States: { F: { Type: 'Fail', Error: '{% $states.input.e %}', Cause: '{% $states.input.c %}' } } };
  const events = [
    { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}' } },
    { id: 2, previousEventId: 1, timestamp: 1, type: 'FailStateEntered', stateEnteredEventDetails: { name: 'F', input: '{}' } },
    { id: 3, previousEventId: 2, timestamp: 1, type: 'ExecutionFailed', executionFailedEventDetails: { error: 'E', cause: 'C' } },
  ];
  const s = derive(events, definition).states.get('F');
  assert.deepEqual([s.status, s.error, s.cause], ['failed', 'E', 'C']);
});
