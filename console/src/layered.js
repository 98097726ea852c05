// A fast layered layout for large machines, the same algorithm as
// orchestrator/graph (Go): DFS cycle breaking, longest-path layering,
// dummies on long edges, barycentre ordering, then coordinates pulled
// towards neighbours. dagre's network-simplex ranking and ordering take
// seconds on a few hundred states; this takes milliseconds.

const NODE_GAP = 28;
const LAYER_GAP = 44;

// layered places nodes ({id, w, h}) and routes edges ({from, to}); it sets
// n.x, n.y (top-left), e.points, e.lx, e.ly and returns {w, h}.
export function layered(nodes, edges) {
  const n = nodes.length;
  const index = new Map(nodes.map((nd, i) => [nd.id, i]));
  const out = nodes.map(() => []);
  edges.forEach((e, i) => out[index.get(e.from)].push(i));
  const reversed = new Array(edges.length).fill(false);
  const state = new Uint8Array(n);
  const post = [];
  // Iterative DFS (deep chains would overflow the stack).
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    const stack = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const ei = out[v][k];
        const w = index.get(edges[ei].to);
        if (state[w] === 0) { state[w] = 1; stack.push([w, 0]); } else if (state[w] === 1) reversed[ei] = true;
      } else {
        state[v] = 2;
        post.push(v);
        stack.pop();
      }
    }
  }
  const dag = [];
  edges.forEach((e, i) => {
    let f = index.get(e.from), t = index.get(e.to);
    if (f === t) return;
    if (reversed[i]) [f, t] = [t, f];
    dag.push({ from: f, to: t, edge: i });
  });
  const dagOut = nodes.map(() => []);
  dag.forEach((d, i) => dagOut[d.from].push(i));
  const layer = new Array(n).fill(0);
  for (let i = post.length - 1; i >= 0; i--) {
    const v = post[i];
    for (const di of dagOut[v]) { const t = dag[di].to; if (layer[t] < layer[v] + 1) layer[t] = layer[v] + 1; }
  }
  let maxLayer = 0;
  for (const l of layer) maxLayer = Math.max(maxLayer, l);
  nodes.forEach((nd, i) => { if (nd.kind === 'end') layer[i] = maxLayer; });

  const vs = nodes.map((nd, i) => ({ node: nd, w: nd.w, h: nd.h, layer: layer[i], pos: 0, x: 0, up: [], down: [] }));
  const chains = new Array(edges.length);
  for (const d of dag) {
    const chain = [d.from];
    let prev = d.from;
    for (let l = layer[d.from] + 1; l < layer[d.to]; l++) {
      vs.push({ node: null, w: 0, h: 0, layer: l, pos: 0, x: 0, up: [prev], down: [] });
      const cur = vs.length - 1;
      vs[prev].down.push(cur);
      chain.push(cur);
      prev = cur;
    }
    vs[prev].down.push(d.to);
    vs[d.to].up.push(prev);
    chain.push(d.to);
    chains[d.edge] = chain;
  }
  const layers = Array.from({ length: maxLayer + 1 }, () => []);
  for (let i = post.length - 1; i >= 0; i--) layers[layer[post[i]]].push(post[i]);
  for (let v = n; v < vs.length; v++) layers[vs[v].layer].push(v);
  const renumber = (l) => l.forEach((v, p) => { vs[v].pos = p; });
  layers.forEach(renumber);

  for (let sweep = 0; sweep < 8; sweep++) {
    const down = sweep % 2 === 0;
    const order = (l) => {
      const key = new Map();
      for (const v of l) {
        const nb = down ? vs[v].up : vs[v].down;
        key.set(v, nb.length ? nb.reduce((s, u) => s + vs[u].pos, 0) / nb.length : vs[v].pos);
      }
      l.sort((a, b) => key.get(a) - key.get(b));
      renumber(l);
    };
    if (down) for (let li = 1; li < layers.length; li++) order(layers[li]);
    else for (let li = layers.length - 2; li >= 0; li--) order(layers[li]);
  }

  const gap = (v) => (vs[v].node ? NODE_GAP : NODE_GAP / 2);
  for (const l of layers) {
    let x = 0;
    for (const v of l) { vs[v].x = x + vs[v].w / 2; x += vs[v].w + gap(v); }
  }
  const place = (l, down) => {
    const desired = l.map((v) => {
      const nb = down ? vs[v].up : vs[v].down;
      return nb.length ? nb.reduce((s, u) => s + vs[u].x, 0) / nb.length : vs[v].x;
    });
    const xs = desired.slice();
    for (let i = 1; i < l.length; i++) {
      const p = l[i - 1], v = l[i];
      xs[i] = Math.max(xs[i], xs[i - 1] + vs[p].w / 2 + Math.max(gap(p), gap(v)) + vs[v].w / 2);
    }
    for (let i = l.length - 2; i >= 0; i--) {
      const v = l[i], nx = l[i + 1];
      const maxX = xs[i + 1] - vs[nx].w / 2 - Math.max(gap(v), gap(nx)) - vs[v].w / 2;
      xs[i] = Math.min(xs[i], Math.max(desired[i], maxX), maxX);
    }
    l.forEach((v, i) => { vs[v].x = xs[i]; });
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    if (sweep % 2 === 0) for (let li = 1; li < layers.length; li++) place(layers[li], true);
    else for (let li = layers.length - 2; li >= 0; li--) place(layers[li], false);
  }
  for (let li = 1; li < layers.length; li++) place(layers[li], true);

  let minX = Infinity;
  for (const v of vs) minX = Math.min(minX, v.x - v.w / 2);
  const layerY = [];
  let y = 0;
  for (const l of layers) {
    const h = l.reduce((m, v) => Math.max(m, vs[v].h), 0);
    layerY.push(y + h / 2);
    y += h + LAYER_GAP;
  }
  let W = 0;
  for (const v of vs) {
    v.x -= minX;
    W = Math.max(W, v.x + v.w / 2);
    if (v.node) { v.node.x = v.x - v.w / 2; v.node.y = layerY[v.layer] - v.h / 2; }
  }
  edges.forEach((e, i) => {
    const chain = chains[i];
    if (!chain) return; // self-loop: drawn by the caller
    const pts = chain.map((v, k) => {
      const vx = vs[v];
      if (!vx.node) return { x: vx.x, y: layerY[vx.layer] };
      return { x: vx.x, y: k === 0 ? vx.node.y + vx.h : vx.node.y };
    });
    if (reversed[i]) { pts.forEach((p) => { p.x += 10; }); pts.reverse(); }
    e.points = pts;
    const m = Math.floor((pts.length - 1) / 2);
    e.lx = (pts[m].x + pts[m + 1].x) / 2;
    e.ly = (pts[m].y + pts[m + 1].y) / 2;
  });
  return { w: W, h: Math.max(0, y - LAYER_GAP) };
}
