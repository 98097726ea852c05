package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// getItem reads one item consistently; ErrNotFound if it is missing.
func (s *Store) getItem(ctx context.Context, pk, sk string) (*item, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: keyOf(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, store.ErrNotFound
	}
	return &item{m: out.Item}, nil
}

// ThreadGet implements store.Store: a consistent Query for the thread's
// latest step item (one read unit for a step under 4 KB).
func (s *Store) ThreadGet(ctx context.Context, params *store.ThreadGetParams) (*store.Thread, error) {
	prefix := store.ThreadKeyPrefix(params.ThreadID)
	in := &dynamodb.QueryInput{
		TableName:              s.table,
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": sv(execPK(params.ExecutionARN)), ":prefix": sv(skHistory + prefix),
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(1),
	}
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, err)
		}
		for _, m := range out.Items {
			it := &item{m: m}
			seq, ok := isStepSK(it.str(attrSK), prefix)
			if !ok || it.m[attrStep] == nil {
				continue // an event of the thread stored on its own
			}
			blob, err := decodeStepBlob(it.bytes(attrStep))
			if err == nil {
				err = it.err
			}
			if err != nil {
				return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, err)
			}
			return &store.Thread{ExecutionARN: params.ExecutionARN, ThreadID: params.ThreadID, Seq: seq,
				Data: blob.data, Outbox: blob.outbox}, nil
		}
		if out.LastEvaluatedKey == nil {
			return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, store.ErrNotFound)
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(10)
	}
}

// TokenGet implements store.Store with a consistent GetItem.
func (s *Store) TokenGet(ctx context.Context, params *store.TokenGetParams) (*store.Token, error) {
	it, err := s.getItem(ctx, prefixToken+params.Token, skToken)
	if err != nil {
		return nil, fmt.Errorf("loading task token: %w", err)
	}
	t := &store.Token{
		Token:        params.Token,
		ExecutionARN: it.str(attrARN),
		ThreadID:     it.str(attrThreadID),
		Seq:          it.num(attrSeq),
		Data:         it.bytes(attrData),
	}
	if it.err != nil {
		return nil, fmt.Errorf("loading task token: %w", it.err)
	}
	return t, nil
}
