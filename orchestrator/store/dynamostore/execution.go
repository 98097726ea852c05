package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ExecutionGet implements store.Store: one consistent Query for the
// execution's M item and, when its result is too large for it, the O
// item.
func (s *Store) ExecutionGet(ctx context.Context, params *store.ExecutionGetParams) (*store.Execution, error) {
	out, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:              s.table,
		ConsistentRead:         aws.Bool(!params.Eventual),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :m AND :o"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": sv(execPK(params.ARN)), ":m": sv(skExecMeta), ":o": sv(skExecOut),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("loading execution %s: %w", params.ARN, err)
	}
	var e *store.Execution
	var meta, result *item
	for _, m := range out.Items {
		it := &item{m: m}
		switch it.str(attrSK) {
		case skExecMeta:
			meta = it
		case skExecOut:
			result = it
		}
	}
	if meta == nil {
		return nil, fmt.Errorf("loading execution %s: %w", params.ARN, store.ErrNotFound)
	}
	e = decodeExecution(meta)
	if e.ARN != params.ARN && meta.err == nil {
		// Two ARNs with the same 128-bit hash: never, in practice.
		return nil, fmt.Errorf("loading execution %s: the item holds %s", params.ARN, e.ARN)
	}
	if !meta.bool(attrOutSeparate) {
		result = meta
	}
	if result != nil {
		e.Output, e.Error, e.Cause = result.str(attrOutput), result.str(attrError), result.str(attrCause)
	}
	for _, it := range []*item{meta, result} {
		if it != nil && it.err != nil {
			return nil, fmt.Errorf("loading execution %s: %w", params.ARN, it.err)
		}
	}
	return e, nil
}

// decodeExecution decodes a META item or its GSI projection.
func decodeExecution(it *item) *store.Execution {
	return &store.Execution{
		ARN:                  it.str(attrARN),
		StateMachineARN:      it.str(attrSMARN),
		StateMachineRevision: it.num(attrRevision),
		Name:                 it.str(attrName),
		Status:               it.str(attrStatus),
		Input:                it.str(attrInput),
		StartedAt:            it.time(attrStarted),
		StoppedAt:            it.time(attrStopped),
		Data:                 it.bytes(attrData),
	}
}

// ExecutionList implements store.Store with a Query of the GSI, newest
// first, filtered by status when asked.
func (s *Store) ExecutionList(ctx context.Context, params *store.ExecutionListParams) (*store.ExecutionListResult, error) {
	in := &dynamodb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(gsiExecs + params.StateMachineARN)},
		ScanIndexForward:          aws.Bool(false),
	}
	if params.Status != "" {
		in.FilterExpression = aws.String("#status = :status")
		in.ExpressionAttributeNames = map[string]string{"#status": attrStatus}
		in.ExpressionAttributeValues[":status"] = sv(params.Status)
	}
	res := &store.ExecutionListResult{}
	next, err := s.queryPages(ctx, in, params.NextToken, pageSize(params.MaxResults, 1000), func(it *item) error {
		e := decodeExecution(it)
		res.Executions = append(res.Executions, e)
		return it.err
	})
	if err != nil {
		return nil, fmt.Errorf("listing executions of %s: %w", params.StateMachineARN, err)
	}
	res.NextToken = next
	return res, nil
}

// queryPages runs in from token until add has taken limit items or the
// query is exhausted, and returns the token of the next page: the key of
// the last item taken, when more may follow.
func (s *Store) queryPages(ctx context.Context, in *dynamodb.QueryInput, token string, limit int, add func(*item) error) (string, error) {
	if token != "" {
		key, err := decodeToken(token)
		if err != nil {
			return "", err
		}
		in.ExclusiveStartKey = key
	}
	in.Limit = aws.Int32(int32(limit + 1))
	taken := 0
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return "", err
		}
		for i, m := range out.Items {
			if err := add(&item{m: m}); err != nil {
				return "", err
			}
			taken++
			if taken == limit {
				if i == len(out.Items)-1 && out.LastEvaluatedKey == nil {
					return "", nil
				}
				return encodeToken(pageKey(m, in.IndexName != nil))
			}
		}
		if out.LastEvaluatedKey == nil {
			return "", nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// pageKey returns the key attributes of m, as a LastEvaluatedKey holds
// them: the table's key, and the index's if gsi.
func pageKey(m map[string]types.AttributeValue, gsi bool) map[string]types.AttributeValue {
	key := map[string]types.AttributeValue{attrPK: m[attrPK], attrSK: m[attrSK]}
	if gsi {
		key[attrGSI1PK], key[attrGSI1SK] = m[attrGSI1PK], m[attrGSI1SK]
	}
	return key
}
