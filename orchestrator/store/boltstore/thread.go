package boltstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ThreadGet implements store.Store.
func (s *Store) ThreadGet(ctx context.Context, params *store.ThreadGetParams) (*store.Thread, error) {
	var th *store.Thread
	err := s.view(func(tx *txn) error {
		data := tx.Bucket(bucketThread).Get(key(params.ExecutionARN, params.ThreadID))
		if data == nil {
			return store.ErrNotFound
		}
		var err error
		th, err = decodeThread(data)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, err)
	}
	th.ExecutionARN, th.ThreadID = params.ExecutionARN, params.ThreadID
	return th, nil
}

// encodeThread encodes a checkpoint: seq (8 bytes), then data and each
// outbox message, each preceded by its length as a uvarint, the messages
// by their count.
func encodeThread(seq int64, data []byte, outbox [][]byte) []byte {
	n := 8 + binary.MaxVarintLen64*(2+len(outbox)) + len(data)
	for _, m := range outbox {
		n += len(m)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = binary.AppendUvarint(b, uint64(len(data)))
	b = append(b, data...)
	b = binary.AppendUvarint(b, uint64(len(outbox)))
	for _, m := range outbox {
		b = binary.AppendUvarint(b, uint64(len(m)))
		b = append(b, m...)
	}
	return b
}

var errCorruptThread = errors.New("corrupt thread record")

// decodeThread decodes what encodeThread encoded, copying the bytes.
func decodeThread(b []byte) (*store.Thread, error) {
	if len(b) < 8 {
		return nil, errCorruptThread
	}
	th := &store.Thread{Seq: int64(binary.BigEndian.Uint64(b))}
	b = b[8:]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, errCorruptThread
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, nil
	}
	data, err := next()
	if err != nil {
		return nil, err
	}
	th.Data = nilIfEmpty(data)
	count, k := binary.Uvarint(b)
	if k <= 0 || count > uint64(len(b)) {
		return nil, errCorruptThread
	}
	b = b[k:]
	for range count {
		m, err := next()
		if err != nil {
			return nil, err
		}
		th.Outbox = append(th.Outbox, append([]byte{}, m...))
	}
	return th, nil
}
