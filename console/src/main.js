// The stepwise console: state machines, their executions, and one
// execution's graph, state details and event history. Reads only the Step
// Functions API on the same origin.
import { call, allHistory, newEvents } from './api.js';
import { derive, eventDetails, STATUSES } from './status.js';
import { draw } from './graph.js';
import { setupDialog } from './signing.js';
import './style.css';

const POLL_MS = 2000;
const HISTORY_PAGE = 100;
const app = document.getElementById('app');
let stopPolling = () => {};
window.stepwiseTimings = {};

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const k in attrs) {
    if (k === 'onclick' || k === 'onchange' || k === 'oninput' || k === 'onkeydown') e[k] = attrs[k];
    else if (attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const time = (t) => (t === undefined || t === null ? '—' : new Date(t * 1000).toISOString().replace('T', ' ').replace('Z', ' UTC'));
function duration(a, b) {
  if (!a) return '—';
  const ms = Math.max(0, Math.round(((b || Date.now() / 1000) - a) * 1000));
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}
const EXEC_STATUS = {
  RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'failed', ABORTED: 'cancelled', PENDING_REDRIVE: 'running',
};
function badge(status) {
  const key = EXEC_STATUS[status] || status;
  const s = STATUSES[key] || { icon: '', text: status };
  const text = EXEC_STATUS[status] ? status.replace('_', ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase()) : s.text;
  return h('span', { class: `badge st-${key}` }, h('span', { 'aria-hidden': 'true' }, s.icon + ' '), text);
}
const nameOf = (arn) => arn.split(':').pop();
function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' }, String(err.message || err));
}
function pretty(s) {
  if (s === undefined || s === null) return '—';
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return String(s); }
}

// Views.

async function machinesView() {
  app.replaceChildren(h('h1', {}, 'State machines'), h('p', { class: 'muted' }, 'Loading…'));
  const items = [];
  let nextToken;
  do {
    const page = await call('ListStateMachines', { maxResults: 100, nextToken });
    items.push(...(page.stateMachines || []));
    nextToken = page.nextToken;
  } while (nextToken);
  const rows = items.map((m) => h('tr', {},
    h('td', {}, h('a', { href: `#/machine/${encodeURIComponent(m.stateMachineArn)}` }, m.name)),
    h('td', {}, m.type || 'STANDARD'),
    h('td', {}, time(m.creationDate))));
  app.replaceChildren(h('h1', {}, 'State machines'),
    items.length ? h('table', { class: 'list', id: 'machines' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Type'), h('th', {}, 'Created'))), h('tbody', {}, rows))
      : h('p', {}, 'No state machines.'));
}

async function machineView(arn, params) {
  const status = params.get('status') || '';
  const tokens = (params.get('pages') || '').split(',').filter(Boolean);
  const sm = await call('DescribeStateMachine', { stateMachineArn: arn });
  const req = { stateMachineArn: arn, maxResults: 20 };
  if (status) req.statusFilter = status;
  if (tokens.length) req.nextToken = tokens[tokens.length - 1];
  let page;
  try {
    page = await call('ListExecutions', req);
  } catch (err) {
    // Express executions are not kept: AWS lists them in CloudWatch Logs
    // only, and ListExecutions refuses the machine.
    if (err.type !== 'StateMachineTypeNotSupported') throw err;
    page = { executions: [], unsupported: true };
  }
  const go = (st, pages) => {
    const p = new URLSearchParams();
    if (st) p.set('status', st);
    if (pages.length) p.set('pages', pages.join(','));
    location.hash = `#/machine/${encodeURIComponent(arn)}?${p}`;
  };
  const filter = h('select', { id: 'status-filter', onchange: (e) => go(e.target.value, []) },
    ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((s) => {
      const o = h('option', { value: s }, s || 'All');
      if (s === status) o.selected = true;
      return o;
    }));
  const rows = (page.executions || []).map((x) => h('tr', {},
    h('td', {}, h('a', { href: `#/execution/${encodeURIComponent(x.executionArn)}` }, x.name)),
    h('td', {}, badge(x.status)),
    h('td', {}, time(x.startDate)),
    h('td', {}, duration(x.startDate, x.stopDate))));
  app.replaceChildren(
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ', sm.name),
    h('h1', {}, sm.name),
    h('details', {}, h('summary', {}, 'Graph'), h('div', { class: 'graph-wrap small' }, draw(JSON.parse(sm.definition)).svg)),
    h('h2', {}, 'Executions'),
    h('label', { class: 'filter' }, 'Status ', filter),
    page.unsupported ? h('p', { id: 'no-list' }, `${sm.type} state machine: its executions are not listed by the Step Functions API (ListExecutions). Express executions run to their end in one call and keep no history.`)
      : rows.length ? h('table', { class: 'list', id: 'executions' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Duration'))), h('tbody', {}, rows))
        : h('p', {}, status ? `No ${status.toLowerCase().replace('_', ' ')} executions.` : 'No executions.'),
    h('div', { class: 'pager' },
      h('button', { id: 'prev-page', disabled: tokens.length === 0, onclick: () => go(status, tokens.slice(0, -1)) }, '← Previous'),
      h('span', {}, ` Page ${tokens.length + 1} `),
      h('button', { id: 'next-page', disabled: !page.nextToken, onclick: () => go(status, [...tokens, page.nextToken]) }, 'Next →')));
}

// Long tasks (over 50 ms) while the page works: the longest says whether
// it froze. performance.now() counts from the page's navigation start.
let longestTask = 0;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longestTask = Math.max(longestTask, e.duration);
    window.stepwiseTimings.longestTask = longestTask;
  }).observe({ type: 'longtask', buffered: true });
} catch { /* longtask entries unsupported */ }
const nextPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function executionView(arn) {
  const t0 = performance.now();
  const timings = window.stepwiseTimings;
  app.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const [exec, sm] = await Promise.all([
    call('DescribeExecution', { executionArn: arn }),
    call('DescribeStateMachineForExecution', { executionArn: arn }),
  ]);
  const def = JSON.parse(sm.definition);
  const tl = performance.now();
  const graph = draw(def);
  timings.graphLayout = performance.now() - tl;
  const head = h('div', { class: 'exec-head' });
  const detail = h('aside', { class: 'detail', id: 'detail', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Select a state to see its input, output and error.'));
  const historyBox = h('section', { class: 'history', 'aria-label': 'Event history' }, h('h2', {}, 'Event history'), h('p', { class: 'muted' }, 'Loading events…'));
  const graphWrap = h('div', { class: 'graph-wrap', id: 'graph' }, graph.svg);
  app.replaceChildren(
    h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, 'State machines'), ' / ',
      h('a', { href: `#/machine/${encodeURIComponent(exec.stateMachineArn)}` }, nameOf(exec.stateMachineArn)), ' / ', exec.name),
    head, h('div', { class: 'exec-body' }, graphWrap, detail), historyBox);
  await nextPaint();
  timings.graphPaint = performance.now();
  timings.graphPaintSinceRoute = timings.graphPaint - t0;
  timings.graphNodes = graph.nodes.size;

  let current = exec;
  let events = [];
  let derived = { states: new Map() };
  let selected = null;
  const renderHead = () => head.replaceChildren(
    h('h1', {}, current.name, ' ', badge(current.status)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Started'), h('dd', {}, time(current.startDate)),
      h('dt', {}, 'Stopped'), h('dd', {}, time(current.stopDate)),
      h('dt', {}, 'Duration'), h('dd', {}, duration(current.startDate, current.stopDate)),
      current.error ? [h('dt', {}, 'Error'), h('dd', {}, current.error)] : null,
      current.cause ? [h('dt', {}, 'Cause'), h('dd', {}, current.cause)] : null));
  const showDetail = (name) => {
    selected = name;
    for (const g of graph.nodes.values()) g.classList.toggle('selected', g.dataset.name === name);
    const s = derived.states.get(name) || { status: 'notstarted', iterations: [] };
    const st = STATUSES[s.status];
    const type = graph.nodes.get(name)?.dataset.type;
    detail.replaceChildren(...[
      h('h2', {}, name),
      h('p', {}, h('span', { class: `badge st-${s.status}`, id: 'detail-status' }, `${st.icon} ${st.text}`), ` ${type} state`, s.visits > 1 ? ` · ${s.visits} runs` : '', s.retries ? ` · ${s.retries} ${s.retries === 1 ? 'retry' : 'retries'}` : ''),
      s.error !== undefined || s.cause !== undefined ? h('div', { class: 'err' }, h('h3', {}, 'Error'), h('pre', { id: 'detail-error' }, s.error || '—'), h('h3', {}, 'Cause'), h('pre', { id: 'detail-cause' }, pretty(s.cause))) : null,
      h('h3', {}, 'Input'), h('pre', { id: 'detail-input' }, pretty(s.input)),
      h('h3', {}, 'Output'), h('pre', { id: 'detail-output' }, pretty(s.output)),
      s.iterations.length ? iterationList(s.iterations) : null].flat().filter(Boolean));
  };
  // Keyboard: Tab moves between states in reading order; arrows too;
  // Enter or Space opens the details.
  const rects = new Map([...graph.nodes.values()].map((g) => [g, g.getBoundingClientRect()]));
  const order = [...graph.nodes.values()].sort((a, b) => rects.get(a).top - rects.get(b).top || rects.get(a).left - rects.get(b).left);
  order.forEach((g, i) => {
    g.addEventListener('click', (e) => { e.stopPropagation(); showDetail(g.dataset.name); });
    g.addEventListener('keydown', (e) => {
      let to = null;
      if (e.key === 'ArrowDown' || e.key === 'ArrowRight') to = order[i + 1];
      if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') to = order[i - 1];
      if (e.key === 'Home') to = order[0];
      if (e.key === 'End') to = order[order.length - 1];
      // Nested states sit inside their Map or Parallel's group: handle the
      // key once, in the innermost state.
      if (to) { e.preventDefault(); e.stopPropagation(); to.focus(); return; }
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); e.stopPropagation(); showDetail(g.dataset.name); }
    });
  });

  // History table, filtered and paged in the page.
  let filterText = '';
  let pageNo = 0;
  const table = h('tbody');
  const info = h('span', { id: 'history-info' });
  const prev = h('button', { id: 'history-prev', onclick: () => { pageNo--; renderHistory(); } }, '← Previous');
  const next = h('button', { id: 'history-next', onclick: () => { pageNo++; renderHistory(); } }, 'Next →');
  const filterInput = h('input', { type: 'search', id: 'history-filter', placeholder: 'Filter: type, state name or text', 'aria-label': 'Filter events', oninput: (e) => { filterText = e.target.value.toLowerCase(); pageNo = 0; renderHistory(); } });
  let stateOf = new Map();
  const texts = new Map();
  const rowText = (e) => {
    let t = texts.get(e.id);
    if (t === undefined) {
      t = `${e.id} ${e.type} ${stateOf.get(e.id) || ''} ${JSON.stringify(eventDetails(e))}`.toLowerCase();
      texts.set(e.id, t);
    }
    return t;
  };
  const renderHistory = () => {
    const rows = filterText ? events.filter((e) => rowText(e).includes(filterText)) : events;
    const pages = Math.max(1, Math.ceil(rows.length / HISTORY_PAGE));
    pageNo = Math.min(Math.max(0, pageNo), pages - 1);
    const start0 = events.length ? events[0].timestamp : 0;
    table.replaceChildren(...rows.slice(pageNo * HISTORY_PAGE, (pageNo + 1) * HISTORY_PAGE).map((e) => {
      const d = eventDetails(e);
      return h('tr', { class: /Failed|TimedOut|Aborted/.test(e.type) ? 'bad' : '' },
        h('td', {}, e.id), h('td', {}, e.type), h('td', {}, stateOf.get(e.id) || ''),
        h('td', {}, time(e.timestamp)), h('td', {}, `${Math.round((e.timestamp - start0) * 1000)} ms`),
        detailsCell(d));
    }));
    info.textContent = ` ${rows.length} of ${events.length} events · page ${pageNo + 1} of ${pages} `;
    prev.disabled = pageNo === 0;
    next.disabled = pageNo >= pages - 1;
  };
  historyBox.replaceChildren(h('h2', {}, 'Event history'),
    h('div', { class: 'history-tools' }, filterInput, h('div', { class: 'pager' }, prev, info, next)),
    h('table', { class: 'list events', id: 'history' }, h('thead', {}, h('tr', {}, ['ID', 'Type', 'State', 'Time', 'Elapsed', 'Details'].map((c) => h('th', {}, c)))), table));

  const apply = () => {
    derived = derive(events, def);
    stateOf = derived.eventState;
    graph.update(derived.states);
    renderHead();
    renderHistory();
    if (selected) showDetail(selected);
  };
  renderHead();
  const tf = performance.now();
  info.textContent = ' Loading events… ';
  events = await allHistory(arn, (sofar) => { info.textContent = ` Loading events… ${sofar.length} `; });
  timings.historyFetch = performance.now() - tf;
  const tr = performance.now();
  apply();
  timings.historyRender = performance.now() - tr;
  await nextPaint();
  timings.historyPaint = performance.now();
  timings.historyRendered = timings.historyPaint - t0;
  timings.events = events.length;

  // Poll while running.
  let timer = null;
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    try {
      current = await call('DescribeExecution', { executionArn: arn });
      const last = events.length ? events[events.length - 1].id : 0;
      const fresh = await newEvents(arn, last);
      if (fresh.length) { events = events.concat(fresh); apply(); } else renderHead();
    } catch (err) {
      head.append(errorBox(err));
    }
    if (!stopped && current.status === 'RUNNING') timer = setTimeout(poll, POLL_MS);
  };
  if (current.status === 'RUNNING') timer = setTimeout(poll, POLL_MS);
  stopPolling = () => { stopped = true; clearTimeout(timer); };
}

// detailsCell shows an event's details as JSON, the telling fields first
// (name, index, error, cause, resource), cut at DETAILS_CHARS with the
// whole of it a click away.
const DETAILS_CHARS = 300;
const FIRST = ['name', 'index', 'length', 'error', 'cause', 'resourceType', 'resource'];
function detailsCell(d) {
  const o = {};
  for (const k of FIRST) if (k in d) o[k] = d[k];
  for (const k in d) {
    if (k in o) continue;
    // {"truncated": false} says nothing.
    if (/^(input|output)Details$/.test(k) && d[k] && d[k].truncated === false) continue;
    o[k] = d[k];
  }
  const text = JSON.stringify(o);
  if (text === '{}') return h('td', { class: 'details' });
  if (text.length <= DETAILS_CHARS) return h('td', { class: 'details' }, text);
  return h('td', { class: 'details' }, text.slice(0, DETAILS_CHARS) + '…',
    h('details', {}, h('summary', {}, 'All details'), h('pre', {}, JSON.stringify(o, null, 2))));
}

// iterationList shows a Map's iterations by index with their status: a
// count by status, then the first ITERATIONS_SHOWN.
const ITERATIONS_SHOWN = 500;
function iterationList(iterations) {
  const sorted = [...iterations].sort((a, b) => a.index - b.index);
  const counts = {};
  for (const it of sorted) counts[it.status] = (counts[it.status] || 0) + 1;
  const summary = Object.keys(STATUSES).filter((k) => counts[k]).map((k) => `${counts[k]} ${STATUSES[k].text.toLowerCase()}`).join(', ');
  return [
    h('h3', {}, `Iterations (${sorted.length})`),
    h('p', { id: 'iteration-summary' }, summary),
    h('ol', { class: 'iterations', id: 'iterations', start: 0 },
      sorted.slice(0, ITERATIONS_SHOWN).map((it) => h('li', { class: `st-${it.status}` }, `#${it.index} `,
        h('span', { class: `badge st-${it.status}` }, `${STATUSES[it.status].icon} ${STATUSES[it.status].text}`)))),
    sorted.length > ITERATIONS_SHOWN ? h('p', { class: 'muted' }, `… and ${sorted.length - ITERATIONS_SHOWN} more`) : null,
  ];
}

// Routing.
async function route() {
  stopPolling();
  stopPolling = () => {};
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/');
  try {
    if (parts[1] === 'machine') await machineView(decodeURIComponent(parts[2]), params);
    else if (parts[1] === 'execution') await executionView(decodeURIComponent(parts[2]));
    else await machinesView();
  } catch (err) {
    app.append(errorBox(err));
  }
}
window.addEventListener('hashchange', route);
setupDialog(route);
route();
