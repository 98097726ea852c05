package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ActivityCreate implements store.Store with a conditional PutItem.
func (s *Store) ActivityCreate(ctx context.Context, params *store.ActivityCreateParams) (*store.Activity, error) {
	a := &store.Activity{ARN: params.ARN, Name: params.Name, CreatedAt: params.CreatedAt.UTC()}
	m := keyOf(prefixAct+a.ARN, skMeta)
	m[attrGSI1PK], m[attrGSI1SK] = sv(gsiActs), sv(a.ARN)
	m[attrARN], m[attrName], m[attrCreated] = sv(a.ARN), sv(a.Name), tm(a.CreatedAt)
	_, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		err = store.ErrAlreadyExists
	}
	if err != nil {
		return nil, fmt.Errorf("creating activity %s: %w", params.ARN, err)
	}
	return a, nil
}

func decodeActivity(it *item) (*store.Activity, error) {
	a := &store.Activity{ARN: it.str(attrARN), Name: it.str(attrName), CreatedAt: it.time(attrCreated)}
	return a, it.err
}

// ActivityGet implements store.Store.
func (s *Store) ActivityGet(ctx context.Context, params *store.ActivityGetParams) (*store.Activity, error) {
	it, err := s.getItem(ctx, prefixAct+params.ARN, skMeta)
	if err != nil {
		return nil, fmt.Errorf("loading activity %s: %w", params.ARN, err)
	}
	a, err := decodeActivity(it)
	if err != nil {
		return nil, fmt.Errorf("loading activity %s: %w", params.ARN, err)
	}
	return a, nil
}

// ActivityList implements store.Store with a Query of the GSI.
func (s *Store) ActivityList(ctx context.Context, params *store.ActivityListParams) (*store.ActivityListResult, error) {
	res := &store.ActivityListResult{}
	next, err := s.queryPages(ctx, gsiQuery(s.table, gsiActs), params.NextToken, pageSize(params.MaxResults, 1000), func(it *item) error {
		a, err := decodeActivity(it)
		res.Activities = append(res.Activities, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	res.NextToken = next
	return res, nil
}

// ActivityDelete implements store.Store with a conditional DeleteItem.
func (s *Store) ActivityDelete(ctx context.Context, params *store.ActivityDeleteParams) error {
	_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: keyOf(prefixAct+params.ARN, skMeta), ConditionExpression: aws.String("attribute_exists(pk)")})
	if isConditionFailed(err) {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("deleting activity %s: %w", params.ARN, err)
	}
	return nil
}
