package task_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v
}

func localRouter(t *testing.T, fns map[string]task.Function) (*task.Router, string) {
	t.Helper()
	dir := t.TempDir()
	r, err := task.New(&task.Config{LocalDir: dir, Functions: fns, AutoCreate: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r, dir
}

func TestRouterLocal(t *testing.T) {
	t.Parallel()
	r, dir := localRouter(t, map[string]task.Function{
		"echo": func(_ context.Context, p []byte) ([]byte, error) { return p, nil },
	})
	for _, s := range task.Services {
		require.Equal(t, "local", r.Backend(s))
	}
	ctx := context.Background()
	invoke := func(resource, args string) (any, *asl.Error) {
		t.Helper()
		got, serr, err := r.Invoke(ctx, &interp.TaskRequest{State: "S", Resource: resource, Input: decode(t, args)})
		require.NoError(t, err)
		return got, serr
	}

	got, serr := invoke("arn:aws:states:::lambda:invoke", `{"FunctionName": "echo", "Payload": {"a": 1}}`)
	require.Nil(t, serr)
	require.Equal(t, map[string]any{"a": json.Number("1")}, got.(map[string]any)["Payload"])
	got, serr = invoke("arn:aws:lambda:us-east-1:123456789012:function:echo", `[1]`)
	require.Nil(t, serr)
	require.Equal(t, []any{json.Number("1")}, got)

	_, serr = invoke("arn:aws:states:::dynamodb:putItem", `{"TableName": "things", "Item": {"id": {"S": "1"}}}`)
	require.Nil(t, serr)
	got, serr = invoke("arn:aws:states:::dynamodb:getItem", `{"TableName": "things", "Key": {"id": {"S": "1"}}}`)
	require.Nil(t, serr)
	require.Equal(t, map[string]any{"id": map[string]any{"S": "1"}}, got.(map[string]any)["Item"])
	require.FileExists(t, filepath.Join(dir, "dynamodb.db"))

	_, serr = invoke("arn:aws:states:::sqs:sendMessage.waitForTaskToken", `{"QueueUrl": "http://localhost/1/jobs", "MessageBody": {"token": "t"}}`)
	require.Nil(t, serr)
	msgs, err := r.LocalSQS().Messages("jobs")
	require.NoError(t, err)
	require.Equal(t, `{"token":"t"}`, msgs[0].Body)
	require.FileExists(t, filepath.Join(dir, "sqs", "jobs.jsonl"))

	got, serr = invoke("arn:aws:states:::aws-sdk:sesv2:sendEmail", `{"FromEmailAddress": "a@example.com",
		"Destination": {"ToAddresses": ["b@example.com"]}, "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}`)
	require.Nil(t, serr)
	entries, err := os.ReadDir(filepath.Join(dir, "outbox"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Contains(t, entries[0].Name(), got.(map[string]any)["MessageId"].(string))

	_, serr = invoke("arn:aws:states:::states:startExecution.sync:2", `{}`)
	require.Equal(t, &asl.Error{Name: "States.TaskFailed",
		Cause: "The resource 'arn:aws:states:::states:startExecution.sync:2' is run by the engine, not by the task router"}, serr)
	_, serr = invoke("arn:aws:states:::sns:publish", `{}`)
	require.Equal(t, &asl.Error{Name: "States.TaskFailed",
		Cause: "The resource 'arn:aws:states:::sns:publish' is not a resource stepwise supports"}, serr)
}

func TestRouterTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	r, _ := localRouter(t, map[string]task.Function{
		"stuck": func(context.Context, []byte) ([]byte, error) { // ignores its context, as a slow function may
			<-release
			return []byte(`"late"`), nil
		},
	})
	_, serr, err := r.Invoke(context.Background(), &interp.TaskRequest{Resource: "arn:aws:states:::lambda:invoke",
		Input: decode(t, `{"FunctionName": "stuck"}`), TimeoutSeconds: 1})
	require.NoError(t, err)
	require.Equal(t, &asl.Error{Name: "States.Timeout", Cause: ""}, serr)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, serr, err = r.Invoke(ctx, &interp.TaskRequest{Resource: "arn:aws:states:::lambda:invoke",
		Input: decode(t, `{"FunctionName": "stuck"}`), TimeoutSeconds: 60})
	require.Nil(t, serr)
	require.ErrorIs(t, err, context.Canceled, "the caller's own deadline is infrastructure, not the task's timeout")
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	_, err := task.New(&task.Config{})
	require.EqualError(t, err, "configuring the task router: Config.LocalDir is required when DynamoDB, SES or SQS is local")
	_, err = task.New(&task.Config{AWS: &aws.Config{}, Local: []task.Service{"s3"}})
	require.EqualError(t, err, "configuring the task router: Config.Local: unknown service \"s3\" (want one of [lambda dynamodb sesv2 sqs])\nConfig.AWS has no region")
	r, err := task.New(&task.Config{AWS: &aws.Config{Region: "eu-west-1"}, Local: []task.Service{task.ServiceLambda}})
	require.NoError(t, err, "only Lambda local: no directory needed")
	require.Equal(t, "local", r.Backend(task.ServiceLambda))
	require.Equal(t, "aws", r.Backend(task.ServiceDynamoDB))
	require.Nil(t, r.LocalDynamoDB())
	require.NoError(t, r.Close())
}

func TestFromEnv(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	t.Setenv("AWS_ENDPOINT_URL_SESV2", "")
	t.Setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:1")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	dir := t.TempDir()
	r, err := task.FromEnv(context.Background(), dir, nil)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, "aws", r.Backend(task.ServiceSQS))
	require.Equal(t, "local", r.Backend(task.ServiceDynamoDB))
	require.Equal(t, "local", r.Backend(task.ServiceSESv2))
	require.Equal(t, "local", r.Backend(task.ServiceLambda))

}
