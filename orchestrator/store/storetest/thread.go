package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var threadTests = []testCase{
	{"GetMissing", func(t *testing.T, b *testBundle) {
		_, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.ErrorIs(t, err, store.ErrNotFound)
		b.start(t, execARN)
		_, err = b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "nope"})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"Advance", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		for seq := int64(1); seq <= 5; seq++ {
			outbox := [][]byte{fmt.Appendf(nil, "msg-%d-a", seq), fmt.Appendf(nil, "msg-%d-b", seq)}
			require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
				ExecutionARN: execARN,
				Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: seq - 1, Seq: seq, Data: fmt.Appendf(nil, "cp%d", seq), Outbox: outbox}},
				Events:       []store.EventWrite{{Key: eventKey(int(seq)), Data: []byte("e")}},
			}))
			got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
			require.NoError(t, err)
			require.Equal(t, &store.Thread{ExecutionARN: execARN, ThreadID: "root", Seq: seq, Data: fmt.Appendf(nil, "cp%d", seq), Outbox: outbox}, got)
		}
		// The outbox is replaced, not appended to, and may become empty.
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 5, Seq: 6, Data: []byte("cp6")}},
		}))
		got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Empty(t, got.Outbox)
		require.Equal(t, int64(6), got.Seq)
	}},
	{"WithExpiresAt", func(t *testing.T, b *testBundle) {
		// Retention is the implementation's business; the commit works
		// the same with it.
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionCreate: newExecution(execARN, "e1", t0),
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Data: []byte("cp0")}},
			Events:          []store.EventWrite{{Key: eventKey(0), Data: []byte("e")}},
			ExpiresAt:       t0.Add(90 * 24 * time.Hour),
		}))
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusSucceeded, Output: "{}", StoppedAt: t0},
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			ExpiresAt:       t0.Add(90 * 24 * time.Hour),
		}))
		b.requireThreadSeq(t, execARN, "root", 1)
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, store.StatusSucceeded, got.Status)
	}},
	{"SeqIsExpectSeqPlusOne", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		for _, w := range []store.ThreadWrite{
			{ThreadID: "root", ExpectSeq: 0, Seq: 10},
			{ThreadID: "root", ExpectSeq: 0, Seq: 0},
			{ThreadID: "new", ExpectSeq: store.NoSeq, Seq: 1},
		} {
			err := b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, Threads: []store.ThreadWrite{w}})
			require.Error(t, err)
			require.NotErrorIs(t, err, store.ErrConflict)
		}
		b.requireThreadSeq(t, execARN, "root", 0)
	}},
	{"StaleSeq", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("cp1")}},
		}))
		t.Run("Cases", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				thread string
				expect int64
			}{
				{"Older", "root", 0},
				{"MustNotExist", "root", store.NoSeq},
				// An ExpectSeq ahead of the stored Seq (2 here, or 0 for a
				// thread that does not exist) is not tested: no caller
				// that read the thread can write one, and an
				// implementation may fence on the new Seq alone.
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					err := b.store.Commit(b.ctx, &store.CommitParams{
						ExecutionARN: execARN,
						Threads:      []store.ThreadWrite{{ThreadID: tc.thread, ExpectSeq: tc.expect, Seq: tc.expect + 1, Data: []byte("stale")}},
						Events:       []store.EventWrite{{Key: "stale-" + tc.name, Data: []byte("x")}},
					})
					require.ErrorIs(t, err, store.ErrConflict)
				})
			}
		})
		got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, []byte("cp1"), got.Data)
		require.Len(t, b.allHistory(t, execARN, 0, false), 1)
	}},
	{"AllOrNothingAcrossThreads", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("cp1")}},
		}))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads: []store.ThreadWrite{
				{ThreadID: "b0", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte("b0")},
				{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("stale")},
				{ThreadID: "b1", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte("b1")},
			},
			Events: []store.EventWrite{{Key: store.StepEventKey("b0", 0, 0), Data: []byte("e")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		b.requireThreadSeq(t, execARN, "root", 1)
		for _, id := range []string{"b0", "b1"} {
			_, err = b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: id})
			require.ErrorIs(t, err, store.ErrNotFound)
		}
		require.Len(t, b.allHistory(t, execARN, 0, false), 1)
	}},
	{"ThreadsOfOtherExecutions", func(t *testing.T, b *testBundle) {
		other := execARNOf("e2")
		b.start(t, execARN)
		b.start(t, other)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: other,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
		}))
		b.requireThreadSeq(t, execARN, "root", 0)
		b.requireThreadSeq(t, other, "root", 1)
	}},
	{"RaceOneWins", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		const writers = 16
		errs := make([]error, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				<-start
				errs[i] = b.store.Commit(b.ctx, &store.CommitParams{
					ExecutionARN: execARN,
					Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: fmt.Appendf(nil, "w%d", i), Outbox: [][]byte{fmt.Appendf(nil, "m%d", i)}}},
					Events:       []store.EventWrite{{Key: fmt.Sprintf("w%02d", i), Data: []byte("x")}},
				})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two winners: %d and %d", winner, i)
				winner = i
				continue
			}
			require.True(t, errors.Is(err, store.ErrConflict), "writer %d: got %v, want ErrConflict", i, err)
		}
		require.NotEqual(t, -1, winner, "no winner")
		got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, fmt.Appendf(nil, "w%d", winner), got.Data)
		require.Equal(t, [][]byte{fmt.Appendf(nil, "m%d", winner)}, got.Outbox)
		events := b.allHistory(t, execARN, 0, false)
		require.Equal(t, []store.Event{{Key: eventKey(0), Data: []byte("ExecutionStarted")}, {Key: fmt.Sprintf("w%02d", winner), Data: []byte("x")}}, events)
	}},
}
