package boltstore

import (
	"context"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Commit implements store.Store: commitCheck, then commitApply, in one
// write transaction, possibly in a group commit shared with concurrent
// commits (see the package doc). The log records what commitApply wrote,
// so a new CommitParams field needs a check and an apply here and nothing
// for recovery.
//
// A commit that does not update its execution (every step but the last)
// is prepared by its caller instead (prepareCommit): its keys, values and
// log payload, and the values of its checked keys below the active layer.
// The group commit then only checks its conditions and adds its writes,
// serially.
func (s *Store) Commit(ctx context.Context, params *store.CommitParams) error {
	if err := params.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if params.ExecutionUpdate == nil {
		var p *prepared
		if p, err = prepareCommit(params); err == nil {
			if err = s.readLower(p); err == nil {
				err = s.enqueue(&groupCall{prep: p, done: make(chan error, 1)})
			}
		}
	} else {
		err = s.update(func(tx *txn) error {
			if err := commitCheck(tx, params); err != nil {
				return err
			}
			return commitApply(tx, params)
		})
	}
	if err != nil {
		return fmt.Errorf("committing to execution %s: %w", params.ExecutionARN, err)
	}
	s.commits.Add(1)
	return nil
}

// commitCheck verifies the conditions of p in tx without writing.
func commitCheck(tx *txn, p *store.CommitParams) error {
	arn := p.ExecutionARN
	execs := tx.Bucket(bucketExecution)
	if p.ExecutionCreate != nil && execs.Get([]byte(arn)) != nil {
		return store.ErrAlreadyExists
	}
	if p.ExecutionUpdate != nil {
		var e store.Execution
		found, err := getExecution(tx, arn, &e)
		if err != nil {
			return err
		}
		if !found || e.Status != store.StatusRunning {
			return fmt.Errorf("updating execution that is not running: %w", store.ErrConflict)
		}
	}
	threads := tx.Bucket(bucketThread)
	for _, w := range p.Threads {
		data := threads.Get(key(arn, w.ThreadID))
		seq := store.NoSeq
		if data != nil {
			th, err := decodeThread(data)
			if err != nil {
				return err
			}
			seq = th.Seq
		}
		if seq != w.ExpectSeq {
			return fmt.Errorf("writing thread %s: stored seq %d, expected %d: %w", w.ThreadID, seq, w.ExpectSeq, store.ErrConflict)
		}
	}
	events := tx.Bucket(bucketEvent)
	for _, e := range p.Events {
		if events.Get(key(arn, e.Key)) != nil {
			return fmt.Errorf("adding event %s: %w", e.Key, store.ErrConflict)
		}
	}
	tokens := tx.Bucket(bucketToken)
	for _, t := range p.TokensPut {
		if tokens.Get([]byte(t.Token)) != nil {
			return fmt.Errorf("adding task token: %w", store.ErrConflict)
		}
	}
	children := tx.Bucket(bucketChild)
	for _, c := range p.ChildResults {
		if children.Get(childKey(arn, c.ParentThreadID, c.Index)) != nil {
			return fmt.Errorf("recording child %s/%d: %w", c.ParentThreadID, c.Index, store.ErrConflict)
		}
	}
	return activityTasksCheck(tx, p)
}

// commitApply writes p in tx; commitCheck has passed.
func commitApply(tx *txn, p *store.CommitParams) error {
	arn := p.ExecutionARN
	if c := p.ExecutionCreate; c != nil {
		e := *c
		e.StartedAt, e.StoppedAt = utc(e.StartedAt), utc(e.StoppedAt)
		if err := putExecution(tx, &e); err != nil {
			return err
		}
	}
	if u := p.ExecutionUpdate; u != nil {
		var e store.Execution
		if _, err := getExecution(tx, arn, &e); err != nil {
			return err
		}
		e.Status, e.Output, e.Error, e.Cause, e.StoppedAt = u.Status, u.Output, u.Error, u.Cause, utc(u.StoppedAt)
		if u.Data != nil {
			e.Data = u.Data
		}
		if err := putExecution(tx, &e); err != nil {
			return err
		}
	}
	threads := tx.Bucket(bucketThread)
	for _, w := range p.Threads {
		if err := threads.Put(key(arn, w.ThreadID), encodeThread(w.Seq, w.Data, w.Outbox)); err != nil {
			return err
		}
	}
	events := tx.Bucket(bucketEvent)
	for _, e := range p.Events {
		if err := events.Put(key(arn, e.Key), nonNil(e.Data)); err != nil {
			return err
		}
	}
	tokens := tx.Bucket(bucketToken)
	for i := range p.TokensPut {
		if err := putJSON(tokens, []byte(p.TokensPut[i].Token), &p.TokensPut[i]); err != nil {
			return err
		}
	}
	for _, t := range p.TokensDelete {
		if err := tokens.Delete([]byte(t)); err != nil {
			return err
		}
	}
	children := tx.Bucket(bucketChild)
	for _, c := range p.ChildResults {
		if err := children.Put(childKey(arn, c.ParentThreadID, c.Index), nonNil(c.Data)); err != nil {
			return err
		}
	}
	return activityTasksApply(tx, p)
}

// nonNil returns b, or an empty slice for nil: bbolt stores nil values as
// empty anyway, but Put requires a non-nil value for clarity.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// executionSummary is the value of the execution-by-state-machine index.
type executionSummary struct {
	ARN       string
	Name      string
	Revision  int64
	Status    string
	StoppedAt time.Time `json:",omitzero"`
}

// putExecution writes e and its index entry.
func putExecution(tx *txn, e *store.Execution) error {
	if err := tx.Bucket(bucketExecution).Put([]byte(e.ARN), encodeExecution(e)); err != nil {
		return err
	}
	sum := executionSummary{ARN: e.ARN, Name: e.Name, Revision: e.StateMachineRevision, Status: e.Status, StoppedAt: e.StoppedAt}
	return putJSON(tx.Bucket(bucketExecutionBy), executionIndexKey(e.StateMachineARN, e), sum)
}

// executionIndexKey is (state machine ARN, start time, execution ARN).
func executionIndexKey(smARN string, e *store.Execution) []byte {
	return key(smARN, string(timeKey(e.StartedAt)), e.ARN)
}
