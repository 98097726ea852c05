// Package storetest is the driver suite of store.Store: every
// implementation's test calls Run, and a change to the contract extends the
// suite in the same change.
//
//	func TestStore(t *testing.T) {
//		t.Parallel()
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return open(t) // a fresh, empty store, closed in t.Cleanup
//		})
//	}
//
// Only tests import this package.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Run runs the suite as parallel subtests. newStore returns a fresh, empty
// store for one subtest and releases it with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []testCase
	}{
		{"StateMachine", stateMachineTests},
		{"Activity", activityTests},
		{"Execution", executionTests},
		{"Thread", threadTests},
		{"History", historyTests},
		{"Step", stepTests},
		{"Token", tokenTests},
		{"ChildResult", childResultTests},
		{"ActivityTask", activityTaskTests},
		{"Limits", limitTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, &testBundle{ctx: context.Background(), store: newStore(t)})
				})
			}
		})
	}
}

// testCase is one named subtest.
type testCase struct {
	name string
	run  func(t *testing.T, b *testBundle)
}

// testBundle is what each subtest gets.
type testBundle struct {
	ctx   context.Context
	store store.Store
}

// t0 is the suite's clock origin; times are UTC so that records compare
// equal after a round trip.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)

const (
	smARN   = "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
	execARN = "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
)

// execARNOf returns the ARN of execution name on smARN.
func execARNOf(name string) string {
	return "arn:aws:states:us-east-1:123456789012:execution:sm:" + name
}

// newExecution returns a RUNNING execution of smARN.
func newExecution(arn, name string, startedAt time.Time) *store.Execution {
	return &store.Execution{
		ARN:                  arn,
		StateMachineARN:      smARN,
		StateMachineRevision: 1,
		Name:                 name,
		Status:               store.StatusRunning,
		Input:                `{"name":"` + name + `"}`,
		StartedAt:            startedAt,
		Data:                 []byte("engine:" + name),
	}
}

// start commits the creation of execution arn with its root thread at seq
// 0 and one event.
func (b *testBundle) start(t *testing.T, arn string) {
	t.Helper()
	require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
		ExecutionARN:    arn,
		ExecutionCreate: newExecution(arn, "e1", t0),
		Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte("cp0")}},
		Events:          []store.EventWrite{{Key: eventKey(0), Data: []byte("ExecutionStarted")}},
	}))
}

// eventKey returns a sortable event key for n.
func eventKey(n int) string {
	return fmt.Sprintf("%08d", n)
}

// requireThreadSeq asserts the stored Seq of a thread.
func (b *testBundle) requireThreadSeq(t *testing.T, arn, thread string, seq int64) {
	t.Helper()
	got, err := b.store.ThreadGet(b.ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: thread})
	require.NoError(t, err)
	require.Equal(t, seq, got.Seq, "thread %s seq", thread)
}

// allHistory reads every event of arn, page by page.
func (b *testBundle) allHistory(t *testing.T, arn string, limit int, reverse bool) []store.Event {
	t.Helper()
	var all []store.Event
	params := &store.HistoryListParams{ExecutionARN: arn, Limit: limit, Reverse: reverse}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100_000, "too many pages")
		res, err := b.store.HistoryList(b.ctx, params)
		require.NoError(t, err)
		if limit > 0 {
			require.LessOrEqual(t, len(res.Events), limit)
		}
		all = append(all, res.Events...)
		if res.Next == "" {
			return all
		}
		params.StartAfter = res.Next
	}
}
