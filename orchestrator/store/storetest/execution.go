package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var executionTests = []testCase{
	{"StartGet", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, newExecution(execARN, "e1", t0), got)
		th, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, &store.Thread{ExecutionARN: execARN, ThreadID: "root", Seq: 0, Data: []byte("cp0")}, th)
		require.Equal(t, []store.Event{{Key: eventKey(0), Data: []byte("ExecutionStarted")}}, b.allHistory(t, execARN, 0, false))
	}},
	{"GetEventual", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN, Eventual: true})
		if err == nil {
			require.Equal(t, newExecution(execARN, "e1", t0), got)
		} else {
			// Not seen yet: a later read sees it.
			require.ErrorIs(t, err, store.ErrNotFound)
		}
		_, err = b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN + "-missing", Eventual: true})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"CreateTwice", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		second := newExecution(execARN, "e1", t0.Add(time.Hour))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionCreate: second,
			Threads:         []store.ThreadWrite{{ThreadID: "other", ExpectSeq: store.NoSeq, Data: []byte("x")}},
			Events:          []store.EventWrite{{Key: eventKey(1), Data: []byte("x")}},
		})
		require.ErrorIs(t, err, store.ErrAlreadyExists)
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, t0, got.StartedAt)
		_, err = b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: execARN, ThreadID: "other"})
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Len(t, b.allHistory(t, execARN, 0, false), 1)
	}},
	{"CreateTwiceWinsOverConflict", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionCreate: newExecution(execARN, "e1", t0),
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Data: []byte("x")}},
		})
		require.ErrorIs(t, err, store.ErrAlreadyExists)
	}},
	{"CreateFinished", func(t *testing.T, b *testBundle) {
		// An Express execution may be recorded once, when it has finished.
		e := newExecution(execARN, "e1", t0)
		e.Status, e.Output, e.StoppedAt = store.StatusSucceeded, `{"done":true}`, t0.Add(time.Second)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ExecutionCreate: e}))
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, e, got)
		res, err := b.store.ExecutionList(b.ctx, &store.ExecutionListParams{StateMachineARN: smARN, Status: store.StatusSucceeded})
		require.NoError(t, err)
		require.Len(t, res.Executions, 1)
		require.Equal(t, t0.Add(time.Second), res.Executions[0].StoppedAt)
		err = b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusFailed}})
		require.ErrorIs(t, err, store.ErrConflict)
	}},
	{"GetMissing", func(t *testing.T, b *testBundle) {
		_, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"UpdateStops", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		stop := t0.Add(3 * time.Second)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusSucceeded, Output: `{"ok":true}`, StoppedAt: stop},
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("cp1")}},
			Events:          []store.EventWrite{{Key: eventKey(1), Data: []byte("ExecutionSucceeded")}},
		}))
		want := newExecution(execARN, "e1", t0)
		want.Status, want.Output, want.StoppedAt = store.StatusSucceeded, `{"ok":true}`, stop
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, want, got)

		// A stopped execution cannot change again, and nothing of the
		// commit is written.
		err = b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusFailed, Error: "E", Cause: "c", StoppedAt: stop},
			Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 1, Seq: 2, Data: []byte("cp2")}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		got, err = b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, want, got)
		b.requireThreadSeq(t, execARN, "root", 1)
	}},
	{"UpdateFailed", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		stop := t0.Add(time.Second)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusFailed, Error: "ValidationError", Cause: "bad e-mail", StoppedAt: stop, Data: []byte("d2")},
		}))
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, store.StatusFailed, got.Status)
		require.Equal(t, "ValidationError", got.Error)
		require.Equal(t, "bad e-mail", got.Cause)
		require.Equal(t, "", got.Output)
		require.Equal(t, stop, got.StoppedAt)
		require.Equal(t, []byte("d2"), got.Data)
		require.Equal(t, `{"name":"e1"}`, got.Input)
	}},
	{"UpdateRunningData", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		for i := range 2 {
			require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
				ExecutionARN:    execARN,
				ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusRunning, Data: fmt.Appendf(nil, "data%d", i)},
			}))
		}
		got, err := b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.NoError(t, err)
		require.Equal(t, store.StatusRunning, got.Status)
		require.Equal(t, []byte("data1"), got.Data)
		require.True(t, got.StoppedAt.IsZero())
	}},
	{"UpdateMissing", func(t *testing.T, b *testBundle) {
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:    execARN,
			ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusAborted, StoppedAt: t0},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = b.store.ExecutionGet(b.ctx, &store.ExecutionGetParams{ARN: execARN})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"List", func(t *testing.T, b *testBundle) {
		const n = 23
		otherSM := "arn:aws:states:us-east-1:123456789012:stateMachine:other"
		statuses := []string{store.StatusRunning, store.StatusSucceeded, store.StatusFailed}
		for i := range n {
			name := fmt.Sprintf("e%02d", i)
			arn := execARNOf(name)
			e := newExecution(arn, name, t0.Add(time.Duration(i)*time.Second))
			if i == 7 {
				e.StartedAt = t0.Add(6 * time.Second) // a tie, broken by ARN
			}
			require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: arn, ExecutionCreate: e}))
			if s := statuses[i%3]; s != store.StatusRunning {
				require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
					ExecutionARN:    arn,
					ExecutionUpdate: &store.ExecutionUpdate{Status: s, Output: "{}", StoppedAt: t0.Add(time.Hour)},
				}))
			}
			other := "arn:aws:states:us-east-1:123456789012:execution:other:" + name
			oe := newExecution(other, name, t0.Add(time.Duration(i)*time.Second))
			oe.StateMachineARN = otherSM
			require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: other, ExecutionCreate: oe}))
		}

		list := func(status string, max int) []*store.Execution {
			var all []*store.Execution
			params := &store.ExecutionListParams{StateMachineARN: smARN, Status: status, MaxResults: max}
			for pages := 0; ; pages++ {
				require.Less(t, pages, 100)
				res, err := b.store.ExecutionList(b.ctx, params)
				require.NoError(t, err)
				require.LessOrEqual(t, len(res.Executions), max)
				all = append(all, res.Executions...)
				if res.NextToken == "" {
					return all
				}
				params.NextToken = res.NextToken
			}
		}
		names := func(es []*store.Execution) []string {
			var out []string
			for _, e := range es {
				out = append(out, e.Name)
			}
			return out
		}
		var wantAll, wantFailed []string
		for i := n - 1; i >= 0; i-- {
			wantAll = append(wantAll, fmt.Sprintf("e%02d", i))
			if statuses[i%3] == store.StatusFailed {
				wantFailed = append(wantFailed, fmt.Sprintf("e%02d", i))
			}
		}
		// e07 starts at the same time as e06 and comes first: ties go by
		// ARN, descending.
		all := list("", 7)
		require.Equal(t, wantAll, names(all))
		require.Equal(t, wantFailed, names(list(store.StatusFailed, 3)))
		require.Equal(t, wantFailed, names(list(store.StatusFailed, 100)))
		require.Empty(t, list(store.StatusTimedOut, 5))

		// Summaries: no payloads.
		e := all[0]
		require.Equal(t, execARNOf("e22"), e.ARN)
		require.Equal(t, smARN, e.StateMachineARN)
		require.Equal(t, int64(1), e.StateMachineRevision)
		require.Equal(t, "e22", e.Name)
		require.Equal(t, store.StatusSucceeded, e.Status)
		require.Equal(t, t0.Add(22*time.Second), e.StartedAt)
		require.Equal(t, t0.Add(time.Hour), e.StoppedAt)
		require.Empty(t, e.Input)
		require.Empty(t, e.Output)
		require.Empty(t, e.Data)
		e = all[1]
		require.Equal(t, store.StatusRunning, e.Status)
		require.True(t, e.StoppedAt.IsZero())
	}},
}
