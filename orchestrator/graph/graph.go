// Package graph draws a parsed state machine: it builds a graph model of
// its states and transitions (Start and End, Next, Choice rules and
// Default, dashed Catch edges, Parallel branches side by side, a Map's item
// processor inside its box) and renders it as Graphviz DOT or as a
// standalone SVG laid out in Go (longest-path layering, barycentre
// ordering).
//
// The web console lays out the same model in the browser; this package is
// for "stepwise graph" and for documents.
package graph

import (
	"strconv"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// NodeKind tells a state node from the Start and End markers.
type NodeKind string

// The node kinds.
const (
	KindStart NodeKind = "start"
	KindEnd   NodeKind = "end"
	KindState NodeKind = "state"
)

// EdgeKind is the reason for a transition.
type EdgeKind string

// The edge kinds.
const (
	EdgeNext    EdgeKind = "next"    // Next, or the end of the machine
	EdgeChoice  EdgeKind = "choice"  // a Choice rule, labelled
	EdgeDefault EdgeKind = "default" // a Choice's Default
	EdgeCatch   EdgeKind = "catch"   // a Catch, drawn dashed
)

// Graph is one state machine, or one Parallel branch, or one Map's item
// processor. Nested machines hang off their Parallel or Map node.
type Graph struct {
	Nodes []*Node
	Edges []*Edge
}

// Node is a state, or the Start or End marker of the top-level machine.
type Node struct {
	ID   string // unique in the whole drawing
	Name string // the state name ("Start", "End" for markers)
	Kind NodeKind
	Type asl.StateType // empty for markers
	// Branches are a Parallel's branches; Processor is a Map's item
	// processor.
	Branches  []*Graph
	Processor *Graph
}

// Edge is a transition between two nodes of the same Graph.
type Edge struct {
	From, To string // node IDs
	Kind     EdgeKind
	Label    string // the Choice rule, "Default", or the caught errors
}

// Build returns the graph of a parsed state machine, with Start and End
// markers. States appear in definition order (sm.Order).
func Build(sm *asl.StateMachine) *Graph {
	return build(sm, "", true)
}

func build(sm *asl.StateMachine, prefix string, top bool) *Graph {
	g := &Graph{}
	id := func(name string) string { return prefix + name }
	startID, endID := prefix+"(start)", prefix+"(end)"
	if top {
		g.Nodes = append(g.Nodes, &Node{ID: startID, Name: "Start", Kind: KindStart})
		if _, ok := sm.States[sm.StartAt]; ok {
			g.Edges = append(g.Edges, &Edge{From: startID, To: id(sm.StartAt), Kind: EdgeNext})
		}
	}
	// Only edges to known states: an invalid definition still draws.
	// Two rules or catchers of one kind to the same state share one edge
	// whose label lists both.
	link := func(from, to string, kind EdgeKind, label string) {
		if _, ok := sm.States[to]; !ok {
			return
		}
		for _, e := range g.Edges {
			if e.From == id(from) && e.To == id(to) && e.Kind == kind {
				e.Label = clip(e.Label + " | " + label)
				return
			}
		}
		g.Edges = append(g.Edges, &Edge{From: id(from), To: id(to), Kind: kind, Label: label})
	}
	for _, name := range order(sm) {
		st := sm.States[name]
		n := &Node{ID: id(name), Name: name, Kind: KindState, Type: st.Type}
		g.Nodes = append(g.Nodes, n)
		for i, br := range st.Branches {
			n.Branches = append(n.Branches, build(br, id(name)+"/"+strconv.Itoa(i)+"/", false))
		}
		if st.ItemProcessor != nil {
			n.Processor = build(st.ItemProcessor, id(name)+"/", false)
		}
		switch st.Type {
		case asl.TypeChoice:
			for i, r := range st.Choices {
				link(name, r.Next, EdgeChoice, ruleLabel(r, i))
			}
			if st.Default != "" {
				link(name, st.Default, EdgeDefault, "Default")
			}
		default:
			if st.Next != "" {
				link(name, st.Next, EdgeNext, "")
			}
		}
		for _, c := range st.Catch {
			link(name, c.Next, EdgeCatch, catchLabel(c))
		}
		if top && (st.End || st.Type == asl.TypeSucceed || st.Type == asl.TypeFail) {
			g.Edges = append(g.Edges, &Edge{From: n.ID, To: endID, Kind: EdgeNext})
		}
	}
	if top {
		g.Nodes = append(g.Nodes, &Node{ID: endID, Name: "End", Kind: KindEnd})
	}
	return g
}

// order returns the state names in definition order, falling back to
// sorted names for a model built by hand without Order.
func order(sm *asl.StateMachine) []string {
	if len(sm.Order) == len(sm.States) {
		return sm.Order
	}
	seen := make(map[string]bool, len(sm.States))
	var names []string
	for _, n := range sm.Order {
		if _, ok := sm.States[n]; ok && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	var rest []string
	for n := range sm.States {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sortStrings(rest)
	return append(names, rest...)
}

// NodeCount returns the number of nodes in g and in its nested graphs.
func (g *Graph) NodeCount() int {
	n := len(g.Nodes)
	for _, nd := range g.Nodes {
		for _, b := range nd.Branches {
			n += b.NodeCount()
		}
		if nd.Processor != nil {
			n += nd.Processor.NodeCount()
		}
	}
	return n
}
