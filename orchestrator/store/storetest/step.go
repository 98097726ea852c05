package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// step commits one step of thread (ExpectSeq seq-1) with n events keyed
// store.StepEventKey, given in reverse order.
func (b *testBundle) step(t *testing.T, arn, thread string, seq int64, n int) []string {
	t.Helper()
	p := &store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: thread, ExpectSeq: seq - 1, Seq: seq,
		Data: fmt.Appendf(nil, "%s@%d", thread, seq), Outbox: [][]byte{fmt.Appendf(nil, "out %s@%d", thread, seq)}}}}
	var keys []string
	for i := n - 1; i >= 0; i-- {
		k := store.StepEventKey(thread, seq, i)
		keys = append(keys, k)
		p.Events = append(p.Events, store.EventWrite{Key: k, Data: []byte("event " + k)})
	}
	require.NoError(t, b.store.Commit(b.ctx, p))
	return keys
}

var stepTests = []testCase{
	{"EventsOfSteps", func(t *testing.T, b *testBundle) {
		// Steps of several threads (one with '#' in its ID, one that is
		// the prefix of others), and events of no step, in one history.
		var keys []string
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionCreate: newExecution(execARN, "e1", t0),
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Data: []byte("root@0")}},
			Events:          []store.EventWrite{{Key: store.StepEventKey("root", 0, 0), Data: []byte("event " + store.StepEventKey("root", 0, 0))}},
		}))
		keys = append(keys, store.StepEventKey("root", 0, 0))
		for seq := int64(1); seq <= 11; seq++ {
			keys = append(keys, b.step(t, execARN, "root", seq, 2)...)
		}
		keys = append(keys, b.step(t, execARN, "root/1.0", 0, 3)...)
		keys = append(keys, b.step(t, execARN, "root/1.0", 1, 0)...)
		keys = append(keys, b.step(t, execARN, "root/1.0", 2, 12)...)
		keys = append(keys, b.step(t, execARN, "a#b", 0, 1)...)
		keys = append(keys, b.step(t, execARN, "a", 0, 1)...)
		keys = append(keys, b.step(t, execARN, "a%", 0, 1)...)
		others := []string{"~end", "a", "root#"}
		b.commitEvents(t, execARN, others)
		keys = append(keys, others...)
		slices.Sort(keys)

		for _, limit := range []int{0, 1, 2, 5} {
			require.Equal(t, keys, keysOf(b.allHistory(t, execARN, limit, false)), "limit %d", limit)
			want := slices.Clone(keys)
			slices.Reverse(want)
			require.Equal(t, want, keysOf(b.allHistory(t, execARN, limit, true)), "reverse, limit %d", limit)
		}
		for _, e := range b.allHistory(t, execARN, 0, false) {
			require.Equal(t, "event "+e.Key, string(e.Data))
		}
		for _, tc := range []struct {
			thread string
			seq    int64
		}{{"root", 11}, {"root/1.0", 2}, {"a#b", 0}, {"a", 0}, {"a%", 0}} {
			got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: tc.thread})
			require.NoError(t, err)
			require.Equal(t, tc.seq, got.Seq, tc.thread)
			require.Equal(t, fmt.Sprintf("%s@%d", tc.thread, tc.seq), string(got.Data))
		}
		for _, id := range []string{"a#", "roo", "root/1", "#"} {
			_, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: id})
			require.ErrorIs(t, err, store.ErrNotFound, id)
		}

		// Pages that start inside a step's events.
		for _, tc := range []struct {
			name       string
			startAfter string
			limit      int
			reverse    bool
			want       []string
		}{
			{"InsideStep", store.StepEventKey("root", 3, 0), 2, false, []string{store.StepEventKey("root", 3, 1), store.StepEventKey("root", 4, 0)}},
			{"ReverseInsideStep", store.StepEventKey("root", 3, 1), 2, true, []string{store.StepEventKey("root", 3, 0), store.StepEventKey("root", 2, 1)}},
			{"AtStepKey", store.StepKey("root", 3), 1, false, []string{store.StepEventKey("root", 3, 0)}},
			{"ReverseAtStepKey", store.StepKey("root", 3), 1, true, []string{store.StepEventKey("root", 2, 1)}},
			{"TenthEvent", store.StepEventKey("root/1.0", 2, 9), 5, false, []string{store.StepEventKey("root/1.0", 2, 10), store.StepEventKey("root/1.0", 2, 11), "~end"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				res, err := b.store.HistoryList(b.ctx, &store.HistoryListParams{ExecutionARN: execARN, StartAfter: tc.startAfter, Limit: tc.limit, Reverse: tc.reverse})
				require.NoError(t, err)
				require.Equal(t, tc.want, keysOf(res.Events))
			})
		}
	}},
	{"StaleStepWritesNothing", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		b.step(t, execARN, "root", 1, 2)
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("stale")}},
			Events:       []store.EventWrite{{Key: store.StepEventKey("root", 1, 0), Data: []byte("stale")}, {Key: store.StepEventKey("root", 1, 5), Data: []byte("stale")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, "root@1", string(got.Data))
		require.Equal(t, [][]byte{[]byte("out root@1")}, got.Outbox)
		require.Equal(t, []string{eventKey(0), store.StepEventKey("root", 1, 0), store.StepEventKey("root", 1, 1)}, keysOf(b.allHistory(t, execARN, 0, false)))
	}},
	{"LargeStep", func(t *testing.T, b *testBundle) {
		// Events too large to share an item with the checkpoint.
		b.start(t, execARN)
		p := &store.CommitParams{ExecutionARN: execARN, Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1,
			Data: payload(200_000, 1), Outbox: [][]byte{payload(1000, 2)}}}}
		for i := range 3 {
			p.Events = append(p.Events, store.EventWrite{Key: store.StepEventKey("root", 1, i), Data: payload(store.MaxRecordBytes, uint64(10+i))})
		}
		require.NoError(t, b.store.Commit(b.ctx, p))
		got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, p.Threads[0].Data, got.Data)
		require.Equal(t, p.Threads[0].Outbox, got.Outbox)
		events := b.allHistory(t, execARN, 2, false)
		require.Len(t, events, 4)
		for i, e := range events[1:] {
			require.Equal(t, p.Events[i], store.EventWrite{Key: e.Key, Data: e.Data})
		}
	}},
	{"ManySteps", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		keys := []string{eventKey(0)}
		for seq := int64(1); seq <= 150; seq++ {
			ks := b.step(t, execARN, "root", seq, 2)
			slices.Reverse(ks)
			keys = append(keys, ks...)
		}
		b.requireThreadSeq(t, execARN, "root", 150)
		slices.Sort(keys)
		require.Equal(t, keys, keysOf(b.allHistory(t, execARN, 7, false)))
		slices.Reverse(keys)
		require.Equal(t, keys, keysOf(b.allHistory(t, execARN, 1000, true)))
	}},
}
