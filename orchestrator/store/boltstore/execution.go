package boltstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ExecutionGet implements store.Store.
func (s *Store) ExecutionGet(ctx context.Context, params *store.ExecutionGetParams) (*store.Execution, error) {
	var e store.Execution
	err := s.view(func(tx *txn) error {
		found, err := getExecution(tx, params.ARN, &e)
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
	err := s.view(func(tx *txn) error {
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

// Execution records are binary: execVersion, then the strings and bytes
// each preceded by its length as a uvarint, and the integers as varints.
// Records written as JSON by earlier versions (starting with '{') are read
// too. Decoding JSON (the input and the engine's data as base64) was the
// largest cost of ExecutionGet, which the engine calls at every step.
const execVersion = 1

// encodeExecution encodes e.
func encodeExecution(e *store.Execution) []byte {
	n := 1 + 3*binary.MaxVarintLen64 + 9*binary.MaxVarintLen64 + len(e.ARN) + len(e.StateMachineARN) + len(e.Name) +
		len(e.Status) + len(e.Input) + len(e.Output) + len(e.Error) + len(e.Cause) + len(e.Data)
	b := make([]byte, 0, n)
	b = append(b, execVersion)
	for _, s := range []string{e.ARN, e.StateMachineARN, e.Name, e.Status, e.Input, e.Output, e.Error, e.Cause} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Data)))
	b = append(b, e.Data...)
	b = binary.AppendVarint(b, e.StateMachineRevision)
	b = appendTime(b, e.StartedAt)
	b = appendTime(b, e.StoppedAt)
	return b
}

// appendTime appends t as a flag (0 for the zero time) and nanoseconds
// since 1970; times are stored in UTC.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	return binary.AppendVarint(append(b, 1), t.UnixNano())
}

var errCorruptExecution = errors.New("corrupt execution record")

// decodeExecution decodes what encodeExecution (or json.Marshal) wrote.
func decodeExecution(b []byte, e *store.Execution) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, e)
	}
	if len(b) == 0 || b[0] != execVersion {
		return errCorruptExecution
	}
	b = b[1:]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errCorruptExecution
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, nil
	}
	for _, p := range []*string{&e.ARN, &e.StateMachineARN, &e.Name, &e.Status, &e.Input, &e.Output, &e.Error, &e.Cause} {
		v, err := next()
		if err != nil {
			return err
		}
		*p = string(v)
	}
	data, err := next()
	if err != nil {
		return err
	}
	e.Data = nilIfEmpty(data)
	rev, k := binary.Varint(b)
	if k <= 0 {
		return errCorruptExecution
	}
	e.StateMachineRevision = rev
	b = b[k:]
	for _, p := range []*time.Time{&e.StartedAt, &e.StoppedAt} {
		if len(b) == 0 {
			return errCorruptExecution
		}
		set := b[0]
		b = b[1:]
		*p = time.Time{}
		if set == 0 {
			continue
		}
		ns, k := binary.Varint(b)
		if k <= 0 {
			return errCorruptExecution
		}
		b = b[k:]
		*p = unixNanoUTC(ns)
	}
	if len(b) != 0 {
		return errCorruptExecution
	}
	return nil
}

// getExecution reads execution arn into e and reports whether it exists.
func getExecution(tx *txn, arn string, e *store.Execution) (bool, error) {
	data := tx.Bucket(bucketExecution).Get([]byte(arn))
	if data == nil {
		return false, nil
	}
	if err := decodeExecution(data, e); err != nil {
		return true, fmt.Errorf("decoding execution %s: %w", arn, err)
	}
	return true, nil
}
