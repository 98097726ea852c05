package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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

// ThreadGet implements store.Store with a consistent GetItem.
func (s *Store) ThreadGet(ctx context.Context, params *store.ThreadGetParams) (*store.Thread, error) {
	it, err := s.getItem(ctx, threadPK(params.ExecutionARN, params.ThreadID), skThread)
	if err != nil {
		return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, err)
	}
	th := &store.Thread{
		ExecutionARN: params.ExecutionARN,
		ThreadID:     params.ThreadID,
		Seq:          it.num(attrSeq),
		Data:         it.bytes(attrData),
		Outbox:       it.list(attrOutbox),
	}
	if it.err != nil {
		return nil, fmt.Errorf("loading thread %s of %s: %w", params.ThreadID, params.ExecutionARN, it.err)
	}
	return th, nil
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
