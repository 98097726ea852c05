package dynamostore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// HistoryList implements store.Store with consistent Queries of the
// execution's H items, in sort key order: a step item yields the events
// stored in it (their keys extend the step's key, so they sort right
// after it), an event item its event.
func (s *Store) HistoryList(ctx context.Context, params *store.HistoryListParams) (*store.HistoryListResult, error) {
	limit := pageSize(params.Limit, 1000)
	after := params.StartAfter
	in := &dynamodb.QueryInput{
		TableName:        s.table,
		ConsistentRead:   aws.Bool(true),
		ScanIndexForward: aws.Bool(!params.Reverse),
		Limit:            aws.Int32(int32(limit + 1)),
	}
	from, to := skHistory, historyEnd
	switch {
	case params.Reverse && after != "":
		to = eventSK(after)
	case after != "":
		// Start at the step item that holds the event after which to
		// start, if any.
		from = eventSK(after)
		if step, ok := containingStep(after); ok {
			from = stepSKOf(step)
		}
	}
	in.KeyConditionExpression = aws.String("pk = :pk AND sk BETWEEN :from AND :to")
	in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": sv(execPK(params.ExecutionARN)), ":from": sv(from), ":to": sv(to)}
	res := &store.HistoryListResult{}
	var batch []store.Event
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing history of %s: %w", params.ExecutionARN, err)
		}
		batch = batch[:0]
		for _, m := range out.Items {
			it := &item{m: m}
			sk := it.str(attrSK)
			key := strings.TrimPrefix(sk, skHistory)
			switch {
			case it.m[attrStep] != nil:
				blob, err := decodeStepBlob(it.bytes(attrStep))
				if err != nil {
					return nil, fmt.Errorf("listing history of %s: item %s: %w", params.ExecutionARN, sk, err)
				}
				for _, e := range blob.events {
					batch = append(batch, store.Event{Key: key + e.suffix, Data: e.data})
				}
			case it.m[attrEvent] != nil:
				batch = append(batch, store.Event{Key: key, Data: it.bytes(attrEvent)})
			}
			if it.err != nil {
				return nil, fmt.Errorf("listing history of %s: %w", params.ExecutionARN, it.err)
			}
		}
		sort.Slice(batch, func(i, j int) bool { return (batch[i].Key < batch[j].Key) != params.Reverse })
		for _, e := range batch {
			if after != "" && (!params.Reverse && e.Key <= after || params.Reverse && e.Key >= after) {
				continue
			}
			if len(res.Events) == limit {
				res.Next = res.Events[limit-1].Key
				return res, nil
			}
			res.Events = append(res.Events, e)
		}
		if out.LastEvaluatedKey == nil {
			return res, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// containingStep returns the step key that key extends, if it has the
// shape of one: an event of that step, or a key stored beside them.
func containingStep(key string) (string, bool) {
	first := strings.IndexByte(key, '#')
	if first < 0 {
		return "", false
	}
	second := strings.IndexByte(key[first+1:], '#')
	if second < 0 {
		return "", false
	}
	step := key[:first+1+second]
	if _, ok := store.ParseStepKey(step); !ok {
		return "", false
	}
	return step, true
}

func stepSKOf(step string) string { return skHistory + step }

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
