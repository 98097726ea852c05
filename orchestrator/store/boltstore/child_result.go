package boltstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// childKey is (execution, parent thread, index as 8 bytes big-endian).
func childKey(arn, parent string, index int) []byte {
	return append(prefix(arn, parent), be64(uint64(index))...)
}

// ChildResultList implements store.Store. The NextToken is the last index
// returned, in decimal.
func (s *Store) ChildResultList(ctx context.Context, params *store.ChildResultListParams) (*store.ChildResultListResult, error) {
	limit := pageSize(params.Limit, 1000)
	pre := prefix(params.ExecutionARN, params.ParentThreadID)
	startAfter := ""
	if params.NextToken != "" {
		i, err := strconv.ParseUint(params.NextToken, 10, 63)
		if err != nil {
			return nil, fmt.Errorf("listing child results of %s: invalid NextToken", params.ParentThreadID)
		}
		startAfter = string(be64(i))
	}
	res := &store.ChildResultListResult{}
	err := s.view(func(tx *txn) error {
		keys, values := scan(tx.Bucket(bucketChild).Cursor(), pre, startAfter, false, limit+1)
		for i := range min(len(keys), limit) {
			if len(keys[i]) != 8 {
				return fmt.Errorf("corrupt child key %q", keys[i])
			}
			res.Results = append(res.Results, store.ChildResult{Index: int(beUint64(keys[i])), Data: nilIfEmpty(values[i])})
		}
		if len(keys) > limit {
			res.NextToken = strconv.Itoa(res.Results[limit-1].Index)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing child results of %s in %s: %w", params.ParentThreadID, params.ExecutionARN, err)
	}
	return res, nil
}
