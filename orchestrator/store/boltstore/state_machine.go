package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// stateMachineRecord is the latest revision of a state machine, kept after
// deletion (Deleted) so that revision numbers never repeat.
type stateMachineRecord struct {
	store.StateMachine
	Deleted bool `json:",omitempty"`
}

func revisionKey(arn string, rev int64) []byte {
	return append(prefix(arn), be64(uint64(rev))...)
}

// putRevision writes sm as the latest and as its own revision.
func putRevision(tx *txn, sm *store.StateMachine) error {
	if err := putJSON(tx.Bucket(bucketStateMachine), []byte(sm.ARN), &stateMachineRecord{StateMachine: *sm}); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketRevision), revisionKey(sm.ARN, sm.Revision), sm)
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(ctx context.Context, params *store.StateMachineCreateParams) (*store.StateMachine, error) {
	sm := &store.StateMachine{
		ARN: params.ARN, Name: params.Name, Definition: params.Definition, Type: params.Type,
		RoleARN: params.RoleARN, Revision: 1, CreatedAt: utc(params.CreatedAt), UpdatedAt: utc(params.CreatedAt),
	}
	err := s.update(func(tx *txn) error {
		var old stateMachineRecord
		found, err := getJSON(tx.Bucket(bucketStateMachine), []byte(params.ARN), &old)
		if err != nil {
			return err
		}
		if found && !old.Deleted {
			return store.ErrAlreadyExists
		}
		if found {
			sm.Revision = old.Revision + 1
		}
		return putRevision(tx, sm)
	})
	if err != nil {
		return nil, fmt.Errorf("creating state machine %s: %w", params.ARN, err)
	}
	return sm, nil
}

// StateMachineGet implements store.Store.
func (s *Store) StateMachineGet(ctx context.Context, params *store.StateMachineGetParams) (*store.StateMachine, error) {
	var sm store.StateMachine
	err := s.view(func(tx *txn) error {
		if params.Revision > 0 {
			found, err := getJSON(tx.Bucket(bucketRevision), revisionKey(params.ARN, params.Revision), &sm)
			if err == nil && !found {
				err = store.ErrNotFound
			}
			return err
		}
		var rec stateMachineRecord
		found, err := getJSON(tx.Bucket(bucketStateMachine), []byte(params.ARN), &rec)
		if err == nil && (!found || rec.Deleted) {
			err = store.ErrNotFound
		}
		sm = rec.StateMachine
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading state machine %s: %w", params.ARN, err)
	}
	return &sm, nil
}

// StateMachineList implements store.Store. The NextToken is the last ARN
// returned.
func (s *Store) StateMachineList(ctx context.Context, params *store.StateMachineListParams) (*store.StateMachineListResult, error) {
	limit := pageSize(params.MaxResults, 1000)
	res := &store.StateMachineListResult{}
	err := s.view(func(tx *txn) error {
		return listByKey(tx.Bucket(bucketStateMachine), params.NextToken, limit, &res.NextToken, func(v []byte) (bool, error) {
			var rec stateMachineRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return false, err
			}
			if rec.Deleted {
				return false, nil
			}
			rec.Definition, rec.RoleARN = "", ""
			res.StateMachines = append(res.StateMachines, &rec.StateMachine)
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing state machines: %w", err)
	}
	return res, nil
}

// listByKey calls add for each value of b after key startAfter, until add
// has accepted limit values; then it sets *next to the last key accepted
// if more keys follow.
func listByKey(b *bucket, startAfter string, limit int, next *string, add func(v []byte) (bool, error)) error {
	c := b.Cursor()
	var k, v []byte
	if startAfter == "" {
		k, v = c.First()
	} else if k, v = c.Seek([]byte(startAfter)); string(k) == startAfter {
		k, v = c.Next()
	}
	n := 0
	last := ""
	for ; k != nil; k, v = c.Next() {
		if n == limit {
			*next = last
			return nil
		}
		ok, err := add(v)
		if err != nil {
			return fmt.Errorf("decoding %q: %w", k, err)
		}
		if ok {
			n++
			last = string(k)
		}
	}
	return nil
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(ctx context.Context, params *store.StateMachineUpdateParams) (*store.StateMachine, error) {
	var sm store.StateMachine
	err := s.update(func(tx *txn) error {
		var rec stateMachineRecord
		found, err := getJSON(tx.Bucket(bucketStateMachine), []byte(params.ARN), &rec)
		if err != nil {
			return err
		}
		if !found || rec.Deleted {
			return store.ErrNotFound
		}
		if params.ExpectRevision != 0 && params.ExpectRevision != rec.Revision {
			return fmt.Errorf("revision is %d, expected %d: %w", rec.Revision, params.ExpectRevision, store.ErrConflict)
		}
		sm = rec.StateMachine
		sm.Revision++
		sm.UpdatedAt = utc(params.UpdatedAt)
		if params.Definition != nil {
			sm.Definition = *params.Definition
		}
		if params.RoleARN != nil {
			sm.RoleARN = *params.RoleARN
		}
		return putRevision(tx, &sm)
	})
	if err != nil {
		return nil, fmt.Errorf("updating state machine %s: %w", params.ARN, err)
	}
	return &sm, nil
}

// StateMachineDelete implements store.Store. Revisions stay readable.
func (s *Store) StateMachineDelete(ctx context.Context, params *store.StateMachineDeleteParams) error {
	err := s.update(func(tx *txn) error {
		b := tx.Bucket(bucketStateMachine)
		var rec stateMachineRecord
		found, err := getJSON(b, []byte(params.ARN), &rec)
		if err != nil {
			return err
		}
		if !found || rec.Deleted {
			return store.ErrNotFound
		}
		rec.Deleted = true
		return putJSON(b, []byte(params.ARN), &rec)
	})
	if err != nil {
		return fmt.Errorf("deleting state machine %s: %w", params.ARN, err)
	}
	return nil
}
