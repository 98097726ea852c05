package graph_test

import (
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/graph"
)

var update = flag.Bool("update", false, "rewrite the golden .dot and .svg files")

// TestGolden renders each testdata/*.asl.json as DOT and SVG and compares
// with the .dot and .svg files beside it.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.asl.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		base := strings.TrimSuffix(file, ".asl.json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			sm, err := asl.Parse(data)
			require.NoError(t, err)
			for ext, got := range map[string][]byte{".dot": []byte(graph.DOT(sm)), ".svg": graph.SVG(sm)} {
				if *update {
					require.NoError(t, os.WriteFile(base+ext, got, 0o644))
					continue
				}
				want, err := os.ReadFile(base + ext)
				require.NoError(t, err, "run go test -update to create it")
				require.Equal(t, string(want), string(got), "%s%s differs; run go test -update and review the diff", base, ext)
			}
			requireWellFormed(t, graph.SVG(sm))
		})
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/poll_loop.asl.json")
	require.NoError(t, err)
	sm, err := asl.Parse(data)
	require.NoError(t, err)
	g := graph.Build(sm)

	var names []string
	for _, n := range g.Nodes {
		names = append(names, n.Name)
	}
	require.Equal(t, []string{"Start", "Submit", "Wait <10s>", "Check", "Done?", "Fan out", "Success", "Job failed", "End"}, names)

	var edges []string
	for _, e := range g.Edges {
		edges = append(edges, fmt.Sprintf("%s -%s-> %s %q", e.From, e.Kind, e.To, e.Label))
	}
	require.Equal(t, []string{
		`(start) -next-> Submit ""`,
		`Submit -next-> Wait <10s> ""`,
		`Wait <10s> -next-> Check ""`,
		`Check -next-> Done? ""`,
		`Check -catch-> Check "Catch: Throttled"`,
		`Done? -choice-> Fan out "$.status == DONE"`,
		`Done? -choice-> Job failed "job failed"`,
		`Done? -default-> Wait <10s> "Default"`,
		`Fan out -next-> Success ""`,
		`Success -next-> (end) ""`,
		`Job failed -next-> (end) ""`,
	}, edges)

	fan := g.Nodes[5]
	require.Len(t, fan.Branches, 2)
	require.Equal(t, "Fan out/0/Report", fan.Branches[0].Nodes[0].ID)
	mp := fan.Branches[1].Nodes[0]
	require.Equal(t, asl.TypeMap, mp.Type)
	require.NotNil(t, mp.Processor)
	require.Equal(t, "Fan out/1/Per item/Notify", mp.Processor.Nodes[0].ID)
	require.Equal(t, 13, g.NodeCount())
}

// TestLarge lays out a 500-state definition (a chain with a Choice every
// tenth state jumping ahead and a Catch jumping back) and checks that no
// two state boxes overlap and that it is fast.
func TestLarge(t *testing.T) {
	t.Parallel()
	sm, err := asl.Parse(LargeDefinition(500))
	require.NoError(t, err)
	require.Len(t, sm.States, 500)

	start := time.Now()
	out := graph.SVG(sm)
	elapsed := time.Since(start)
	t.Logf("500 states: SVG of %d bytes in %v", len(out), elapsed)
	require.Less(t, elapsed, 5*time.Second)
	requireWellFormed(t, out)
	require.Equal(t, 500, strings.Count(string(out), `<g class="state `))

	type rect struct{ x, y, w, h float64 }
	var rects []rect
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, `<g class="state `) {
			continue
		}
		var r rect
		i := strings.Index(line, `<rect x="`)
		_, err := fmt.Sscanf(strings.ReplaceAll(line[i:], `"`, " "), "<rect x= %g y= %g width= %g height= %g", &r.x, &r.y, &r.w, &r.h)
		require.NoError(t, err, line)
		rects = append(rects, r)
	}
	for i := range rects {
		for j := i + 1; j < len(rects); j++ {
			a, b := rects[i], rects[j]
			overlap := a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
			require.False(t, overlap, "boxes %d and %d overlap: %v %v", i, j, a, b)
		}
	}
	require.Contains(t, graph.DOT(sm), `"S0499" -> "(end)"`)
}

func BenchmarkSVG500(b *testing.B) {
	sm, err := asl.Parse(LargeDefinition(500))
	require.NoError(b, err)
	for b.Loop() {
		graph.SVG(sm)
	}
}

// LargeDefinition returns a definition of n states S0000..: a chain of
// Pass states where every tenth is a Choice that may skip ahead by five
// and every seventh a Task whose Catch goes back three states.
func LargeDefinition(n int) []byte {
	name := func(i int) string { return fmt.Sprintf("S%04d", i) }
	var states []string
	for i := 0; i < n; i++ {
		next := `"End": true`
		if i+1 < n {
			next = fmt.Sprintf(`"Next": %q`, name(i+1))
		}
		switch {
		case i%10 == 9 && i+5 < n:
			states = append(states, fmt.Sprintf(`%q: {"Type": "Choice", "Choices": [{"Variable": "$.skip", "BooleanEquals": true, "Next": %q}], "Default": %q}`, name(i), name(i+5), name(i+1)))
		case i%7 == 6 && i >= 3:
			states = append(states, fmt.Sprintf(`%q: {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": %q}], %s}`, name(i), name(i-3), next))
		default:
			states = append(states, fmt.Sprintf(`%q: {"Type": "Pass", %s}`, name(i), next))
		}
	}
	return []byte(fmt.Sprintf(`{"StartAt": %q, "States": {%s}}`, name(0), strings.Join(states, ",\n")))
}

func requireWellFormed(t testing.TB, data []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(data)))
	for {
		_, err := d.Token()
		if err != nil {
			require.ErrorIs(t, err, io.EOF, "SVG is not well-formed XML")
			return
		}
	}
}
