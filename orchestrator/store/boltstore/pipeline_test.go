package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// The pipeline tests hold the syncer in the fdatasync of a group (a
// replaced log sync that waits for the test) to check what later writes,
// readers and callers see meanwhile.

// gate is a log sync that blocks until released, and tells when a sync
// has started.
type gate struct {
	started chan struct{}
	release chan struct{}
	syncs   atomic.Int64
}

func newGate() *gate {
	return &gate{started: make(chan struct{}, 100), release: make(chan struct{})}
}

func (g *gate) sync(*os.File) error {
	g.syncs.Add(1)
	g.started <- struct{}{}
	<-g.release
	return nil
}

// openGated opens a durable store whose log syncs wait at a gate.
func openGated(t *testing.T, depth int) (*boltstore.Store, *gate, string) {
	t.Helper()
	dir := t.TempDir()
	opts := &boltstore.Options{}
	boltstore.SetSyncDepth(opts, depth)
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), opts)
	require.NoError(t, err)
	g := newGate()
	s.SetLogSync(g.sync)
	return s, g, dir
}

// async runs f in a goroutine and returns its result's channel.
func async(f func() error) chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

// requireWaiting checks that no result arrives for a while.
func requireWaiting(t *testing.T, ch chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s returned (%v) before its group was synced", what, err)
	case <-time.After(20 * time.Millisecond):
	}
}

// release lets one held sync go on, failing the test after a while.
func release(t *testing.T, g *gate) {
	t.Helper()
	select {
	case g.release <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
	}
}

// recv returns the next value of ch, failing the test after a while.
func recv[T any](t *testing.T, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

func threadSeq(t *testing.T, s *boltstore.Store, g int) int64 {
	t.Helper()
	th, err := s.ThreadGet(context.Background(), &store.ThreadGetParams{ExecutionARN: crashARN(g), ThreadID: "root"})
	require.NoError(t, err)
	return th.Seq
}

// TestPipelineReadersSeeOnlyDurableWrites holds a group in its fdatasync:
// its commit has not returned and readers do not see its writes, while
// the next commit, checked against them, is accepted into the next
// group; both return, and are visible, once synced.
func TestPipelineReadersSeeOnlyDurableWrites(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			t.Parallel()
			s, g, _ := openGated(t, depth)
			ctx := context.Background()
			first := async(func() error { crashCreate(t, s, 0); return nil })
			recv(t, g.started)
			requireWaiting(t, first, "the creating commit")
			_, err := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: crashARN(0), ThreadID: "root"})
			require.ErrorIs(t, err, store.ErrNotFound, "a reader saw a write before it was durable")
			_, err = s.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: crashARN(0)})
			require.ErrorIs(t, err, store.ErrNotFound)

			// The next step is checked against the group in flight.
			step0 := async(func() error { return crashStep(s, 0, 0) })
			if depth > 1 {
				recv(t, g.started) // its group syncs alongside
			}
			requireWaiting(t, step0, "the next commit")
			release(t, g)
			require.NoError(t, recv(t, first))
			require.Equal(t, int64(0), threadSeq(t, s, 0))
			h, err := s.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: crashARN(0)})
			require.NoError(t, err)
			require.Empty(t, h.Events, "a reader saw an event before it was durable")
			if depth == 1 {
				recv(t, g.started)
			}
			requireWaiting(t, step0, "the next commit")
			release(t, g)
			require.NoError(t, recv(t, step0))
			require.Equal(t, int64(1), crashCheck(t, s, 0))
			close(g.release)
			require.NoError(t, s.Close())
			require.Equal(t, int64(2), g.syncs.Load())
		})
	}
}

// TestPipelineConflictAcrossGroups races writers for one thread seq
// while the group that set it is in flight: a stale commit fails, of two
// commits of the same next step exactly one wins, and the losers are
// answered only once what their checks saw is durable.
func TestPipelineConflictAcrossGroups(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			t.Parallel()
			s, g, dir := openGated(t, depth)
			go func() {
				for range g.started {
					g.release <- struct{}{}
				}
			}()
			crashCreate(t, s, 0)
			// Hold the next sync.
			hold := make(chan struct{})
			var held atomic.Bool
			s.SetLogSync(func(*os.File) error {
				if held.CompareAndSwap(false, true) {
					<-hold
				}
				return nil
			})
			step := async(func() error { return crashStep(s, 0, 0) }) // 0 -> 1
			require.Eventually(t, held.Load, 5*time.Second, time.Millisecond)
			stale := async(func() error { return crashStep(s, 0, 0) }) // expects 0: stored 1 in flight
			a := async(func() error { return crashStep(s, 0, 1) })     // 1 -> 2
			b := async(func() error { return crashStep(s, 0, 1) })     // 1 -> 2 too
			requireWaiting(t, stale, "the stale commit")
			requireWaiting(t, a, "a racing commit")
			close(hold)
			require.NoError(t, recv(t, step))
			require.ErrorIs(t, recv(t, stale), store.ErrConflict)
			errA, errB := recv(t, a), recv(t, b)
			require.True(t, (errA == nil) != (errB == nil), "exactly one of two racing commits wins: %v, %v", errA, errB)
			require.ErrorIs(t, errors.Join(errA, errB), store.ErrConflict)
			require.Equal(t, int64(2), crashCheck(t, s, 0))
			require.NoError(t, s.Close())
			close(g.started)

			r, err := boltstore.Open(filepath.Join(dir, "store.db"), nil)
			require.NoError(t, err)
			defer func() { require.NoError(t, r.Close()) }()
			require.Equal(t, int64(2), crashCheck(t, r, 0))
		})
	}
}

// TestPipelineSyncFailure fails one fdatasync while writers keep groups
// in flight: every caller not answered yet gets an error, the store
// refuses writes from then on, and a reopened store has every commit
// that returned.
func TestPipelineSyncFailure(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			opts := &boltstore.Options{CheckpointBytes: 16 << 10}
			boltstore.SetSyncDepth(opts, depth)
			s, err := boltstore.Open(filepath.Join(dir, "store.db"), opts)
			require.NoError(t, err)
			const writers = 8
			for g := range writers {
				crashCreate(t, s, g)
			}
			var syncs atomic.Int64
			s.SetLogSync(func(f *os.File) error {
				n := syncs.Add(1)
				time.Sleep(100 * time.Microsecond) // let groups overlap
				if n == 60 {
					return syscall.EIO
				}
				return nil
			})
			acked := make([]int64, writers)
			failed := make([]error, writers)
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					for seq := int64(0); ; seq++ {
						if err := crashStep(s, g, seq); err != nil {
							failed[g] = err
							return
						}
						acked[g] = seq + 1
					}
				})
			}
			wg.Wait()
			for g := range writers {
				require.ErrorIs(t, failed[g], syscall.EIO, "writer %d", g)
			}
			require.ErrorIs(t, crashStep(s, 0, acked[0]), syscall.EIO, "a failed store accepted a write")
			require.Error(t, s.Close())

			r, err := boltstore.Open(filepath.Join(dir, "store.db"), nil)
			require.NoError(t, err)
			defer func() { require.NoError(t, r.Close()) }()
			for g := range writers {
				// A failed group's record may have been written: its
				// commits may be there, though they did not return.
				require.GreaterOrEqual(t, crashCheck(t, r, g), acked[g], "writer %d: acknowledged commit lost", g)
			}
		})
	}
}
