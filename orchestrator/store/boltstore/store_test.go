package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
	"github.com/stepwise-dev/stepwise/orchestrator/store/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := boltstore.Open("", &boltstore.Options{NoSync: true})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

// TestStoreCheckpoints runs the suite with a checkpoint after every
// group commit, so that reads merge the file, a layer being checkpointed
// and the newest layer.
func TestStoreCheckpoints(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := boltstore.Open("", &boltstore.Options{NoSync: true, CheckpointBytes: 1})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

// TestStoreSyncDepth2 runs the suite with two groups syncing at once and
// frequent checkpoints.
func TestStoreSyncDepth2(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		opts := &boltstore.Options{NoSync: true, CheckpointBytes: 2048}
		boltstore.SetSyncDepth(opts, 2)
		s, err := boltstore.Open("", opts)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

// TestStoreSpareSegments runs the suite with fdatasync on, log segments
// of 8 KB written ahead by the syncer (so records move to a new segment
// every few commits) and frequent checkpoints.
func TestStoreSpareSegments(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		opts := &boltstore.Options{CheckpointBytes: 16 << 10}
		boltstore.SetSegmentBytes(opts, 8<<10)
		s, err := boltstore.Open("", opts)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	})
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := boltstore.Open(path, nil)
	require.NoError(t, err)
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
	require.NoError(t, s.Commit(ctx, &store.CommitParams{
		ExecutionARN: arn,
		Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte("cp")}},
	}))
	require.NoError(t, s.Close())

	s, err = boltstore.Open(path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	th, err := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: "root"})
	require.NoError(t, err)
	require.Equal(t, int64(0), th.Seq)
	require.FileExists(t, path)
}

func TestTemporaryFileRemoved(t *testing.T) {
	t.Parallel()
	s, err := boltstore.Open("", nil)
	require.NoError(t, err)
	require.FileExists(t, s.Path())
	require.NoError(t, s.Close())
	require.NoFileExists(t, s.Path())
}

// TestGroupCommit checks that concurrent commits share transactions and
// that a conflicting commit in a shared transaction fails alone.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			t.Parallel()
			testGroupCommit(t, depth)
		})
	}
}

func testGroupCommit(t *testing.T, depth int) {
	ctx := context.Background()
	opts := &boltstore.Options{} // fdatasync on: slow enough to batch
	boltstore.SetSyncDepth(opts, depth)
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "store.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	const writers, steps = 16, 20
	arnOf := func(g int) string { return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g) }
	for g := range writers {
		require.NoError(t, s.Commit(ctx, &store.CommitParams{ExecutionARN: arnOf(g), Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}}}))
	}
	before := s.Stats()
	var wg sync.WaitGroup
	conflicts := make([]int, writers)
	for g := range writers {
		wg.Go(func() {
			for seq := range int64(steps) {
				p := &store.CommitParams{ExecutionARN: arnOf(g), Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: seq, Seq: seq + 1}}}
				if err := s.Commit(ctx, p); err != nil {
					t.Error(err)
					return
				}
				// A stale duplicate, likely in the same transaction as
				// other writers' commits.
				if err := s.Commit(ctx, p); errors.Is(err, store.ErrConflict) {
					conflicts[g]++
				}
			}
		})
	}
	wg.Wait()
	for g := range writers {
		require.Equal(t, steps, conflicts[g])
		th, err := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arnOf(g), ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, int64(steps), th.Seq)
	}
	after := s.Stats()
	require.Equal(t, int64(writers*steps), after.Commits-before.Commits)
	txs := after.Transactions - before.Transactions
	t.Logf("%d commits and %d conflicts in %d transactions", writers*steps, writers*steps, txs)
	require.Less(t, txs, int64(writers*steps*2), "no transaction was shared")
}
