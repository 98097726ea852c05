package graph

import (
	"fmt"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// margin surrounds the drawing.
const margin = 16

// svgStyle is the drawing's stylesheet: dark text on light fills (contrast
// above 7:1), Catch edges dashed and red, Choice Default bold.
const svgStyle = `
text{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#16191f}
.state rect{fill:#ffffff;stroke:#5f6b7a;stroke-width:1.5}
.state .name{font-size:12px;font-weight:600}
.state .type{font-size:10px;fill:#414d5c}
.marker circle{fill:#e9ecef;stroke:#5f6b7a;stroke-width:1.5}
.marker text{font-size:8px}
.box>rect{fill:#f8f9fa;stroke:#5f6b7a;stroke-width:1.5}
.box.map>rect{stroke-dasharray:6 3}
.box .title{font-size:12px;font-weight:600}
.frame>rect{fill:#ffffff;stroke:#9aa5b1;stroke-width:1}
.frame .label{font-size:10px;fill:#414d5c}
.edge{fill:none;stroke:#5f6b7a;stroke-width:1.5}
.edge.catch{stroke:#b3261e;stroke-dasharray:5 4}
.edge.default{stroke-width:2.5}
.elabel{font-size:10px;fill:#414d5c}
.elabel.catch{fill:#b3261e}
`

// SVG renders the state machine as a standalone SVG document, laid out top
// to bottom.
func SVG(sm *asl.StateMachine) []byte {
	return BuildSVG(Build(sm))
}

// BuildSVG renders an already built graph as SVG.
func BuildSVG(g *Graph) []byte {
	b := layout(g)
	w, h := b.W+2*margin, b.H+2*margin
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="State machine graph">`+"\n", f(w), f(h), f(w), f(h))
	s.WriteString("<style>" + svgStyle + "</style>\n")
	s.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#5f6b7a"/></marker>` +
		`<marker id="arrow-catch" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#b3261e"/></marker></defs>` + "\n")
	fmt.Fprintf(&s, `<g transform="translate(%d,%d)">`+"\n", margin, margin)
	writeBlock(&s, b)
	s.WriteString("</g>\n</svg>\n")
	return []byte(s.String())
}

func writeBlock(s *strings.Builder, b *block) {
	for _, lk := range b.Links {
		cls, marker := "edge "+string(lk.Edge.Kind), "arrow"
		if lk.Edge.Kind == EdgeCatch {
			marker = "arrow-catch"
		}
		var d strings.Builder
		for i, p := range lk.Points {
			if i == 0 {
				d.WriteString("M")
			} else {
				d.WriteString("L")
			}
			d.WriteString(f(p.X) + "," + f(p.Y))
		}
		fmt.Fprintf(s, `<path class="%s" data-from="%s" data-to="%s" d="%s" marker-end="url(#%s)"/>`+"\n", cls, esc(lk.Edge.From), esc(lk.Edge.To), d.String(), marker)
		if lk.Edge.Label != "" {
			anchor := "middle"
			if lk.Edge.From == lk.Edge.To {
				anchor = "start"
			}
			fmt.Fprintf(s, `<text class="elabel %s" x="%s" y="%s" text-anchor="%s" dy="-3">%s</text>`+"\n", lk.Edge.Kind, f(lk.Label.X+4), f(lk.Label.Y), anchor, esc(lk.Edge.Label))
		}
	}
	for _, bx := range b.Boxes {
		n := bx.Node
		switch {
		case n.Kind != KindState:
			fmt.Fprintf(s, `<g class="marker %s" data-id="%s"><circle cx="%s" cy="%s" r="%s"/><text x="%s" y="%s" text-anchor="middle" dy="3">%s</text></g>`+"\n",
				n.Kind, esc(n.ID), f(bx.X+bx.W/2), f(bx.Y+bx.H/2), f(bx.W/2), f(bx.X+bx.W/2), f(bx.Y+bx.H/2), esc(n.Name))
		case len(bx.Frames) > 0:
			fmt.Fprintf(s, `<g class="box %s" data-id="%s" data-type="%s" transform="translate(%s,%s)">`+"\n", strings.ToLower(string(n.Type)), esc(n.ID), n.Type, f(bx.X), f(bx.Y))
			fmt.Fprintf(s, `<rect width="%s" height="%s" rx="6"/><text class="title" x="%d" y="22">%s <tspan class="type" font-weight="400" font-size="10">%s</tspan></text>`+"\n", f(bx.W), f(bx.H), framePad, esc(n.Name), n.Type)
			for _, fr := range bx.Frames {
				fmt.Fprintf(s, `<g class="frame" transform="translate(%s,%s)"><rect width="%s" height="%s" rx="4"/><text class="label" x="%d" y="14">%s</text>`+"\n", f(fr.X), f(fr.Y), f(fr.W), f(fr.H), framePad, esc(fr.Label))
				fmt.Fprintf(s, `<g transform="translate(%s,%d)">`+"\n", f((fr.W-fr.Inner.W)/2), frameLabelH)
				writeBlock(s, fr.Inner)
				s.WriteString("</g></g>\n")
			}
			s.WriteString("</g>\n")
		default:
			fmt.Fprintf(s, `<g class="state %s" data-id="%s" data-type="%s"><rect x="%s" y="%s" width="%s" height="%s" rx="6"/>`+
				`<text class="name" x="%s" y="%s" text-anchor="middle">%s</text><text class="type" x="%s" y="%s" text-anchor="middle">%s</text></g>`+"\n",
				strings.ToLower(string(n.Type)), esc(n.ID), n.Type, f(bx.X), f(bx.Y), f(bx.W), f(bx.H),
				f(bx.X+bx.W/2), f(bx.Y+19), esc(n.Name), f(bx.X+bx.W/2), f(bx.Y+34), n.Type)
		}
	}
}

// f formats a coordinate with at most one decimal.
func f(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}
