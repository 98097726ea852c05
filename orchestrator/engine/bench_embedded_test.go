//go:build unix

package engine_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// The embedded benchmarks run the durable engine the way `stepwise serve`
// does: boltstore on a file with fsync on, memqueue, and a pool of worker
// goroutines that receive, handle and acknowledge messages. A transition
// is a state entered. scripts/bench/durable.sh runs them.

// BenchmarkEmbeddedLone runs one execution of a 1,000-state Pass chain at
// a time: every step waits for the previous one's commit, so this measures
// the latency of a durable transition and the fsyncs each costs.
func BenchmarkEmbeddedLone(b *testing.B) {
	benchEmbedded(b, 1, 1000)
}

// BenchmarkEmbeddedConcurrent runs 100 executions of a 100-state Pass chain
// at once: the store's group commit shares fsyncs between them.
func BenchmarkEmbeddedConcurrent(b *testing.B) {
	benchEmbedded(b, 100, 100)
}

var benchWorkersFlag = flag.Int("stepwise.bench-workers", 0, "worker goroutines of the embedded benchmarks (0: as stepwise serve, 32 x GOMAXPROCS)")

// benchEmbeddedWorkers is the size of the worker pool: `stepwise serve`'s
// default (--workers), unless -stepwise.bench-workers says otherwise.
func benchEmbeddedWorkers() int {
	if n := *benchWorkersFlag; n > 0 {
		return n
	}
	return 32 * runtime.GOMAXPROCS(0)
}

// benchWorkers starts the worker pool, as in `stepwise serve`: each
// goroutine receives one message, handles it and acknowledges it; and as
// serve does with the embedded store, it runs with boltstore.Procs
// GOMAXPROCS. The channel gets the first handling error; wait waits for
// the workers to end once ctx is done, and restores GOMAXPROCS.
func benchWorkers(ctx context.Context, q *memqueue.Queue, eng *engine.Engine) (<-chan error, func()) {
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	workers := benchEmbeddedWorkers()
	procs := runtime.GOMAXPROCS(boltstore.Procs(runtime.GOMAXPROCS(0)))
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				ds, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 1, Wait: 100 * time.Millisecond})
				if err != nil {
					return
				}
				for _, d := range ds {
					if err := eng.HandleMessage(ctx, d.Body, d.ReceiveCount); err != nil {
						select {
						case errs <- err:
						default:
						}
						continue
					}
					_ = q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}})
				}
			}
		})
	}
	return errs, func() {
		wg.Wait()
		runtime.GOMAXPROCS(procs)
	}
}

// benchSyncer is what the benchmark reads from the store: boltstore's
// counters of commits and fdatasyncs.
type benchSyncer interface {
	Stats() boltstore.Stats
}

func benchEmbedded(b *testing.B, executions, states int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	require.NoError(b, err)
	defer st.Close()
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: time.Minute})
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(b, err)
	smARN := "arn:aws:states:us-east-1:123456789012:stateMachine:chain"
	_, err = st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: smARN, Name: "chain",
		Definition: benchPassChain(states), Type: "STANDARD", RoleARN: "arn:aws:iam::123456789012:role/r"})
	require.NoError(b, err)

	errs, wait := benchWorkers(ctx, q, eng)
	defer wait()
	defer cancel()

	var stats benchSyncer = st
	before := stats.Stats()
	cpuBefore := benchCPUTime()
	b.ResetTimer()
	for i := range b.N {
		// The executions start at once, as from concurrent StartExecution
		// requests: one after the other, each start would wait for its
		// own group commit, and the first executions would run alone.
		arns := make([]string, executions)
		startErrs := make([]error, executions)
		var started sync.WaitGroup
		for x := range executions {
			started.Go(func() {
				ex, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: smARN, Name: fmt.Sprintf("e%d-%d", i, x), Input: `{"n":1}`})
				if err != nil {
					startErrs[x] = err
					return
				}
				arns[x] = ex.ARN
			})
		}
		started.Wait()
		require.NoError(b, errors.Join(startErrs...))
		for _, arn := range arns {
			for {
				ex, err := st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
				require.NoError(b, err)
				if ex.Status != store.StatusRunning {
					require.Equal(b, store.StatusSucceeded, ex.Status, "execution %s", arn)
					break
				}
				select {
				case err := <-errs:
					b.Fatal(err)
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}
	b.StopTimer()
	cpu := benchCPUTime() - cpuBefore
	after := stats.Stats()
	transitions := float64(b.N * executions * states)
	b.ReportMetric(transitions/b.Elapsed().Seconds(), "transitions/s")
	// Every fsync (records, segments created by a rotation,
	// checkpoints) but those of log segments written ahead with zeros in
	// the background, which are counted apart.
	ahead := after.AheadSyncs - before.AheadSyncs
	b.ReportMetric(float64(after.Syncs-before.Syncs-ahead)/transitions, "fsyncs/transition")
	b.ReportMetric(float64(ahead)/transitions, "ahead-fsyncs/transition")
	b.ReportMetric(float64(after.Commits-before.Commits)/transitions, "commits/transition")
	b.ReportMetric(float64(cpu.Microseconds())/transitions, "cpu-µs/transition")
	b.ReportMetric(0, "ns/op")
}

// benchCPUTime returns the CPU time (user and system) of the process so
// far: on a shared machine it is steadier than the wall clock.
func benchCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkEmbeddedMap10k runs one Map over 10,000 items (one Pass state
// each, no MaxConcurrency): every iteration's end is a step of the parent
// thread, so this measures the join's hot spot. It reports the parent's
// lost races (commits refused by the fence and retried) per iteration.
func BenchmarkEmbeddedMap10k(b *testing.B) {
	benchEmbeddedMap(b, 10000)
}

// conflictCounter counts the commits that the store refuses with
// store.ErrConflict.
type conflictCounter struct {
	store.Store
	conflicts atomic.Int64
}

func (c *conflictCounter) Commit(ctx context.Context, p *store.CommitParams) error {
	err := c.Store.Commit(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		c.conflicts.Add(1)
	}
	return err
}

func benchEmbeddedMap(b *testing.B, items int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bst, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	require.NoError(b, err)
	defer bst.Close()
	st := &conflictCounter{Store: bst}
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: time.Minute})
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(b, err)
	smARN := "arn:aws:states:us-east-1:123456789012:stateMachine:map"
	_, err = st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: smARN, Name: "map",
		Definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		Type:       "STANDARD", RoleARN: "arn:aws:iam::123456789012:role/r"})
	require.NoError(b, err)
	input := "[" + strings.Repeat("1,", items-1) + "1]"

	_, wait := benchWorkers(ctx, q, eng)
	defer wait()
	defer cancel()

	before := bst.Stats()
	b.ResetTimer()
	for i := range b.N {
		ex, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: smARN, Name: fmt.Sprintf("m%d", i), Input: input})
		require.NoError(b, err)
		for {
			rec, err := st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: ex.ARN})
			require.NoError(b, err)
			if rec.Status != store.StatusRunning {
				require.Equal(b, store.StatusSucceeded, rec.Status, "%s %s", rec.Error, rec.Cause)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.StopTimer()
	after := bst.Stats()
	n := float64(b.N * items)
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/map")
	b.ReportMetric(n/b.Elapsed().Seconds(), "iterations/s")
	b.ReportMetric(float64(after.Commits-before.Commits)/n, "commits/iteration")
	b.ReportMetric(float64(st.conflicts.Load())/n, "conflicts/iteration")
	b.ReportMetric(0, "ns/op")
}
