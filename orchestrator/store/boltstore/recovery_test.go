package boltstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// The recovery tests check the log's promise: every Commit that returned
// is in the store after a crash, and no Commit is half there. Each
// execution's commits advance its root thread from seq n to n+1 and add
// event n, so a store is consistent when an execution's thread is at seq
// n and its events are exactly 0..n-1.

func crashARN(g int) string {
	return fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:sm:e%d", g)
}

// crashCreate creates execution g with its root thread at seq 0.
func crashCreate(t testing.TB, s *boltstore.Store, g int) {
	t.Helper()
	require.NoError(t, s.Commit(context.Background(), &store.CommitParams{
		ExecutionARN: crashARN(g),
		ExecutionCreate: &store.Execution{ARN: crashARN(g), StateMachineARN: "sm", Name: fmt.Sprint("e", g),
			Status: store.StatusRunning, Input: "{}"},
		Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Seq: 0}},
	}))
}

// crashStep advances execution g from seq to seq+1.
func crashStep(s *boltstore.Store, g int, seq int64) error {
	return s.Commit(context.Background(), &store.CommitParams{
		ExecutionARN: crashARN(g),
		Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: seq, Seq: seq + 1,
			Data: []byte(strings.Repeat("c", 200+int(seq%7)*50)), Outbox: [][]byte{fmt.Appendf(nil, "msg %d", seq)}}},
		Events: []store.EventWrite{{Key: fmt.Sprintf("%08d", seq), Data: fmt.Appendf(nil, "event %d of %d", seq, g)}},
	})
}

// crashCheck returns execution g's seq after checking that its thread
// and events agree.
func crashCheck(t *testing.T, s *boltstore.Store, g int) int64 {
	t.Helper()
	ctx := context.Background()
	th, err := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: crashARN(g), ThreadID: "root"})
	require.NoError(t, err)
	var keys []string
	next := ""
	for {
		h, err := s.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: crashARN(g), StartAfter: next, Limit: 1000})
		require.NoError(t, err)
		for _, e := range h.Events {
			keys = append(keys, e.Key)
			require.Equal(t, fmt.Sprintf("event %d of %d", len(keys)-1, g), string(e.Data))
		}
		if h.Next == "" {
			break
		}
		next = h.Next
	}
	require.Len(t, keys, int(th.Seq), "execution %d: thread at seq %d", g, th.Seq)
	for i, k := range keys {
		require.Equal(t, fmt.Sprintf("%08d", i), k)
	}
	if th.Seq > 0 {
		require.Equal(t, fmt.Sprintf("msg %d", th.Seq-1), string(th.Outbox[0]))
	}
	return th.Seq
}

// copyFiles copies the store's file and log directory from dir to a new
// directory: what a crash at this instant would leave (the log first, so
// that a checkpoint finishing meanwhile cannot lose records).
func copyFiles(t *testing.T, dir string, editLog func(segment string, data []byte) []byte) string {
	t.Helper()
	out := t.TempDir()
	wal := filepath.Join(dir, "store.db-wal")
	require.NoError(t, os.Mkdir(filepath.Join(out, "store.db-wal"), 0o700))
	ents, err := os.ReadDir(wal)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	for i, name := range names {
		data, err := os.ReadFile(filepath.Join(wal, name))
		if errors.Is(err, os.ErrNotExist) {
			continue // removed by a checkpoint meanwhile
		}
		require.NoError(t, err)
		if editLog != nil && i == len(names)-1 {
			data = editLog(name, data)
		}
		require.NoError(t, os.WriteFile(filepath.Join(out, "store.db-wal", name), data, 0o600))
	}
	data, err := os.ReadFile(filepath.Join(dir, "store.db"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(out, "store.db"), data, 0o600))
	return out
}

// lastSegmentSize returns the size of the newest log segment.
func lastSegmentSize(t *testing.T, dir string) int64 {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "store.db-wal"))
	require.NoError(t, err)
	require.NotEmpty(t, ents)
	fi, err := ents[len(ents)-1].Info()
	require.NoError(t, err)
	return fi.Size()
}

// TestRecoverTornRecord cuts the log inside its last record at every
// byte offset, and flips a byte in it: the reopened store has every
// earlier commit and nothing of the last one, and with the record whole,
// all of them.
func TestRecoverTornRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	defer s.Close()
	crashCreate(t, s, 0)
	const steps = 10
	var before int64
	for seq := range int64(steps) {
		before = lastSegmentSize(t, dir)
		require.NoError(t, crashStep(s, 0, seq))
	}
	after := lastSegmentSize(t, dir)
	require.Greater(t, after, before)

	reopen := func(t *testing.T, edit func(string, []byte) []byte) int64 {
		t.Helper()
		crashed := copyFiles(t, dir, edit)
		r, err := boltstore.Open(filepath.Join(crashed, "store.db"), &boltstore.Options{NoSync: true})
		require.NoError(t, err)
		defer func() { require.NoError(t, r.Close()) }()
		return crashCheck(t, r, 0)
	}
	for cut := before; cut <= after; cut++ {
		want := int64(steps - 1)
		if cut == after {
			want = steps
		}
		got := reopen(t, func(_ string, data []byte) []byte { return data[:cut] })
		require.Equal(t, want, got, "log cut at %d of %d..%d", cut, before, after)
		if (cut-before)%5 != 0 && cut < after-1 {
			continue
		}
		// The same with the zeros of a segment allocated ahead after it.
		got = reopen(t, func(_ string, data []byte) []byte { return append(data[:cut:cut], make([]byte, 100)...) })
		require.Equal(t, want, got, "log cut at %d of %d..%d, then zeros", cut, before, after)
	}
	for off := before; off < after; off += 7 {
		got := reopen(t, func(_ string, data []byte) []byte {
			data[off] ^= 0x40
			return data
		})
		require.Equal(t, int64(steps-1), got, "byte %d flipped", off)
	}
}

// TestRecoverBetweenCheckpoints copies the files after commits while
// checkpoints come and go (one every few commits), and reopens each copy.
func TestRecoverBetweenCheckpoints(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), &boltstore.Options{NoSync: true, CheckpointBytes: 4096})
	require.NoError(t, err)
	defer s.Close()
	const writers = 3
	for g := range writers {
		crashCreate(t, s, g)
	}
	seqs := make([]int64, writers)
	for i := range 120 {
		g := i % writers
		require.NoError(t, crashStep(s, g, seqs[g]))
		seqs[g]++
		if i%7 != 3 {
			continue
		}
		if i%2 == 0 {
			s.WaitCheckpoint()
		}
		crashed := copyFiles(t, dir, nil)
		r, err := boltstore.Open(filepath.Join(crashed, "store.db"), &boltstore.Options{NoSync: true})
		require.NoError(t, err)
		for g := range writers {
			require.Equal(t, seqs[g], crashCheck(t, r, g), "copy after commit %d", i)
		}
		require.NoError(t, r.Close())
	}
	require.Positive(t, s.Stats().Checkpoints)
}

// TestRecoverKill runs writers in a child process, kills it with SIGKILL
// while they commit (and checkpoint), and reopens the store: every commit
// the child reported as returned is there, and no commit is half there.
func TestRecoverKill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for round := range 6 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestRecoverKillChild$")
			cmd.Env = append(os.Environ(), "BOLTSTORE_CRASH_DIR="+dir)
			if round >= 3 {
				cmd.Env = append(cmd.Env, "BOLTSTORE_CRASH_SEGMENT=8192")
			}
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			cmd.Stderr = os.Stderr
			require.NoError(t, cmd.Start())
			acked := map[int]int64{}
			lines := bufio.NewScanner(stdout)
			for n := 0; lines.Scan(); n++ {
				var g int
				var seq int64
				if _, err := fmt.Sscanf(lines.Text(), "%d %d", &g, &seq); err != nil {
					continue
				}
				acked[g] = max(acked[g], seq)
				if n == 200+(round%3)*300 {
					require.NoError(t, cmd.Process.Kill())
					break
				}
			}
			_, _ = io.Copy(io.Discard, stdout)
			_ = cmd.Wait()
			require.NotEmpty(t, acked, "the child reported no commit")

			s, err := boltstore.Open(filepath.Join(dir, "store.db"), nil)
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			for g, seq := range acked {
				got := crashCheck(t, s, g)
				require.GreaterOrEqual(t, got, seq, "writer %d: acknowledged seq %d lost", g, seq)
			}
		})
	}
}

// TestRecoverKillChild is the child of TestRecoverKill: four writers
// commit until killed, printing "writer seq" after each Commit returns.
func TestRecoverKillChild(t *testing.T) {
	dir := os.Getenv("BOLTSTORE_CRASH_DIR")
	if dir == "" {
		t.Skip("the child process of TestRecoverKill")
	}
	opts := &boltstore.Options{CheckpointBytes: 32 << 10}
	if n, err := strconv.ParseInt(os.Getenv("BOLTSTORE_CRASH_SEGMENT"), 10, 64); err == nil {
		// Small segments, each written ahead by the one before, and
		// several of them between checkpoints.
		boltstore.SetSegmentBytes(opts, n)
		opts.CheckpointBytes = 256 << 10
	}
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), opts)
	require.NoError(t, err)
	const writers = 4
	for g := range writers {
		crashCreate(t, s, g)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for seq := int64(0); ; seq++ {
				if err := crashStep(s, g, seq); err != nil {
					panic(err)
				}
				mu.Lock()
				_, _ = os.Stdout.WriteString(strconv.Itoa(g) + " " + strconv.FormatInt(seq+1, 10) + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestSyncsPerCommit counts fdatasyncs: a lone writer's commit costs one,
// and every commit is synced.
func TestSyncsPerCommit(t *testing.T) {
	t.Parallel()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "store.db"), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	crashCreate(t, s, 0)
	before := s.Stats()
	const steps = 50
	for seq := range int64(steps) {
		require.NoError(t, crashStep(s, 0, seq))
	}
	// A conflicting commit writes nothing and syncs nothing.
	require.ErrorIs(t, crashStep(s, 0, 0), store.ErrConflict)
	after := s.Stats()
	commits := after.Commits - before.Commits
	require.Equal(t, int64(steps), commits)
	require.Equal(t, commits, after.Syncs-before.Syncs, "fdatasyncs for %d commits of a lone writer", commits)
	require.Equal(t, commits, after.Transactions-before.Transactions)
}

// TestConcurrentReadsDuringCheckpoints runs writers and readers together
// while checkpoints move the writes from memory into the file: every read
// sees a consistent execution, never older than what its writer had
// committed before the read began, and the store reopens with all of it.
func TestConcurrentReadsDuringCheckpoints(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{1, 2} {
		t.Run(fmt.Sprint("depth", depth), func(t *testing.T) {
			t.Parallel()
			testConcurrentReadsDuringCheckpoints(t, depth)
		})
	}
}

func testConcurrentReadsDuringCheckpoints(t *testing.T, depth int) {
	dir := t.TempDir()
	opts := &boltstore.Options{NoSync: true, CheckpointBytes: 8 << 10}
	boltstore.SetSyncDepth(opts, depth)
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), opts)
	require.NoError(t, err)
	const writers, steps = 3, 80
	for g := range writers {
		crashCreate(t, s, g)
	}
	var done [writers]atomic.Int64
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for seq := range int64(steps) {
				if err := crashStep(s, g, seq); err != nil {
					t.Error(err)
					return
				}
				done[g].Store(seq + 1)
			}
		})
		wg.Go(func() {
			for done[g].Load() < steps {
				want := done[g].Load()
				ctx := context.Background()
				th, err := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: crashARN(g), ThreadID: "root"})
				if err != nil || th.Seq < want {
					t.Errorf("writer %d: read seq %d (%v) after commit %d returned", g, th.Seq, err, want)
					return
				}
				// The history, read after the thread, has its events and
				// perhaps newer ones, without gaps.
				h, err := s.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: crashARN(g), Limit: 1000})
				if err != nil || int64(len(h.Events)) < th.Seq {
					t.Errorf("writer %d: %d events at seq %d (%v)", g, len(h.Events), th.Seq, err)
					return
				}
				for i, e := range h.Events {
					if e.Key != fmt.Sprintf("%08d", i) {
						t.Errorf("writer %d: event %d has key %s", g, i, e.Key)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	require.Positive(t, s.Stats().Checkpoints)
	require.NoError(t, s.Close())
	s, err = boltstore.Open(filepath.Join(dir, "store.db"), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	for g := range writers {
		require.Equal(t, int64(steps), crashCheck(t, s, g))
	}
}

// TestSpareSegments writes records through many small log segments, each
// written ahead with zeros in the background while the one before fills:
// a crash image reopens with every commit, also with the last record of
// the newest segment with records torn while an empty spare follows it;
// a torn record followed by a segment with records fails Open.
func TestSpareSegments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := &boltstore.Options{CheckpointBytes: 1 << 30}
	boltstore.SetSegmentBytes(opts, 4096)
	s, err := boltstore.Open(filepath.Join(dir, "store.db"), opts)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	crashCreate(t, s, 0)
	const steps = 200
	for seq := range int64(steps) {
		require.NoError(t, crashStep(s, 0, seq))
	}
	wal := filepath.Join(dir, "store.db-wal")
	ents, err := os.ReadDir(wal)
	require.NoError(t, err)
	require.Greater(t, len(ents), 2, "records moved to spare segments")

	reopen := func(t *testing.T, crashed string) (int64, error) {
		t.Helper()
		r, err := boltstore.Open(filepath.Join(crashed, "store.db"), &boltstore.Options{NoSync: true})
		if err != nil {
			return 0, err
		}
		defer func() { require.NoError(t, r.Close()) }()
		return crashCheck(t, r, 0), nil
	}
	got, err := reopen(t, copyFiles(t, dir, nil))
	require.NoError(t, err)
	require.Equal(t, int64(steps), got)

	// The newest segment with records, and whether an empty one follows.
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	last := -1
	for i, name := range names {
		data, err := os.ReadFile(filepath.Join(wal, name))
		require.NoError(t, err)
		if len(bytes.TrimRight(data, "\x00")) > len("stepwise boltstore log 1\n") {
			last = i
		}
	}
	require.GreaterOrEqual(t, last, 1)
	tear := func(name string) func(string, []byte) []byte {
		return func(n string, data []byte) []byte {
			if n != name {
				return data
			}
			body := bytes.TrimRight(data, "\x00")
			return append(body[:len(body)-1:len(body)-1], make([]byte, len(data)-len(body)+1)...)
		}
	}
	crashed := copyFilesEditing(t, dir, tear(names[last]))
	if last < len(names)-1 {
		t.Logf("torn segment %s, then %d spare(s)", names[last], len(names)-1-last)
	}
	got, err = reopen(t, crashed)
	require.NoError(t, err, "a torn record followed only by spares")
	require.Equal(t, int64(steps-1), got)

	// A torn record in an earlier segment, before one with records.
	_, err = reopen(t, copyFilesEditing(t, dir, tear(names[last-1])))
	require.ErrorContains(t, err, "corrupt record")
}

// copyFilesEditing is copyFiles with edit applied to every log segment
// (by name).
func copyFilesEditing(t *testing.T, dir string, edit func(segment string, data []byte) []byte) string {
	t.Helper()
	out := copyFiles(t, dir, nil)
	wal := filepath.Join(out, "store.db-wal")
	ents, err := os.ReadDir(wal)
	require.NoError(t, err)
	for _, e := range ents {
		p := filepath.Join(wal, e.Name())
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, edit(e.Name(), data), 0o600))
	}
	return out
}
