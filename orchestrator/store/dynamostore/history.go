package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// HistoryList implements store.Store with consistent Queries of the
// execution's EVENT# items.
func (s *Store) HistoryList(ctx context.Context, params *store.HistoryListParams) (*store.HistoryListResult, error) {
	pk := prefixExec + params.ExecutionARN
	limit := pageSize(params.Limit, 1000)
	res := &store.HistoryListResult{}
	err := s.queryRange(ctx, pk, skEvent, params.StartAfter, params.Reverse, limit, func(sk string, it *item) {
		res.Events = append(res.Events, store.Event{Key: strings.TrimPrefix(sk, skEvent), Data: it.bytes(attrData)})
	}, func() { res.Next = res.Events[len(res.Events)-1].Key })
	if err != nil {
		return nil, fmt.Errorf("listing history of %s: %w", params.ExecutionARN, err)
	}
	return res, nil
}

// ChildResultList implements store.Store with consistent Queries of the
// parent's child-result partition.
func (s *Store) ChildResultList(ctx context.Context, params *store.ChildResultListParams) (*store.ChildResultListResult, error) {
	startAfter := ""
	if params.NextToken != "" {
		i, err := strconv.ParseInt(params.NextToken, 10, 64)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("listing child results of %s: invalid NextToken", params.ParentThreadID)
		}
		startAfter = pad(i)
	}
	res := &store.ChildResultListResult{}
	var decodeErr error
	err := s.queryRange(ctx, childPK(params.ExecutionARN, params.ParentThreadID), "", startAfter, false, pageSize(params.Limit, 1000), func(sk string, it *item) {
		i, err := strconv.ParseInt(sk, 10, 64)
		if err != nil && decodeErr == nil {
			decodeErr = fmt.Errorf("decoding child key %q: %w", sk, err)
		}
		res.Results = append(res.Results, store.ChildResult{Index: int(i), Data: it.bytes(attrData)})
	}, func() { res.NextToken = strconv.Itoa(res.Results[len(res.Results)-1].Index) })
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, fmt.Errorf("listing child results of %s in %s: %w", params.ParentThreadID, params.ExecutionARN, err)
	}
	return res, nil
}

// queryRange reads up to limit items of partition pk whose sort key starts
// with prefix, after prefix+startAfter (exclusive) if not empty, in order
// or in reverse, calling add for each; it calls more when the page is full
// and more items follow.
func (s *Store) queryRange(ctx context.Context, pk, prefix, startAfter string, reverse bool, limit int, add func(sk string, it *item), more func()) error {
	in := &dynamodb.QueryInput{
		TableName:        s.table,
		ConsistentRead:   aws.Bool(true),
		ScanIndexForward: aws.Bool(!reverse),
		Limit:            aws.Int32(int32(limit + 1)),
	}
	if prefix == "" {
		in.KeyConditionExpression = aws.String("pk = :pk")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": sv(pk)}
	} else {
		in.KeyConditionExpression = aws.String("pk = :pk AND begins_with(sk, :prefix)")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": sv(pk), ":prefix": sv(prefix)}
	}
	if startAfter != "" {
		in.ExclusiveStartKey = keyOf(pk, prefix+startAfter)
	}
	taken := 0
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return err
		}
		for i, m := range out.Items {
			it := &item{m: m}
			add(it.str(attrSK), it)
			if it.err != nil {
				return it.err
			}
			taken++
			if taken == limit {
				if i < len(out.Items)-1 || out.LastEvaluatedKey != nil {
					more()
				}
				return nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
