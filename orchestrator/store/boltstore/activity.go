package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ActivityCreate implements store.Store.
func (s *Store) ActivityCreate(ctx context.Context, params *store.ActivityCreateParams) (*store.Activity, error) {
	a := &store.Activity{ARN: params.ARN, Name: params.Name, CreatedAt: utc(params.CreatedAt)}
	err := s.update(func(tx *txn) error {
		b := tx.Bucket(bucketActivity)
		if b.Get([]byte(params.ARN)) != nil {
			return store.ErrAlreadyExists
		}
		return putJSON(b, []byte(params.ARN), a)
	})
	if err != nil {
		return nil, fmt.Errorf("creating activity %s: %w", params.ARN, err)
	}
	return a, nil
}

// ActivityGet implements store.Store.
func (s *Store) ActivityGet(ctx context.Context, params *store.ActivityGetParams) (*store.Activity, error) {
	var a store.Activity
	err := s.view(func(tx *txn) error {
		found, err := getJSON(tx.Bucket(bucketActivity), []byte(params.ARN), &a)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading activity %s: %w", params.ARN, err)
	}
	return &a, nil
}

// ActivityList implements store.Store. The NextToken is the last ARN
// returned.
func (s *Store) ActivityList(ctx context.Context, params *store.ActivityListParams) (*store.ActivityListResult, error) {
	limit := pageSize(params.MaxResults, 1000)
	res := &store.ActivityListResult{}
	err := s.view(func(tx *txn) error {
		return listByKey(tx.Bucket(bucketActivity), params.NextToken, limit, &res.NextToken, func(v []byte) (bool, error) {
			var a store.Activity
			if err := json.Unmarshal(v, &a); err != nil {
				return false, err
			}
			res.Activities = append(res.Activities, &a)
			return true, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	return res, nil
}

// ActivityDelete implements store.Store.
func (s *Store) ActivityDelete(ctx context.Context, params *store.ActivityDeleteParams) error {
	err := s.update(func(tx *txn) error {
		b := tx.Bucket(bucketActivity)
		if b.Get([]byte(params.ARN)) == nil {
			return store.ErrNotFound
		}
		return b.Delete([]byte(params.ARN))
	})
	if err != nil {
		return fmt.Errorf("deleting activity %s: %w", params.ARN, err)
	}
	return nil
}
