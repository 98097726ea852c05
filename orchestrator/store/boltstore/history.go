package boltstore

import (
	"bytes"
	"context"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// HistoryList implements store.Store.
func (s *Store) HistoryList(ctx context.Context, params *store.HistoryListParams) (*store.HistoryListResult, error) {
	limit := pageSize(params.Limit, 1000)
	pre := prefix(params.ExecutionARN)
	res := &store.HistoryListResult{}
	err := s.view(func(tx *txn) error {
		keys, values := scan(tx.Bucket(bucketEvent).Cursor(), pre, params.StartAfter, params.Reverse, limit+1)
		for i := range min(len(keys), limit) {
			res.Events = append(res.Events, store.Event{Key: string(keys[i]), Data: nilIfEmpty(values[i])})
		}
		if len(keys) > limit {
			res.Next = res.Events[limit-1].Key
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing history of %s: %w", params.ExecutionARN, err)
	}
	return res, nil
}

// scan returns up to n keys (without pre) and values under pre, after the
// key pre+startAfter (exclusive) when startAfter is not empty, in order
// or in reverse. Values are valid only in the transaction.
func scan(c *cursor, pre []byte, startAfter string, reverse bool, n int) (keys, values [][]byte) {
	var k, v []byte
	switch {
	case !reverse && startAfter == "":
		k, v = c.Seek(pre)
	case !reverse:
		start := append(bytes.Clone(pre), startAfter...)
		k, v = c.Seek(start)
		if bytes.Equal(k, start) {
			k, v = c.Next()
		}
	default:
		seek := upper(pre)
		if startAfter != "" {
			seek = append(bytes.Clone(pre), startAfter...)
		}
		if k, _ = c.Seek(seek); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for k != nil && bytes.HasPrefix(k, pre) && len(keys) < n {
		keys = append(keys, k[len(pre):])
		values = append(values, v)
		if reverse {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return keys, values
}
