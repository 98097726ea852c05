package poller_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/poller"
)

type testBundle struct {
	stub *clock.Stub
	q    *memqueue.Queue
	ctx  context.Context
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	s := clock.NewStub(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return &testBundle{stub: s, q: memqueue.New(&memqueue.Config{Clock: s, VisibilityTimeout: time.Minute}), ctx: context.Background()}
}

func (b *testBundle) send(t *testing.T, n int) {
	t.Helper()
	msgs := make([]queue.Message, n)
	for i := range msgs {
		msgs[i] = queue.Message{Body: fmt.Appendf(nil, "m%d", i)}
	}
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: msgs}))
}

func TestPoll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		concurrency int
		retry       bool
		want        memqueue.Stats // after one Poll
	}{
		{"InOrder", 1, false, memqueue.Stats{InFlight: 2}},
		{"Concurrent", 4, false, memqueue.Stats{InFlight: 2}},
		{"RetryFailures", 1, true, memqueue.Stats{InFlight: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.send(t, 6)
			var mu sync.Mutex
			var seen []string
			cfg := &poller.Config{Concurrency: tt.concurrency}
			if tt.retry {
				cfg.RetryDelayFunc = func(*queue.Delivery, error) time.Duration { return time.Second }
			}
			p := poller.New(b.q, func(_ context.Context, d *queue.Delivery) error {
				mu.Lock()
				seen = append(seen, string(d.Body))
				mu.Unlock()
				if string(d.Body) == "m1" || string(d.Body) == "m4" {
					return errors.New("fail")
				}
				return nil
			}, cfg)
			n, err := p.Poll(b.ctx)
			require.NoError(t, err)
			require.Equal(t, 6, n)
			require.ElementsMatch(t, []string{"m0", "m1", "m2", "m3", "m4", "m5"}, seen)
			// Retried messages count as in flight until visible again.
			require.Equal(t, tt.want, b.q.Stats())
			if tt.retry {
				b.stub.Advance(time.Second)
			} else {
				b.stub.Advance(time.Minute)
			}
			require.Equal(t, memqueue.Stats{Visible: 2}, b.q.Stats())
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.send(t, 25)
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]int{}
	p := poller.New(b.q, func(_ context.Context, d *queue.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		seen[string(d.Body)]++
		if len(seen) == 25 {
			cancel()
		}
		return nil
	}, &poller.Config{Concurrency: 3})
	require.NoError(t, p.Run(ctx))
	require.Len(t, seen, 25)
	require.Equal(t, memqueue.Stats{}, b.q.Stats())
}
