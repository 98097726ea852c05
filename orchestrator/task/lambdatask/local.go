package lambdatask

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
)

// Function is a Lambda function run in-process: it gets the invocation's
// payload (JSON) and returns the response payload. A returned error is the
// function's error: its errorType is the FunctionError's Type, or else the
// Go type name of the error (as aws-lambda-go reports it), and its
// errorMessage the error's text. ctx carries a lambdacontext.LambdaContext.
type Function func(ctx context.Context, payload []byte) ([]byte, error)

// FunctionError is a function error with an explicit errorType.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Error returns "Type: Message".
func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// FromHandler turns a handler function as aws-lambda-go's lambda.Start
// takes it (func(ctx, Event) (Result, error), e.g. the method value
// h.Handle) into a Function, so that the Go function a SAM app deploys runs
// in-process with the same JSON decoding, payloads and error types.
func FromHandler(handlerFunc any) Function {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		// A handler per call: lambda.NewHandler's Invoke returns a pooled
		// buffer that the next call reuses, which is safe only for the
		// one-at-a-time Lambda runtime.
		b, err := awslambda.NewHandler(handlerFunc).Invoke(ctx, payload)
		return bytes.Clone(b), err
	}
}

// LocalOptions configure a Local registry.
type LocalOptions struct {
	// Region and AccountID form function ARNs (defaults us-east-1,
	// 123456789012).
	Region, AccountID string
	// Logger receives errors of asynchronous (Event) invocations; nil uses
	// slog.Default().
	Logger *slog.Logger
	// NowFunc returns the current time; nil uses time.Now.
	NowFunc func() time.Time
}

// Local is a Client that runs in-process Functions by name, as Lambda's
// Invoke does: a function's error becomes a FunctionError reply, an unknown
// function is ResourceNotFoundException, Event invocations run in the
// background and DryRun only checks that the function exists.
type Local struct {
	functions map[string]Function
	opts      LocalOptions
}

// MaxPayload is Lambda's limit on a synchronous invocation's request and
// response payloads.
const MaxPayload = 6 * 1024 * 1024

// NewLocal returns a registry of functions keyed by function name.
func NewLocal(functions map[string]Function, opts LocalOptions) *Local {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.NowFunc == nil {
		opts.NowFunc = time.Now
	}
	fns := make(map[string]Function, len(functions))
	for k, v := range functions {
		fns[k] = v
	}
	return &Local{functions: fns, opts: opts}
}

// functionRef splits a FunctionName (name, name:qualifier, full or partial
// ARN) into the name and the qualifier.
func functionRef(s string) (name, qualifier string) {
	parts := strings.Split(s, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn": // arn:aws:lambda:region:account:function:name[:qualifier]
		name = parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function": // account:function:name[:qualifier]
		name = parts[2]
		if len(parts) > 3 {
			qualifier = parts[3]
		}
	default:
		name = parts[0]
		if len(parts) > 1 {
			qualifier = parts[1]
		}
	}
	return name, qualifier
}

// Invoke runs the named function.
func (l *Local) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	requestID := localid.New()
	name, qualifier := functionRef(aws.ToString(in.FunctionName))
	if q := aws.ToString(in.Qualifier); q != "" {
		qualifier = q
	}
	if qualifier == "" {
		qualifier = "$LATEST"
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", l.opts.Region, l.opts.AccountID, name)
	fn, ok := l.functions[name]
	if !ok {
		return nil, awserr.Service(&lambdatypes.ResourceNotFoundException{
			Message: aws.String("Function not found: " + arn + ":" + qualifier), Type: aws.String("User"),
		}, http.StatusNotFound, requestID)
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if len(payload) > MaxPayload {
		return nil, awserr.Service(&lambdatypes.RequestTooLargeException{
			Message: aws.String(fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayload)),
			Type:    aws.String("User"),
		}, http.StatusRequestEntityTooLarge, requestID)
	}
	lc := &lambdacontext.LambdaContext{AwsRequestID: requestID, InvokedFunctionArn: arn}
	if cc := aws.ToString(in.ClientContext); cc != "" {
		if b, err := base64.StdEncoding.DecodeString(cc); err == nil {
			_ = json.Unmarshal(b, &lc.ClientContext) // Lambda passes what it can read
		}
	}
	out := &lambda.InvokeOutput{}
	switch in.InvocationType {
	case lambdatypes.InvocationTypeDryRun:
		out.StatusCode = http.StatusNoContent
	case lambdatypes.InvocationTypeEvent:
		out.StatusCode = http.StatusAccepted
		go func() {
			bg := lambdacontext.NewContext(context.WithoutCancel(ctx), lc)
			if _, err := call(bg, fn, payload); err != nil {
				l.opts.Logger.WarnContext(bg, "asynchronous invocation failed", "function", name,
					"request_id", requestID, "error_type", errorType(err))
			}
		}()
	default:
		out.StatusCode = http.StatusOK
		out.ExecutedVersion = aws.String("$LATEST")
		resp, err := callCtx(lambdacontext.NewContext(ctx, lc), fn, payload)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("invoking %s: %w", name, ctx.Err())
		}
		switch {
		case err != nil:
			out.FunctionError = aws.String("Unhandled")
			out.Payload = errorPayload(err)
		case len(resp) > MaxPayload:
			out.FunctionError = aws.String("Unhandled")
			out.Payload = errorPayload(&FunctionError{Type: "Function.ResponseSizeTooLarge",
				Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayload)})
		default:
			out.Payload = resp
		}
	}
	meta := httpmeta.LocalResponse("application/json", out.Payload, l.opts.NowFunc(), requestID, false)
	meta.StatusCode = int(out.StatusCode)
	meta.Header.Set("X-Amzn-Trace-Id", "root="+traceID(requestID)+";sampled=0")
	meta.Header.Set("X-Amzn-Remapped-Content-Length", "0")
	if out.ExecutedVersion != nil {
		meta.Header.Set("X-Amz-Executed-Version", *out.ExecutedVersion)
	}
	if out.FunctionError != nil {
		meta.Header.Set("X-Amz-Function-Error", *out.FunctionError)
	}
	httpmeta.SetResponse(&out.ResultMetadata, meta, requestID)
	return out, nil
}

// traceID makes an X-Ray trace ID from a request ID.
func traceID(requestID string) string {
	hex := strings.ReplaceAll(requestID, "-", "")
	return "1-" + hex[:8] + "-" + hex[8:]
}

// callCtx runs fn until it returns or ctx is done, whichever comes
// first: like Lambda, the caller stops waiting at the deadline even when the
// function ignores ctx (it then finishes in the background).
func callCtx(ctx context.Context, fn Function, payload []byte) ([]byte, error) {
	type result struct {
		resp []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := call(ctx, fn, payload)
		done <- result{resp, err}
	}()
	select {
	case r := <-done:
		return r.resp, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// call runs fn, turning a panic into a function error as the Go runtime
// does.
func call(ctx context.Context, fn Function, payload []byte) (resp []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &FunctionError{Type: reflectName(r), Message: fmt.Sprint(r)}
		}
	}()
	return fn(ctx, payload)
}

// describe returns a function error's errorType and errorMessage.
func describe(err error) (typ, msg string) {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return fe.Type, fe.Message
	}
	var ire messages.InvokeResponse_Error
	if errors.As(err, &ire) {
		return ire.Type, ire.Message
	}
	return reflectName(err), err.Error()
}

// errorType is a function error's errorType.
func errorType(err error) string {
	typ, _ := describe(err)
	return typ
}

// reflectName is aws-lambda-go's name for an error: its type's name,
// without the pointer.
func reflectName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// errorPayload is the error payload the Go runtime sends for err.
func errorPayload(err error) []byte {
	typ, msg := describe(err)
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return b
}
