package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
	// NoSync skips fdatasync after each transaction: much faster, but a
	// machine crash may lose or corrupt recent commits. For tests only.
	NoSync bool
	// Timeout bounds the wait for the file lock held by another process;
	// 0 means 5 seconds.
	Timeout time.Duration
}

// Stats are counters since Open.
type Stats struct {
	// Commits is the number of successful Commit calls.
	Commits int64
	// Transactions is the number of write transactions of Commit calls
	// (each costs two fdatasyncs unless NoSync).
	Transactions int64
}

// Store is a store.Store in one bbolt file. It is safe for concurrent use
// within one process; bbolt locks the file against other processes.
type Store struct {
	db     *bolt.DB
	path   string
	remove string // file to remove on Close (temporary stores)
	group  groupCommitter

	commits      atomic.Int64
	transactions atomic.Int64
}

// Open opens or creates the store in the file at path. An empty path opens
// a store in a new temporary file that Close removes. opts may be nil.
func Open(path string, opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{}
	if path == "" {
		f, err := os.CreateTemp("", "stepwise-*.db")
		if err != nil {
			return nil, fmt.Errorf("creating temporary store: %w", err)
		}
		path = f.Name()
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("creating temporary store: %w", err)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("creating temporary store: %w", err)
		}
		s.remove = path
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        timeout,
		NoSync:         opts.NoSync,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("creating buckets in %s: %w", path, err)
	}
	s.db = db
	s.path = path
	s.group.db = db
	s.group.transactions = &s.transactions
	return s, nil
}

// Close closes the file, and removes it if the store is temporary.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.remove != "" {
		err = errors.Join(err, os.Remove(s.remove))
	}
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
	return Stats{Commits: s.commits.Load(), Transactions: s.transactions.Load()}
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

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decoding %q: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
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
