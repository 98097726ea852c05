package store_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

func TestStepKeys(t *testing.T) {
	t.Parallel()
	// Generated in (thread, seq, index) order, numbers ascending: sorting
	// the keys byte-wise must not change that order within a thread.
	for _, thread := range []string{"root", "root/1.10", "a#b", "a%", "x#a1"} {
		var keys []string
		for _, seq := range []int64{0, 1, 9, 10, 99, 100, 12345678901} {
			for _, i := range []int{0, 1, 9, 10, 11} {
				k := store.StepEventKey(thread, seq, i)
				keys = append(keys, k)
				step, gotI, ok := store.ParseStepEventKey(k)
				require.True(t, ok, k)
				require.Equal(t, i, gotI)
				require.Equal(t, store.StepKey(thread, seq), step)
				gotSeq, ok := store.ParseStepKey(step)
				require.True(t, ok, step)
				require.Equal(t, seq, gotSeq)
				gotThread, gotSeq2, ok := store.SplitStepKey(step)
				require.True(t, ok, step)
				require.Equal(t, thread, gotThread)
				require.Equal(t, seq, gotSeq2)
				require.True(t, len(step) > len(store.ThreadKeyPrefix(thread)) && step[:len(store.ThreadKeyPrefix(thread))] == store.ThreadKeyPrefix(thread))
			}
		}
		require.True(t, slices.IsSorted(keys), thread)
	}
	// Another thread's keys never start with a thread's prefix.
	require.NotEqual(t, store.ThreadKeyPrefix("a"), store.StepKey("a#b", 0)[:2])
	require.Equal(t, "root#a0", store.StepKey("root", 0))
	require.Equal(t, "root#b12#a3", store.StepEventKey("root", 12, 3))
	require.Equal(t, "a%23b#a0", store.StepKey("a#b", 0))
	require.Equal(t, "a%25%23#", store.ThreadKeyPrefix("a%#"))

	for _, bad := range []string{"", "root", "root#", "root#0", "root#a", "root#b1", "root#b01", "root#a1#", "a#b#a1#a0", "root#a1#x"} {
		_, _, ok := store.ParseStepEventKey(bad)
		require.False(t, ok, bad)
	}
	for _, bad := range []string{"", "root", "root#", "a#b#a1", "root#a1#a0", "root#c1"} {
		_, ok := store.ParseStepKey(bad)
		require.False(t, ok, bad)
	}
	_, _, ok := store.SplitStepKey("a%2x#a1")
	require.False(t, ok)
}
