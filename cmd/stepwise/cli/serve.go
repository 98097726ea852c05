package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/stepwise-dev/stepwise/console"
	"github.com/stepwise-dev/stepwise/orchestrator/app"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/poller"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
	"github.com/stepwise-dev/stepwise/statemachines"
)

const serveUsage = `Usage: stepwise serve [flags]

Runs the Step Functions API (AWS JSON 1.0 on POST /), the app's contact
routes (POST /contact, GET /contact/{id}), the worker and the console
(/console/) on one port, with the embedded store in --data.

Given the AWS SDK's endpoint settings it uses those services instead:
AWS_ENDPOINT_URL_DYNAMODB (table TABLE_NAME, default "stepwise", created if
missing), AWS_ENDPOINT_URL_SQS (queue QUEUE_URL, or "stepwise-steps"
created if missing), AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_LAMBDA (the
process function, PROCESS_FUNCTION_ARN); credentials and region as the SDK
reads them.

Flags:
`

// serveConfig is what Serve runs; tests fill it directly.
type serveConfig struct {
	Addr    string
	DataDir string
	Workers int
	Verbose bool
	// Ready, when set, receives the base URL once the server listens.
	Ready func(baseURL string)
	// NoSync turns off fsync in the embedded store (tests).
	NoSync bool
}

// Serve runs `stepwise serve` until ctx is done or a signal arrives.
func Serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage); fs.PrintDefaults() }
	cfg := serveConfig{}
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&cfg.DataDir, "data", ".stepwise", "folder of the embedded store and the local stand-ins (outbox/, tables)")
	fs.IntVar(&cfg.Workers, "workers", 32*runtime.GOMAXPROCS(0), "messages handled at once (worker goroutines)")
	fs.BoolVar(&cfg.Verbose, "v", false, "log at DEBUG")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "stepwise serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, &cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "stepwise serve: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, cfg *serveConfig, stdout, stderr io.Writer) error {
	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("creating %s: %w", dataDir, err)
	}

	deps, err := newServeDeps(ctx, dataDir, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := deps.close(); err != nil {
			log.Error("closing the task integrations", "error", err)
		}
	}()
	rt, err := app.Open(ctx, &app.Options{DataDir: dataDir, TableName: os.Getenv("TABLE_NAME"),
		QueueURL: os.Getenv("QUEUE_URL"), CreateMissing: true, Tasks: deps.tasks, Logger: log, NoSync: cfg.NoSync})
	if err != nil {
		return err
	}
	defer func() {
		if err := rt.Close(); err != nil {
			log.Error("closing the store", "error", err)
		}
	}()
	// One P more than the cores, so that the embedded store's fdatasync
	// does not leave a core idle (boltstore.Procs).
	if rt.StoreKind == "embedded" && !cfg.NoSync && os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(boltstore.Procs(runtime.GOMAXPROCS(0))))
	}
	sms, err := statemachines.Register(ctx, &statemachines.RegisterParams{Store: rt.Store, Region: rt.Region,
		AccountID: rt.AccountID, RoleARN: "arn:aws:iam::" + rt.AccountID + ":role/stepwise",
		Substitutions: deps.substitutions(rt), KnownResource: deps.known, Now: time.Now().UTC()})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle(console.Prefix, console.Handler())
	if err := deps.mount(mux, rt, sms); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "error", err)
		}
	})
	// Each worker receives one message, handles it and acknowledges it,
	// then takes the next: a slow task holds only its own worker, and the
	// store's group commit shares an fsync between the workers' commits.
	p := poller.New(rt.Queue, func(ctx context.Context, d *queue.Delivery) error {
		return rt.Engine.HandleMessage(ctx, d.Body, d.ReceiveCount)
	}, &poller.Config{Concurrency: 1, BatchSize: 1, Wait: time.Second, Logger: log,
		RetryDelayFunc: func(*queue.Delivery, error) time.Duration { return time.Second }})
	for range max(cfg.Workers, 1) {
		wg.Go(func() { _ = p.Run(runCtx) })
	}
	resumed, err := deps.resume(ctx, rt)
	if err != nil {
		log.Error("resuming unfinished executions", "error", err)
	}

	fmt.Fprintf(stdout, "stepwise serve\n")
	fmt.Fprintf(stdout, "  Step Functions API  %s/   (aws stepfunctions --endpoint-url %s ...)\n", base, base)
	fmt.Fprintf(stdout, "  contact form        POST %s/contact   (GET %s/contact/{id} for the status)\n", base, base)
	fmt.Fprintf(stdout, "  console             %s/console/\n", base)
	fmt.Fprintf(stdout, "  store               %s (%s)\n", rt.StoreWhere, rt.StoreKind)
	fmt.Fprintf(stdout, "  queue               %s (%s)\n", rt.QueueWhere, rt.QueueKind)
	for _, line := range deps.describe() {
		fmt.Fprintf(stdout, "  %s\n", line)
	}
	for _, name := range []string{"contact-form", "contact-form-express"} {
		if sm := sms[name]; sm != nil {
			fmt.Fprintf(stdout, "  state machine       %s (%s)\n", sm.ARN, sm.Type)
		}
	}
	if resumed > 0 {
		fmt.Fprintf(stdout, "  resumed             %d unfinished execution(s)\n", resumed)
	}
	fmt.Fprintf(stdout, "Ctrl-C stops; unfinished executions resume on the next start.\n")
	if cfg.Ready != nil {
		cfg.Ready(base)
	}

	<-ctx.Done()
	fmt.Fprintf(stdout, "stepwise serve: stopping\n")
	shutCtx, shutCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer shutCancel()
	_ = srv.Shutdown(shutCtx)
	cancel()
	wg.Wait()
	return nil
}
