package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ExecutionGet implements store.Store.
func (s *Store) ExecutionGet(ctx context.Context, params *store.ExecutionGetParams) (*store.Execution, error) {
	var e store.Execution
	err := s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketExecution), []byte(params.ARN), &e)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading execution %s: %w", params.ARN, err)
	}
	e.Data = nilIfEmpty(e.Data)
	return &e, nil
}

// ExecutionList implements store.Store. The NextToken is the last index
// key returned, base64-encoded.
func (s *Store) ExecutionList(ctx context.Context, params *store.ExecutionListParams) (*store.ExecutionListResult, error) {
	limit := pageSize(params.MaxResults, 1000)
	pre := prefix(params.StateMachineARN)
	var start []byte
	if params.NextToken != "" {
		var err error
		start, err = base64.RawURLEncoding.DecodeString(params.NextToken)
		if err != nil || !bytes.HasPrefix(start, pre) {
			return nil, fmt.Errorf("listing executions of %s: invalid NextToken", params.StateMachineARN)
		}
	}
	res := &store.ExecutionListResult{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketExecutionBy).Cursor()
		var k, v []byte
		if start == nil {
			if k, _ = c.Seek(upper(pre)); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		} else if k, _ = c.Seek(start); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		var last []byte
		for ; k != nil && bytes.HasPrefix(k, pre); k, v = c.Prev() {
			if len(res.Executions) == limit {
				res.NextToken = base64.RawURLEncoding.EncodeToString(last)
				return nil
			}
			var sum executionSummary
			if err := json.Unmarshal(v, &sum); err != nil {
				return fmt.Errorf("decoding %q: %w", k, err)
			}
			last = bytes.Clone(k)
			if params.Status != "" && sum.Status != params.Status {
				continue
			}
			startedAt := int64(beUint64(k[len(pre):len(pre)+8]) ^ (1 << 63))
			res.Executions = append(res.Executions, &store.Execution{
				ARN:                  sum.ARN,
				StateMachineARN:      params.StateMachineARN,
				StateMachineRevision: sum.Revision,
				Name:                 sum.Name,
				Status:               sum.Status,
				StartedAt:            unixNanoUTC(startedAt),
				StoppedAt:            sum.StoppedAt,
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing executions of %s: %w", params.StateMachineARN, err)
	}
	return res, nil
}
