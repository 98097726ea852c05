package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// groupCall is one write in a group commit: either a prepared commit
// (checks and writes worked out by its caller) or a function run in a
// write transaction.
type groupCall struct {
	prep *prepared
	fn   func(tx *txn) error
	done chan error
	// err is the result of the call's checks (or fn).
	err error
}

// group is a group commit: the writes of its calls, in one log record.
type group struct {
	calls  []*groupCall
	writes *layer // nil until a call writes
	record []byte // header, then the calls' payloads
	size   int64  // the writes' entrySize
}

// groupCommitter gathers writes into groups and syncs them, one log
// record and one fdatasync a group.
//
// A write joins the open group at once: under mu, its caller checks its
// conditions against the open group's writes, those of the group being
// synced, then the active and frozen layers and the file, and adds its
// writes to the open group. The syncer goroutine takes the open group as
// soon as it is idle and the group has a call, writes its record,
// fdatasyncs, publishes the writes into the active layer (readers see
// only durable writes) and answers the calls, in order; meanwhile the
// next group gathers and is checked. So the serial work is only the
// checks and the merge; encoding is done by the callers before, and the
// syncing overlaps the next group's checks.
type groupCommitter struct {
	mu      sync.Mutex
	work    *sync.Cond // signalled when the open group gets a call, or on close
	open    *group     // the group gathering writes
	syncing *layer     // writes of the group being synced, until published
	spare   []byte     // a record buffer for the next group
	closed  bool
	stopped chan struct{} // closed when the syncer ends

	closedFlag atomic.Bool // closed, for readers
}

func (g *groupCommitter) isClosed() bool {
	return g.closedFlag.Load()
}

// ErrClosed is returned by the methods of a closed Store.
var ErrClosed = errors.New("boltstore: store is closed")

// update runs fn in a write transaction and returns once its writes are
// durable (in the log, synced) and visible, or fn's error; an fn that
// fails writes nothing.
func (s *Store) update(fn func(tx *txn) error) error {
	return s.enqueue(&groupCall{fn: fn})
}

// enqueue checks c and adds its writes to the open group, and returns
// once the group is durable, or with c's error. A call that fails its
// checks writes nothing; its error is returned once the writes its checks
// saw are durable.
func (s *Store) enqueue(c *groupCall) error {
	if err := s.failure(); err != nil {
		return err
	}
	g := &s.group
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	gr := g.open
	var wrote bool
	wrote, c.err = s.check(gr, c)
	if !wrote && gr.writes == nil && g.syncing == nil {
		// Nothing to sync, and the checks saw only durable writes.
		g.mu.Unlock()
		return c.err
	}
	c.done = make(chan error, 1)
	gr.calls = append(gr.calls, c)
	if len(gr.calls) == 1 {
		g.work.Signal()
	}
	g.mu.Unlock()
	return <-c.done
}

// check runs c's checks (or fn) against the layers and adds its writes to
// gr, and reports whether it wrote. The group commit's mu is held.
func (s *Store) check(gr *group, c *groupCall) (bool, error) {
	upper := make([]*layer, 0, 4)
	if gr.writes != nil {
		upper = append(upper, gr.writes)
	}
	if s.group.syncing != nil {
		upper = append(upper, s.group.syncing)
	}
	var fileTx *bolt.Tx
	var fileErr error
	file := func() *bolt.Tx {
		if fileTx == nil && fileErr == nil {
			fileTx, fileErr = s.db.Begin(false)
		}
		return fileTx
	}
	defer func() {
		if fileTx != nil {
			_ = fileTx.Rollback()
		}
	}()
	// The syncer publishes into the active layer and checkpoints swap
	// it: hold it still.
	s.mu.RLock()
	defer s.mu.RUnlock()
	lower := []*layer{s.active}
	if s.frozen != nil {
		lower = append(lower, s.frozen)
	}
	var err error
	var entries []entry
	if c.prep != nil {
		err = c.prep.check(upper, lower, s.gen, file)
		entries = c.prep.entries
	} else {
		tx := &txn{writes: newLayer(), layers: append(upper, lower...), file: file}
		err = c.fn(tx)
		entries = tx.writes.Items()
	}
	if err == nil && fileErr != nil {
		err = fmt.Errorf("reading %s: %w", s.path, fileErr)
	}
	if err != nil || len(entries) == 0 {
		return false, err
	}
	if gr.writes == nil {
		gr.writes = newLayer()
	}
	if len(gr.record) == 0 {
		gr.record = append(gr.record, make([]byte, recordHeader)...)
	}
	for _, e := range entries {
		gr.writes.Set(e)
		gr.size += entrySize(e)
	}
	if c.prep != nil {
		gr.record = append(gr.record, c.prep.record...)
	} else {
		gr.record = appendEntries(gr.record, entries)
	}
	return true, nil
}

// syncLoop is the syncer goroutine: it takes the open group when there
// is one, writes and syncs its record, publishes its writes and answers
// its calls, and starts a checkpoint when the active layer is large. A
// failed write or fdatasync fails the store, and every call not answered
// yet gets the error.
func (s *Store) syncLoop() {
	g := &s.group
	defer close(g.stopped)
	for {
		g.mu.Lock()
		for len(g.open.calls) == 0 && !g.closed {
			g.work.Wait()
		}
		if len(g.open.calls) == 0 {
			g.mu.Unlock()
			return
		}
		gr := g.open
		g.open = &group{record: g.spare}
		g.spare = nil
		g.syncing = gr.writes
		g.mu.Unlock()

		err := s.failure()
		if err == nil && gr.writes != nil {
			if err = s.writeRecord(gr.record); err != nil {
				s.fail(err)
				err = s.failure()
			}
		}
		if err == nil && gr.writes != nil {
			s.mu.Lock()
			gr.writes.Scan(func(e entry) bool {
				if old, ok := s.active.Set(e); ok {
					s.activeSize -= entrySize(old)
				}
				s.activeSize += entrySize(e)
				return true
			})
			s.mu.Unlock()
		}
		g.mu.Lock()
		g.syncing = nil
		if cap(gr.record) <= 4<<20 {
			g.spare = gr.record[:0]
		}
		g.mu.Unlock()
		for _, c := range gr.calls {
			if err != nil {
				// Its checks may have seen writes that are not durable.
				c.done <- err
			} else {
				c.done <- c.err
			}
		}
		if err == nil && gr.writes != nil && s.checkpointDue() {
			// No record is in flight: the active layer holds every
			// record of the segment.
			if err := s.maybeCheckpoint(); err != nil {
				s.fail(err)
			}
		}
	}
}

// writeRecord finishes the record's header, appends it to the log and
// syncs it.
func (s *Store) writeRecord(rec []byte) error {
	payload := rec[recordHeader:]
	binary.LittleEndian.PutUint32(rec, uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(payload, crcTable))
	if err := s.seg.write(rec); err != nil {
		return fmt.Errorf("writing log of %s: %w", s.path, err)
	}
	if !s.opts.NoSync {
		if err := s.logSync(s.seg.f); err != nil {
			return fmt.Errorf("syncing log of %s: %w", s.path, err)
		}
		s.syncs.Add(1)
	}
	s.transactions.Add(1)
	return nil
}

// checkpointDue reports whether the active layer holds
// Options.CheckpointBytes and no checkpoint is running.
func (s *Store) checkpointDue() bool {
	s.mu.RLock()
	size := s.activeSize
	s.mu.RUnlock()
	if size < s.opts.CheckpointBytes {
		return false
	}
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	return !s.flushing
}

// startSyncer starts the syncer goroutine.
func (s *Store) startSyncer() {
	g := &s.group
	g.work = sync.NewCond(&g.mu)
	g.open = &group{}
	g.stopped = make(chan struct{})
	go s.syncLoop()
}

// closeGroups refuses new writes, waits for the syncer to answer every
// call and stops it. It reports whether the store was open.
func (s *Store) closeGroups() bool {
	g := &s.group
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.closed = true
	g.closedFlag.Store(true)
	g.work.Signal()
	g.mu.Unlock()
	<-g.stopped
	return true
}

// fdatasyncLog is the default Store.logSync.
func fdatasyncLog(f *os.File) error {
	return fdatasync(f)
}
