// Package cli implements the stepwise commands, testable without a process.
//
// Exit statuses: 0 success (for run: the execution SUCCEEDED), 1 the
// execution FAILED or TIMED_OUT, or the definition is invalid, 2 a usage or
// I/O error.
package cli

import (
	"context"
	"fmt"
	"io"
)

const usage = `stepwise runs Amazon States Language state machines.

Usage:
  stepwise <command> [flags] [arguments]

Commands:
  run        run one execution in-process and print its result as JSON
  validate   check definitions and report every problem
  graph      draw a definition as SVG or DOT
  serve      run the Step Functions API, the worker and the console

Run "stepwise <command> --help" for a command's flags.
`

// Main dispatches to a command and returns the exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return Run(ctx, args[1:], stdin, stdout, stderr)
	case "validate":
		return Validate(ctx, args[1:], stdout, stderr)
	case "graph":
		return Graph(ctx, args[1:], stdout, stderr)
	case "serve":
		return Serve(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "stepwise: unknown command %q\n\n%s", args[0], usage)
	return 2
}
