package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// allChildResults reads every child result of parent, page by page.
func (b *testBundle) allChildResults(t *testing.T, parent string, limit int) []store.ChildResult {
	t.Helper()
	var all []store.ChildResult
	params := &store.ChildResultListParams{ExecutionARN: execARN, ParentThreadID: parent, Limit: limit}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10_000)
		res, err := b.store.ChildResultList(b.ctx, params)
		require.NoError(t, err)
		if limit > 0 {
			require.LessOrEqual(t, len(res.Results), limit)
		}
		all = append(all, res.Results...)
		if res.NextToken == "" {
			return all
		}
		params.NextToken = res.NextToken
	}
}

var childResultTests = []testCase{
	{"RecordOnce", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root.0", ExpectSeq: store.NoSeq}},
			ChildResults: []store.ChildResultWrite{{ParentThreadID: "root", Index: 0, Data: []byte("r0")}},
		}))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			ChildResults: []store.ChildResultWrite{{ParentThreadID: "root", Index: 0, Data: []byte("again")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		require.Equal(t, []store.ChildResult{{Index: 0, Data: []byte("r0")}}, b.allChildResults(t, "root", 0))
	}},
	{"ConflictWritesNothing", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			ChildResults: []store.ChildResultWrite{{ParentThreadID: "root", Index: 1, Data: []byte("r1")}},
		}))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusSucceeded, Output: "{}", StoppedAt: t0},
			Threads: []store.ThreadWrite{
				{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("joined")},
				{ThreadID: "root.2", ExpectSeq: store.NoSeq, Seq: 0},
			},
			Events:       []store.EventWrite{{Key: eventKey(1), Data: []byte("x")}},
			TokensPut:    []store.Token{{Token: "tok", ExecutionARN: execARN, ThreadID: "root"}},
			ChildResults: []store.ChildResultWrite{{ParentThreadID: "root", Index: 0, Data: []byte("r0")}, {ParentThreadID: "root", Index: 1, Data: []byte("dup")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)

		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, store.StatusRunning, got.Status)
		th, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, []byte("cp0"), th.Data)
		_, err = b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root.2"})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Len(t, b.allHistory(t, execARN, 0, false), 1)
		_, err = b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: "tok"})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Equal(t, []store.ChildResult{{Index: 1, Data: []byte("r1")}}, b.allChildResults(t, "root", 0))
	}},
	{"ListEmpty", func(t *testing.T, b *testBundle) {
		require.Empty(t, b.allChildResults(t, "root", 0))
	}},
	{"ListPaginated", func(t *testing.T, b *testBundle) {
		const n = 250
		// Recorded in a scrambled order, listed by index (numerically).
		var writes []store.ChildResultWrite
		for i := range n {
			idx := (i * 7) % n
			writes = append(writes, store.ChildResultWrite{ParentThreadID: "root", Index: idx, Data: fmt.Appendf(nil, "r%d", idx)})
			if len(writes) == store.MaxCommitItems || i == n-1 {
				require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ChildResults: writes}))
				writes = nil
			}
		}
		// Another parent, whose ID is a prefix-extension of "root".
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ChildResults: []store.ChildResultWrite{
			{ParentThreadID: "root.1", Index: 0, Data: []byte("x")},
			{ParentThreadID: "roo", Index: 3, Data: []byte("y")},
		}}))
		for _, limit := range []int{0, 1000, 100, 33} {
			t.Run(fmt.Sprintf("Limit%d", limit), func(t *testing.T) {
				t.Parallel()
				got := b.allChildResults(t, "root", limit)
				require.Len(t, got, n)
				for i, r := range got {
					require.Equal(t, store.ChildResult{Index: i, Data: fmt.Appendf(nil, "r%d", i)}, r)
				}
			})
		}
		require.Equal(t, []store.ChildResult{{Index: 0, Data: []byte("x")}}, b.allChildResults(t, "root.1", 0))
	}},
}
