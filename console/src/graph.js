// Lays out a state machine definition with dagre and draws it as SVG:
// one dagre graph per nested machine, Parallel and Map boxes sized around
// their laid-out branches or item processor.
import dagre from '@dagrejs/dagre';
import { STATUSES } from './status.js';
import { layered } from './layered.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const STATE_H = 56;
const HEADER = 34;
const PAD = 12;
const FRAME_LABEL = 20;
const GAP = 16;
const LARGE = 150; // states

function el(name, attrs = {}, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

const textWidth = (s) => s.length * 7.4;

function order(sm) {
  return Object.keys(sm.States || {});
}

// layout returns {w, h, nodes: [{id, name, type, kind, x, y, w, h, frames}], edges}
// with coordinates relative to the block's top-left corner.
export function layout(sm, prefix = '', top = true) {
  const nodes = [];
  const add = (n) => { nodes.push(n); };
  const states = sm.States || {};
  if (top) add({ id: prefix + '(start)', name: 'Start', kind: 'start', w: 40, h: 40 });
  for (const name of order(sm)) {
    const st = states[name];
    const n = { id: prefix + name, name, type: st.Type, kind: 'state' };
    const nested = [];
    (st.Branches || []).forEach((b, i) => nested.push({ label: `Branch ${i + 1}`, sm: b, prefix: `${n.id}/${i}/` }));
    const proc = st.ItemProcessor || st.Iterator;
    if (proc) nested.push({ label: 'Item processor', sm: proc, prefix: `${n.id}/` });
    if (nested.length) {
      let x = PAD, h = 0;
      n.frames = nested.map((f) => {
        const inner = layout(f.sm, f.prefix, false);
        const fr = { label: f.label, inner, x, y: HEADER, w: Math.max(inner.w + 2 * PAD, textWidth(f.label) + 2 * PAD), h: inner.h + FRAME_LABEL + PAD };
        x += fr.w + GAP;
        h = Math.max(h, fr.h);
        return fr;
      });
      n.frames.forEach((f) => { f.h = h; });
      n.w = Math.max(x - GAP + PAD, textWidth(`${name}  ${st.Type}`) + 2 * PAD + 110);
      n.h = HEADER + h + PAD;
    } else {
      n.w = Math.max(150, textWidth(name) + 32);
      n.h = STATE_H;
    }
    add(n);
  }
  if (top) add({ id: prefix + '(end)', name: 'End', kind: 'end', w: 40, h: 40 });

  const edges = [];
  const link = (from, to, kind, label) => {
    if (!(to in states)) return;
    const same = edges.find((e) => e.from === prefix + from && e.to === prefix + to && e.kind === kind);
    if (same) { same.label += ' | ' + label; return; }
    edges.push({ from: prefix + from, to: prefix + to, kind, label });
  };
  if (top && sm.StartAt in states) edges.push({ from: prefix + '(start)', to: prefix + sm.StartAt, kind: 'next', label: '' });
  for (const name of order(sm)) {
    const st = states[name];
    if (st.Type === 'Choice') {
      (st.Choices || []).forEach((r, i) => link(name, r.Next, 'choice', r.Comment || ruleText(r) || `Rule #${i + 1}`));
      if (st.Default) link(name, st.Default, 'default', 'Default');
    } else if (st.Next) {
      link(name, st.Next, 'next', '');
    }
    for (const c of st.Catch || []) link(name, c.Next, 'catch', 'Catch: ' + (c.ErrorEquals || []).join(', '));
    if (top && (st.End || st.Type === 'Succeed' || st.Type === 'Fail')) edges.push({ from: prefix + name, to: prefix + '(end)', kind: 'next', label: '' });
  }
  // dagre for ordinary machines; past LARGE states its ranking and
  // ordering take seconds, so the layered layout of orchestrator/graph.
  let size;
  if (nodes.length > LARGE) {
    size = layered(nodes, edges);
  } else {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, edgesep: 12, marginx: 0, marginy: 0 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of nodes) g.setNode(n.id, { width: n.w, height: n.h });
    edges.forEach((e, i) => {
      if (e.from !== e.to) g.setEdge(e.from, e.to, e.label ? { label: e.label, width: Math.min(textWidth(e.label), 260) * 0.85, height: 14, labelpos: 'c' } : {}, String(i));
    });
    dagre.layout(g);
    for (const n of nodes) {
      const p = g.node(n.id);
      n.x = p.x - n.w / 2;
      n.y = p.y - n.h / 2;
    }
    edges.forEach((e, i) => {
      if (e.from === e.to) return;
      const p = g.edge(e.from, e.to, String(i));
      e.points = p.points;
      e.lx = p.x; e.ly = p.y;
    });
    size = { w: g.graph().width || 0, h: g.graph().height || 0 };
  }
  for (const e of edges) {
    e.anchor = 'middle';
    if (e.from !== e.to) continue;
    const n = nodes.find((x) => x.id === e.from);
    const r = n.x + n.w, cy = n.y + n.h / 2;
    e.points = [{ x: r, y: cy - 8 }, { x: r + 18, y: cy - 8 }, { x: r + 18, y: cy + 8 }, { x: r, y: cy + 8 }];
    e.lx = r + 22; e.ly = cy; e.anchor = 'start';
  }
  return { w: size.w + 60, h: size.h, nodes, edges };
}

function ruleText(r) {
  if (r.Condition) return String(r.Condition);
  if (r.And) return r.And.map(ruleText).join(' and ');
  if (r.Or) return r.Or.map(ruleText).join(' or ');
  if (r.Not) return 'not (' + ruleText(r.Not) + ')';
  const op = Object.keys(r).find((k) => k !== 'Variable' && k !== 'Next' && k !== 'Comment' && k !== 'Assign' && k !== 'Output');
  if (!op || !r.Variable) return '';
  const sym = { Equals: '==', GreaterThan: '>', GreaterThanEquals: '>=', LessThan: '<', LessThanEquals: '<=' };
  const m = /^(String|Numeric|Boolean|Timestamp)(Equals|GreaterThan|GreaterThanEquals|LessThan|LessThanEquals)(Path)?$/.exec(op);
  const t = m ? `${r.Variable} ${sym[m[2]]} ${r[op]}` : `${r.Variable} ${op} ${r[op]}`;
  return t.length > 48 ? t.slice(0, 47) + '…' : t;
}

// draw renders the definition into an <svg> and returns {svg, nodes,
// update}: nodes maps a state name to its <g>, update(states) applies
// derived statuses.
export function draw(sm) {
  const block = layout(sm);
  const svg = el('svg', { class: 'graph', width: block.w + 32, height: block.h + 32, viewBox: `0 0 ${block.w + 32} ${block.h + 32}`, role: 'group', 'aria-label': 'State machine graph' });
  const defs = el('defs', {}, svg);
  for (const [id, cls] of [['arrow', 'arrowhead'], ['arrow-catch', 'arrowhead catch']]) {
    const m = el('marker', { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0L10,5L0,10z', class: cls }, m);
  }
  const nodes = new Map();
  const root = el('g', { transform: 'translate(16,16)' }, svg);
  drawBlock(root, block, nodes);
  return {
    svg,
    nodes,
    update(states) {
      for (const [name, g] of nodes) {
        const s = states.get(name);
        const status = s ? s.status : 'notstarted';
        if (g.dataset.status === status) continue;
        g.dataset.status = status;
        g.setAttribute('class', g.getAttribute('class').replace(/\bst-\w+/, 'st-' + status));
        const label = STATUSES[status];
        g.querySelector('.status').textContent = `${label.icon} ${label.text}`;
        g.setAttribute('aria-label', `${name}, ${g.dataset.type} state, ${label.text}`);
      }
    },
  };
}

function drawBlock(parent, block, nodes) {
  const edgeLayer = el('g', { class: 'edges' }, parent);
  for (const e of block.edges) {
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    el('path', { class: `edge ${e.kind}`, d, 'marker-end': `url(#${e.kind === 'catch' ? 'arrow-catch' : 'arrow'})`, 'data-from': e.from, 'data-to': e.to }, edgeLayer);
    if (e.label) {
      const t = el('text', { class: `elabel ${e.kind}`, x: e.lx, y: e.ly, 'text-anchor': e.anchor, dy: 4 }, edgeLayer);
      t.textContent = e.label;
    }
  }
  for (const n of block.nodes) {
    if (n.kind !== 'state') {
      const g = el('g', { class: `marker ${n.kind}`, 'aria-hidden': 'true' }, parent);
      el('circle', { cx: n.x + n.w / 2, cy: n.y + n.h / 2, r: n.w / 2 }, g);
      const t = el('text', { x: n.x + n.w / 2, y: n.y + n.h / 2, 'text-anchor': 'middle', dy: 4 }, g);
      t.textContent = n.name;
      continue;
    }
    const g = el('g', { class: `node ${n.frames ? 'box ' : ''}${n.type.toLowerCase()} st-notstarted`, transform: `translate(${n.x},${n.y})`, tabindex: 0, role: 'button', 'data-name': n.name, 'data-type': n.type, 'aria-label': `${n.name}, ${n.type} state, Not started` }, parent);
    g.dataset.status = 'notstarted';
    el('rect', { class: 'shape', width: n.w, height: n.h, rx: 6 }, g);
    if (n.frames) {
      const title = el('text', { class: 'name', x: PAD, y: 22 }, g);
      title.textContent = n.name;
      const type = el('text', { class: 'type', x: PAD + textWidth(n.name) + 8, y: 22 }, g);
      type.textContent = n.type;
      const st = el('text', { class: 'status', x: n.w - PAD, y: 22, 'text-anchor': 'end' }, g);
      st.textContent = `${STATUSES.notstarted.icon} ${STATUSES.notstarted.text}`;
      nodes.set(n.name, g);
      for (const f of n.frames) {
        const fg = el('g', { class: 'frame', transform: `translate(${f.x},${f.y})` }, g);
        el('rect', { width: f.w, height: f.h, rx: 4 }, fg);
        const l = el('text', { class: 'flabel', x: PAD, y: 14 }, fg);
        l.textContent = f.label;
        const inner = el('g', { transform: `translate(${(f.w - f.inner.w) / 2 + 30},${FRAME_LABEL})` }, fg);
        drawBlock(inner, f.inner, nodes);
      }
    } else {
      const name = el('text', { class: 'name', x: n.w / 2, y: 19, 'text-anchor': 'middle' }, g);
      name.textContent = n.name;
      const type = el('text', { class: 'type', x: n.w / 2, y: 33, 'text-anchor': 'middle' }, g);
      type.textContent = n.type;
      const st = el('text', { class: 'status', x: n.w / 2, y: 48, 'text-anchor': 'middle' }, g);
      st.textContent = `${STATUSES.notstarted.icon} ${STATUSES.notstarted.text}`;
      nodes.set(n.name, g);
    }
  }
}
