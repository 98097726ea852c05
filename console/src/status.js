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

// derive returns {states: Map(name -> info), execution: status,
// eventState: Map(event id -> state name or '')}, where info
// is {name, type, status, visits, retries, input, output, error, cause,
// iterations: [{index, status}], enteredAt, exitedAt}.
//
// Events are attributed to a state visit by following previousEventId
// (each thread's events chain), by name for StateExited, and to the
// innermost open Parallel or Map for their own events.
export function derive(events, definition) {
  const failDefinition = (name) => failStateError(definition, name);
  const states = new Map();
  const eventState = new Map(); // event id -> the state it belongs to
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
      visit = { s, kind: s.type, failed: false, failures: 0, done: false, id: e.id };
      open.push(visit);
      // A Fail state has no exit: entering it is failing.
      if (s.type === 'Fail') {
        visit.done = true;
        settle(s, 'failed');
        const f = failDefinition(d.name);
        if (f) { s.error = f.error; s.cause = f.cause; lastError = { ...f, id: e.id }; }
      }
    } else if (t.endsWith('StateExited')) {
      if (!visit || visit.done || visit.s.name !== d.name) visit = latestOpen((v) => v.s.name === d.name);
      eventState.set(e.id, d.name);
      if (visit) {
        visit.done = true;
        settle(visit.s, visit.failed ? 'caught' : visit.failures > 0 ? 'retried' : 'succeeded');
        visit.s.output = d.output;
        visit.s.exitedAt = e.timestamp;
        // A caught Map or Parallel failure has no error event of its own
        // (AWS's MapStateFailed has no details): the Catch's result holds
        // it, at the top of the output with the default ResultPath.
        if (visit.failed && visit.s.error === undefined) {
          const ec = errorIn(d.output);
          if (ec) { visit.s.error = ec.error; visit.s.cause = ec.cause; }
        }
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
        // The failure inside that made it fail, if one was seen.
        const inside = lastError && lastError.id > visit.id;
        visit.s.error = inside ? lastError.error : undefined;
        visit.s.cause = inside ? lastError.cause : undefined;
      }
      if (visit && m[2] === 'Succeeded') visit.failed = false;
    } else if (t === 'ExecutionFailed' && visit && visit.kind === 'Fail' && visit.s.error === undefined) {
      // A Fail state with a computed Error or Cause: the execution's.
      visit.s.error = d.error;
      visit.s.cause = d.cause;
    } else if (!t.startsWith('Execution') && visit) {
      if (FAILURE.test(t)) {
        visit.failed = true;
        visit.failures++;
        lastError = { error: d.error, cause: d.cause, id: e.id };
        visit.s.error = d.error;
        visit.s.cause = d.cause;
      } else if (t.endsWith('Scheduled') && visit.failed) {
        visit.s.retries++;
        visit.failed = false;
      } else if (t.endsWith('Succeeded')) {
        visit.failed = false;
      }
    }
    if (!eventState.has(e.id)) eventState.set(e.id, t.startsWith('MapIteration') ? d.name : visit && !t.startsWith('Execution') ? visit.s.name : '');
    visitOf.set(e.id, visit);
  }
  // Visits never exited: running, or where the execution ended.
  const last = events[events.length - 1];
  const end = last && /^Execution(Failed|TimedOut)$/.test(last.type) ? details(last) : null;
  for (const v of open) {
    if (v.done) continue;
    let st = 'running';
    if (v.failed) {
      // Failed and never left: the failure ended its branch or iteration.
      st = 'failed';
    } else if (execStatus === 'FAILED' || execStatus === 'TIMED_OUT') {
      st = 'failed';
      if (v.s.error === undefined && end) { v.s.error = end.error; v.s.cause = end.cause; }
    } else if (execStatus === 'ABORTED') {
      st = 'cancelled';
    } else if (execStatus === 'SUCCEEDED') {
      // Never left although the execution succeeded: stopped by a sibling
      // branch's or iteration's failure that a Catch handled.
      st = 'cancelled';
    }
    settle(v.s, st);
  }
  return { states, execution: execStatus, eventState };
}

function settle(s, st) {
  if (!s.settled || RANK[st] > RANK[s.status]) s.status = st;
  s.settled = true;
}

// errorIn reads {Error, Cause} at the top of a state's output (a Catch's
// result with the default ResultPath).
function errorIn(output) {
  if (typeof output !== 'string' || !output.startsWith('{')) return null;
  try {
    const o = JSON.parse(output);
    if (o && typeof o.Error === 'string') return { error: o.Error, cause: typeof o.Cause === 'string' ? o.Cause : undefined };
  } catch { /* not JSON */ }
  return null;
}

// failStateError returns a Fail state's literal Error and Cause from the
// definition (nested machines included), or null when it has none or they
// are computed (ErrorPath, CausePath, JSONata).
function failStateError(sm, name) {
  if (!sm || !sm.States) return null;
  const st = sm.States[name];
  if (st && st.Type === 'Fail') {
    const lit = (v) => (typeof v === 'string' && !/^\{%[\s\S]*%\}$/.test(v.trim()) ? v : undefined);
    const error = lit(st.Error), cause = lit(st.Cause);
    return error === undefined && cause === undefined ? null : { error, cause };
  }
  for (const k in sm.States) {
    const s = sm.States[k];
    for (const b of [...(s.Branches || []), s.ItemProcessor || s.Iterator].filter(Boolean)) {
      const r = failStateError(b, name);
      if (r) return r;
    }
  }
  return null;
}
