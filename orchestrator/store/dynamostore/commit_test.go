package dynamostore

import (
	"context"
	"errors"
	"strings"
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
		Events: []store.EventWrite{{Key: "k", Data: []byte("e")}, {Key: store.StepEventKey("root", 4, 1), Data: []byte("e1")},
			{Key: store.StepEventKey("root", 4, 0), Data: []byte("e0")}},
		TokensDelete: []string{"tok"},
		ChildResults: []store.ChildResultWrite{{ParentThreadID: "p", Index: 7, Data: []byte("r")}},
		ExpiresAt:    time.Unix(1000, 0),
	})
	require.Equal(t, -1, createIndex)
	require.Len(t, items, 5)
	update := items[0].Update
	require.NotNil(t, update)
	require.Equal(t, "#status = :running", aws.ToString(update.ConditionExpression))
	require.Equal(t, "SET #status = :status, #stopped = :stopped, #output = :output, #ttl = :ttl REMOVE #outsep, #error, #cause", aws.ToString(update.UpdateExpression))
	require.Equal(t, &types.AttributeValueMemberS{Value: skExecMeta}, update.Key[attrSK])
	pk := update.Key[attrPK].(*types.AttributeValueMemberS).Value
	require.Len(t, pk, 2+22)
	step := items[1].Put
	require.Equal(t, "attribute_not_exists(pk)", aws.ToString(step.ConditionExpression))
	require.Equal(t, &types.AttributeValueMemberS{Value: pk}, step.Item[attrPK])
	require.Equal(t, &types.AttributeValueMemberS{Value: "Hroot#a4"}, step.Item[attrSK])
	require.Equal(t, &types.AttributeValueMemberN{Value: "1000"}, step.Item[attrTTL])
	blob, err := decodeStepBlob(step.Item[attrStep].(*types.AttributeValueMemberB).Value)
	require.NoError(t, err)
	require.Equal(t, &stepBlob{data: []byte("d"), outbox: [][]byte{[]byte("m")},
		events: []blobEvent{{suffix: "#a0", data: []byte("e0")}, {suffix: "#a1", data: []byte("e1")}}}, blob)
	event := items[2].Put
	require.Equal(t, &types.AttributeValueMemberS{Value: "Hk"}, event.Item[attrSK])
	require.NotNil(t, items[3].Delete)
	child := items[4].Put
	require.Equal(t, &types.AttributeValueMemberS{Value: "00000000000000000007"}, child.Item[attrSK])
}

func TestStepBlob(t *testing.T) {
	t.Parallel()
	big := []byte(strings.Repeat(`{"orderId":"o-1234567","customer":{"id":"c-42"}}`, 20))
	for _, b := range []*stepBlob{
		{},
		{data: []byte("x")},
		{data: big, outbox: [][]byte{big, {}}, events: []blobEvent{{suffix: "#a0", data: big}, {suffix: "#a1"}}},
	} {
		enc := b.encode()
		if b.size() > 1000 {
			require.Less(t, len(enc), b.size()/4, "compressed")
		}
		got, err := decodeStepBlob(enc)
		require.NoError(t, err)
		require.Equal(t, len(b.data), len(got.data))
		require.Equal(t, len(b.outbox), len(got.outbox))
		require.Equal(t, len(b.events), len(got.events))
		for i := range b.events {
			require.Equal(t, b.events[i].suffix, got.events[i].suffix)
			require.Equal(t, string(b.events[i].data), string(got.events[i].data))
		}
	}
	for _, bad := range [][]byte{nil, {9}, {blobPlain, 5}, {blobFlate, 1, 2, 3}, append((&stepBlob{data: []byte("x")}).encode(), 0)} {
		_, err := decodeStepBlob(bad)
		require.Error(t, err, "%v", bad)
	}
}
