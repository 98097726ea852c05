package boltstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// TestStepEventsChecks: the events of the step a commit writes are not
// looked up (the thread's fence implies they are new), but any other event
// key that exists still fails the commit.
func TestStepEventsChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := boltstore.Open("", &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	arn := "arn:aws:states:us-east-1:123456789012:execution:m:e"
	ev := func(key string) store.EventWrite { return store.EventWrite{Key: key, Data: []byte(`{}`)} }
	require.NoError(t, s.Commit(ctx, &store.CommitParams{ExecutionARN: arn,
		Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte(`{}`)}},
		Events:  []store.EventWrite{ev(store.StepEventKey("t", 0, 0)), ev("other")}}))
	// An existing event of another step, or of no step, conflicts.
	for _, key := range []string{store.StepEventKey("t", 0, 0), "other"} {
		err := s.Commit(ctx, &store.CommitParams{ExecutionARN: arn,
			Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: 0, Seq: 1, Data: []byte(`{}`)}},
			Events:  []store.EventWrite{ev(store.StepEventKey("t", 1, 0)), ev(key)}})
		require.ErrorIs(t, err, store.ErrConflict, key)
	}
	// A stale writer of the same step conflicts on the thread.
	require.NoError(t, s.Commit(ctx, &store.CommitParams{ExecutionARN: arn,
		Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: 0, Seq: 1, Data: []byte(`{}`)}},
		Events:  []store.EventWrite{ev(store.StepEventKey("t", 1, 0))}}))
	err = s.Commit(ctx, &store.CommitParams{ExecutionARN: arn,
		Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: 0, Seq: 1, Data: []byte(`{}`)}},
		Events:  []store.EventWrite{ev(store.StepEventKey("t", 1, 0))}})
	require.ErrorIs(t, err, store.ErrConflict)
}
