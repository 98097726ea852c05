package graph

import (
	"sort"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// Layout sizes, in SVG user units (pixels).
const (
	charWidth    = 7.2 // average width of a 12px sans-serif character
	stateMinW    = 120
	stateH       = 44
	markerSize   = 30
	nodeGap      = 32 // between nodes of a layer
	layerGap     = 56 // between layers
	headerH      = 34 // title of a Parallel or Map box
	framePad     = 12 // inside a box or branch frame
	frameLabelH  = 20 // "Branch 1", "Item processor"
	branchGap    = 16 // between the branches of a Parallel
	orderSweeps  = 8
	coordSweeps  = 4
	selfLoopSize = 18
)

// point is a position in a block's coordinates.
type point struct{ X, Y float64 }

// block is a laid-out Graph: the boxes of its nodes and the routes of its
// edges, relative to the block's top-left corner.
type block struct {
	W, H  float64
	Boxes []*nodeBox // in g.Nodes order
	Links []*link
}

// nodeBox is a node's position and, for Parallel and Map, the laid-out
// nested graphs inside it.
type nodeBox struct {
	Node       *Node
	X, Y, W, H float64
	Frames     []*frame // branches, or the item processor
}

// frame is one nested graph inside a Parallel or Map box.
type frame struct {
	Label      string
	X, Y, W, H float64 // relative to the node box
	Inner      *block  // placed at (X+framePad, Y+frameLabelH)
}

// link is a routed edge: a polyline ending at the target.
type link struct {
	Edge   *Edge
	Points []point
	Label  point // where the label is centred
}

// vertex is a node or a dummy of the layered layout.
type vertex struct {
	box        *nodeBox // nil for a dummy
	w, h       float64
	layer, pos int
	x          float64 // centre
	up, down   []int   // neighbours in the layers above and below
}

// layout lays out g and, first, every graph nested in it.
func layout(g *Graph) *block {
	b := &block{}
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.ID] = i
		b.Boxes = append(b.Boxes, sizeNode(n))
	}
	n := len(g.Nodes)
	if n == 0 {
		return b
	}

	// Break cycles: a DFS in definition order from the first node, then
	// from any node not yet reached; edges to a node on the stack are
	// reversed.
	out := make([][]int, n) // edge indices by source
	for i, e := range g.Edges {
		out[index[e.From]] = append(out[index[e.From]], i)
	}
	reversed := make([]bool, len(g.Edges))
	state := make([]uint8, n) // 0 new, 1 on stack, 2 done
	var post []int
	var visit func(v int)
	visit = func(v int) {
		state[v] = 1
		for _, ei := range out[v] {
			w := index[g.Edges[ei].To]
			switch state[w] {
			case 0:
				visit(w)
			case 1:
				reversed[ei] = true
			}
		}
		state[v] = 2
		post = append(post, v)
	}
	for v := 0; v < n; v++ {
		if state[v] == 0 {
			visit(v)
		}
	}

	// Longest-path layering in topological order (reverse postorder).
	type dagEdge struct{ from, to, edge int }
	var dag []dagEdge
	for i, e := range g.Edges {
		f, t := index[e.From], index[e.To]
		if f == t {
			continue
		}
		if reversed[i] {
			f, t = t, f
		}
		dag = append(dag, dagEdge{f, t, i})
	}
	dagOut := make([][]int, n)
	for i, d := range dag {
		dagOut[d.from] = append(dagOut[d.from], i)
	}
	layer := make([]int, n)
	for i := len(post) - 1; i >= 0; i-- {
		v := post[i]
		for _, di := range dagOut[v] {
			if t := dag[di].to; layer[t] < layer[v]+1 {
				layer[t] = layer[v] + 1
			}
		}
	}
	// The End marker sits alone on the last layer.
	maxLayer := 0
	for _, l := range layer {
		maxLayer = max(maxLayer, l)
	}
	for i, nd := range g.Nodes {
		if nd.Kind == KindEnd {
			layer[i] = maxLayer
		}
	}

	// Vertices: nodes, then dummies along edges spanning several layers.
	vs := make([]*vertex, n)
	for i, bx := range b.Boxes {
		vs[i] = &vertex{box: bx, w: bx.W, h: bx.H, layer: layer[i]}
	}
	chains := make([][]int, len(g.Edges)) // vertex chain of each edge, DAG direction
	for _, d := range dag {
		chain := []int{d.from}
		prev := d.from
		for l := layer[d.from] + 1; l < layer[d.to]; l++ {
			vs = append(vs, &vertex{w: 0, h: 0, layer: l})
			cur := len(vs) - 1
			vs[prev].down = append(vs[prev].down, cur)
			vs[cur].up = append(vs[cur].up, prev)
			chain = append(chain, cur)
			prev = cur
		}
		vs[prev].down = append(vs[prev].down, d.to)
		vs[d.to].up = append(vs[d.to].up, prev)
		chains[d.edge] = append(chain, d.to)
	}

	// Initial order: topological (reverse postorder) for nodes, creation
	// order for dummies.
	layers := make([][]int, maxLayer+1)
	for i := len(post) - 1; i >= 0; i-- {
		v := post[i]
		layers[layer[v]] = append(layers[layer[v]], v)
	}
	for v := n; v < len(vs); v++ {
		layers[vs[v].layer] = append(layers[vs[v].layer], v)
	}
	renumber := func(l []int) {
		for p, v := range l {
			vs[v].pos = p
		}
	}
	for _, l := range layers {
		renumber(l)
	}

	// Barycentre ordering, alternating downward and upward sweeps.
	bary := func(v int, down bool) (float64, bool) {
		nb := vs[v].up
		if !down {
			nb = vs[v].down
		}
		if len(nb) == 0 {
			return 0, false
		}
		s := 0.0
		for _, u := range nb {
			s += float64(vs[u].pos)
		}
		return s / float64(len(nb)), true
	}
	for sweep := 0; sweep < orderSweeps; sweep++ {
		down := sweep%2 == 0
		order := func(l []int) {
			key := make(map[int]float64, len(l))
			for _, v := range l {
				if k, ok := bary(v, down); ok {
					key[v] = k
				} else {
					key[v] = float64(vs[v].pos)
				}
			}
			sort.SliceStable(l, func(i, j int) bool { return key[l[i]] < key[l[j]] })
			renumber(l)
		}
		if down {
			for li := 1; li < len(layers); li++ {
				order(layers[li])
			}
		} else {
			for li := len(layers) - 2; li >= 0; li-- {
				order(layers[li])
			}
		}
	}

	// Coordinates: pack each layer, then pull nodes towards the mean of
	// their neighbours' centres, keeping the order and the gaps.
	gapOf := func(v int) float64 {
		if vs[v].box == nil {
			return nodeGap / 2
		}
		return nodeGap
	}
	for _, l := range layers {
		x := 0.0
		for _, v := range l {
			vs[v].x = x + vs[v].w/2
			x += vs[v].w + gapOf(v)
		}
	}
	place := func(l []int, down bool) {
		desired := make([]float64, len(l))
		for i, v := range l {
			nb := vs[v].up
			if !down {
				nb = vs[v].down
			}
			desired[i] = vs[v].x
			if len(nb) > 0 {
				s := 0.0
				for _, u := range nb {
					s += vs[u].x
				}
				desired[i] = s / float64(len(nb))
			}
		}
		// Left to right, no overlap.
		xs := make([]float64, len(l))
		for i, v := range l {
			xs[i] = desired[i]
			if i > 0 {
				p := l[i-1]
				minX := xs[i-1] + vs[p].w/2 + max(gapOf(p), gapOf(v)) + vs[v].w/2
				xs[i] = max(xs[i], minX)
			}
		}
		// Right to left, pulling back towards the desired place.
		for i := len(l) - 2; i >= 0; i-- {
			v, nx := l[i], l[i+1]
			maxX := xs[i+1] - vs[nx].w/2 - max(gapOf(v), gapOf(nx)) - vs[v].w/2
			xs[i] = min(xs[i], max(desired[i], maxX))
			if xs[i] > maxX {
				xs[i] = maxX
			}
		}
		for i, v := range l {
			vs[v].x = xs[i]
		}
	}
	for sweep := 0; sweep < coordSweeps; sweep++ {
		down := sweep%2 == 0
		if down {
			for li := 1; li < len(layers); li++ {
				place(layers[li], true)
			}
		} else {
			for li := len(layers) - 2; li >= 0; li-- {
				place(layers[li], false)
			}
		}
	}
	// A final downward pass keeps chains straight under their source.
	for li := 1; li < len(layers); li++ {
		place(layers[li], true)
	}

	// Normalise: the leftmost edge at 0; layers stacked by their height.
	minX := 0.0
	first := true
	for _, v := range vs {
		if l := v.x - v.w/2; first || l < minX {
			minX, first = l, false
		}
	}
	layerY := make([]float64, len(layers))
	y := 0.0
	for li, l := range layers {
		h := 0.0
		for _, v := range l {
			h = max(h, vs[v].h)
		}
		layerY[li] = y + h/2 // centre line of the layer
		y += h + layerGap
	}
	b.H = y - layerGap
	for _, v := range vs {
		v.x -= minX
		b.W = max(b.W, v.x+v.w/2)
		if v.box != nil {
			v.box.X = v.x - v.w/2
			v.box.Y = layerY[v.layer] - v.h/2
		}
	}

	// Routes: bottom of the source, through the dummies, top of the
	// target; reversed edges are drawn back up on the right-hand side.
	for i, e := range g.Edges {
		f, t := index[e.From], index[e.To]
		lk := &link{Edge: e}
		if f == t {
			bx := b.Boxes[f]
			r, cy := bx.X+bx.W, bx.Y+bx.H/2
			lk.Points = []point{{r, cy - 8}, {r + selfLoopSize, cy - 8}, {r + selfLoopSize, cy + 8}, {r, cy + 8}}
			lk.Label = point{r + selfLoopSize + 4, cy}
			b.W = max(b.W, r+selfLoopSize+4)
			b.Links = append(b.Links, lk)
			continue
		}
		chain := chains[i]
		pts := make([]point, 0, len(chain))
		for k, v := range chain {
			vx := vs[v]
			switch {
			case vx.box == nil:
				pts = append(pts, point{vx.x, layerY[vx.layer]})
			case k == 0:
				pts = append(pts, point{vx.x, vx.box.Y + vx.box.H})
			default:
				pts = append(pts, point{vx.x, vx.box.Y})
			}
		}
		if reversed[i] {
			// Leave from the source's top, come into the target's bottom,
			// offset to the right so as not to overlap forward edges.
			for k := range pts {
				pts[k].X += 10
			}
			for l, r := 0, len(pts)-1; l < r; l, r = l+1, r-1 {
				pts[l], pts[r] = pts[r], pts[l]
			}
		}
		lk.Points = pts
		lk.Label = labelAt(pts)
		b.Links = append(b.Links, lk)
	}
	return b
}

// labelAt returns the middle of a polyline's middle segment.
func labelAt(pts []point) point {
	if len(pts) == 1 {
		return pts[0]
	}
	i := (len(pts) - 1) / 2
	return point{(pts[i].X + pts[i+1].X) / 2, (pts[i].Y + pts[i+1].Y) / 2}
}

// sizeNode sizes a node; Parallel and Map boxes are sized around their
// laid-out nested graphs.
func sizeNode(n *Node) *nodeBox {
	bx := &nodeBox{Node: n}
	switch {
	case n.Kind != KindState:
		bx.W, bx.H = markerSize, markerSize
		return bx
	case len(n.Branches) > 0 || n.Processor != nil:
		var frames []*frame
		for i, br := range n.Branches {
			frames = append(frames, &frame{Label: "Branch " + itoa(i+1), Inner: layout(br)})
		}
		if n.Processor != nil {
			frames = append(frames, &frame{Label: "Item processor", Inner: layout(n.Processor)})
		}
		x := float64(framePad)
		h := 0.0
		for _, f := range frames {
			f.X, f.Y = x, headerH
			f.W = max(f.Inner.W+2*framePad, textWidth(f.Label)+2*framePad)
			f.H = f.Inner.H + frameLabelH + framePad
			x += f.W + branchGap
			h = max(h, f.H)
		}
		for _, f := range frames {
			f.H = h // branches share one height
		}
		bx.Frames = frames
		bx.W = max(x-branchGap+framePad, textWidth(n.Name+"  "+string(n.Type))+2*framePad)
		bx.H = headerH + h + framePad
		if n.Type == asl.TypeMap && len(frames) == 1 {
			bx.Frames[0].X = (bx.W - bx.Frames[0].W) / 2
		}
		return bx
	}
	bx.W = max(stateMinW, textWidth(n.Name)+28)
	bx.H = stateH
	return bx
}

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charWidth }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
