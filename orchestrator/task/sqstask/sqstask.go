// Package sqstask runs the Amazon SQS Task states of Step Functions:
// arn:aws:states:::sqs:sendMessage and its .waitForTaskToken form.
//
// The Arguments are the SendMessage API's members (QueueUrl, MessageBody,
// DelaySeconds, MessageAttributes, MessageSystemAttributes, MessageGroupId,
// MessageDeduplicationId). A MessageBody that is not a string is sent as
// its JSON text, as Step Functions does. The result is the API's answer with
// the SDK's HTTP metadata:
//
//	{"MD5OfMessageBody": "...", "MessageId": "...",
//	 "SdkHttpMetadata": {...}, "SdkResponseMetadata": {"RequestId": "..."}}
//
// Errors are SQS.<Exception> (SQS.QueueDoesNotExistException,
// SQS.AmazonSQSException for errors the API does not model,
// SQS.SdkClientException when SQS cannot be reached).
//
// The integration calls a Client: the SDK's *sqs.Client or a *Local
// stand-in that appends each message to a JSON-lines file per queue.
package sqstask

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

// Client is the part of the SQS API the integration calls.
type Client interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var (
	_ Client = (*sqs.Client)(nil)
	_ Client = (*Local)(nil)
)

// Integration runs SQS Task states through a Client.
type Integration struct {
	client Client
}

// New returns an Integration that calls client.
func New(client Client) *Integration {
	return &Integration{client: client}
}

// Invoke sends the message req's Arguments describe.
func (i *Integration) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	in, perr := Input(req.Input)
	if perr != nil {
		return nil, perr, nil
	}
	out, err := i.client.SendMessage(ctx, in)
	if err != nil {
		return awserr.SQS.Fail(ctx, err)
	}
	enc, err := sdkjson.Encode(out)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the SendMessage result of %s: %w", req.State, err)
	}
	result := enc.(map[string]any)
	httpmeta.Add(result, out.ResultMetadata)
	return result, nil, nil
}

// Input converts sendMessage's Arguments to the SDK's input, or returns the
// States.Runtime error of Arguments that cannot make a request.
func Input(args any) (*sqs.SendMessageInput, *asl.Error) {
	obj, ok := args.(map[string]any)
	if !ok {
		return nil, awserr.Params(args, "The value for the field 'Parameters' must be an OBJECT, not "+value.TypeName(args))
	}
	rest := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "MessageBody" {
			rest[k] = v
		}
	}
	var in sqs.SendMessageInput
	if err := sdkjson.Decode(rest, &in); err != nil {
		return nil, awserr.Params(args, err.Error())
	}
	if in.QueueUrl == nil {
		return nil, awserr.Params(args, "The field 'QueueUrl' is required")
	}
	body, ok := obj["MessageBody"]
	if !ok || body == nil {
		return nil, awserr.Params(args, "The field 'MessageBody' is required")
	}
	if s, isString := body.(string); isString {
		in.MessageBody = &s
	} else {
		s := value.MustString(body) // a JSON value is sent as its text
		in.MessageBody = &s
	}
	return &in, nil
}
