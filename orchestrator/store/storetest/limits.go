package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// payload returns n deterministic, incompressible bytes.
func payload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var limitTests = []testCase{
	{"MaxItems", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		p := &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusRunning},
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
		}
		for i := 1; p.Items() < store.MaxCommitItems; i++ {
			p.Events = append(p.Events, store.EventWrite{Key: eventKey(i), Data: []byte("e")})
		}
		require.NoError(t, b.store.Commit(b.ctx, p))
		require.Len(t, b.allHistory(t, execARN, 0, false), 1+len(p.Events))
		require.Equal(t, store.MaxCommitItems, p.Items())

		p.Threads[0].ExpectSeq, p.Threads[0].Seq = 1, 2
		for i := range p.Events {
			p.Events[i].Key = "more-" + p.Events[i].Key
		}
		p.TokensDelete = []string{"one-too-many"}
		err := b.store.Commit(b.ctx, p)
		require.ErrorIs(t, err, store.ErrTooLarge)
		b.requireThreadSeq(t, execARN, "root", 1)
	}},
	{"RecordsAtLimit", func(t *testing.T, b *testBundle) {
		e := newExecution(execARN, "e1", t0)
		e.Data = payload(1000, 1)
		e.Input = strings.Repeat("i", store.MaxRecordBytes-len(e.Data))
		thread := store.ThreadWrite{ThreadID: "root", ExpectSeq: store.NoSeq, Data: payload(store.MaxRecordBytes-300, 2),
			Outbox: [][]byte{payload(100, 3), payload(200, 4)}}
		event := store.EventWrite{Key: eventKey(0), Data: payload(store.MaxRecordBytes, 5)}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionCreate: e,
			Threads:         []store.ThreadWrite{thread},
			Events:          []store.EventWrite{event},
		}))
		gotExec, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, e, gotExec)
		gotThread, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, thread.Data, gotThread.Data)
		require.Equal(t, thread.Outbox, gotThread.Outbox)
		require.Equal(t, []store.Event{{Key: event.Key, Data: event.Data}}, b.allHistory(t, execARN, 0, false))

		// Output, error and cause at the limit beside input at the limit.
		out := store.ExecutionUpdate{Status: store.StatusFailed, Output: strings.Repeat("o", store.MaxRecordBytes-2000),
			Error: "E", Cause: strings.Repeat("c", 1999), StoppedAt: t0}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ExecutionUpdate: &out}))
		gotExec, err = b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, e.Input, gotExec.Input)
		require.Equal(t, out.Output, gotExec.Output)
		require.Equal(t, out.Cause, gotExec.Cause)
	}},
	{"KeysAtLimit", func(t *testing.T, b *testBundle) {
		long := strings.Repeat("x", store.MaxKeyBytes)
		arn := execARN + strings.Repeat("a", store.MaxKeyBytes-len(execARN))
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: arn,
			Threads:      []store.ThreadWrite{{ThreadID: long, ExpectSeq: store.NoSeq}},
			Events:       []store.EventWrite{{Key: long, Data: []byte("e")}},
			TokensPut:    []store.Token{{Token: long, ExecutionARN: arn, ThreadID: long}},
			ChildResults: []store.ChildResultWrite{{ParentThreadID: long, Index: 1 << 40, Data: []byte("r")}},
		}))
		b.requireThreadSeq(t, arn, long, 0)
		res, err := b.store.HistoryList(b.ctx, &store.HistoryListParams{ExecutionARN: arn, StartAfter: long[:10]})
		require.NoError(t, err)
		require.Equal(t, []string{long}, keysOf(res.Events))
		tk, err := b.store.TokenGet(b.ctx, &store.TokenGetParams{Token: long})
		require.NoError(t, err)
		require.Equal(t, long, tk.ThreadID)
		cr, err := b.store.ChildResultList(b.ctx, &store.ChildResultListParams{ExecutionARN: arn, ParentThreadID: long})
		require.NoError(t, err)
		require.Equal(t, []store.ChildResult{{Index: 1 << 40, Data: []byte("r")}}, cr.Results)
	}},
	{"CommitAtByteLimit", func(t *testing.T, b *testBundle) {
		const n = store.MaxCommitBytes / store.MaxRecordBytes
		p := &store.CommitParams{ExecutionARN: execARN}
		for i := range n {
			p.Events = append(p.Events, store.EventWrite{Key: eventKey(i), Data: payload(store.MaxRecordBytes, uint64(i))})
		}
		require.NoError(t, b.store.Commit(b.ctx, p))
		got := b.allHistory(t, execARN, 0, false)
		require.Len(t, got, n)
		for i, e := range got {
			require.Equal(t, p.Events[i].Data, e.Data, "event %d", i)
		}
	}},
	{"TooLarge", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		big := payload(store.MaxRecordBytes+1, 1)
		for _, tc := range []struct {
			name   string
			params *store.CommitParams
		}{
			{"Event", &store.CommitParams{ExecutionARN: execARN, Events: []store.EventWrite{{Key: "big", Data: big}}}},
			{"Thread", &store.CommitParams{ExecutionARN: execARN, Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: big[:store.MaxRecordBytes], Outbox: [][]byte{{1}}}}}},
			{"Token", &store.CommitParams{ExecutionARN: execARN, TokensPut: []store.Token{{Token: "t", ExecutionARN: execARN, Data: big}}}},
			{"ChildResult", &store.CommitParams{ExecutionARN: execARN, ChildResults: []store.ChildResultWrite{{ParentThreadID: "root", Data: big}}}},
			{"EventKey", &store.CommitParams{ExecutionARN: execARN, Events: []store.EventWrite{{Key: strings.Repeat("k", store.MaxKeyBytes+1)}}}},
			{"ExecutionOutput", &store.CommitParams{ExecutionARN: execARN, ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusSucceeded, Output: string(big)}}},
			{"Commit", func() *store.CommitParams {
				p := &store.CommitParams{ExecutionARN: execARN}
				for i := range store.MaxCommitBytes/store.MaxRecordBytes + 1 {
					p.Events = append(p.Events, store.EventWrite{Key: fmt.Sprintf("big%d", i), Data: big[:store.MaxRecordBytes]})
				}
				return p
			}()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				require.ErrorIs(t, b.store.Commit(b.ctx, tc.params), store.ErrTooLarge)
			})
		}
	}},
	{"Malformed", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		for _, tc := range []struct {
			name   string
			params *store.CommitParams
		}{
			{"Empty", &store.CommitParams{ExecutionARN: execARN}},
			{"NoExecutionARN", &store.CommitParams{Events: []store.EventWrite{{Key: "k"}}}},
			{"ThreadTwice", &store.CommitParams{ExecutionARN: execARN, Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}, {ThreadID: "root", ExpectSeq: 0, Seq: 1}}}},
			{"EmptyEventKey", &store.CommitParams{ExecutionARN: execARN, Events: []store.EventWrite{{Key: ""}}}},
			{"TokenOfOtherExecution", &store.CommitParams{ExecutionARN: execARN, TokensPut: []store.Token{{Token: "t", ExecutionARN: "other"}}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				err := b.store.Commit(b.ctx, tc.params)
				require.Error(t, err)
				require.NotErrorIs(t, err, store.ErrConflict)
			})
		}
		b.requireThreadSeq(t, execARN, "root", 0)
	}},
}
