package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"unsafe"

	bolt "go.etcd.io/bbolt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// A prepared commit is what commitCheck and commitApply would do, worked
// out by the caller of Commit before it joins a group commit, so that the
// serial part, under the group commit's lock, only checks conditions
// against the layers and adds the writes. (A commit that updates its
// execution reads it first, and runs commitCheck and commitApply there.)
type prepared struct {
	checks  []check
	entries []entry // the writes, in commitApply's order
	record  []byte  // entries as a log record's payload
	size    int64   // entries' entrySize
	// gen is Store.gen when the checks' lower values were read.
	gen uint64
}

// checkKind is what a check requires of its key, and how it fails.
type checkKind uint8

const (
	checkExecution    checkKind = iota // missing, else ErrAlreadyExists
	checkThread                        // a thread at seq expect (NoSeq: missing)
	checkEvent                         // missing
	checkToken                         // missing
	checkChild                         // missing
	checkActivityTask                  // missing
	// checkImplied: an event of the step that the commit writes (its key
	// starts with store.StepKey of a thread written at its new Seq): the
	// thread's check implies it is missing, since only the commit that
	// moves the thread to that Seq writes that step's events.
	checkImplied
)

// check is one condition of a prepared commit.
type check struct {
	kind   checkKind
	key    string // layer key
	name   []byte // bucket
	k      []byte // key in the bucket (shares key's memory)
	label  string // thread ID, event key, parent thread ID or task key
	index  int    // child index
	expect int64  // thread seq
	// lower is the key's value in the frozen layer and the file, read
	// by the caller at prepared.gen (if lowerOK); for a thread, only its
	// seq.
	lower   []byte
	lowerOK bool
}

// layerKeyOf returns the layer key of parts joined by NUL in bucket name,
// and the key in the bucket, which shares its memory (never modified).
func layerKeyOf(name []byte, parts ...string) (string, []byte) {
	n := len(name) + len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, name...)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), b[len(name)+1:]
}

// prepareCommit computes the checks and writes of p, which has no
// ExecutionUpdate.
func prepareCommit(p *store.CommitParams) (*prepared, error) {
	arn := p.ExecutionARN
	n := len(p.Threads) + len(p.Events) + len(p.TokensPut) + len(p.ChildResults) + len(p.ActivityTasks)
	if p.ExecutionCreate != nil {
		n++
	}
	pr := &prepared{
		checks:  make([]check, 0, n),
		entries: make([]entry, 0, n+1+len(p.TokensDelete)+len(p.ActivityTasksDelete)),
	}
	var execKey string
	if p.ExecutionCreate != nil {
		c := check{kind: checkExecution, name: bucketExecution}
		c.key, c.k = layerKeyOf(bucketExecution, arn)
		execKey = c.key
		pr.checks = append(pr.checks, c)
	}
	first := len(pr.checks)
	for _, w := range p.Threads {
		c := check{kind: checkThread, name: bucketThread, label: w.ThreadID, expect: w.ExpectSeq}
		c.key, c.k = layerKeyOf(bucketThread, arn, w.ThreadID)
		pr.checks = append(pr.checks, c)
	}
	var steps []string // the prefixes of the keys of the steps' events
	for _, w := range p.Threads {
		steps = append(steps, store.StepKey(w.ThreadID, w.Seq)+"#")
	}
	for _, e := range p.Events {
		c := check{kind: checkEvent, name: bucketEvent, label: e.Key}
		c.key, c.k = layerKeyOf(bucketEvent, arn, e.Key)
		for _, prefix := range steps {
			if strings.HasPrefix(e.Key, prefix) {
				c.kind = checkImplied
				break
			}
		}
		pr.checks = append(pr.checks, c)
	}
	for _, t := range p.TokensPut {
		c := check{kind: checkToken, name: bucketToken}
		c.key, c.k = layerKeyOf(bucketToken, t.Token)
		pr.checks = append(pr.checks, c)
	}
	for _, ch := range p.ChildResults {
		c := check{kind: checkChild, name: bucketChild, label: ch.ParentThreadID, index: ch.Index}
		c.key, c.k = layerKeyOf(bucketChild, arn, ch.ParentThreadID, string(be64(uint64(ch.Index))))
		pr.checks = append(pr.checks, c)
	}
	for _, a := range p.ActivityTasks {
		c := check{kind: checkActivityTask, name: bucketActivityTask, label: a.Key}
		c.key, c.k = layerKeyOf(bucketActivityTask, a.ActivityARN, a.Key)
		pr.checks = append(pr.checks, c)
	}

	// The writes, as commitApply makes them; the keys checked above are
	// the keys written, in the same order.
	put := func(key string, val []byte) {
		pr.entries = append(pr.entries, entry{key: key, val: val})
	}
	if c := p.ExecutionCreate; c != nil {
		e := *c
		e.StartedAt, e.StoppedAt = utc(e.StartedAt), utc(e.StoppedAt)
		put(execKey, encodeExecution(&e))
		sum := executionSummary{ARN: e.ARN, Name: e.Name, Revision: e.StateMachineRevision, Status: e.Status, StoppedAt: e.StoppedAt}
		k, _ := layerKeyOf(bucketExecutionBy, e.StateMachineARN, string(timeKey(e.StartedAt)), e.ARN)
		data, err := json.Marshal(sum)
		if err != nil {
			return nil, fmt.Errorf("encoding %q: %w", k, err)
		}
		put(k, data)
	}
	i := first
	for _, w := range p.Threads {
		put(pr.checks[i].key, encodeThread(w.Seq, w.Data, w.Outbox))
		i++
	}
	// Event and child bodies share one copy: they stay in the active
	// layer together until the next checkpoint.
	vn := 0
	for _, e := range p.Events {
		vn += len(e.Data)
	}
	for _, c := range p.ChildResults {
		vn += len(c.Data)
	}
	vals := make([]byte, 0, vn)
	body := func(b []byte) []byte {
		start := len(vals)
		vals = append(vals, b...)
		return vals[start:len(vals):len(vals)]
	}
	for _, e := range p.Events {
		put(pr.checks[i].key, body(e.Data))
		i++
	}
	for j := range p.TokensPut {
		data, err := json.Marshal(&p.TokensPut[j])
		if err != nil {
			return nil, fmt.Errorf("encoding %q: %w", pr.checks[i].k, err)
		}
		put(pr.checks[i].key, data)
		i++
	}
	for _, t := range p.TokensDelete {
		k, _ := layerKeyOf(bucketToken, t)
		pr.entries = append(pr.entries, entry{key: k, del: true})
	}
	for _, c := range p.ChildResults {
		put(pr.checks[i].key, body(c.Data))
		i++
	}
	for j := range p.ActivityTasks {
		data, err := json.Marshal(&p.ActivityTasks[j])
		if err != nil {
			return nil, fmt.Errorf("encoding %q: %w", pr.checks[i].k, err)
		}
		put(pr.checks[i].key, data)
		i++
	}
	for _, d := range p.ActivityTasksDelete {
		k, _ := layerKeyOf(bucketActivityTask, d.ActivityARN, d.Key)
		pr.entries = append(pr.entries, entry{key: k, del: true})
	}

	rn := 0
	for _, e := range pr.entries {
		rn += encodedSize(e)
		pr.size += entrySize(e)
	}
	pr.record = appendEntries(make([]byte, 0, rn), pr.entries)
	return pr, nil
}

// readLower reads the values of p's checked keys that the active layer
// does not hold from the frozen layer and the file, outside the group
// commit: they change only when the active layer is frozen, which
// changes Store.gen, and the check then reads them itself.
func (s *Store) readLower(p *prepared) error {
	if s.group.isClosed() {
		return ErrClosed
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p.gen = s.gen
	var ftx *bolt.Tx
	defer func() {
		if ftx != nil {
			_ = ftx.Rollback()
		}
	}()
	for i := range p.checks {
		c := &p.checks[i]
		if c.kind == checkImplied {
			continue
		}
		probe := entry{key: c.key}
		c.lowerOK = true
		if s.frozen != nil {
			if e, ok := s.frozen.Get(probe); ok {
				c.lower = liveValue(e)
				continue
			}
		}
		if ftx == nil {
			var err error
			if ftx, err = s.db.Begin(false); err != nil {
				if s.group.isClosed() {
					return ErrClosed
				}
				return fmt.Errorf("reading %s: %w", s.path, err)
			}
		}
		if b := ftx.Bucket(c.name); b != nil {
			if v := b.Get(c.k); v != nil {
				c.lower = append([]byte{}, v[:min(len(v), 8)]...)
			}
		}
	}
	return nil
}

// check verifies p's conditions, as commitCheck does, against upper (the
// group's writes and those of the flights not yet published, newest
// first) and lower (the active layer, then the frozen one, if any), then
// the file. gen is Store.gen now.
func (p *prepared) check(upper, lower []*layer, gen uint64, file func() *bolt.Tx) error {
	for i := range p.checks {
		c := &p.checks[i]
		if c.kind == checkImplied {
			continue
		}
		v := c.lookup(upper, lower, gen == p.gen, file)
		switch c.kind {
		case checkExecution:
			if v != nil {
				return store.ErrAlreadyExists
			}
		case checkThread:
			seq := store.NoSeq
			if v != nil {
				if len(v) < 8 {
					return errCorruptThread
				}
				seq = int64(binary.BigEndian.Uint64(v))
			}
			if seq != c.expect {
				return fmt.Errorf("writing thread %s: stored seq %d, expected %d: %w", c.label, seq, c.expect, store.ErrConflict)
			}
		case checkEvent:
			if v != nil {
				return fmt.Errorf("adding event %s: %w", c.label, store.ErrConflict)
			}
		case checkToken:
			if v != nil {
				return fmt.Errorf("adding task token: %w", store.ErrConflict)
			}
		case checkChild:
			if v != nil {
				return fmt.Errorf("recording child %s/%d: %w", c.label, c.index, store.ErrConflict)
			}
		case checkActivityTask:
			if v != nil {
				return fmt.Errorf("adding activity task %s: %w", c.label, store.ErrConflict)
			}
		}
	}
	return nil
}

// lookup returns the key's value (nil if missing); file values are
// valid until the file transaction ends.
func (c *check) lookup(upper, lower []*layer, sameGen bool, file func() *bolt.Tx) []byte {
	probe := entry{key: c.key}
	for _, l := range upper {
		if e, ok := l.Get(probe); ok {
			return liveValue(e)
		}
	}
	if e, ok := lower[0].Get(probe); ok {
		return liveValue(e)
	}
	if sameGen && c.lowerOK {
		return c.lower
	}
	for _, l := range lower[1:] {
		if e, ok := l.Get(probe); ok {
			return liveValue(e)
		}
	}
	ftx := file()
	if ftx == nil {
		return nil // the caller reports the error
	}
	b := ftx.Bucket(c.name)
	if b == nil {
		return nil
	}
	if v := b.Get(c.k); v != nil {
		return bytes.Clone(v[:min(len(v), 8)])
	}
	return nil
}
