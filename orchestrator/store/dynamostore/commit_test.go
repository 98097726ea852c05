package dynamostore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// fakeAPI answers TransactWriteItems with the errors queued in errs, then
// success; the other calls are not used here.
type fakeAPI struct {
	dynamoAPI
	errs  []error
	calls []*dynamodb.TransactWriteItemsInput
}

func (f *fakeAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.calls = append(f.calls, in)
	if len(f.errs) == 0 {
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	err := f.errs[0]
	f.errs = f.errs[1:]
	return nil, err
}

func canceled(codes ...string) error {
	tce := &types.TransactionCanceledException{Message: aws.String("canceled")}
	for _, c := range codes {
		tce.CancellationReasons = append(tce.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
	}
	return tce
}

func TestCommitErrors(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
	start := &store.CommitParams{
		ExecutionARN:    arn,
		ExecutionCreate: &store.Execution{ARN: arn, StateMachineARN: "sm", Name: "e1", Status: store.StatusRunning, StartedAt: time.Unix(0, 0)},
		Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}},
	}
	step := &store.CommitParams{
		ExecutionARN: arn,
		Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1}},
		Events:       []store.EventWrite{{Key: "1", Data: []byte("e")}},
	}
	for _, tc := range []struct {
		name      string
		params    *store.CommitParams
		errs      []error
		wantIs    error // nil: success
		wantOther bool  // an error that is none of the sentinels
		wantCalls int
	}{
		{"Success", step, nil, nil, false, 1},
		{"ExecutionExists", start, []error{canceled("ConditionalCheckFailed", "None")}, store.ErrAlreadyExists, false, 1},
		{"ExecutionExistsAndThreadConflict", start, []error{canceled("ConditionalCheckFailed", "ConditionalCheckFailed")}, store.ErrAlreadyExists, false, 1},
		{"RootThreadExists", start, []error{canceled("None", "ConditionalCheckFailed")}, store.ErrConflict, false, 1},
		{"StaleSeq", step, []error{canceled("ConditionalCheckFailed", "None")}, store.ErrConflict, false, 1},
		{"EventExists", step, []error{canceled("None", "ConditionalCheckFailed")}, store.ErrConflict, false, 1},
		{"ConflictThenStale", step, []error{canceled("TransactionConflict", "None"), canceled("ConditionalCheckFailed", "None")}, store.ErrConflict, false, 2},
		{"ConflictThenSuccess", step, []error{canceled("TransactionConflict", "None"), canceled("None", "ThrottlingError")}, nil, false, 3},
		{"ConflictForever", step, []error{canceled("TransactionConflict"), canceled("TransactionConflict"), canceled("TransactionConflict"), canceled("TransactionConflict"), canceled("TransactionConflict"), canceled("TransactionConflict")}, nil, true, commitAttempts},
		{"ValidationReason", step, []error{canceled("ValidationError", "None")}, nil, true, 1},
		{"NoReasons", step, []error{canceled()}, nil, true, 1},
		{"OtherError", step, []error{errors.New("connection reset")}, nil, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeAPI{errs: tc.errs}
			s := newStore(fake, "t")
			s.sleep = func(context.Context, time.Duration) error { return nil }
			err := s.Commit(context.Background(), tc.params)
			require.Len(t, fake.calls, tc.wantCalls)
			switch {
			case tc.wantOther:
				require.Error(t, err)
				for _, sentinel := range []error{store.ErrConflict, store.ErrAlreadyExists, store.ErrNotFound} {
					require.NotErrorIs(t, err, sentinel)
				}
			case tc.wantIs != nil:
				require.ErrorIs(t, err, tc.wantIs)
			default:
				require.NoError(t, err)
			}
		})
	}
}

func TestCommitItems(t *testing.T) {
	t.Parallel()
	const arn = "arn:x:execution:sm:e1"
	s := newStore(&fakeAPI{}, "t")
	items, createIndex := s.commitItems(&store.CommitParams{
		ExecutionARN:    arn,
		ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusSucceeded, Output: "{}", StoppedAt: time.Unix(1, 0)},
		Threads:         []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 3, Seq: 4, Data: []byte("d"), Outbox: [][]byte{[]byte("m")}}},
		Events:          []store.EventWrite{{Key: "k", Data: []byte("e")}},
		TokensDelete:    []string{"tok"},
		ChildResults:    []store.ChildResultWrite{{ParentThreadID: "p", Index: 7, Data: []byte("r")}},
		ExpiresAt:       time.Unix(1000, 0),
	})
	require.Equal(t, -1, createIndex)
	require.Len(t, items, 6)
	update := items[0].Update
	require.NotNil(t, update)
	require.Equal(t, "#status = :running", aws.ToString(update.ConditionExpression))
	require.Equal(t, "SET #status = :status, #stopped = :stopped, #ttl = :ttl", aws.ToString(update.UpdateExpression))
	require.Equal(t, map[string]string{"#status": "status", "#stopped": "stopped", "#ttl": "ttl"}, update.ExpressionAttributeNames)
	require.NotNil(t, items[1].Put) // META#OUT
	require.Equal(t, &types.AttributeValueMemberS{Value: skOut}, items[1].Put.Item[attrSK])
	thread := items[2].Put
	require.Equal(t, "seq = :expect", aws.ToString(thread.ConditionExpression))
	require.Equal(t, &types.AttributeValueMemberS{Value: "EXEC#" + arn + "#THREAD#root"}, thread.Item[attrPK])
	require.Equal(t, &types.AttributeValueMemberN{Value: "1000"}, thread.Item[attrTTL])
	require.Equal(t, "attribute_not_exists(pk)", aws.ToString(items[3].Put.ConditionExpression))
	require.NotNil(t, items[4].Delete)
	child := items[5].Put
	require.Equal(t, &types.AttributeValueMemberS{Value: "00000000000000000007"}, child.Item[attrSK])
}
