// Package sestask runs the AWS SDK integration
// arn:aws:states:::aws-sdk:sesv2:sendEmail (and its .waitForTaskToken
// form): the Arguments are the SES v2 SendEmail request in the API's own
// member names, the result is the API's answer, {"MessageId": "..."}.
//
// Errors are SesV2.<Exception>, the names the AWS SDK for Java v2 gives
// (SesV2.MessageRejectedException, SesV2.TooManyRequestsException,
// SesV2.SesV2Exception for errors the API does not model,
// SesV2.SdkClientException when SES cannot be reached). A request SES
// would refuse for a missing member (no Content, no Subject) is
// SesV2.BadRequestException; Arguments that are not a SendEmail request at
// all (an unknown member, a list where a string belongs) fail the state with
// States.Runtime.
//
// The integration calls a Client: the SDK's *sesv2.Client or an *Outbox
// that writes each message as an RFC 5322 .eml file.
package sestask

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

// Client is the part of the SES v2 API the integration calls.
type Client interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var (
	_ Client = (*sesv2.Client)(nil)
	_ Client = (*Outbox)(nil)
)

// Integration runs sendEmail Task states through a Client.
type Integration struct {
	client Client
}

// New returns an Integration that calls client.
func New(client Client) *Integration {
	return &Integration{client: client}
}

// Invoke sends the e-mail req's Arguments describe.
func (i *Integration) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	in, perr := Input(req.Input)
	if perr != nil {
		return nil, perr, nil
	}
	if err := Check(in); err != nil {
		return awserr.SESv2.Fail(ctx, err)
	}
	out, err := i.client.SendEmail(ctx, in)
	if err != nil {
		return awserr.SESv2.Fail(ctx, err)
	}
	result, err := sdkjson.Encode(out)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the SendEmail result of %s: %w", req.State, err)
	}
	return result, nil, nil
}

// Input converts sendEmail's Arguments to the SDK's input, or returns the
// States.Runtime error of Arguments that are not a SendEmail request.
func Input(args any) (*sesv2.SendEmailInput, *asl.Error) {
	if _, ok := args.(map[string]any); !ok {
		return nil, awserr.Params(args, "The value for the field 'Parameters' must be an OBJECT, not "+value.TypeName(args))
	}
	var in sesv2.SendEmailInput
	if err := sdkjson.Decode(args, &in); err != nil {
		return nil, awserr.Params(args, err.Error())
	}
	return &in, nil
}

// Check returns the BadRequestException SES answers a request with a
// required member missing, as the SDK error a Client returns.
func Check(in *sesv2.SendEmailInput) error {
	bad := func(msg string) error {
		return awserr.Service(&sestypes.BadRequestException{Message: aws.String(msg)}, http.StatusBadRequest, localid.New())
	}
	c := in.Content
	if c == nil {
		return bad("Missing required field Content")
	}
	n := 0
	for _, set := range []bool{c.Simple != nil, c.Raw != nil, c.Template != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return bad("Content must contain exactly one of Simple, Raw or Template")
	}
	switch {
	case c.Simple != nil:
		if c.Simple.Subject == nil || c.Simple.Subject.Data == nil {
			return bad("Missing required field Content.Simple.Subject.Data")
		}
		b := c.Simple.Body
		if b == nil || (b.Text == nil && b.Html == nil) {
			return bad("Missing required field Content.Simple.Body")
		}
		if (b.Text != nil && b.Text.Data == nil) || (b.Html != nil && b.Html.Data == nil) {
			return bad("Missing required field Content.Simple.Body.Text.Data or Content.Simple.Body.Html.Data")
		}
		for _, h := range c.Simple.Headers {
			if h.Name == nil || h.Value == nil {
				return bad("Missing required field Content.Simple.Headers.Name or Value")
			}
		}
		for _, a := range c.Simple.Attachments {
			if a.FileName == nil || a.RawContent == nil {
				return bad("Missing required field Content.Simple.Attachments.FileName or RawContent")
			}
		}
	case c.Raw != nil:
		if c.Raw.Data == nil {
			return bad("Missing required field Content.Raw.Data")
		}
	}
	for _, t := range in.EmailTags {
		if t.Name == nil || t.Value == nil {
			return bad("Missing required field EmailTags.Name or Value")
		}
	}
	return nil
}
