package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// activityTask returns waiting task n of activity a, scheduled by execARN.
func activityTask(a string, n int) store.ActivityTask {
	return store.ActivityTask{
		ActivityARN:  activityARN(a),
		Key:          fmt.Sprintf("%08d", n),
		Token:        fmt.Sprintf("tok-%s-%d", a, n),
		ExecutionARN: execARN,
		ThreadID:     "root",
		Input:        fmt.Sprintf(`{"n":%d}`, n),
		Data:         []byte("engine"),
	}
}

var activityTaskTests = []testCase{
	{"ClaimInKeyOrder", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		// Written out of order, in two commits, for two activities.
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:  execARN,
			Threads:       []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			ActivityTasks: []store.ActivityTask{activityTask("a", 2), activityTask("b", 1)},
		}))
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:  execARN,
			ActivityTasks: []store.ActivityTask{activityTask("a", 1), activityTask("a", 3)},
		}))
		for _, n := range []int{1, 2, 3} {
			got, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
			require.NoError(t, err)
			want := activityTask("a", n)
			require.Equal(t, &want, got)
		}
		_, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
		require.ErrorIs(t, err, store.ErrNotFound)
		got, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("b")})
		require.NoError(t, err)
		require.Equal(t, "tok-b-1", got.Token)
	}},
	{"ClaimNone", func(t *testing.T, b *testBundle) {
		_, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("none")})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"PutTwiceConflicts", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ActivityTasks: []store.ActivityTask{activityTask("a", 1)}}))
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:  execARN,
			Threads:       []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			ActivityTasks: []store.ActivityTask{activityTask("a", 1)},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		b.requireThreadSeq(t, execARN, "root", 0)
	}},
	{"RolledBackWithTheCommit", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:  execARN,
			Threads:       []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}}, // root exists
			ActivityTasks: []store.ActivityTask{activityTask("a", 1)},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		_, err = b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"Delete", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN,
			ActivityTasks: []store.ActivityTask{activityTask("a", 1), activityTask("a", 2)}}))
		// A failed commit deletes nothing; a missing task is ignored.
		err := b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN:        execARN,
			Threads:             []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}}, // root exists
			ActivityTasksDelete: []store.ActivityTaskDelete{{ActivityARN: activityARN("a"), Key: activityTask("a", 1).Key}},
		})
		require.ErrorIs(t, err, store.ErrConflict)
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{
			ExecutionARN: execARN,
			Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
			ActivityTasksDelete: []store.ActivityTaskDelete{
				{ActivityARN: activityARN("a"), Key: activityTask("a", 1).Key},
				{ActivityARN: activityARN("a"), Key: "never-written"},
			},
		}))
		got, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
		require.NoError(t, err)
		require.Equal(t, activityTask("a", 2).Token, got.Token)
		_, err = b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
		require.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"ConcurrentClaimersGetEachTaskOnce", func(t *testing.T, b *testBundle) {
		b.start(t, execARN)
		const tasks, claimers = 30, 6
		var all []store.ActivityTask
		for i := range tasks {
			all = append(all, activityTask("a", i))
		}
		require.NoError(t, b.store.Commit(b.ctx, &store.CommitParams{ExecutionARN: execARN, ActivityTasks: all}))
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					task, err := b.store.ActivityTaskClaim(b.ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN("a")})
					if err != nil {
						if !errors.Is(err, store.ErrNotFound) {
							t.Errorf("claiming: %v", err)
						}
						return
					}
					mu.Lock()
					got[task.Token]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Len(t, got, tasks)
		for tok, n := range got {
			require.Equal(t, 1, n, "task %s claimed %d times", tok, n)
		}
	}},
}
