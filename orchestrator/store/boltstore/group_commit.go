package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
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
	gr  *group // the group it joined
}

// group is a group commit: the writes of its calls, in one log record.
type group struct {
	calls  []*groupCall
	writes *layer // nil until a call writes
	record []byte // header, then the calls' payloads
	size   int64  // the writes' entrySize
	synced bool   // its record is synced (or the store failed)
	done   bool   // published and answered
}

// defaultSyncDepth is how many groups may be syncing at once. With more
// than one, a group's record is written and its fdatasync starts while
// the previous group's is in flight (the fdatasyncs of one file overlap
// on Linux), but the groups are smaller: on the 2-core test machine two
// doubled the fdatasyncs per commit and gained nothing (see
// BenchmarkCommit), so one, and the tests run two as well.
const defaultSyncDepth = 1

// groupCommitter gathers writes into groups and syncs them, one log
// record and one fdatasync a group.
//
// A write joins the open group at once: under mu, its caller checks its
// conditions against the writes of the open group and of the groups
// being synced, then the active and frozen layers and the file, and adds
// its writes to the open group. A syncer goroutine (see
// syncLoop; Store.depth of them at most) takes the open group when a
// slot of the flight is free, writes its record and fdatasyncs; then the
// groups are published into the active layer (readers see only durable
// writes) and their calls answered, in log order. Meanwhile the next
// group gathers and is checked. So the serial work is only the checks
// and the merge: encoding is done by the callers before.
type groupCommitter struct {
	mu   sync.Mutex
	work *sync.Cond // broadcast on every change of the fields below
	open *group     // the group gathering writes
	// flight holds the groups taken by a syncer, in log order, until
	// they are answered: their writes are not durable yet, but later
	// writes are checked against them.
	flight     []*group
	writing    bool // a syncer is writing a record
	publishing bool // a syncer is publishing the synced groups
	rotating   bool // a checkpoint waits for the flight to land
	spare      [][]byte
	closed     bool
	syncers    int // syncer goroutines (syncLoop) running

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
	if !wrote && gr.writes == nil && len(g.flight) == 0 {
		// Nothing to sync, and the checks saw only durable writes.
		g.mu.Unlock()
		return c.err
	}
	c.done = make(chan error, 1)
	c.gr = gr
	gr.calls = append(gr.calls, c)
	if g.syncers < s.depth {
		g.syncers++
		go s.syncLoop()
	}
	g.mu.Unlock()
	return <-c.done
}

// check runs c's checks (or fn) against the layers and adds its writes to
// gr, and reports whether it wrote. The group commit's mu is held.
func (s *Store) check(gr *group, c *groupCall) (bool, error) {
	fl := s.group.flight
	upper := make([]*layer, 0, 2+len(fl))
	if gr.writes != nil {
		upper = append(upper, gr.writes)
	}
	for i := len(fl) - 1; i >= 0; i-- {
		if fl[i].writes != nil {
			upper = append(upper, fl[i].writes)
		}
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

// syncLoop is a syncer (Store.depth of them at most): a goroutine that
// runs while writes are waiting. It takes the open group when there is a
// slot in the flight, writes its record and syncs it, then publishes the
// synced groups at the head of the flight and answers their calls, and
// starts a checkpoint when the active layer is large; it ends when no
// group is open. Its callers only wait for their answer: under load the
// syncer never stops, and no caller has to be scheduled to take the next
// group (on a busy machine, a role handed from caller to caller stretched
// every cycle by the wait for the next caller to run). A lone writer pays
// one fdatasync a commit, and a switch to the syncer and back. A failed
// write or fdatasync fails the store, and every call not answered yet
// gets the error.
func (s *Store) syncLoop() {
	g := &s.group
	g.mu.Lock()
	for {
		if len(g.open.calls) == 0 {
			// Nothing waits; a group in flight with another syncer is
			// published by it.
			g.syncers--
			g.work.Broadcast()
			g.mu.Unlock()
			return
		}
		if len(g.flight) == s.depth || g.writing || g.rotating {
			g.work.Wait()
			continue
		}
		gr := g.open
		g.open = &group{}
		if n := len(g.spare); n > 0 {
			g.open.record, g.spare = g.spare[n-1], g.spare[:n-1]
		}
		g.flight = append(g.flight, gr)
		g.writing = true
		alone := len(g.flight) == 1 // every earlier record is synced
		g.mu.Unlock()

		// Records are written in the order of the flight, one at a
		// time; their fdatasyncs overlap.
		var seg *segment
		err := s.failure()
		if err == nil && gr.writes != nil {
			if seg, err = s.writeRecord(gr.record, alone); err != nil {
				s.fail(err)
			}
		}
		g.mu.Lock()
		g.writing = false
		g.work.Broadcast()
		g.mu.Unlock()
		if err == nil && seg != nil && !s.opts.NoSync {
			if err := s.logSync(seg.f); err != nil {
				s.fail(fmt.Errorf("syncing log of %s: %w", s.path, err))
			} else {
				s.syncs.Add(1)
			}
		}
		g.mu.Lock()
		gr.synced = true
		if g.publishing {
			// The publishing syncer sees this group synced when it
			// looks at the head of the flight again.
			continue
		}
		if s.publish() && s.checkpointDue() {
			g.mu.Unlock()
			s.checkpoint()
			g.mu.Lock()
		}
	}
}

// publish publishes the synced groups at the head of the flight, in
// order, and answers their calls; if the store has failed, every call
// gets the error. It reports whether it published writes. g.mu is held,
// and released meanwhile.
func (s *Store) publish() bool {
	g := &s.group
	g.publishing = true
	wrote := false
	for len(g.flight) > 0 && g.flight[0].synced {
		n := 1
		for n < len(g.flight) && g.flight[n].synced {
			n++
		}
		done := slices.Clone(g.flight[:n])
		g.mu.Unlock()
		err := s.failure()
		if err == nil {
			s.mu.Lock()
			for _, gr := range done {
				if gr.writes == nil {
					continue
				}
				wrote = true
				gr.writes.Scan(func(e entry) bool {
					if old, ok := s.active.Set(e); ok {
						s.activeSize -= entrySize(old)
					}
					s.activeSize += entrySize(e)
					return true
				})
			}
			s.mu.Unlock()
		}
		g.mu.Lock()
		for _, gr := range done {
			gr.done = true
		}
		left := copy(g.flight, g.flight[n:])
		clear(g.flight[left:])
		g.flight = g.flight[:left]
		for _, gr := range done {
			if cap(gr.record) <= 4<<20 && len(g.spare) <= s.depth {
				g.spare = append(g.spare, gr.record[:0])
			}
		}
		g.mu.Unlock()
		for _, gr := range done {
			for _, c := range gr.calls {
				if err != nil {
					// Its checks may have seen writes that are not
					// durable.
					c.done <- err
				} else {
					c.done <- c.err
				}
			}
		}
		g.mu.Lock()
	}
	g.publishing = false
	g.work.Broadcast()
	return wrote
}

// checkpoint waits until no group is in flight, then starts a checkpoint
// (the active layer then holds every record of the segment), unless
// another syncer does.
func (s *Store) checkpoint() {
	g := &s.group
	g.mu.Lock()
	if g.rotating {
		g.mu.Unlock()
		return
	}
	g.rotating = true
	for g.writing || len(g.flight) > 0 {
		g.work.Wait()
	}
	g.mu.Unlock()
	if err := s.maybeCheckpoint(); err != nil {
		s.fail(err)
	}
	g.mu.Lock()
	g.rotating = false
	g.work.Broadcast()
	g.mu.Unlock()
}

// writeRecord finishes the record's header and appends it to the log,
// and returns the segment it went to. When the record does not fit in
// what the segment has written ahead, and alone says that every earlier
// record is synced, the record starts the spare segment if it is ready
// (so only the newest segment with records can end in a torn record);
// otherwise the segment writes more zeros ahead itself.
func (s *Store) writeRecord(rec []byte, alone bool) (*segment, error) {
	payload := rec[recordHeader:]
	binary.LittleEndian.PutUint32(rec, uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(payload, crcTable))
	seg := s.seg
	if !s.opts.NoSync {
		end := seg.size + int64(len(rec))
		if end > seg.alloc && alone {
			next, err := s.takeSpare(false)
			if err != nil {
				return nil, err
			}
			if next != nil {
				s.retired = append(s.retired, seg)
				s.seg, seg = next, next
				end = seg.size + int64(len(rec))
			}
		}
		if end > seg.alloc/2 {
			s.startSpare(seg.n + 1)
		}
	}
	if err := seg.write(rec); err != nil {
		return nil, fmt.Errorf("writing log of %s: %w", s.path, err)
	}
	s.transactions.Add(1)
	return seg, nil
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

// initGroups prepares the group commit.
func (s *Store) initGroups() {
	g := &s.group
	g.work = sync.NewCond(&g.mu)
	g.open = &group{}
}

// closeGroups refuses new writes and waits for every call to be answered.
// It reports whether the store was open.
func (s *Store) closeGroups() bool {
	g := &s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.closed = true
	g.closedFlag.Store(true)
	for g.syncers > 0 || len(g.flight) > 0 || len(g.open.calls) > 0 {
		g.work.Wait()
	}
	return true
}

// fdatasyncLog is the default Store.logSync.
func fdatasyncLog(f *os.File) error {
	return fdatasync(f)
}
