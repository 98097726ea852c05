package boltstore

import (
	"context"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// TokenGet implements store.Store.
func (s *Store) TokenGet(ctx context.Context, params *store.TokenGetParams) (*store.Token, error) {
	var t store.Token
	err := s.view(func(tx *txn) error {
		found, err := getJSON(tx.Bucket(bucketToken), []byte(params.Token), &t)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading task token: %w", err)
	}
	t.Data = nilIfEmpty(t.Data)
	return &t, nil
}
