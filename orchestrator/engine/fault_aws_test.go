package engine_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// awsFaultRuns is how many executions of each workflow of engine_test.go
// TestFaultInjectionAWS starts (map-window has 50 children, so fewer);
// with -short, one of each.
var awsFaultRuns = map[string]int{
	"pass-chain": 3, "choice-loop": 3, "wait-year": 3, "retry-catch": 3, "catch-for-good": 3,
	"parallel": 3, "parallel-fails": 3, "map-window": 1, "map-tolerated": 3, "nested": 3, "callback": 3,
}

var (
	faultAWSScale = flag.Int("stepwise.fault-aws-scale", 1, "TestFaultInjectionAWS: run this many times the executions of each workflow at once")
	faultAWSWaves = flag.Int("stepwise.fault-aws-waves", 1, "TestFaultInjectionAWS: run the executions this many times, one wave after the other, each on a new queue (moto's receives slow down as its queue grows)")
)

// Fault knobs of TestFaultInjectionAWS.
const (
	awsFaultCrash    = 0.08 // probability of a crash at each point of handling a message
	awsFaultDup      = 0.3  // probability that a message is sent twice
	awsFaultReorder  = 0.5  // probability that a received batch is shuffled
	awsFaultPollers  = 4
	awsFaultDeadline = 300 * time.Second // generous: -race on a loaded 2-core machine
)

// TestFaultInjectionAWS runs the fault-injection workflows on DynamoDB
// Local and moto's SQS, through sqsqueue's Poller and the worker's
// handler (with its sends batched per batch of messages), while
//   - the engine crashes at random points ("loaded", "invoked",
//     "committed", "sent": engine.Config.FaultFunc); the handler reports
//     the message as failed and SQS delivers it again when its 1 s
//     visibility timeout ends;
//   - some of the messages the engine sends are sent twice (a wrapping
//     queue.Queue), so two pollers race on one step;
//   - half of the received batches are shuffled before the handler, and
//     four pollers receive concurrently (SQS reorders too).
//
// Delays are shortened to SQS's smallest, 1 s (a one-year Wait fires
// after 1 s; sqsqueue's own tests cover delays beyond 900 s). Every
// execution must end as interp.Run ends the same definition and input,
// with a history numbered without gaps whose event types and counts are
// those of interp.Run's history.
func TestFaultInjectionAWS(t *testing.T) {
	t.Parallel()
	env := newAWSEnv(t, "fault", time.Second)
	st := dynamostore.New(env.ddb, env.table)
	f := &awsFaults{rng: rand.New(rand.NewPCG(2026, 11)), crashes: map[string]int{}}
	machines := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(awsFaultRuns)) {
		w, ok := workflows[name]
		require.True(t, ok, "workflow %q is no longer in engine_test.go", name)
		machines[name] = createMachine(t, st, name, w.def)
	}
	executions, mism := 0, 0
	t0 := time.Now()
	for wave := range max(*faultAWSWaves, 1) {
		if wave > 0 {
			env.newQueue(t, time.Second)
		}
		n, m := runAWSFaultWave(t, env, st, f, machines, wave)
		executions += n
		mism += m
	}
	elapsed := time.Since(t0)
	f.mu.Lock()
	defer f.mu.Unlock()
	crashes := 0
	for _, n := range f.crashes {
		crashes += n
	}
	t.Logf("fault injection on DynamoDB Local + SQS (moto): executions=%d waves=%d messages_handled=%d injected_crashes=%d (%s) duplicate_sends=%d redeliveries=%d shuffled_batches=%d transient_errors=%d mismatches=%d elapsed=%.1fs",
		executions, max(*faultAWSWaves, 1), f.handled, crashes, formatCounts(f.crashes), f.dups, f.redeliveries, f.shuffled, f.transients, mism, elapsed.Seconds())
	if f.lastErr != nil {
		t.Logf("last transient error: %v", f.lastErr)
	}
	require.Zero(t, mism)
}

// runAWSFaultWave starts the executions of one wave (-stepwise.fault-aws-scale
// times awsFaultRuns) on env's queue, runs the pollers until they end,
// and returns how many there were and how many did not end as interp.Run
// ends them (output, error, history's event counts).
func runAWSFaultWave(t *testing.T, env *awsEnv, st store.Store, f *awsFaults, machines map[string]string, wave int) (int, int) {
	ctx := context.Background()
	sq := sqsqueue.New(env.sqs, env.queue.QueueURL)
	dq := &dupQueue{Queue: sq, f: f}
	tasks := &fakeTasks{tokens: map[string]bool{}}
	eng, err := engine.New(&engine.Config{Store: st, Queue: dq, Tasks: tasks, Logger: slog.New(slog.DiscardHandler),
		FaultFunc: f.fault})
	require.NoError(t, err)

	execs := map[string][]string{}
	var all []string
	for _, name := range slices.Sorted(maps.Keys(awsFaultRuns)) {
		w := workflows[name]
		n := awsFaultRuns[name] * max(*faultAWSScale, 1)
		if testing.Short() {
			n = 1
		}
		for i := range n {
			execName := fmt.Sprintf("e%d", i)
			if wave > 0 {
				execName = fmt.Sprintf("w%d-e%d", wave, i)
			}
			rec, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: machines[name], Name: execName, Input: w.input})
			require.NoError(t, err)
			execs[name] = append(execs[name], rec.ARN)
			all = append(all, rec.ARN)
		}
	}

	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// The worker's handler: the sends of a batch's steps go out together
	// at its end (engine.BatchSends).
	handler := f.shuffle(workerHandler(eng, sq, func(ctx context.Context, d *queue.Delivery, handle func() error) error {
		f.count(&f.handled)
		if d.ReceiveCount > 1 {
			f.count(&f.redeliveries)
		}
		err := handle()
		if err != nil && !strings.Contains(err.Error(), "injected crash") {
			f.transient(err)
		}
		return err
	}))
	for range awsFaultPollers {
		p := sqsqueue.NewPoller(env.sqs, env.queue.QueueURL, handler,
			&sqsqueue.PollerConfig{BatchSize: 3, Wait: time.Second, VisibilityTimeout: time.Second})
		wg.Go(func() { _ = p.Run(pctx) })
	}
	wg.Go(func() { answerCallbacks(pctx, eng, tasks) })
	finished, running := waitFinished(t, ctx, env, st, all, awsFaultDeadline*time.Duration(max(*faultAWSScale, 1)))
	stop()
	wg.Wait()
	for _, a := range running[:min(len(running), 5)] {
		if hist, err := eng.History(ctx, a); err == nil {
			var last []string
			for _, ev := range hist[max(len(hist)-6, 0):] {
				last = append(last, fmt.Sprintf("%d %s", ev.ID, ev.Type))
			}
			t.Logf("still running: %s: %d events, the last: %s", a, len(hist), strings.Join(last, ", "))
		}
	}
	require.True(t, finished, "executions of wave %d did not finish within %s", wave, awsFaultDeadline)

	h := &harness{t: t, st: st, eng: eng}
	mism := checkResults(t, h, execs)
	mism += checkEventCounts(t, eng, execs)
	if *faultAWSWaves > 1 {
		t.Logf("wave %d: executions=%d mismatches=%d", wave, len(all), mism)
	}
	return len(all), mism
}

// awsFaults decides and counts the injected faults; it is shared by the
// pollers' goroutines.
type awsFaults struct {
	mu           sync.Mutex
	rng          *rand.Rand
	crashes      map[string]int
	handled      int
	dups         int
	redeliveries int
	shuffled     int
	transients   int
	lastErr      error
}

func (f *awsFaults) roll(p float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < p
}

func (f *awsFaults) count(n *int) {
	f.mu.Lock()
	*n++
	f.mu.Unlock()
}

func (f *awsFaults) fault(point string) error {
	if !f.roll(awsFaultCrash) {
		return nil
	}
	f.mu.Lock()
	f.crashes[point]++
	f.mu.Unlock()
	return errors.New("injected crash at " + point)
}

// transient counts a handling error that was not injected (a commit that
// lost too many races, a throttled request): the message comes back like
// after a crash.
func (f *awsFaults) transient(err error) {
	f.mu.Lock()
	f.transients++
	f.lastErr = err
	f.mu.Unlock()
}

// shuffle reorders some batches before the handler sees them.
func (f *awsFaults) shuffle(h sqsqueue.Handler) sqsqueue.Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if len(ev.Records) > 1 && f.roll(awsFaultReorder) {
			f.mu.Lock()
			f.shuffled++
			f.rng.Shuffle(len(ev.Records), func(i, j int) { ev.Records[i], ev.Records[j] = ev.Records[j], ev.Records[i] })
			f.mu.Unlock()
		}
		return h(ctx, ev)
	}
}

// dupQueue sends some messages twice and shortens every delay to 1 s.
type dupQueue struct {
	queue.Queue
	f *awsFaults
}

func (q *dupQueue) MessageSend(ctx context.Context, p *queue.MessageSendParams) error {
	msgs := make([]queue.Message, 0, 2*len(p.Messages))
	for _, m := range p.Messages {
		if m.Delay > 0 {
			m.Delay = time.Second
		}
		msgs = append(msgs, m)
		if q.f.roll(awsFaultDup) {
			q.f.count(&q.f.dups)
			msgs = append(msgs, m)
		}
	}
	return q.Queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs})
}

// answerCallbacks answers the tokens of waitForTaskToken tasks as they
// appear. A token whose task crashed before its commit is never stored
// (the redelivery issues another): it is dropped after a while.
func answerCallbacks(ctx context.Context, eng *engine.Engine, tasks *fakeTasks) {
	seen := map[string]time.Time{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, tk := range tasks.pending() {
			seen[tk] = time.Now()
		}
		for tk, first := range seen {
			err := eng.SendTaskSuccess(ctx, tk, `{"answered":true}`)
			if err == nil || (errors.Is(err, engine.ErrTaskDoesNotExist) && time.Since(first) > 20*time.Second) {
				delete(seen, tk)
			}
		}
	}
}

// referenceEventTypes returns how many events of each type interp.Run
// records for a definition and input, callbacks answered at once.
func referenceEventTypes(t *testing.T, def, input string) map[string]int {
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	in, err := value.DecodeString(input)
	require.NoError(t, err)
	types := map[string]int{}
	_, err = interp.Run(context.Background(), interp.NewMachine(sm), &interp.Execution{ARN: "arn", Input: in, StartTime: time.Unix(0, 0)},
		interp.RunOptions{Tasks: callbackAnswerer{&fakeTasks{tokens: map[string]bool{}}}, Emit: func(ev *interp.Event) { types[ev.Type]++ }})
	require.NoError(t, err)
	return types
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
