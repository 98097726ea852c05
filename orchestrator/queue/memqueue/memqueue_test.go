package memqueue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/queuetest"
)

var epoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestQueue(t *testing.T) {
	t.Parallel()

	t.Run("StubClock", func(t *testing.T) {
		t.Parallel()
		var stubs sync.Map // *memqueue.Queue -> *clock.Stub
		queuetest.Run(t, func(t *testing.T) queue.Queue {
			s := clock.NewStub(epoch)
			q := memqueue.New(&memqueue.Config{Clock: s})
			stubs.Store(q, s)
			return q
		}, &queuetest.Options{
			AdvanceFunc: func(t *testing.T, q queue.Queue, d time.Duration) {
				s, _ := stubs.Load(q)
				s.(*clock.Stub).Advance(d)
			},
		})
	})

	t.Run("RealClock", func(t *testing.T) {
		t.Parallel()
		if testing.Short() {
			t.Skip("memqueue: -short: the wall-clock run sleeps for seconds")
		}
		queuetest.Run(t, func(t *testing.T) queue.Queue { return memqueue.New(nil) }, nil)
	})
}

type testBundle struct {
	stub *clock.Stub
	dlq  *memqueue.Queue
	q    *memqueue.Queue
	ctx  context.Context
}

func setup(t *testing.T, maxReceives int) *testBundle {
	t.Helper()
	s := clock.NewStub(epoch)
	dlq := memqueue.New(&memqueue.Config{Clock: s})
	q := memqueue.New(&memqueue.Config{Clock: s, VisibilityTimeout: time.Minute, MaxReceives: maxReceives, DeadLetter: dlq})
	return &testBundle{stub: s, dlq: dlq, q: q, ctx: context.Background()}
}

func (b *testBundle) receive(t *testing.T, q *memqueue.Queue) []*queue.Delivery {
	t.Helper()
	got, err := q.MessageReceive(b.ctx, &queue.MessageReceiveParams{MaxMessages: 10})
	require.NoError(t, err)
	return got
}

func TestDeadLetter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxReceives int
		wantTries   int
	}{
		{"AfterOne", 1, 1},
		{"AfterThree", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.maxReceives)
			require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: []byte("poison")}}}))
			for i := 1; i <= tt.wantTries; i++ {
				got := b.receive(t, b.q)
				require.Len(t, got, 1, "try %d", i)
				require.Equal(t, i, got[0].ReceiveCount)
				b.stub.Advance(time.Minute)
			}
			require.Empty(t, b.receive(t, b.q))
			require.Equal(t, memqueue.Stats{}, b.q.Stats())
			dead := b.receive(t, b.dlq)
			require.Len(t, dead, 1)
			require.Equal(t, "poison", string(dead[0].Body))
			require.Equal(t, 1, dead[0].ReceiveCount)
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: []queue.Message{
		{Body: []byte("a")}, {Body: []byte("b")}, {Body: []byte("c"), Delay: time.Hour},
	}}))
	require.Equal(t, memqueue.Stats{Visible: 2, Delayed: 1}, b.q.Stats())
	got, err := b.q.MessageReceive(b.ctx, &queue.MessageReceiveParams{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, memqueue.Stats{Visible: 1, Delayed: 1, InFlight: 1}, b.q.Stats())
	b.stub.Advance(time.Hour)
	require.Equal(t, memqueue.Stats{Visible: 3}, b.q.Stats())
}

// TestWaitingReceiveWakesWhenDue checks that a long poll blocked on the stub
// clock returns when the clock reaches a delayed message's due time.
func TestWaitingReceiveWakesWhenDue(t *testing.T) {
	t.Parallel()
	b := setup(t, 0)
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: []byte("timer"), Delay: 365 * 24 * time.Hour}}}))
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	done := make(chan []*queue.Delivery, 1)
	go func() {
		got, _ := b.q.MessageReceive(ctx, &queue.MessageReceiveParams{Wait: 400 * 24 * time.Hour})
		done <- got
	}()
	require.NoError(t, b.stub.WaitTimers(ctx, 1))
	b.stub.Advance(365 * 24 * time.Hour)
	got := <-done
	require.Len(t, got, 1)
	require.Equal(t, "timer", string(got[0].Body))
}

func BenchmarkSendReceiveDelete(b *testing.B) {
	for _, batch := range []int{1, 10} {
		b.Run(fmt.Sprintf("Batch%d", batch), func(b *testing.B) {
			ctx := context.Background()
			q := memqueue.New(nil)
			msgs := make([]queue.Message, batch)
			for i := range msgs {
				msgs[i] = queue.Message{Body: []byte(`{"execution":"e1","thread":"0","seq":7}`)}
			}
			handles := make([]string, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				if err := q.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
					b.Fatal(err)
				}
				got, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: batch})
				if err != nil || len(got) != batch {
					b.Fatalf("receiving: got %d, %v", len(got), err)
				}
				handles = handles[:0]
				for _, d := range got {
					handles = append(handles, d.ReceiptHandle)
				}
				if err := q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: handles}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParallelSendReceiveDelete(b *testing.B) {
	ctx := context.Background()
	q := memqueue.New(nil)
	body := []byte(`{"execution":"e1","thread":"0","seq":7}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := q.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: body}}}); err != nil {
				b.Fatal(err)
			}
			got, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{})
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range got {
				if err := q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkIdleWorkers hands messages one at a time to a pool of 32
// receivers blocked in long polls, as the embedded worker pool does when
// a lone execution runs: a send should wake one receiver, not all.
func BenchmarkIdleWorkers(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := memqueue.New(nil)
	handled := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for range 32 {
		wg.Go(func() {
			for ctx.Err() == nil {
				got, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{Wait: time.Second})
				if err != nil {
					return
				}
				for _, d := range got {
					_ = q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}})
					handled <- struct{}{}
				}
			}
		})
	}
	body := []byte(`{"execution":"e1","thread":"0","seq":7}`)
	b.ResetTimer()
	for range b.N {
		if err := q.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: body}}}); err != nil {
			b.Fatal(err)
		}
		<-handled
	}
}
