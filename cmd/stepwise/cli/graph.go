package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/graph"
)

const graphUsage = `Usage: stepwise graph [--format svg|dot] [-o FILE] DEFINITION

Draws the state machine in DEFINITION (a file): states, Start and End,
Next and Choice transitions (rules labelled, Default bold), Catch
transitions dashed, Parallel branches side by side and a Map's item
processor inside its box. SVG is laid out by stepwise; DOT is for
Graphviz ("dot -Tpng").

Exit status: 0 drawn, 1 the definition is invalid, 2 a usage or I/O error.

Flags:
`

// Graph implements "stepwise graph": it writes the definition's graph as
// SVG (the default) or DOT to stdout or to the -o file.
func Graph(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "svg", "output format: svg or dot")
	outFile := fs.String("o", "", "write to `FILE` instead of standard output")
	printUsage := func(w io.Writer) {
		fmt.Fprint(w, graphUsage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		printUsage(stderr)
		return 2
	}
	if *format != "svg" && *format != "dot" {
		fmt.Fprintf(stderr, "stepwise graph: --format must be svg or dot, not %q\n", *format)
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "stepwise graph: give exactly one DEFINITION\n\n")
		printUsage(stderr)
		return 2
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
		return 2
	}
	file := fs.Arg(0)
	data, err := readDefinition(file)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise graph: %v\n", err)
		return 2
	}
	sm, err := asl.Parse(data)
	if err != nil {
		for _, ve := range asl.ValidationErrors(err) {
			fmt.Fprintf(stderr, "%s: %s\n", file, ve.Error())
		}
		if len(asl.ValidationErrors(err)) == 0 {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
		}
		return 1
	}
	var out []byte
	if *format == "dot" {
		out = []byte(graph.DOT(sm))
	} else {
		out = graph.SVG(sm)
	}
	if *outFile == "" {
		if _, err := stdout.Write(out); err != nil {
			fmt.Fprintf(stderr, "stepwise graph: writing the graph: %v\n", err)
			return 2
		}
		return 0
	}
	if err := os.WriteFile(*outFile, out, 0o644); err != nil {
		fmt.Fprintf(stderr, "stepwise graph: writing the graph: %v\n", err)
		return 2
	}
	return 0
}
