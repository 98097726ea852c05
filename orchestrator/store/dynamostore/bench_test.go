package dynamostore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// typicalStep returns the commit of one typical step of a Pass chain:
// one thread advanced with a ~400-byte checkpoint and a 150-byte outbox
// message, and its two history events of ~300 bytes (StateEntered with
// the state's input, StateExited with its output), keyed as the step's.
func typicalStep(arn string, seq int64) *store.CommitParams {
	payload := `{"orderId":"o-1234567","customer":{"id":"c-42","tier":"gold"},"amount":42.5,"currency":"EUR"}`
	checkpoint := fmt.Sprintf(`{"th":{"id":"root","status":"RUNNING","state":"S%d","started":true,"input":%s,"enteredTime":"0001-01-01T00:00:00Z","lastEventId":%d,"due":"0001-01-01T00:00:00Z"},"n":%d,"t":1767225600%09d}`,
		seq+2, payload, 2*seq+3, 2*seq+3, seq)
	message := fmt.Sprintf(`{"b":{"k":"step","e":"%s","t":"root","s":%d}}`, arn, seq+1)
	event := func(i int, typ, details string) store.EventWrite {
		return store.EventWrite{Key: store.StepEventKey("root", seq+1, i), Data: fmt.Appendf(nil,
			`{"n":1767225600%09d,"e":{"id":%d,"previousEventId":%d,"timestamp":1767225600.%03d,"type":"%s","%s":{"name":"S%d","%s":%s,"%sDetails":{"truncated":false}}}}`,
			seq, 2*seq+2+int64(i), 2*seq+1+int64(i), seq%1000, typ, details, seq+1, map[int]string{0: "input", 1: "output"}[i], payload, map[int]string{0: "input", 1: "output"}[i])}
	}
	return &store.CommitParams{
		ExecutionARN: arn,
		Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: seq, Seq: seq + 1,
			Data: []byte(checkpoint), Outbox: [][]byte{[]byte(message)}}},
		Events: []store.EventWrite{event(0, "PassStateEntered", "stateEnteredEventDetails"), event(1, "PassStateExited", "stateExitedEventDetails")},
	}
}

func startExecution(t testing.TB, s store.Store, arn string) {
	t.Helper()
	require.NoError(t, s.Commit(context.Background(), &store.CommitParams{
		ExecutionARN: arn,
		ExecutionCreate: &store.Execution{ARN: arn, StateMachineARN: "sm", Name: "e", Status: store.StatusRunning,
			Input: "{}", StartedAt: time.Now()},
		Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}},
	}))
}

// TestCommitCapacity checks the write capacity of a typical step: one
// conditional PutItem of one item under 1 KB (the checkpoint, the outbox
// and the two events, compressed), 1 WCU, where a transaction of the
// three would cost 2 WCU per KB of each.
func TestCommitCapacity(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	s := dynamostore.New(client, testTable(t, client))
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
	startExecution(t, s, arn)
	p := typicalStep(arn, 0)
	raw := len(p.Threads[0].Data) + len(p.Threads[0].Outbox[0])
	for _, e := range p.Events {
		raw += len(e.Data)
	}
	before := s.Stats().Operations["PutItem"]
	require.NoError(t, s.Commit(context.Background(), p))
	after := s.Stats().Operations["PutItem"]
	require.Equal(t, int64(1), after.Requests-before.Requests)
	require.Zero(t, s.Stats().Operations["TransactWriteItems"].Requests-1, "only the start is a transaction")
	estimated := after.EstimatedWriteUnits - before.EstimatedWriteUnits
	reported := after.WriteCapacityUnits - before.WriteCapacityUnits
	t.Logf("typical step (%d bytes of checkpoint, outbox and events): 1 PutItem, %.0f WCU by DynamoDB's rules, %.0f WCU reported by the server", raw, estimated, reported)
	require.InDelta(t, 1.0, estimated, 0.01)
}

// BenchmarkCommit measures typical steps against the DynamoDB endpoint,
// one execution per goroutine, and reports commits/s and WCU per commit.
func BenchmarkCommit(b *testing.B) {
	client := testClient(b)
	for _, goroutines := range []int{1, 32} {
		b.Run(fmt.Sprintf("Goroutines%d", goroutines), func(b *testing.B) {
			s := dynamostore.New(client, testTable(b, client))
			seqs := make([]int64, goroutines)
			for g := range goroutines {
				startExecution(b, s, fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g))
			}
			before := s.Stats().Operations["PutItem"]
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					arn := fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g)
					for next.Add(1) <= int64(b.N) {
						if err := s.Commit(context.Background(), typicalStep(arn, seqs[g])); err != nil {
							b.Error(err)
							return
						}
						seqs[g]++
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			after := s.Stats().Operations["PutItem"]
			commits := float64(after.Requests - before.Requests)
			b.ReportMetric(commits/b.Elapsed().Seconds(), "commits/s")
			b.ReportMetric((after.EstimatedWriteUnits-before.EstimatedWriteUnits)/commits, "WCU/commit")
		})
	}
}
