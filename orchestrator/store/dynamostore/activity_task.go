package dynamostore

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Waiting activity tasks live in the activity's partition, after its META
// item: pk ACT#<arn>, sk TASK#<key>.
const (
	skActivityTask = "TASK#"
	attrToken      = "token"
	// claimPage is how many waiting tasks one claim reads at a time: the
	// others' conditional deletes may take the first ones meanwhile.
	claimPage = 10
	// claimRounds bounds the Queries of one claim that loses every race.
	claimRounds = 5
)

// activityTaskItems returns the transaction items that put and delete the
// activity tasks of p; put adds the TTL and the condition.
func (s *Store) activityTaskItems(p *store.CommitParams, put func(m map[string]types.AttributeValue, cond string, values map[string]types.AttributeValue)) []types.TransactWriteItem {
	for _, a := range p.ActivityTasks {
		m := keyOf(prefixAct+a.ActivityARN, skActivityTask+a.Key)
		m[attrToken] = sv(a.Token)
		m[attrARN] = sv(a.ExecutionARN)
		m[attrThreadID] = sv(a.ThreadID)
		putStr(m, attrInput, a.Input)
		putBytes(m, attrData, a.Data)
		put(m, "attribute_not_exists(pk)", nil)
	}
	var deletes []types.TransactWriteItem
	for _, d := range p.ActivityTasksDelete {
		deletes = append(deletes, types.TransactWriteItem{Delete: &types.Delete{TableName: s.table,
			Key: keyOf(prefixAct+d.ActivityARN, skActivityTask+d.Key)}})
	}
	return deletes
}

func decodeActivityTask(arn string, it *item) (*store.ActivityTask, error) {
	t := &store.ActivityTask{
		ActivityARN:  arn,
		Key:          strings.TrimPrefix(it.str(attrSK), skActivityTask),
		Token:        it.str(attrToken),
		ExecutionARN: it.str(attrARN),
		ThreadID:     it.str(attrThreadID),
		Input:        it.str(attrInput),
		Data:         it.bytes(attrData),
	}
	return t, it.err
}

// ActivityTaskClaim implements store.Store: a consistent Query of the
// oldest waiting tasks, then a DeleteItem conditional on the item still
// existing for each until one succeeds; the deleted item (ReturnValues
// ALL_OLD) is the claimed task. A claimer that loses a race moves to the
// next task, so each task goes to exactly one claimer.
func (s *Store) ActivityTaskClaim(ctx context.Context, params *store.ActivityTaskClaimParams) (*store.ActivityTask, error) {
	pk := prefixAct + params.ActivityARN
	for range claimRounds {
		out, err := s.api.Query(ctx, &dynamodb.QueryInput{
			TableName:              s.table,
			ConsistentRead:         aws.Bool(true),
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": sv(pk), ":prefix": sv(skActivityTask),
			},
			ProjectionExpression: aws.String("pk, sk"),
			Limit:                aws.Int32(claimPage),
		})
		if err != nil {
			return nil, fmt.Errorf("claiming a task of activity %s: %w", params.ActivityARN, err)
		}
		if len(out.Items) == 0 {
			return nil, fmt.Errorf("claiming a task of activity %s: %w", params.ActivityARN, store.ErrNotFound)
		}
		for _, m := range out.Items {
			del, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName:           s.table,
				Key:                 map[string]types.AttributeValue{attrPK: m[attrPK], attrSK: m[attrSK]},
				ConditionExpression: aws.String("attribute_exists(pk)"),
				ReturnValues:        types.ReturnValueAllOld,
			})
			if isConditionFailed(err) {
				continue // another claimer took it
			}
			if err != nil {
				return nil, fmt.Errorf("claiming a task of activity %s: %w", params.ActivityARN, err)
			}
			t, err := decodeActivityTask(params.ActivityARN, &item{m: del.Attributes})
			if err != nil {
				return nil, fmt.Errorf("claiming a task of activity %s: %w", params.ActivityARN, err)
			}
			return t, nil
		}
	}
	return nil, fmt.Errorf("claiming a task of activity %s: lost %d rounds of races: %w", params.ActivityARN, claimRounds, store.ErrNotFound)
}
