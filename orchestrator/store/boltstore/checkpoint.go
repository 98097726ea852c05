package boltstore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// bucketMeta holds the store's own records: metaCheckpoint is the number
// of the last log segment whose records are all in the file.
var (
	bucketMeta     = []byte("boltstore")
	metaCheckpoint = []byte("checkpoint")
)

// maybeCheckpoint starts a checkpoint unless one is running: the active
// layer is frozen, a new log segment takes the next records, and a
// goroutine writes the frozen layer into the file in one durable bbolt
// transaction that also records the segment number; then it drops the
// frozen layer and removes the segments it covered. Only the syncer
// calls it, between groups: every record of the segment is in the active
// layer.
func (s *Store) maybeCheckpoint() error {
	s.ckptMu.Lock()
	if s.flushing {
		s.ckptMu.Unlock()
		return nil
	}
	s.flushing = true
	s.ckptMu.Unlock()
	frozen, n, err := s.rotate()
	if err != nil {
		s.endFlush()
		return err
	}
	go func() {
		if err := s.flush(frozen, n); err != nil {
			s.fail(err)
		}
		s.endFlush()
	}()
	return nil
}

func (s *Store) endFlush() {
	s.ckptMu.Lock()
	s.flushing = false
	s.ckptDone.Broadcast()
	s.ckptMu.Unlock()
}

// waitFlush waits for a running checkpoint to end.
func (s *Store) waitFlush() {
	s.ckptMu.Lock()
	for s.flushing {
		s.ckptDone.Wait()
	}
	s.ckptMu.Unlock()
}

// rotate freezes the active layer and starts the next log segment. It
// returns the frozen layer and the number of the last segment it covers.
//
// No group is in flight: every record is synced, so the segments filled
// since the last rotation are closed, and the spare, if one is being
// written, becomes the next segment (a segment created here would take
// its number).
func (s *Store) rotate() (*layer, uint64, error) {
	old := s.seg
	for _, r := range s.retired {
		_ = r.f.Close()
	}
	s.retired = nil
	next, err := s.takeSpare(true)
	if err == nil && next == nil {
		ahead := cmp.Or(s.opts.segmentBytes, allocChunk)
		next, err = createSegment(s.walDir, old.n+1, s.opts.NoSync, ahead, ahead, func() { s.syncs.Add(1) })
	}
	if err != nil {
		return nil, 0, fmt.Errorf("rotating log of %s: %w", s.path, err)
	}
	s.mu.Lock()
	frozen := s.active
	s.frozen = frozen
	s.active = newLayer()
	s.activeSize = 0
	s.gen++
	s.mu.Unlock()
	s.seg = next
	if err := old.f.Close(); err != nil {
		return nil, 0, fmt.Errorf("closing log segment: %w", err)
	}
	return frozen, old.n, nil
}

// flush writes a frozen layer into the file with the checkpoint record
// upTo, durably, then drops the layer and removes the log segments up to
// upTo.
func (s *Store) flush(frozen *layer, upTo uint64) error {
	before := s.fileSize()
	err := s.db.Update(func(tx *bolt.Tx) error {
		a := &applier{tx: tx}
		var err error
		frozen.Scan(func(e entry) bool {
			err = a.apply(e)
			return err == nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaCheckpoint, binary.BigEndian.AppendUint64(nil, upTo))
	})
	if err != nil {
		return fmt.Errorf("checkpointing %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		s.syncs.Add(2) // bbolt's: the data pages, then the meta page
		if s.fileSize() > before {
			s.syncs.Add(1) // bbolt's fsync after growing the file
		}
	}
	s.checkpoints.Add(1)
	s.mu.Lock()
	if s.frozen == frozen {
		s.frozen = nil
	}
	s.mu.Unlock()
	if err := removeSegments(s.walDir, upTo); err != nil {
		return fmt.Errorf("removing log segments of %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) fileSize() int64 {
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// applier writes layer entries into a bbolt write transaction. The
// checkpoint and the replay of the log at Open both write through it.
type applier struct {
	tx     *bolt.Tx
	name   string
	bucket *bolt.Bucket
}

func (a *applier) apply(e entry) error {
	name, k, ok := strings.Cut(e.key, "\x00")
	if !ok {
		return fmt.Errorf("log entry %q has no bucket", e.key)
	}
	if a.bucket == nil || name != a.name {
		b, err := a.tx.CreateBucketIfNotExists([]byte(name))
		if err != nil {
			return fmt.Errorf("creating bucket %q: %w", name, err)
		}
		a.name, a.bucket = name, b
	}
	if e.del {
		return a.bucket.Delete([]byte(k))
	}
	return a.bucket.Put([]byte(k), nonNil(e.val))
}
