// Package awserr turns the errors of AWS SDK calls into the state-machine
// errors Step Functions reports for them, and builds SDK-shaped errors for
// the local stand-ins so that both go through the same mapping.
//
// Step Functions calls services with the AWS SDK for Java: version 1 for the
// optimized integrations (lambda:invoke, dynamodb:*, sqs:*), version 2 for the
// AWS SDK integrations (aws-sdk:*). The error name is the service's prefix and
// the Java exception class: the error shape's name with "Exception" appended
// when it does not end so (InternalServerError -> InternalServerErrorException),
// or the service's generic class for errors the model does not declare
// (AmazonDynamoDBException, SesV2Exception). A failure to reach the service
// is SdkClientException. The cause is the service's message followed by the
// SDK's details, e.g.
//
//	Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: R1; Proxy: null)
//	Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: R1) (SDK Attempt Count: 1)
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Style is how Step Functions names one service's errors.
type Style struct {
	// Prefix starts every error name: "Lambda" in Lambda.ServiceException.
	Prefix string
	// Service names the service in causes: "AWSLambda".
	Service string
	// Generic is the class of service errors the model does not declare.
	Generic string
	// SDKv2 selects the cause format of the Java SDK v2 (AWS SDK
	// integrations) instead of v1 (optimized integrations).
	SDKv2 bool
}

// The styles of the services stepwise integrates with.
var (
	Lambda   = Style{Prefix: "Lambda", Service: "AWSLambda", Generic: "AWSLambdaException"}
	DynamoDB = Style{Prefix: "DynamoDB", Service: "AmazonDynamoDBv2", Generic: "AmazonDynamoDBException"}
	SQS      = Style{Prefix: "SQS", Service: "AmazonSQS", Generic: "AmazonSQSException"}
	SESv2    = Style{Prefix: "SesV2", Service: "SesV2", Generic: "SesV2Exception", SDKv2: true}
)

// sdkClientException is the class of failures to reach a service.
const sdkClientException = "SdkClientException"

// StateError maps the error of an SDK call to the state's error. When ctx
// is done the call was cut short by the caller, not failed by the service:
// that is returned as an infrastructure error.
func (s Style) StateError(ctx context.Context, err error) (*asl.Error, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("calling %s: %w", s.Prefix, ctx.Err())
	}
	var invalid smithy.InvalidParamsError
	if errors.As(err, &invalid) {
		return &asl.Error{Name: asl.StatesRuntime, Cause: "The Parameters could not be used to start the Task: [" + invalid.Error() + "]"}, nil
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &asl.Error{Name: s.Prefix + "." + sdkClientException, Cause: "Unable to execute HTTP request: " + transportText(err)}, nil
	}
	status, requestID := http.StatusBadRequest, ""
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		status, requestID = resp.HTTPStatusCode(), resp.ServiceRequestID()
	}
	if s.SDKv2 {
		attempts := 1
		var max *retry.MaxAttemptsError
		if errors.As(err, &max) {
			attempts = max.Attempt
		}
		return &asl.Error{Name: s.Prefix + "." + s.ClassName(api), Cause: fmt.Sprintf(
			"%s (Service: %s, Status Code: %d, Request ID: %s) (SDK Attempt Count: %d)",
			api.ErrorMessage(), s.Service, status, requestID, attempts)}, nil
	}
	return &asl.Error{Name: s.Prefix + "." + s.ClassName(api), Cause: fmt.Sprintf(
		"%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		api.ErrorMessage(), s.Service, status, api.ErrorCode(), requestID)}, nil
}

// ClassName is the Java exception class of a service error: the SDK's
// error type name with "Exception" appended when missing, or Generic for an
// error the SDK does not model.
func (s Style) ClassName(api smithy.APIError) string {
	var generic *smithy.GenericAPIError
	if errors.As(api, &generic) {
		return s.Generic
	}
	t := reflect.TypeOf(api)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if name == "" {
		return s.Generic
	}
	if !strings.HasSuffix(name, "Exception") {
		name += "Exception"
	}
	return name
}

// transportText is the most telling text of a failure to reach a service:
// the HTTP client's error when there is one.
func transportText(err error) string {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Error()
	}
	return err.Error()
}

// Service returns api as the SDK returns a service's error reply: wrapped
// with the HTTP status and the request ID. The local stand-ins return their
// errors this way.
func Service(api smithy.APIError, status int, requestID string) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      api,
		},
		RequestID: requestID,
	}
}

// Generic returns a service error the SDK does not model, such as
// DynamoDB's ValidationException, as Service does.
func Generic(code, message string, status int, requestID string) error {
	return Service(&smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}, status, requestID)
}

// Fail is StateError in the shape of interp.TaskInvoker's results.
func (s Style) Fail(ctx context.Context, err error) (any, *asl.Error, error) {
	e, err := s.StateError(ctx, err)
	return nil, e, err
}

// Params is the state error of Arguments that cannot make a request (a
// missing or mistyped field): States.Runtime, naming the Arguments and the
// problem.
func Params(args any, problem string) *asl.Error {
	return &asl.Error{Name: asl.StatesRuntime, Cause: fmt.Sprintf(
		"The Parameters '%s' could not be used to start the Task: [%s]", value.MustString(args), problem)}
}
