package boltstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// BenchmarkCommit measures a typical step: one thread advanced with a 1 KB
// checkpoint and a small outbox, plus two history events, durably
// (fdatasync on) in a file in the test's temporary directory. Each
// goroutine drives its own execution. It reports commits/s and the
// fdatasyncs per commit (one per group commit, plus the checkpoints'),
// the log records per commit (one per group commit) and the CPU time of
// the process per commit.
func BenchmarkCommit(b *testing.B) {
	for _, goroutines := range []int{1, 32} {
		b.Run(fmt.Sprintf("Goroutines%d", goroutines), func(b *testing.B) {
			s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
			require.NoError(b, err)
			defer s.Close()
			ctx := context.Background()
			checkpoint := make([]byte, 1024)
			event := make([]byte, 300)
			seqs := make([]int64, goroutines)
			for g := range goroutines {
				arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g)
				require.NoError(b, s.Commit(ctx, &store.CommitParams{
					ExecutionARN: arn,
					ExecutionCreate: &store.Execution{ARN: arn, StateMachineARN: "sm", Name: "e", Status: store.StatusRunning,
						Input: "{}", StartedAt: time.Now()},
					Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}},
				}))
			}
			before := s.Stats()
			cpuBefore := cpuTime()
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g)
					for next.Add(1) <= int64(b.N) {
						seq := seqs[g]
						err := s.Commit(ctx, &store.CommitParams{
							ExecutionARN: arn,
							Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: seq, Seq: seq + 1, Data: checkpoint, Outbox: [][]byte{event[:100]}}},
							Events: []store.EventWrite{
								{Key: fmt.Sprintf("%012d#0", seq), Data: event},
								{Key: fmt.Sprintf("%012d#1", seq), Data: event},
							},
						})
						if err != nil {
							b.Error(err)
							return
						}
						seqs[g] = seq + 1
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			cpu := cpuTime() - cpuBefore
			after := s.Stats()
			commits := after.Commits - before.Commits
			b.ReportMetric(float64(commits)/b.Elapsed().Seconds(), "commits/s")
			ahead := after.AheadSyncs - before.AheadSyncs
			b.ReportMetric(float64(after.Syncs-before.Syncs-ahead)/float64(commits), "fsyncs/commit")
			b.ReportMetric(float64(ahead)/float64(commits), "ahead-fsyncs/commit")
			b.ReportMetric(float64(after.Transactions-before.Transactions)/float64(commits), "records/commit")
			b.ReportMetric(float64(cpu.Microseconds())/float64(commits), "cpu-µs/commit")
		})
	}
}
