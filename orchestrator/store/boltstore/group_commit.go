package boltstore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// groupCall is one write waiting for a group commit.
type groupCall struct {
	fn   func(tx *txn) error
	done chan error
}

// groupCommitter runs queued writes together: one log record and one
// fdatasync for all of them.
type groupCommitter struct {
	mu      sync.Mutex
	pending []*groupCall
	running bool
	closed  bool
	idle    *sync.Cond // signalled when running becomes false

	closedFlag atomic.Bool // closed, for readers
}

func (g *groupCommitter) isClosed() bool {
	return g.closedFlag.Load()
}

// errLead is sent to a queued call to make its goroutine the leader.
var errLead = errors.New("lead the next group commit")

// ErrClosed is returned by the methods of a closed Store.
var ErrClosed = errors.New("boltstore: store is closed")

// update runs fn in a write transaction and returns once its writes are
// durable (in the log, synced) and visible, or fn's error; an fn that
// fails writes nothing. Concurrent calls share a group commit: the caller
// that finds none running becomes the leader, runs every call queued so
// far (its own included), then hands the lead to the first call queued
// meanwhile, so that no caller keeps working for others.
func (s *Store) update(fn func(tx *txn) error) error {
	if err := s.failure(); err != nil {
		return err
	}
	g := &s.group
	c := &groupCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	g.pending = append(g.pending, c)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if lead {
		s.lead()
	}
	for {
		err := <-c.done
		if err != errLead {
			return err
		}
		s.lead()
	}
}

// lead runs one group commit of the queued calls and passes the lead on.
func (s *Store) lead() {
	g := &s.group
	g.mu.Lock()
	batch := g.pending
	g.pending = nil
	g.mu.Unlock()
	s.runBatch(batch)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) == 0 {
		g.running = false
		g.idle.Broadcast()
		return
	}
	g.pending[0].done <- errLead
}

// runBatch runs calls against the current layers, each in its own write
// layer; the writes of those that succeed go to the log as one record,
// one fdatasync, and then into the active layer.
func (s *Store) runBatch(calls []*groupCall) {
	results := make([]error, len(calls))
	if err := s.failure(); err != nil {
		for _, c := range calls {
			c.done <- err
		}
		return
	}
	s.mu.RLock()
	active, frozen := s.active, s.frozen
	s.mu.RUnlock()
	batch := newLayer()
	layers := []*layer{batch, active}
	if frozen != nil {
		layers = append(layers, frozen)
	}
	var fileTx *bolt.Tx
	var fileErr error
	file := func() *bolt.Tx {
		if fileTx == nil && fileErr == nil {
			fileTx, fileErr = s.db.Begin(false)
		}
		return fileTx
	}
	for i, c := range calls {
		tx := &txn{writes: newLayer(), layers: layers, file: file}
		err := c.fn(tx)
		if err == nil && fileErr != nil {
			err = fmt.Errorf("reading %s: %w", s.path, fileErr)
		}
		if err != nil {
			results[i] = err
			continue
		}
		tx.writes.Scan(func(e entry) bool {
			batch.Set(e)
			return true
		})
	}
	if fileTx != nil {
		_ = fileTx.Rollback()
	}
	checkpoint := false
	if batch.Len() > 0 {
		var err error
		if checkpoint, err = s.logAndPublish(batch); err != nil {
			s.fail(err)
			for i := range results {
				if results[i] == nil {
					results[i] = err
				}
			}
		}
	}
	for i, c := range calls {
		c.done <- results[i]
	}
	if checkpoint {
		// The callers are answered: a new log segment costs them nothing.
		if err := s.maybeCheckpoint(); err != nil {
			s.fail(err)
		}
	}
}

// logAndPublish writes the batch's entries to the log as one record,
// syncs it, and adds them to the active layer. It reports whether the
// active layer is large enough for a checkpoint.
func (s *Store) logAndPublish(batch *layer) (bool, error) {
	entries := batch.Items()
	s.buf = appendRecord(s.buf[:0], entries)
	if cap(s.buf) > 4<<20 {
		defer func() { s.buf = nil }()
	}
	if err := s.seg.write(s.buf); err != nil {
		return false, fmt.Errorf("writing log of %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		if err := fdatasync(s.seg.f); err != nil {
			return false, fmt.Errorf("syncing log of %s: %w", s.path, err)
		}
		s.syncs.Add(1)
	}
	s.transactions.Add(1)
	s.mu.Lock()
	for _, e := range entries {
		if old, ok := s.active.Set(e); ok {
			s.activeSize -= entrySize(old)
		}
		s.activeSize += entrySize(e)
	}
	size := s.activeSize
	s.mu.Unlock()
	return size >= s.opts.CheckpointBytes, nil
}
