package graph

import (
	"fmt"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// DOT renders the state machine as a Graphviz digraph (top to bottom).
// Parallel and Map states are clusters holding their state node and their
// branches or item processor; the state node points at each nested start
// with a dotted edge. Catch edges are dashed.
func DOT(sm *asl.StateMachine) string {
	return BuildDOT(Build(sm))
}

// BuildDOT renders an already built graph as DOT.
func BuildDOT(g *Graph) string {
	var b strings.Builder
	b.WriteString("digraph StateMachine {\n")
	b.WriteString("  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.4, ranksep=0.5];\n")
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#5f6b7a\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [color=\"#5f6b7a\", fontname=\"Helvetica\", fontsize=9];\n")
	writeDOT(&b, g, "  ")
	b.WriteString("}\n")
	return b.String()
}

func writeDOT(b *strings.Builder, g *Graph, ind string) {
	for _, n := range g.Nodes {
		switch {
		case n.Kind == KindStart || n.Kind == KindEnd:
			fmt.Fprintf(b, "%s%s [label=%s, shape=circle, fillcolor=\"#e9ecef\", fontsize=9, width=0.5, fixedsize=true];\n", ind, quote(n.ID), quote(n.Name))
		case len(n.Branches) > 0 || n.Processor != nil:
			fmt.Fprintf(b, "%ssubgraph %s {\n", ind, quote("cluster_"+n.ID))
			fmt.Fprintf(b, "%s  label=%s; style=%s; color=\"#5f6b7a\";\n", ind, quote(n.Name+" ("+string(n.Type)+")"), quote(clusterStyle(n)))
			fmt.Fprintf(b, "%s  %s [label=%s];\n", ind, quote(n.ID), quote(n.Name+"\n"+string(n.Type)))
			for i, br := range n.Branches {
				fmt.Fprintf(b, "%s  subgraph %s {\n", ind, quote(fmt.Sprintf("cluster_%s/%d", n.ID, i)))
				fmt.Fprintf(b, "%s    label=%s; style=\"rounded\"; color=\"#9aa5b1\";\n", ind, quote(fmt.Sprintf("Branch %d", i+1)))
				writeDOT(b, br, ind+"    ")
				fmt.Fprintf(b, "%s  }\n", ind)
			}
			if n.Processor != nil {
				fmt.Fprintf(b, "%s  subgraph %s {\n", ind, quote("cluster_"+n.ID+"/processor"))
				fmt.Fprintf(b, "%s    label=\"Item processor\"; style=\"rounded,dashed\"; color=\"#9aa5b1\";\n", ind)
				writeDOT(b, n.Processor, ind+"    ")
				fmt.Fprintf(b, "%s  }\n", ind)
			}
			for _, br := range append(n.Branches, n.Processor) {
				if br != nil && len(br.Nodes) > 0 {
					fmt.Fprintf(b, "%s  %s -> %s [style=dotted, arrowhead=none];\n", ind, quote(n.ID), quote(br.Nodes[0].ID))
				}
			}
			fmt.Fprintf(b, "%s}\n", ind)
		default:
			fmt.Fprintf(b, "%s%s [label=%s];\n", ind, quote(n.ID), quote(n.Name+"\n"+string(n.Type)))
		}
	}
	for _, e := range g.Edges {
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+quote(e.Label))
		}
		switch e.Kind {
		case EdgeCatch:
			attrs = append(attrs, "style=dashed", "color=\"#b3261e\"", "fontcolor=\"#b3261e\"")
		case EdgeDefault:
			attrs = append(attrs, "style=bold")
		}
		fmt.Fprintf(b, "%s%s -> %s", ind, quote(e.From), quote(e.To))
		if len(attrs) > 0 {
			fmt.Fprintf(b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
}

func clusterStyle(n *Node) string {
	if n.Type == asl.TypeMap {
		return "rounded,dashed"
	}
	return "rounded"
}

// quote returns s as a DOT double-quoted ID.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}
