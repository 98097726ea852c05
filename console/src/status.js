// Derives each state's status from an execution's history events.

export const STATUSES = {
  notstarted: { text: 'Not started', icon: '○' },
  running: { text: 'In progress', icon: '◔' },
  succeeded: { text: 'Succeeded', icon: '✓' },
  failed: { text: 'Failed', icon: '✕' },
  caught: { text: 'Caught error', icon: '⚠' },
  retried: { text: 'Succeeded after retry', icon: '↻' },
  cancelled: { text: 'Cancelled', icon: '⊘' },
};

// Worse statuses win when one state ran several times (Map iterations,
// loops).
const RANK = { notstarted: 0, succeeded: 1, retried: 2, cancelled: 3, running: 4, caught: 5, failed: 6 };

const FAILURE = /(Failed|TimedOut|StartFailed|SubmitFailed)$/;

function details(e) {
  for (const k in e) if (k.endsWith('EventDetails')) return e[k];
  return {};
}

export function eventDetails(e) { return details(e); }

// executionStatus tells from the last events whether the execution ended.
function executionStatus(events) {
  for (let i = events.length - 1; i >= 0 && i >= events.length - 3; i--) {
    const m = /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.exec(events[i].type);
    if (m) return m[1].toUpperCase().replace('TIMEDOUT', 'TIMED_OUT');
  }
  return 'RUNNING';
}

// derive returns {states: Map(name -> info), execution: status}, where info
// is {name, type, status, visits, retries, input, output, error, cause,
// iterations: [{index, status}], enteredAt, exitedAt}.
//
// Events are attributed to a state visit by following previousEventId
// (each thread's events chain), by name for StateExited, and to the
// innermost open Parallel or Map for their own events.
export function derive(events) {
  const states = new Map();
  const visitOf = new Map(); // event id -> visit of that thread
  const open = []; // visits not yet exited
  const execStatus = executionStatus(events);
  let lastError = null;
  const info = (name) => {
    let s = states.get(name);
    if (!s) {
      s = { name, status: 'notstarted', visits: 0, retries: 0, iterations: [] };
      states.set(name, s);
    }
    return s;
  };
  // A thread that ends failing closes its last visit as failed.
  const closeFailed = (v) => {
    if (v && !v.done && (v.failed || v.kind === 'Fail')) {
      v.done = true;
      settle(v.s, 'failed');
    }
  };
  const latestOpen = (pred) => {
    for (let i = open.length - 1; i >= 0; i--) if (!open[i].done && pred(open[i])) return open[i];
    return null;
  };
  for (const e of events) {
    const d = details(e);
    const t = e.type;
    let visit = visitOf.get(e.previousEventId) || null;
    let m;
    if (t.endsWith('StateEntered')) {
      const s = info(d.name);
      s.type = t.slice(0, -'StateEntered'.length);
      s.visits++;
      s.input = d.input;
      s.enteredAt = e.timestamp;
      visit = { s, kind: s.type, failed: false, failures: 0, done: false };
      open.push(visit);
    } else if (t.endsWith('StateExited')) {
      if (!visit || visit.done || visit.s.name !== d.name) visit = latestOpen((v) => v.s.name === d.name);
      if (visit) {
        visit.done = true;
        settle(visit.s, visit.failed ? 'caught' : visit.failures > 0 ? 'retried' : 'succeeded');
        visit.s.output = d.output;
        visit.s.exitedAt = e.timestamp;
      }
      visit = null;
    } else if (t.startsWith('MapIteration')) {
      if (t === 'MapIterationFailed') closeFailed(visit);
      const s = info(d.name);
      let it = s.iterations.find((x) => x.index === d.index);
      if (!it) { it = { index: d.index, status: 'running' }; s.iterations.push(it); }
      if (t === 'MapIterationSucceeded') it.status = 'succeeded';
      if (t === 'MapIterationFailed') it.status = 'failed';
      if (t === 'MapIterationAborted') it.status = 'cancelled';
      visit = latestOpen((v) => v.s.name === d.name);
    } else if ((m = /^(Parallel|Map)State(Started|Succeeded|Failed|Aborted)$/.exec(t))) {
      if (m[2] === 'Failed') closeFailed(visit);
      visit = latestOpen((v) => v.kind === m[1]);
      if (visit && m[2] === 'Failed') {
        visit.failed = true;
        visit.failures++;
        visit.s.error = lastError ? lastError.error : undefined;
        visit.s.cause = lastError ? lastError.cause : undefined;
      }
      if (visit && m[2] === 'Succeeded') visit.failed = false;
    } else if (!t.startsWith('Execution') && visit) {
      if (FAILURE.test(t)) {
        visit.failed = true;
        visit.failures++;
        lastError = d;
        visit.s.error = d.error;
        visit.s.cause = d.cause;
      } else if (t.endsWith('Scheduled') && visit.failed) {
        visit.s.retries++;
        visit.failed = false;
      } else if (t.endsWith('Succeeded')) {
        visit.failed = false;
      }
    }
    visitOf.set(e.id, visit);
  }
  // Visits never exited: running, or where the execution ended.
  const last = events[events.length - 1];
  const end = last && /^Execution(Failed|TimedOut)$/.test(last.type) ? details(last) : null;
  for (const v of open) {
    if (v.done) continue;
    let st = 'running';
    if (execStatus === 'FAILED' || execStatus === 'TIMED_OUT') {
      st = 'failed';
      if (v.s.error === undefined && end) { v.s.error = end.error; v.s.cause = end.cause; }
    } else if (execStatus === 'ABORTED') {
      st = 'cancelled';
    } else if (execStatus === 'SUCCEEDED') {
      st = 'succeeded';
    }
    settle(v.s, st);
  }
  return { states, execution: execStatus };
}

function settle(s, st) {
  if (!s.settled || RANK[st] > RANK[s.status]) s.status = st;
  s.settled = true;
}
