package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// stateMachineAttrs returns the attributes of sm, without keys.
func stateMachineAttrs(sm *store.StateMachine) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{
		attrARN:        sv(sm.ARN),
		attrName:       sv(sm.Name),
		attrType:       sv(sm.Type),
		attrRevision:   n(sm.Revision),
		attrCreated:    tm(sm.CreatedAt),
		attrUpdated:    tm(sm.UpdatedAt),
		attrDefinition: sv(sm.Definition),
	}
	putStr(m, attrRoleARN, sm.RoleARN)
	return m
}

func decodeStateMachine(it *item) (*store.StateMachine, error) {
	sm := &store.StateMachine{
		ARN:        it.str(attrARN),
		Name:       it.str(attrName),
		Definition: it.str(attrDefinition),
		Type:       it.str(attrType),
		RoleARN:    it.str(attrRoleARN),
		Revision:   it.num(attrRevision),
		CreatedAt:  it.time(attrCreated),
		UpdatedAt:  it.time(attrUpdated),
	}
	return sm, it.err
}

// writeRevision writes sm as the latest (META, condition cond) and as its
// own revision, in one transaction. A failed condition returns failed.
func (s *Store) writeRevision(ctx context.Context, sm *store.StateMachine, cond string, values map[string]types.AttributeValue, failed error) error {
	pk := prefixSM + sm.ARN
	meta := stateMachineAttrs(sm)
	meta[attrPK], meta[attrSK] = sv(pk), sv(skMeta)
	meta[attrGSI1PK], meta[attrGSI1SK] = sv(gsiSMs), sv(sm.ARN)
	rev := stateMachineAttrs(sm)
	rev[attrPK], rev[attrSK] = sv(pk), sv(skRevision+pad(sm.Revision))
	_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: s.table, Item: meta, ConditionExpression: aws.String(cond), ExpressionAttributeValues: values}},
		{Put: &types.Put{TableName: s.table, Item: rev}},
	}})
	if err != nil {
		if mapped, _ := commitError(err, -1); errors.Is(mapped, store.ErrConflict) {
			return failed
		}
		return err
	}
	return nil
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(ctx context.Context, params *store.StateMachineCreateParams) (*store.StateMachine, error) {
	sm := &store.StateMachine{
		ARN: params.ARN, Name: params.Name, Definition: params.Definition, Type: params.Type,
		RoleARN: params.RoleARN, Revision: 1, CreatedAt: params.CreatedAt.UTC(), UpdatedAt: params.CreatedAt.UTC(),
	}
	cond := "attribute_not_exists(pk)"
	var values map[string]types.AttributeValue
	old, err := s.getItem(ctx, prefixSM+params.ARN, skMeta)
	switch {
	case err == nil && !old.bool(attrDeleted):
		return nil, fmt.Errorf("creating state machine %s: %w", params.ARN, store.ErrAlreadyExists)
	case err == nil:
		// Deleted: continue its revisions.
		sm.Revision = old.num(attrRevision) + 1
		cond = "deleted = :true AND rev = :rev"
		values = map[string]types.AttributeValue{":true": boolean(true), ":rev": n(sm.Revision - 1)}
	case !isNotFound(err):
		return nil, fmt.Errorf("creating state machine %s: %w", params.ARN, err)
	}
	if err := s.writeRevision(ctx, sm, cond, values, store.ErrAlreadyExists); err != nil {
		return nil, fmt.Errorf("creating state machine %s: %w", params.ARN, err)
	}
	return sm, nil
}

// StateMachineGet implements store.Store.
func (s *Store) StateMachineGet(ctx context.Context, params *store.StateMachineGetParams) (*store.StateMachine, error) {
	sk := skMeta
	if params.Revision > 0 {
		sk = skRevision + pad(params.Revision)
	}
	it, err := s.getItem(ctx, prefixSM+params.ARN, sk)
	if err == nil && it.bool(attrDeleted) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("loading state machine %s: %w", params.ARN, err)
	}
	sm, err := decodeStateMachine(it)
	if err != nil {
		return nil, fmt.Errorf("loading state machine %s: %w", params.ARN, err)
	}
	return sm, nil
}

// StateMachineList implements store.Store with a Query of the GSI.
func (s *Store) StateMachineList(ctx context.Context, params *store.StateMachineListParams) (*store.StateMachineListResult, error) {
	res := &store.StateMachineListResult{}
	next, err := s.queryPages(ctx, gsiQuery(s.table, gsiSMs), params.NextToken, pageSize(params.MaxResults, 1000), func(it *item) error {
		sm, err := decodeStateMachine(it)
		res.StateMachines = append(res.StateMachines, sm)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing state machines: %w", err)
	}
	res.NextToken = next
	return res, nil
}

// gsiQuery returns a Query of the GSI partition pk, in sort-key order.
func gsiQuery(table *string, pk string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 table,
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(pk)},
	}
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(ctx context.Context, params *store.StateMachineUpdateParams) (*store.StateMachine, error) {
	sm, err := s.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: params.ARN})
	if err != nil {
		return nil, fmt.Errorf("updating state machine: %w", err)
	}
	if params.ExpectRevision != 0 && params.ExpectRevision != sm.Revision {
		return nil, fmt.Errorf("updating state machine %s: revision is %d, expected %d: %w", params.ARN, sm.Revision, params.ExpectRevision, store.ErrConflict)
	}
	sm.Revision++
	sm.UpdatedAt = params.UpdatedAt.UTC()
	if params.Definition != nil {
		sm.Definition = *params.Definition
	}
	if params.RoleARN != nil {
		sm.RoleARN = *params.RoleARN
	}
	err = s.writeRevision(ctx, sm, "rev = :rev AND attribute_not_exists(deleted)",
		map[string]types.AttributeValue{":rev": n(sm.Revision - 1)}, store.ErrConflict)
	if err != nil {
		return nil, fmt.Errorf("updating state machine %s: %w", params.ARN, err)
	}
	return sm, nil
}

// StateMachineDelete implements store.Store: it marks the latest revision
// deleted and takes it out of the GSI; revisions stay.
func (s *Store) StateMachineDelete(ctx context.Context, params *store.StateMachineDeleteParams) error {
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       keyOf(prefixSM+params.ARN, skMeta),
		UpdateExpression:          aws.String("SET deleted = :true REMOVE gsi1pk, gsi1sk"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(deleted)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": boolean(true)},
	})
	if isConditionFailed(err) {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("deleting state machine %s: %w", params.ARN, err)
	}
	return nil
}

func isNotFound(err error) bool { return err == store.ErrNotFound }
