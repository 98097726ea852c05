package engine_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// us-east-1 list prices used by the cost table (BENCHMARKS.md, "Cost per
// transition (AWS)", says where they come from).
const (
	priceWRU          = 0.625 / 1e6  // DynamoDB on-demand, per write request unit
	priceRRU          = 0.125 / 1e6  // DynamoDB on-demand, per read request unit
	priceSQS          = 0.40 / 1e6   // SQS standard, per request (64 KB chunk)
	priceLambdaReq    = 0.20 / 1e6   // Lambda, per invocation
	priceLambdaGBs    = 0.0000133334 // Lambda arm64, per GB-second
	lambdaMemoryGB    = 128.0 / 1024 // the worker's assumed memory size
	costPollers       = 5            // Lambda's event source mapping starts with five pollers
	stepFunctionsCost = 25.0         // Step Functions Standard, $ per million transitions
	costGoal          = 1.0          // $ per million transitions
)

var (
	costFull     = flag.Bool("stepwise.cost-full", false, "TestCostPerTransitionAWS: run the full-size workloads of BENCHMARKS.md (about two minutes) instead of small ones")
	costOut      = flag.String("stepwise.cost-out", "", "TestCostPerTransitionAWS: also write the cost tables to this file")
	costWindow   = flag.Duration("stepwise.cost-window", 0, "TestCostPerTransitionAWS: the event source mapping's MaximumBatchingWindowInSeconds, as the pollers emulate it")
	costSteps    = flag.Int("stepwise.cost-steps", 0, "TestCostPerTransitionAWS: Pass states in each Parallel branch and Map iteration (default 5 and 3)")
	costScale    = flag.Int("stepwise.cost-scale", 1, "TestCostPerTransitionAWS: run this many times the executions of each workload at once (fuller batches)")
	costDeadline = flag.Duration("stepwise.cost-deadline", 5*time.Minute, "TestCostPerTransitionAWS: a workload that takes longer fails the test")
)

// costWorkloads are the Pass chain, the Parallel and the Map of the cost
// table. Pass states cost no task call, so the numbers are the runtime's
// own overhead.
func costWorkloads() []costWorkload {
	payload := `{"orderId":"o-1234567","customer":{"id":"c-42","tier":"gold"},"amount":42.5,"currency":"EUR"}`
	chain := func(prefix string, n int, last string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if i > 1 {
				b.WriteByte(',')
			}
			next := fmt.Sprintf(`"Next":"%s%d"`, prefix, i+1)
			if i == n {
				next = last
			}
			fmt.Fprintf(&b, `"%s%d":{"Type":"Pass",%s}`, prefix, i, next)
		}
		return fmt.Sprintf(`{"StartAt":"%s1","States":{%s}}`, prefix, b.String())
	}
	branchLen, iterLen := 5, 3
	if *costSteps > 0 {
		branchLen, iterLen = *costSteps, *costSteps
	}
	branches := make([]string, 3)
	for i := range branches {
		branches[i] = chain(fmt.Sprintf("B%d_", i), branchLen, `"End":true`)
	}
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprintf(`{"sku":"sku-%03d","qty":%d}`, i, i%7+1)
	}
	// The small run (the default, for `go test ./...`) keeps the shapes and
	// checks correctness in seconds; its batches are emptier, so its
	// numbers are a little worse.
	runs, nItems := [3]int{2, 2, 1}, 20
	if *costFull {
		runs, nItems = [3]int{10, 10, 2}, 100
	}
	items = items[:nItems]
	for i := range runs {
		runs[i] *= max(1, *costScale)
	}
	return []costWorkload{
		{name: "pass-chain-50", def: chain("S", 50, `"End":true`), input: payload, executions: runs[0]},
		{name: fmt.Sprintf("parallel-3x%d", branchLen), def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[` + strings.Join(branches, ",") + `],"End":true}}}`,
			input: payload, executions: runs[1]},
		{name: fmt.Sprintf("map-%dx%d-mc10", nItems, iterLen), def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":10,"ItemProcessor":` +
			chain("I", iterLen, `"End":true`) + `,"End":true}}}`,
			input: `{"orderId":"o-1234567","items":[` + strings.Join(items, ",") + `]}`, executions: runs[2]},
	}
}

type costWorkload struct {
	name, def, input string
	executions       int
}

// costResult is what one workload cost.
type costResult struct {
	name        string
	executions  int
	transitions int
	start       meterSnapshot // requests made by Start (the API side)
	worker      meterSnapshot // requests made while the pollers ran
	lambda      lambdaStats
	elapsed     time.Duration
}

// lambdaStats measures the worker's handler as Lambda would bill it.
type lambdaStats struct {
	mu          sync.Mutex
	invocations int
	records     int
	billedMs    int64 // each invocation rounded up to 1 ms
	total       time.Duration
}

func (l *lambdaStats) wrap(h sqsqueue.Handler) sqsqueue.Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		t0 := time.Now()
		resp, err := h(ctx, ev)
		d := time.Since(t0)
		l.mu.Lock()
		l.invocations++
		l.records += len(ev.Records)
		l.total += d
		l.billedMs += int64((d + time.Millisecond - 1) / time.Millisecond)
		l.mu.Unlock()
		return resp, err
	}
}

// TestCostPerTransitionAWS runs each cost workload through the engine on
// DynamoDB Local and moto's SQS, driven by sqsqueue's Poller with the
// worker's handler, counts every request at the HTTP layer and prints
// what a million transitions would cost at us-east-1 list prices. It
// asserts only that every execution ends with the in-process runner's
// output. scripts/bench/cost.sh runs it.
func TestCostPerTransitionAWS(t *testing.T) {
	// Not parallel: the handler times feed the Lambda cost.
	env := newAWSEnv(t, "cost", 30*time.Second)
	var results []*costResult
	for _, w := range costWorkloads() {
		t.Run(w.name, func(t *testing.T) {
			results = append(results, runCostWorkload(t, env, w))
		})
	}
	if len(results) == 0 {
		return
	}
	report := costReport(results)
	t.Log("\n" + report)
	if *costOut != "" {
		require.NoError(t, os.WriteFile(*costOut, []byte(report), 0o644))
	}
}

func runCostWorkload(t *testing.T, env *awsEnv, w costWorkload) *costResult {
	ctx := context.Background()
	env.newQueue(t, 30*time.Second)
	plain := dynamostore.New(env.plainDDB, env.table)
	arn := createMachine(t, plain, w.name, w.def)
	q := sqsqueue.New(env.sqs, env.queue.QueueURL)
	newEngine := func() *engine.Engine {
		eng, err := engine.New(&engine.Config{Store: dynamostore.New(env.ddb, env.table), Queue: q,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		return eng
	}
	eng := newEngine()
	checker, err := engine.New(&engine.Config{Store: plain, Queue: sqsqueue.New(env.plainSQS, env.queue.QueueURL)})
	require.NoError(t, err)

	res := &costResult{name: w.name, executions: w.executions}
	s0 := env.meter.Snapshot()
	var arns []string
	for i := range w.executions {
		rec, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: fmt.Sprintf("%s-%d", w.name, i), Input: w.input})
		require.NoError(t, err)
		arns = append(arns, rec.ARN)
	}
	s1 := env.meter.Snapshot()

	t0 := time.Now()
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range costPollers {
		// One engine per poller, as one Lambda instance per concurrent
		// batch: each reads an execution's record once.
		worker := newEngine()
		handler := res.lambda.wrap(workerHandler(worker, q, nil))
		p := sqsqueue.NewPoller(windowClient{Client: env.sqs, window: *costWindow}, env.queue.QueueURL, handler,
			&sqsqueue.PollerConfig{BatchSize: 10, Wait: 20 * time.Second})
		wg.Go(func() { _ = p.Run(pctx) })
	}
	finished, _ := waitFinished(t, ctx, env, plain, arns, *costDeadline)
	res.elapsed = time.Since(t0)
	stop()
	wg.Wait()
	res.start = s1.Sub(s0)
	res.worker = env.meter.Snapshot().Sub(s1)
	require.True(t, finished, "the executions of %s did not finish within %s", w.name, *costDeadline)

	want := reference(t, w.def, w.input)
	require.Equal(t, "SUCCEEDED", want.Status)
	for _, a := range arns {
		rec, err := plain.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: a})
		require.NoError(t, err)
		require.Equal(t, store.StatusSucceeded, rec.Status, "%s: %s %s", a, rec.Error, rec.Cause)
		got, err := value.DecodeString(rec.Output)
		require.NoError(t, err)
		require.True(t, value.Equal(got, want.Output), "%s: output %s", a, rec.Output)
		res.transitions += checkHistory(t, ctx, checker, a)
	}
	return res
}

// workerHandler is the worker's Lambda handler: each record through
// HandleMessage (the records of a batch at the same time), the messages that the batch's steps send collected and
// sent together at the end (engine.BatchSends); a failed send keeps the
// whole batch in the queue. deliver, when set, wraps HandleMessage.
func workerHandler(eng *engine.Engine, q *sqsqueue.Queue, deliver func(ctx context.Context, d *queue.Delivery, handle func() error) error) sqsqueue.Handler {
	h := q.ConcurrentHandler(func(ctx context.Context, d *queue.Delivery) error {
		handle := func() error { return eng.HandleMessage(ctx, d.Body, d.ReceiveCount) }
		if deliver != nil {
			return deliver(ctx, d, handle)
		}
		return handle()
	}, 10) // as functions/worker: the records of a batch at once
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		bctx, batch := eng.BatchSends(ctx)
		resp, err := h(bctx, ev)
		if err == nil {
			err = batch.Flush(ctx)
		}
		return resp, err
	}
}

// windowClient emulates an event source mapping's batching window
// (MaximumBatchingWindowInSeconds): after a receive that returned
// messages, it receives again until the batch is full or the window has
// passed, and returns them as one batch. Every receive is a request, and
// is metered.
type windowClient struct {
	*sqs.Client
	window time.Duration
}

func (w windowClient) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out, err := w.Client.ReceiveMessage(ctx, in, opts...)
	if err != nil || w.window <= 0 || len(out.Messages) == 0 {
		return out, err
	}
	deadline := time.Now().Add(w.window)
	for want := int(in.MaxNumberOfMessages); len(out.Messages) < want; {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		next := *in
		next.MaxNumberOfMessages = int32(want - len(out.Messages))
		next.WaitTimeSeconds = int32(max(1, math.Ceil(left.Seconds())))
		more, err := w.Client.ReceiveMessage(ctx, &next, opts...)
		if err != nil {
			break // keep what came
		}
		out.Messages = append(out.Messages, more.Messages...)
	}
	return out, nil
}

// waitFinished waits until every execution has ended and the queue is
// empty, or the deadline passes.
func waitFinished(t *testing.T, ctx context.Context, env *awsEnv, st store.Store, arns []string, deadline time.Duration) (bool, []string) {
	end := time.Now().Add(deadline)
	var running []string
	for time.Now().Before(end) {
		time.Sleep(200 * time.Millisecond)
		running = running[:0]
		for _, a := range arns {
			rec, err := st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: a})
			require.NoError(t, err)
			if rec.Status == store.StatusRunning {
				running = append(running, a)
			}
		}
		if len(running) > 0 {
			continue
		}
		depth, err := env.queueDepth(ctx)
		require.NoError(t, err)
		if depth == 0 {
			return true, nil
		}
	}
	depth, _ := env.queueDepth(ctx)
	t.Logf("after %s: %d of %d executions still running, %d messages in the queue", deadline, len(running), len(arns), depth)
	return false, running
}

// checkHistory checks that an execution's history is numbered from 1
// without gaps, starts once and ends once, and returns its transitions
// (StateEntered events, as Step Functions bills them).
func checkHistory(t *testing.T, ctx context.Context, eng *engine.Engine, arn string) int {
	hist, err := eng.History(ctx, arn)
	require.NoError(t, err)
	seen := map[string]int{}
	transitions := 0
	for i, ev := range hist {
		require.Equal(t, int64(i+1), ev.ID, "%s: event ids", arn)
		seen[ev.Type]++
		if strings.HasSuffix(ev.Type, "StateEntered") {
			transitions++
		}
	}
	require.Equal(t, 1, seen["ExecutionStarted"], "%s: history %v", arn, seen)
	require.Equal(t, 1, seen["ExecutionSucceeded"]+seen["ExecutionFailed"], "%s: history %v", arn, seen)
	return transitions
}

// costReport renders the results as the Markdown tables of BENCHMARKS.md.
func costReport(results []*costResult) string {
	var b strings.Builder
	ops := map[string]bool{}
	for _, r := range results {
		for _, k := range r.start.OpNames() {
			ops[k] = true
		}
		for _, k := range r.worker.OpNames() {
			ops[k] = true
		}
	}
	opNames := make([]string, 0, len(ops))
	for k := range ops {
		opNames = append(opNames, k)
	}
	sort.Strings(opNames)

	fmt.Fprintf(&b, "Batching window (MaximumBatchingWindowInSeconds): %s; %d pollers, batch size 10, one engine per poller; executions x%d.\n\n", *costWindow, costPollers, max(1, *costScale))
	b.WriteString("| workload | executions | transitions | messages handled | Lambda invocations | records / invocation | handler ms / record | wall clock |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.2f | %.1f | %.1f s |\n", r.name, r.executions, r.transitions, r.lambda.records,
			r.lambda.invocations, ratio(r.lambda.records, r.lambda.invocations), float64(r.lambda.total.Microseconds())/1000/float64(max(r.lambda.records, 1)),
			r.elapsed.Seconds())
	}

	b.WriteString("\nRequests per transition (start = Start calls, the API side; worker = the pollers and the handler; errors are cancelled transactions or failed calls; ms / request is the worker's mean latency, not shown for long-polling receives):\n\n")
	b.WriteString("| operation |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s start | %s worker | per transition | ms / request |", r.name, r.name)
	}
	b.WriteString("\n|---|")
	for range results {
		b.WriteString("---:|---:|---:|---:|")
	}
	b.WriteString("\n")
	for _, op := range opNames {
		fmt.Fprintf(&b, "| %s |", op)
		for _, r := range results {
			s, w := r.start.Ops[op], r.worker.Ops[op]
			cell := func(c opCount) string {
				out := fmt.Sprint(c.Requests)
				if c.Errors > 0 {
					out += fmt.Sprintf(" (%d errors)", c.Errors)
				}
				if op == "sqs.ReceiveMessage" {
					out += fmt.Sprintf(" (%d empty)", c.Empty)
				}
				return out
			}
			ms := "-"
			if op != "sqs.ReceiveMessage" && w.Requests > 0 {
				ms = fmt.Sprintf("%.1f", float64(w.Time.Microseconds())/1000/float64(w.Requests))
			}
			fmt.Fprintf(&b, " %s | %s | %.3f | %s |", cell(s), cell(w), ratio(s.Requests+w.Requests, r.transitions), ms)
		}
		b.WriteString("\n")
	}

	b.WriteString("\nDynamoDB write units by item kind (computed; per transition):\n\n| item kind |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s writes | WRU | WRU / transition | avg / max bytes |", r.name)
	}
	b.WriteString("\n|---|")
	for range results {
		b.WriteString("---:|---:|---:|---:|")
	}
	b.WriteString("\n")
	kinds := map[string]bool{}
	for _, r := range results {
		for k := range r.start.Kinds {
			kinds[k] = true
		}
		for k := range r.worker.Kinds {
			kinds[k] = true
		}
	}
	kindNames := make([]string, 0, len(kinds))
	for k := range kinds {
		kindNames = append(kindNames, k)
	}
	sort.Strings(kindNames)
	for _, k := range kindNames {
		fmt.Fprintf(&b, "| %s |", k)
		for _, r := range results {
			s, w := r.start.Kinds[k], r.worker.Kinds[k]
			n := s.Writes + w.Writes
			sizes := "-"
			if n > 0 && s.Bytes+w.Bytes > 0 {
				sizes = fmt.Sprintf("%.0f / %d", ratio(s.Bytes+w.Bytes, n), max(s.Max, w.Max))
			}
			fmt.Fprintf(&b, " %d | %.0f | %.2f | %s |", n, s.Units+w.Units, (s.Units+w.Units)/float64(max(r.transitions, 1)), sizes)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| GSI (gsi1) |")
	for _, r := range results {
		g := sumOps(r.start, func(c opCount) float64 { return c.GSIWriteUnits }) + sumOps(r.worker, func(c opCount) float64 { return c.GSIWriteUnits })
		fmt.Fprintf(&b, " - | %.0f | %.2f | - |", g, g/float64(max(r.transitions, 1)))
	}
	b.WriteString("\n")

	b.WriteString("\nDollars per million transitions (us-east-1 list prices):\n\n| component | formula |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s |", r.name)
	}
	b.WriteString("\n|---|---|")
	for range results {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	type line struct {
		name, formula string
		per           func(r *costResult) float64 // units per transition
		price         float64                     // $ per unit
	}
	both := func(r *costResult, f func(c opCount) float64) float64 {
		return sumOps(r.start, f) + sumOps(r.worker, f)
	}
	lines := []line{
		{"DynamoDB writes", "WRU (table + GSI) / transition x $0.625", func(r *costResult) float64 {
			return both(r, func(c opCount) float64 { return c.WriteUnits + c.GSIWriteUnits }) / float64(r.transitions)
		}, priceWRU},
		{"DynamoDB reads", "RRU / transition x $0.125", func(r *costResult) float64 {
			return both(r, func(c opCount) float64 { return c.ReadUnits }) / float64(r.transitions)
		}, priceRRU},
		{"SQS", "requests (64 KB chunks, empty receives excluded) / transition x $0.40", func(r *costResult) float64 {
			return both(r, func(c opCount) float64 { return float64(c.Billed - c.Empty) }) / float64(r.transitions)
		}, priceSQS},
		{"Lambda requests", "invocations / transition x $0.20", func(r *costResult) float64 {
			return float64(r.lambda.invocations) / float64(r.transitions)
		}, priceLambdaReq},
		{"Lambda duration", "billed ms / transition / 1000 x 0.125 GB x $0.0000133334 x 10^6", func(r *costResult) float64 {
			return float64(r.lambda.billedMs) / 1000 * lambdaMemoryGB / float64(r.transitions)
		}, priceLambdaGBs},
	}
	totals := make([]float64, len(results))
	for _, l := range lines {
		fmt.Fprintf(&b, "| %s | %s |", l.name, l.formula)
		for i, r := range results {
			per := l.per(r)
			d := per * l.price * 1e6
			totals[i] += d
			fmt.Fprintf(&b, " %.4g → $%.3f |", per, d)
		}
		b.WriteString("\n")
	}
	b.WriteString("| **total** | |")
	for i := range results {
		fmt.Fprintf(&b, " **$%.2f** |", totals[i])
	}
	b.WriteString("\n| vs goal ($1.00) / Step Functions ($25) | |")
	for i := range results {
		fmt.Fprintf(&b, " %.1fx goal, %.0f%% of SFN |", totals[i]/costGoal, 100*totals[i]/stepFunctionsCost)
	}
	b.WriteString("\n| empty receives (not in the total) | count x $0.40 per million |")
	for _, r := range results {
		e := r.worker.Ops["sqs.ReceiveMessage"].Empty
		fmt.Fprintf(&b, " %d = $%.7f |", e, float64(e)*priceSQS)
	}
	b.WriteString("\n| DynamoDB Local's ConsumedCapacity (for comparison) | reported WCU, RCU / transition |")
	for _, r := range results {
		fmt.Fprintf(&b, " %.2f, %.2f |", both(r, func(c opCount) float64 { return c.ReportedWrite })/float64(r.transitions),
			both(r, func(c opCount) float64 { return c.ReportedRead })/float64(r.transitions))
	}
	b.WriteString("\n")
	return b.String()
}

func sumOps(s meterSnapshot, f func(c opCount) float64) float64 {
	total := 0.0
	for _, c := range s.Ops {
		total += f(c)
	}
	return total
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
