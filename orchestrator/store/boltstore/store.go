package boltstore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var _ store.Store = (*Store)(nil)

// Bucket names.
var (
	bucketStateMachine = []byte("state_machine")     // ARN -> stateMachineRecord
	bucketRevision     = []byte("state_machine_rev") // ARN, rev -> store.StateMachine
	bucketActivity     = []byte("activity")          // ARN -> store.Activity
	bucketExecution    = []byte("execution")         // ARN -> store.Execution
	bucketExecutionBy  = []byte("execution_by_sm")   // SM ARN, start, ARN -> summary
	bucketThread       = []byte("thread")            // exec, thread -> encoded thread
	bucketEvent        = []byte("event")             // exec, key -> data
	bucketToken        = []byte("token")             // token -> store.Token
	bucketChild        = []byte("child")             // exec, parent, index -> data
)

var allBuckets = [][]byte{bucketStateMachine, bucketRevision, bucketActivity, bucketExecution,
	bucketExecutionBy, bucketThread, bucketEvent, bucketToken, bucketChild}

// Options configure Open. The zero value is the durable default.
type Options struct {
	// NoSync skips every fdatasync: much faster, but a machine crash may
	// lose recent commits or corrupt the file. For tests only.
	NoSync bool
	// Timeout bounds the wait for the file lock held by another process;
	// 0 means 5 seconds.
	Timeout time.Duration
	// CheckpointBytes is how many bytes of writes accumulate in memory
	// (and in the log) before a checkpoint writes them into the file;
	// 0 means DefaultCheckpointBytes. Memory use is up to about twice
	// this, and reopening after a crash replays up to this much log.
	CheckpointBytes int64

	// syncDepth is how many groups may be syncing at once; 0 means
	// defaultSyncDepth (tests set it).
	syncDepth int
	// segmentBytes is how much of a spare log segment is written ahead
	// with zeros; 0 means defaultSegmentBytes (tests set it).
	segmentBytes int64
}

// Procs returns the GOMAXPROCS for a process whose goroutines commit to
// a durable Store at a high rate, given the cores it may use (the default
// GOMAXPROCS): one more. The syncer keeps its P through each fdatasync, a
// blocking system call, and the runtime hands that P to another thread
// only after a sysmon tick (often longer than the fdatasync); meanwhile
// the goroutines the syncer has just answered, queued on that P, wait,
// and when the fdatasync returns the syncer itself may wait for a P. With
// one P more, the cores keep running goroutines meanwhile: on the 2-core
// test machine, 1.45 instead of 1.38 cores busy and 9% more transitions
// a second (BENCHMARKS.md, "Session 4"). `stepwise serve` uses it.
func Procs(cores int) int {
	return cores + 1
}

// DefaultCheckpointBytes is the default Options.CheckpointBytes.
const DefaultCheckpointBytes = 64 << 20

// initialMmapSize returns bbolt's InitialMmapSize: 1 GB for a durable
// store, except on Windows and 32-bit systems. (With a map larger than
// bbolt's AllocSize, the file grows 16 MB at a time, which NoSync stores,
// the tests', do without.)
func initialMmapSize(noSync bool) int {
	if noSync || runtime.GOOS == "windows" || strconv.IntSize == 32 {
		return 0
	}
	return 1 << 30
}

// Stats are counters since Open.
type Stats struct {
	// Commits is the number of successful Commit calls.
	Commits int64
	// Transactions is the number of group commits that wrote: each is one
	// log record and one fdatasync, shared by all its writes.
	Transactions int64
	// Syncs is the number of fdatasync (and fsync) calls since Open, of
	// every kind: log records, new log segments and their directory, and
	// checkpoints (bbolt's two, three when the file grew). Zero with
	// NoSync.
	Syncs int64
	// AheadSyncs is the part of Syncs that wrote log segments ahead
	// with zeros, in the background: no commit waits for them.
	AheadSyncs int64
	// Checkpoints is the number of checkpoints written into the file.
	Checkpoints int64
}

// Store is a store.Store in one bbolt file and its log. It is safe for
// concurrent use within one process; bbolt locks the file against other
// processes.
type Store struct {
	db     *bolt.DB
	path   string
	walDir string
	remove bool // remove the files on Close (temporary stores)
	opts   Options

	group groupCommitter
	depth int // groups syncing at once

	// mu guards active's contents and the active and frozen pointers:
	// readers and the checks of writes hold it shared for a whole
	// transaction; the syncer takes it to add a group's writes, a
	// checkpoint to swap layers.
	mu         sync.RWMutex
	active     *layer // writes since the last rotation, newest
	activeSize int64
	frozen     *layer // writes being checkpointed, or nil
	// gen counts rotations: a key missing from the frozen layer and the
	// file at one generation is missing from them until the next.
	gen uint64

	// The syncer's: the log segment being written; the segments it
	// filled since the last rotation (open until then: a sync of their
	// last record may still be running); the next segment, being
	// written ahead with zeros in the background (nil until the
	// current one is half full).
	seg     *segment
	retired []*segment
	spare   *spareSegment
	noSpare bool // closing: no more spares
	// logSync syncs a log segment after records are written (fdatasync;
	// tests replace it).
	logSync func(*os.File) error

	ckptMu   sync.Mutex
	ckptDone *sync.Cond
	flushing bool

	failed atomic.Pointer[error]

	commits      atomic.Int64
	transactions atomic.Int64
	syncs        atomic.Int64
	aheadSyncs   atomic.Int64
	checkpoints  atomic.Int64
}

// Open opens or creates the store in the file at path, with its log in
// the directory path + "-wal". It replays the log into the file first:
// every commit that returned before a crash is there, and nothing of one
// that did not. An empty path opens a store in new temporary files that
// Close removes. opts may be nil.
func Open(path string, opts *Options) (*Store, error) {
	s := &Store{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Timeout == 0 {
		s.opts.Timeout = 5 * time.Second
	}
	if s.opts.CheckpointBytes <= 0 {
		s.opts.CheckpointBytes = DefaultCheckpointBytes
	}
	if path == "" {
		dir, err := os.MkdirTemp("", "stepwise-*")
		if err != nil {
			return nil, fmt.Errorf("creating temporary store: %w", err)
		}
		path = filepath.Join(dir, "store.db")
		s.remove = true
	}
	s.path = path
	s.walDir = path + "-wal"
	s.ckptDone = sync.NewCond(&s.ckptMu)
	s.active = newLayer()
	s.logSync = fdatasyncLog
	s.depth = cmp.Or(s.opts.syncDepth, defaultSyncDepth)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        s.opts.Timeout,
		NoSync:         s.opts.NoSync,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Growing the memory map in a write transaction copies every
		// node it touched out of the old map: a checkpoint writes
		// megabytes at once, so start with a large map. Mapping past the
		// end of the file costs address space only, except on Windows,
		// where bbolt grows the file to the size of the map.
		InitialMmapSize: initialMmapSize(s.opts.NoSync),
	})
	if err != nil {
		s.cleanup()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s.db = db
	if err := s.recover(); err != nil {
		_ = db.Close()
		s.cleanup()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s.initGroups()
	return s, nil
}

// recover creates the buckets, replays the log segments that the last
// checkpoint does not cover into the file, removes them, and starts a new
// segment.
func (s *Store) recover() error {
	var last uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range append(allBuckets, bucketMeta) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		if v := tx.Bucket(bucketMeta).Get(metaCheckpoint); len(v) == 8 {
			last = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	created, err := mkdir(s.walDir)
	if err != nil {
		return err
	}
	if created && !s.opts.NoSync {
		if err := syncDir(filepath.Dir(s.walDir)); err != nil {
			return err
		}
	}
	segs, err := listSegments(s.walDir)
	if err != nil {
		return fmt.Errorf("reading log directory: %w", err)
	}
	var replay []uint64
	for _, n := range segs {
		if n > last {
			replay = append(replay, n)
		}
	}
	if len(replay) > 0 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			a := &applier{tx: tx}
			for i, n := range replay {
				file := filepath.Join(s.walDir, segmentName(n))
				end, clean, err := readSegment(file, func(p []byte) error {
					var err error
					derr := decodeRecord(p, func(e entry) {
						if err == nil {
							err = a.apply(e)
						}
					})
					return errors.Join(derr, err)
				})
				if err != nil {
					return fmt.Errorf("replaying log segment %s: %w", file, err)
				}
				if !clean && i < len(replay)-1 {
					// Only the segment being written at a crash may end
					// in a torn record; earlier ones were complete and
					// synced before the next began. Later segments
					// without records are spares written ahead.
					later, err := anyRecords(s.walDir, replay[i+1:])
					if err != nil {
						return fmt.Errorf("replaying log: %w", err)
					}
					if later {
						return fmt.Errorf("replaying log segment %s: corrupt record at offset %d", file, end)
					}
				}
			}
			last = replay[len(replay)-1]
			return tx.Bucket(bucketMeta).Put(metaCheckpoint, binary.BigEndian.AppendUint64(nil, last))
		})
		if err != nil {
			return err
		}
	}
	if len(segs) > 0 {
		last = max(last, segs[len(segs)-1])
		if err := removeSegments(s.walDir, last); err != nil {
			return fmt.Errorf("removing replayed log segments: %w", err)
		}
	}
	ahead := cmp.Or(s.opts.segmentBytes, allocChunk)
	s.seg, err = createSegment(s.walDir, last+1, s.opts.NoSync, ahead, ahead, func() {})
	return err
}

// mkdir creates dir if it is missing and reports whether it did.
func mkdir(dir string) (bool, error) {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("creating log directory: %w", err)
	}
	return true, nil
}

// cleanup removes a temporary store's files.
func (s *Store) cleanup() {
	if s.remove {
		_ = os.RemoveAll(filepath.Dir(s.path))
	}
}

// Close checkpoints every write into the file, removes the log, and
// closes the file; a temporary store's files are removed. Calls after
// Close fail with ErrClosed.
func (s *Store) Close() error {
	if !s.closeGroups() {
		return nil
	}
	s.waitFlush()
	// A spare being written becomes the segment that rotate starts;
	// none is started after it.
	s.noSpare = true
	err := s.failure()
	if err == nil && s.seg != nil {
		var frozen *layer
		var n uint64
		frozen, n, err = s.rotate()
		if err == nil {
			err = s.flush(frozen, n)
		}
	}
	for _, r := range s.retired {
		_ = r.f.Close()
	}
	if sp := s.spare; sp != nil {
		// Not taken (the store failed): wait for its writer.
		<-sp.done
		if sp.seg != nil {
			_ = sp.seg.f.Close()
		}
	}
	if s.seg != nil {
		_ = s.seg.f.Close()
		if err == nil {
			err = removeSegments(s.walDir, math.MaxUint64)
		}
	}
	if err == nil {
		err = os.Remove(s.walDir)
	}
	err = errors.Join(err, s.db.Close())
	s.cleanup()
	if err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// Path returns the file's path.
func (s *Store) Path() string {
	return s.path
}

// Stats returns counters since Open.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Transactions: s.transactions.Load(),
		Syncs: s.syncs.Load(), AheadSyncs: s.aheadSyncs.Load(), Checkpoints: s.checkpoints.Load()}
}

// fail makes the store refuse writes after a failure to write the log or
// a checkpoint: what is in memory may no longer match what a reopen would
// find. Reopening recovers.
func (s *Store) fail(err error) {
	err = fmt.Errorf("boltstore: store failed, reopen it: %w", err)
	s.failed.CompareAndSwap(nil, &err)
}

func (s *Store) failure() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// view runs fn in a read transaction: the layers as they are now, and the
// file (opened when fn first needs it).
func (s *Store) view(fn func(tx *txn) error) error {
	if s.group.isClosed() {
		return ErrClosed
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	layers := make([]*layer, 1, 2)
	layers[0] = s.active
	if s.frozen != nil {
		layers = append(layers, s.frozen)
	}
	var fileErr error
	tx := &txn{layers: layers}
	tx.file = func() *bolt.Tx {
		if fileErr != nil {
			return nil
		}
		var t *bolt.Tx
		t, fileErr = s.db.Begin(false)
		return t
	}
	err := fn(tx)
	if tx.fileTx != nil {
		_ = tx.fileTx.Rollback()
	}
	if err == nil && fileErr != nil {
		err = fmt.Errorf("reading %s: %w", s.path, fileErr)
	}
	return err
}

// key joins parts with NUL bytes.
func key(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return b
}

// prefix returns key(parts...) followed by a NUL: the prefix of the keys
// under parts.
func prefix(parts ...string) []byte {
	return append(key(parts...), 0)
}

// upper returns the least key greater than every key starting with p.
func upper(p []byte) []byte {
	u := bytes.Clone(p)
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] < 0xff {
			u[i]++
			return u[:i+1]
		}
	}
	return nil
}

// be64 returns v as 8 bytes, big-endian.
func be64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

// timeKey orders times as unsigned big-endian bytes.
func timeKey(t time.Time) []byte {
	return be64(uint64(t.UnixNano()) ^ (1 << 63))
}

func getJSON(b *bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decoding %q: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %q: %w", k, err)
	}
	return b.Put(k, data)
}

// pageSize returns the page size for a requested limit: 100 by default,
// at most max.
func pageSize(limit, max int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > max:
		return max
	}
	return limit
}

// nilIfEmpty returns a copy of b, or nil if b is empty.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// utc returns t in UTC; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func beUint64(b []byte) uint64 {
	return binary.BigEndian.Uint64(b)
}

func unixNanoUTC(ns int64) time.Time {
	return time.Unix(0, ns).UTC()
}
