package storetest

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// commitEvents adds events with the given keys to execution arn, in
// commits of at most MaxCommitItems.
func (b *testBundle) commitEvents(t *testing.T, arn string, keys []string) {
	t.Helper()
	for chunk := range slices.Chunk(keys, store.MaxCommitItems) {
		p := &store.CommitParams{ExecutionARN: arn}
		for _, k := range chunk {
			p.Events = append(p.Events, store.EventWrite{Key: k, Data: []byte("event " + k)})
		}
		require.NoError(t, b.store.Commit(b.ctx, p))
	}
}

func keysOf(events []store.Event) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, e.Key)
	}
	return out
}

var historyTests = []testCase{
	{"Empty", func(t *testing.T, b *testBundle) {
		res, err := b.store.HistoryList(b.ctx, &store.HistoryListParams{ExecutionARN: execARN})
		require.NoError(t, err)
		require.Empty(t, res.Events)
		require.Empty(t, res.Next)
	}},
	{"Order", func(t *testing.T, b *testBundle) {
		// Written out of order, across commits; byte-wise key order.
		keys := []string{"b", "a/2", "a/10", "c", "a", "B", "a/1", "aa"}
		b.commitEvents(t, execARN, keys[:3])
		b.commitEvents(t, execARN, keys[3:])
		b.commitEvents(t, execARNOf("other"), []string{"a0", "zz"})
		want := slices.Clone(keys)
		slices.Sort(want)
		got := b.allHistory(t, execARN, 0, false)
		require.Equal(t, want, keysOf(got))
		require.Equal(t, []byte("event a/10"), got[slices.Index(want, "a/10")].Data)
		slices.Reverse(want)
		require.Equal(t, want, keysOf(b.allHistory(t, execARN, 0, true)))
	}},
	{"StartAfter", func(t *testing.T, b *testBundle) {
		var keys []string
		for i := range 10 {
			keys = append(keys, eventKey(i*10))
		}
		b.commitEvents(t, execARN, keys)
		for _, tc := range []struct {
			name       string
			startAfter string
			limit      int
			reverse    bool
			want       []string
		}{
			{"ExistingKey", eventKey(30), 3, false, []string{eventKey(40), eventKey(50), eventKey(60)}},
			{"BetweenKeys", eventKey(35), 2, false, []string{eventKey(40), eventKey(50)}},
			{"ReverseExisting", eventKey(30), 5, true, []string{eventKey(20), eventKey(10), eventKey(0)}},
			{"ReverseBetween", eventKey(35), 1, true, []string{eventKey(30)}},
			{"PastTheEnd", eventKey(90), 5, false, nil},
			{"ReversePastTheStart", eventKey(0), 5, true, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				res, err := b.store.HistoryList(b.ctx, &store.HistoryListParams{ExecutionARN: execARN, StartAfter: tc.startAfter, Limit: tc.limit, Reverse: tc.reverse})
				require.NoError(t, err)
				require.Equal(t, tc.want, nilIfEmpty(keysOf(res.Events)))
			})
		}
	}},
	{"Paginate2600", func(t *testing.T, b *testBundle) {
		const n = 2600
		keys := make([]string, n)
		for i := range n {
			keys[i] = eventKey(i)
		}
		b.commitEvents(t, execARN, keys)
		for _, tc := range []struct {
			name    string
			limit   int
			reverse bool
		}{
			{"Default", 0, false},
			{"Max", 1000, false},
			{"Odd", 333, false},
			{"Reverse", 1000, true},
			{"ReverseOdd", 77, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				want := slices.Clone(keys)
				if tc.reverse {
					slices.Reverse(want)
				}
				require.Equal(t, want, keysOf(b.allHistory(t, execARN, tc.limit, tc.reverse)))
			})
		}
	}},
	{"LimitAbove1000", func(t *testing.T, b *testBundle) {
		b.commitEvents(t, execARN, []string{"a", "b"})
		res, err := b.store.HistoryList(b.ctx, &store.HistoryListParams{ExecutionARN: execARN, Limit: 5000})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b"}, keysOf(res.Events))
	}},
	{"DuplicateKey", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			Events:       []store.EventWrite{{Key: eventKey(1), Data: []byte("new")}, {Key: eventKey(0), Data: []byte("again")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		require.Equal(t, []store.Event{{Key: eventKey(0), Data: []byte("ExecutionStarted")}}, b.allHistory(t, execARN, 0, false))
		b.requireThreadSeq(t, execARN, "root", 0)
	}},
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
