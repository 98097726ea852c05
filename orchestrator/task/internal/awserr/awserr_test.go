package awserr_test

import (
	"context"
	"errors"
	"net/url"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
)

func TestStateError(t *testing.T) {
	t.Parallel()
	op := func(err error) error {
		return &smithy.OperationError{ServiceID: "X", OperationName: "Op", Err: err}
	}
	refused := op(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: syscall.ECONNREFUSED})
	var params smithy.InvalidParamsError
	params.Add(smithy.NewErrParamRequired("Content"))
	tests := []struct {
		name  string
		style awserr.Style
		err   error
		want  asl.Error
	}{
		{"modeled error", awserr.DynamoDB,
			op(awserr.Service(&ddbtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, 400, "R1")),
			asl.Error{Name: "DynamoDB.ConditionalCheckFailedException",
				Cause: "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: R1; Proxy: null)"}},
		{"Exception is appended to shape names without it", awserr.DynamoDB,
			awserr.Service(&ddbtypes.InternalServerError{Message: aws.String("boom")}, 500, "R2"),
			asl.Error{Name: "DynamoDB.InternalServerErrorException",
				Cause: "boom (Service: AmazonDynamoDBv2; Status Code: 500; Error Code: InternalServerError; Request ID: R2; Proxy: null)"}},
		{"unmodeled error", awserr.DynamoDB,
			awserr.Generic("ValidationException", "1 validation error detected", 400, "R3"),
			asl.Error{Name: "DynamoDB.AmazonDynamoDBException",
				Cause: "1 validation error detected (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: R3; Proxy: null)"}},
		{"lambda", awserr.Lambda,
			awserr.Service(&lambdatypes.TooManyRequestsException{Message: aws.String("Rate Exceeded.")}, 429, "R4"),
			asl.Error{Name: "Lambda.TooManyRequestsException",
				Cause: "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: R4; Proxy: null)"}},
		{"lambda unmodeled", awserr.Lambda, awserr.Generic("AccessDeniedException", "no", 403, "R5"),
			asl.Error{Name: "Lambda.AWSLambdaException",
				Cause: "no (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: R5; Proxy: null)"}},
		{"sqs", awserr.SQS, awserr.Service(&sqstypes.QueueDoesNotExist{Message: aws.String("The specified queue does not exist.")}, 400, "R6"),
			asl.Error{Name: "SQS.QueueDoesNotExistException",
				Cause: "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: QueueDoesNotExist; Request ID: R6; Proxy: null)"}},
		{"AWS SDK integration (Java SDK v2 causes)", awserr.SESv2,
			op(&retry.MaxAttemptsError{Attempt: 3, Err: awserr.Service(&sestypes.TooManyRequestsException{Message: aws.String("slow down")}, 429, "R7")}),
			asl.Error{Name: "SesV2.TooManyRequestsException",
				Cause: "slow down (Service: SesV2, Status Code: 429, Request ID: R7) (SDK Attempt Count: 3)"}},
		{"AWS SDK integration, shape without Exception", awserr.SESv2,
			awserr.Service(&sestypes.MessageRejected{Message: aws.String("Email address is not verified.")}, 400, "R8"),
			asl.Error{Name: "SesV2.MessageRejectedException",
				Cause: "Email address is not verified. (Service: SesV2, Status Code: 400, Request ID: R8) (SDK Attempt Count: 1)"}},
		{"AWS SDK integration unmodeled", awserr.SESv2, awserr.Generic("Weird", "odd", 400, "R9"),
			asl.Error{Name: "SesV2.SesV2Exception", Cause: "odd (Service: SesV2, Status Code: 400, Request ID: R9) (SDK Attempt Count: 1)"}},
		{"transport failure", awserr.Lambda, refused,
			asl.Error{Name: "Lambda.SdkClientException",
				Cause: `Unable to execute HTTP request: Post "http://127.0.0.1:1/": connection refused`}},
		{"transport failure, AWS SDK integration", awserr.SESv2, errors.New("no route"),
			asl.Error{Name: "SesV2.SdkClientException", Cause: "Unable to execute HTTP request: no route"}},
		{"invalid parameters", awserr.SESv2, op(params),
			asl.Error{Name: "States.Runtime",
				Cause: "The Parameters could not be used to start the Task: [1 validation error(s) found.\n- missing required field, Content.\n]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.style.StateError(context.Background(), tt.err)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
		})
	}
}

func TestStateErrorContextDone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := awserr.Lambda.StateError(ctx, errors.New("canceled"))
	require.Nil(t, got, "a call cut short by the caller is not the service's failure")
	require.ErrorIs(t, err, context.Canceled)
}
