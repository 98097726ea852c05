package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// bucketActivityTask holds the waiting activity tasks: activity ARN, key
// -> store.ActivityTask. It is created by the first write that needs it,
// so that stores made before it existed open unchanged.
var bucketActivityTask = []byte("activity_task")

// activityTasksCheck verifies that the activity tasks p adds are new.
func activityTasksCheck(tx *txn, p *store.CommitParams) error {
	b := tx.Bucket(bucketActivityTask)
	if b == nil {
		return nil
	}
	for _, a := range p.ActivityTasks {
		if b.Get(key(a.ActivityARN, a.Key)) != nil {
			return fmt.Errorf("adding activity task %s: %w", a.Key, store.ErrConflict)
		}
	}
	return nil
}

// activityTasksApply writes and deletes the activity tasks of p.
func activityTasksApply(tx *txn, p *store.CommitParams) error {
	if len(p.ActivityTasks) == 0 && len(p.ActivityTasksDelete) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketActivityTask)
	if err != nil {
		return err
	}
	for i := range p.ActivityTasks {
		a := &p.ActivityTasks[i]
		if err := putJSON(b, key(a.ActivityARN, a.Key), a); err != nil {
			return err
		}
	}
	for _, d := range p.ActivityTasksDelete {
		if err := b.Delete(key(d.ActivityARN, d.Key)); err != nil {
			return err
		}
	}
	return nil
}

// ActivityTaskClaim implements store.Store: the first key under the
// activity, read and deleted in one write transaction.
func (s *Store) ActivityTaskClaim(ctx context.Context, params *store.ActivityTaskClaimParams) (*store.ActivityTask, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var task store.ActivityTask
	err := s.update(func(tx *txn) error {
		b := tx.Bucket(bucketActivityTask)
		if b == nil {
			return store.ErrNotFound
		}
		pre := prefix(params.ActivityARN)
		c := b.Cursor()
		k, v := c.Seek(pre)
		if k == nil || len(k) < len(pre) || string(k[:len(pre)]) != string(pre) {
			return store.ErrNotFound
		}
		if err := json.Unmarshal(v, &task); err != nil {
			return fmt.Errorf("decoding activity task %q: %w", k, err)
		}
		return c.Delete()
	})
	if err != nil {
		return nil, fmt.Errorf("claiming a task of activity %s: %w", params.ActivityARN, err)
	}
	task.Data = nilIfEmpty(task.Data)
	return &task, nil
}
