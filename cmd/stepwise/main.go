// Command stepwise runs Amazon States Language state machines locally:
// one execution in-process (run), a definition check (validate), and more.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/stepwise-dev/stepwise/cmd/stepwise/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
