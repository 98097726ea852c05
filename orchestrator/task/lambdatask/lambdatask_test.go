package lambdatask_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/lambdatask"
	"github.com/stepwise-dev/stepwise/orchestrator/task/lambdatask/internal/testfn"
)

const (
	invoke      = "arn:aws:states:::lambda:invoke"
	functionARN = "arn:aws:lambda:us-east-1:123456789012:function:function"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v
}

func newLocal(fns map[string]lambdatask.Function) *lambdatask.Local {
	if fns == nil {
		fns = map[string]lambdatask.Function{"function": lambdatask.FromHandler(testfn.Handle)}
	}
	return lambdatask.NewLocal(fns, lambdatask.LocalOptions{})
}

// sharedCase is answered alike by the in-process function and by the same
// function under the runtime interface emulator.
type sharedCase struct {
	name      string
	resource  string
	args      string
	payload   string // the result's Payload (lambda:invoke) or the result (function ARN)
	err       *asl.Error
	errName   string // when only the name is compared
	localOnly bool   // the emulator serves one function at .../functions/function/, not ARNs
}

var sharedCases = []sharedCase{
	{name: "echo object", resource: invoke,
		args:    `{"FunctionName": "function", "Payload": {"mode": "echo", "value": {"a": [1, 2.5, "x"], "b": null}}}`,
		payload: `{"a":[1,2.5,"x"],"b":null}`},
	{name: "a string payload is sent as it is", resource: invoke,
		args:    `{"FunctionName": "function", "Payload": "{\"mode\": \"echo\", \"value\": \"x\"}"}`,
		payload: `"x"`},
	{name: "function ARN", resource: functionARN, args: `{"mode": "echo", "value": [true]}`, payload: `[true]`, localOnly: true},
	{name: "qualified function ARN", resource: functionARN + ":$LATEST", args: `{"mode": "echo", "value": 1}`, payload: `1`, localOnly: true},
	{name: "error", resource: invoke, args: `{"FunctionName": "function", "Payload": {"mode": "error"}}`,
		err: &asl.Error{Name: "errorString", Cause: `{"errorMessage":"something failed","errorType":"errorString"}`}},
	{name: "custom error type", resource: invoke, args: `{"FunctionName": "function", "Payload": {"mode": "custom"}}`,
		err: &asl.Error{Name: "CustomError", Cause: `{"errorMessage":"{\"field\":\"email\"}","errorType":"CustomError"}`}},
	{name: "function ARN error", resource: functionARN, args: `{"mode": "custom"}`, localOnly: true,
		err: &asl.Error{Name: "CustomError", Cause: `{"errorMessage":"{\"field\":\"email\"}","errorType":"CustomError"}`}},
	{name: "panic", resource: invoke, args: `{"FunctionName": "function", "Payload": {"mode": "panic"}}`, errName: "string"},
}

func runShared(t *testing.T, in *lambdatask.Integration, c sharedCase) {
	t.Helper()
	got, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{State: "S", Resource: c.resource,
		Input: decode(t, c.args), IdempotencyKey: "k1"})
	require.NoError(t, err)
	switch {
	case c.err != nil:
		require.Equal(t, c.err, serr)
	case c.errName != "":
		require.NotNil(t, serr)
		require.Equal(t, c.errName, serr.Name)
	default:
		require.Nil(t, serr)
		if c.resource != invoke {
			require.Equal(t, c.payload, value.MustString(got))
			return
		}
		res := got.(map[string]any)
		require.Equal(t, c.payload, value.MustString(res["Payload"]))
		require.Equal(t, json.Number("200"), res["StatusCode"])
		meta := res["SdkHttpMetadata"].(map[string]any)
		require.Equal(t, json.Number("200"), meta["HttpStatusCode"])
		require.Contains(t, meta["HttpHeaders"], "Content-Length")
		require.Contains(t, meta["AllHttpHeaders"], "Date")
		require.Contains(t, res, "SdkResponseMetadata")
	}
}

func TestLocal(t *testing.T) {
	t.Parallel()
	in := lambdatask.New(newLocal(nil))
	for _, c := range sharedCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runShared(t, in, c)
		})
	}
}

func TestLocalResult(t *testing.T) {
	t.Parallel()
	in := lambdatask.New(newLocal(nil))
	got, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Resource: invoke,
		Input: decode(t, `{"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:function:live", "Payload": {"mode": "echo", "value": 7}}`)})
	require.NoError(t, err)
	require.Nil(t, serr)
	res := got.(map[string]any)
	requestID := res["SdkResponseMetadata"].(map[string]any)["RequestId"].(string)
	require.Regexp(t, `^[0-9a-f-]{36}$`, requestID)
	headers := res["SdkHttpMetadata"].(map[string]any)["HttpHeaders"].(map[string]any)
	require.Equal(t, requestID, headers["x-amzn-RequestId"], "headers are spelt as Lambda sends them")
	require.Equal(t, "$LATEST", headers["X-Amz-Executed-Version"])
	require.Equal(t, "application/json", headers["Content-Type"])
	require.Equal(t, "1", headers["Content-Length"])
	require.Equal(t, []any{"application/json"}, res["SdkHttpMetadata"].(map[string]any)["AllHttpHeaders"].(map[string]any)["Content-Type"])
	delete(res, "SdkHttpMetadata")
	delete(res, "SdkResponseMetadata")
	require.Equal(t, map[string]any{"ExecutedVersion": "$LATEST", "Payload": json.Number("7"), "StatusCode": json.Number("200")}, res)
}

func TestLocalErrors(t *testing.T) {
	t.Parallel()
	in := lambdatask.New(newLocal(map[string]lambdatask.Function{
		"typed": func(context.Context, []byte) ([]byte, error) {
			return nil, &lambdatask.FunctionError{Type: "ValidationError", Message: `{"fields":[]}`}
		},
		"big": func(context.Context, []byte) ([]byte, error) {
			return bytes.Repeat([]byte("1"), lambdatask.MaxPayload+1), nil
		},
	}))
	requestID := regexp.MustCompile(`Request ID: [0-9a-f-]{36};`)
	tests := []struct {
		name, resource, args string
		want                 asl.Error
	}{
		{"unknown function", invoke, `{"FunctionName": "nope"}`, asl.Error{Name: "Lambda.ResourceNotFoundException",
			Cause: "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ID; Proxy: null)"}},
		{"unknown function with qualifier", invoke, `{"FunctionName": "nope", "Qualifier": "prod"}`, asl.Error{Name: "Lambda.ResourceNotFoundException",
			Cause: "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:prod (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ID; Proxy: null)"}},
		{"unknown function ARN", "arn:aws:lambda:us-east-1:123456789012:function:nope", `{}`, asl.Error{Name: "Lambda.ResourceNotFoundException",
			Cause: "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ID; Proxy: null)"}},
		{"explicit error type", invoke, `{"FunctionName": "typed"}`, asl.Error{Name: "ValidationError",
			Cause: `{"errorMessage":"{\"fields\":[]}","errorType":"ValidationError"}`}},
		{"response too large", invoke, `{"FunctionName": "big"}`, asl.Error{Name: "Function.ResponseSizeTooLarge",
			Cause: `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291456 bytes).","errorType":"Function.ResponseSizeTooLarge"}`}},
		{"missing FunctionName", invoke, `{"Payload": {}}`, asl.Error{Name: "States.Runtime",
			Cause: `The Parameters '{"Payload":{}}' could not be used to start the Task: [The field 'FunctionName' is required]`}},
		{"FunctionName not a string", invoke, `{"FunctionName": ["f"]}`, asl.Error{Name: "States.Runtime",
			Cause: `The Parameters '{"FunctionName":["f"]}' could not be used to start the Task: [The value for the field 'FunctionName' must be a STRING, not array]`}},
		{"unknown field", invoke, `{"FunctionName": "f", "LogType": "Tail"}`, asl.Error{Name: "States.Runtime",
			Cause: `The Parameters '{"FunctionName":"f","LogType":"Tail"}' could not be used to start the Task: [The field 'LogType' is not supported by Step Functions]`}},
		{"bad invocation type", invoke, `{"FunctionName": "f", "InvocationType": "Later"}`, asl.Error{Name: "States.Runtime",
			Cause: `The Parameters '{"FunctionName":"f","InvocationType":"Later"}' could not be used to start the Task: [The value for the field 'InvocationType' must be one of RequestResponse, Event, DryRun, not "Later"]`}},
		{"arguments not an object", invoke, `[1]`, asl.Error{Name: "States.Runtime",
			Cause: `The Parameters '[1]' could not be used to start the Task: [The value for the field 'Parameters' must be an OBJECT, not array]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Resource: tt.resource, Input: decode(t, tt.args)})
			require.NoError(t, err)
			require.NotNil(t, serr)
			serr.Cause = requestID.ReplaceAllString(serr.Cause, "Request ID: ID;")
			require.Equal(t, tt.want, *serr)
		})
	}
}

func TestLocalInvocationTypes(t *testing.T) {
	t.Parallel()
	called := make(chan *lambdacontext.LambdaContext, 1)
	in := lambdatask.New(newLocal(map[string]lambdatask.Function{
		"f": func(ctx context.Context, payload []byte) ([]byte, error) {
			lc, _ := lambdacontext.FromContext(ctx)
			called <- lc
			return payload, nil
		},
	}))
	ctx := context.Background()

	got, serr, err := in.Invoke(ctx, &interp.TaskRequest{Resource: invoke, IdempotencyKey: "exec/root/3",
		Input: decode(t, `{"FunctionName": "f", "InvocationType": "Event", "Payload": {"a": 1}}`)})
	require.NoError(t, err)
	require.Nil(t, serr)
	require.Equal(t, json.Number("202"), got.(map[string]any)["StatusCode"])
	require.Equal(t, "", got.(map[string]any)["Payload"])
	lc := <-called
	require.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:f", lc.InvokedFunctionArn)
	require.Equal(t, "exec/root/3", lc.ClientContext.Custom[lambdatask.IdempotencyKeyField],
		"the attempt's idempotency key reaches the function")

	got, serr, err = in.Invoke(ctx, &interp.TaskRequest{Resource: invoke,
		Input: decode(t, `{"FunctionName": "f", "InvocationType": "DryRun"}`)})
	require.NoError(t, err)
	require.Nil(t, serr)
	require.Equal(t, json.Number("204"), got.(map[string]any)["StatusCode"])
	require.Empty(t, called, "DryRun does not run the function")

	got, serr, err = in.Invoke(ctx, &interp.TaskRequest{Resource: invoke,
		Input: decode(t, `{"FunctionName": "f"}`)})
	require.NoError(t, err)
	require.Nil(t, serr)
	require.Equal(t, map[string]any{}, got.(map[string]any)["Payload"], "no Payload sends {}")
	<-called
}

func TestSDKClientException(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	client := lambda.NewFromConfig(aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", "")}, func(o *lambda.Options) {
		o.BaseEndpoint = aws.String("http://" + addr)
		o.RetryMaxAttempts = 1
	})
	_, serr, err := lambdatask.New(client).Invoke(context.Background(), &interp.TaskRequest{Resource: invoke,
		Input: decode(t, `{"FunctionName": "f"}`)})
	require.NoError(t, err)
	require.Equal(t, "Lambda.SdkClientException", serr.Name)
	require.Contains(t, serr.Cause, "Unable to execute HTTP request: Post ")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, serr, err = lambdatask.New(client).Invoke(ctx, &interp.TaskRequest{Resource: invoke,
		Input: decode(t, `{"FunctionName": "f"}`)})
	require.Nil(t, serr)
	require.ErrorIs(t, err, context.Canceled, "a cancelled call is the caller's, not the function's failure")
}

// TestRuntimeInterfaceEmulator runs the same cases against
// internal/testfn built as a bootstrap under aws-lambda-rie (what `sam
// local` runs), through the SDK with EmulatorCompat, plus what only a
// process can do: time out and crash.
func TestRuntimeInterfaceEmulator(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts a process; skipped with -short")
	}
	rie, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		t.Skip("aws-lambda-rie not on PATH; scripts/test.sh installs it")
	}
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/bootstrap")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building bootstrap: %s", out)

	addr, apiAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr, bootstrap)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_FUNCTION_NAME=function", "AWS_LAMBDA_FUNCTION_TIMEOUT=1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("x", "x", "")))
	require.NoError(t, err)
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		o.BaseEndpoint = aws.String("http://" + addr)
	}, lambdatask.EmulatorCompat)
	waitReady(t, addr)
	in := lambdatask.New(client)

	// One emulator runs one invocation at a time: no parallel subtests.
	for _, c := range sharedCases {
		if c.localOnly {
			continue
		}
		t.Run(c.name, func(t *testing.T) { runShared(t, in, c) })
	}
	t.Run("timeout", func(t *testing.T) {
		_, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Resource: invoke,
			Input: decode(t, `{"FunctionName": "function", "Payload": {"mode": "sleep"}}`)})
		require.NoError(t, err)
		require.Equal(t, &asl.Error{Name: "Lambda.Unknown", Cause: "Task timed out after 1.00 seconds"}, serr)
	})
	t.Run("crash", func(t *testing.T) {
		_, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Resource: invoke,
			Input: decode(t, `{"FunctionName": "function", "Payload": {"mode": "exit"}}`)})
		require.NoError(t, err)
		require.Equal(t, "Runtime.ExitError", serr.Name)
		require.Regexp(t, `^\{"errorType":"Runtime.ExitError","errorMessage":"RequestId: [0-9a-f-]+ Error: Runtime exited with error: exit status 3"\}$`, serr.Cause)
	})
	t.Run("after a crash the next invocation runs", func(t *testing.T) {
		runShared(t, in, sharedCases[0])
	})
}

func waitReady(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
	}
	t.Fatalf("aws-lambda-rie did not listen on %s", addr)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
