// Package lambdatask runs the Lambda Task states of Step Functions: the
// optimized integration arn:aws:states:::lambda:invoke (and its
// .waitForTaskToken form) and the plain function ARN resource
// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
//
// # Results
//
// lambda:invoke returns the Invoke API's answer with the payload parsed from
// JSON and the SDK's HTTP metadata, as Step Functions does:
//
//	{"ExecutedVersion": "$LATEST", "Payload": {...}, "StatusCode": 200,
//	 "SdkHttpMetadata": {...}, "SdkResponseMetadata": {"RequestId": "..."}}
//
// A function ARN resource returns the payload itself.
//
// # Errors
//
// A function error fails the state with the error's errorType as the name
// (Lambda.Unknown when it has none, as for a timeout) and the error payload
// as the cause: the payload's text for a function ARN, and for lambda:invoke
// the same JSON without insignificant white space. A failure of the Lambda
// service is Lambda.<Exception> (Lambda.ResourceNotFoundException,
// Lambda.TooManyRequestsException, Lambda.AWSLambdaException for errors the
// API does not model, Lambda.SdkClientException when Lambda cannot be
// reached).
//
// # Clients
//
// The integration calls a Client: the SDK's *lambda.Client (built with
// EmulatorCompat when the endpoint is the Lambda runtime interface emulator
// that `sam local` runs) or a *Local registry of in-process functions.
package lambdatask

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

// Client is the part of the Lambda API the integration calls.
type Client interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var (
	_ Client = (*lambda.Client)(nil)
	_ Client = (*Local)(nil)
)

// Integration runs Lambda Task states through a Client.
type Integration struct {
	client Client
}

// New returns an Integration that calls client.
func New(client Client) *Integration {
	return &Integration{client: client}
}

// IsFunctionARN reports whether resource is a Lambda function ARN (the
// legacy Task resource) rather than a Step Functions integration.
func IsFunctionARN(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

// Invoke runs req: lambda:invoke when its resource is a Step Functions
// integration, a plain invocation when it is a function ARN.
func (i *Integration) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if IsFunctionARN(req.Resource) {
		return i.invokeFunction(ctx, req)
	}
	return i.invokeOptimized(ctx, req)
}

// invokeFunction runs a function ARN resource: the effective input is the
// payload, the payload returned is the result.
func (i *Integration) invokeFunction(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	payload, err := value.Encode(req.Input)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the input of %s: %w", req.State, err)
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(req.Resource), Payload: payload,
		ClientContext: clientContext(req.IdempotencyKey)}
	out, err := i.client.Invoke(ctx, in)
	if err != nil {
		return awserr.Lambda.Fail(ctx, err)
	}
	if out.FunctionError != nil {
		return nil, functionError(out.Payload, false), nil
	}
	if len(bytes.TrimSpace(out.Payload)) == 0 {
		return nil, nil, nil
	}
	return parsePayload(out.Payload), nil, nil
}

// params are lambda:invoke's Arguments other than Payload.
type params struct {
	FunctionName   *string
	InvocationType string
	Qualifier      *string
	ClientContext  *string
}

// invokeOptimized runs arn:aws:states:::lambda:invoke.
func (i *Integration) invokeOptimized(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	args, ok := req.Input.(map[string]any)
	if !ok {
		return nil, awserr.Params(req.Input, "The value for the field 'Parameters' must be an OBJECT, not "+value.TypeName(req.Input)), nil
	}
	rest := make(map[string]any, len(args))
	for k, v := range args {
		if k != "Payload" {
			rest[k] = v
		}
	}
	var p params
	if err := sdkjson.Decode(rest, &p); err != nil {
		return nil, awserr.Params(args, err.Error()), nil
	}
	if p.FunctionName == nil {
		return nil, awserr.Params(args, "The field 'FunctionName' is required"), nil
	}
	switch p.InvocationType {
	case "", "RequestResponse", "Event", "DryRun":
	default:
		return nil, awserr.Params(args, fmt.Sprintf("The value for the field 'InvocationType' must be one of RequestResponse, Event, DryRun, not %q", p.InvocationType)), nil
	}
	in := &lambda.InvokeInput{
		FunctionName:   p.FunctionName,
		InvocationType: lambdatypes.InvocationType(p.InvocationType),
		Qualifier:      p.Qualifier,
		ClientContext:  p.ClientContext,
	}
	if in.ClientContext == nil {
		in.ClientContext = clientContext(req.IdempotencyKey)
	}
	if payload, ok := args["Payload"]; ok {
		if s, isString := payload.(string); isString {
			in.Payload = []byte(s) // a string is sent as it is, as Step Functions does
		} else {
			b, err := value.Encode(payload)
			if err != nil {
				return nil, nil, fmt.Errorf("encoding the payload of %s: %w", req.State, err)
			}
			in.Payload = b
		}
	}
	out, err := i.client.Invoke(ctx, in)
	if err != nil {
		return awserr.Lambda.Fail(ctx, err)
	}
	if out.FunctionError != nil {
		return nil, functionError(out.Payload, true), nil
	}
	result := map[string]any{
		"Payload":    parsePayload(out.Payload),
		"StatusCode": value.Int(int64(out.StatusCode)),
	}
	if out.ExecutedVersion != nil {
		result["ExecutedVersion"] = *out.ExecutedVersion
	}
	httpmeta.Add(result, out.ResultMetadata)
	return result, nil, nil
}

// parsePayload returns a payload parsed from JSON, or its text when it is
// not JSON ("" when empty).
func parsePayload(b []byte) any {
	if v, err := value.Decode(b); err == nil {
		return v
	}
	return string(b)
}

// functionError is the state error of a function error payload.
func functionError(payload []byte, compact bool) *asl.Error {
	name := "Lambda.Unknown"
	var e struct {
		ErrorType any `json:"errorType"`
	}
	if json.Unmarshal(payload, &e) == nil {
		if s, ok := e.ErrorType.(string); ok && s != "" {
			name = s
		}
	}
	cause := string(payload)
	if compact {
		var buf bytes.Buffer
		if json.Compact(&buf, payload) == nil {
			cause = buf.String()
		}
	}
	return &asl.Error{Name: name, Cause: cause}
}

// clientContext passes the attempt's idempotency key to the function
// (lambdacontext.ClientContext.Custom["stepwiseIdempotencyKey"]), so that a
// function can make a rerun after a crash harmless.
func clientContext(key string) *string {
	if key == "" {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"custom": map[string]string{IdempotencyKeyField: key}})
	return aws.String(base64.StdEncoding.EncodeToString(b))
}

// IdempotencyKeyField is the ClientContext custom field that carries the
// task attempt's idempotency key when the Arguments set no ClientContext.
const IdempotencyKeyField = "stepwiseIdempotencyKey"
