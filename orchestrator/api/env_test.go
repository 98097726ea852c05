package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/api"
	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/poller"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// fakeTasks answers Task states: a .waitForTaskToken task parks its token
// on Tokens and waits for a callback; any other task returns its input.
type fakeTasks struct {
	Tokens chan string
}

func (f *fakeTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if req.TaskToken != "" {
		f.Tokens <- req.TaskToken
		return map[string]any{}, nil, nil
	}
	return map[string]any{"Payload": req.Input}, nil, nil
}

// testEnv is the API in front of an embedded engine (boltstore in a
// temporary directory, memqueue, a poller driving the worker) and an SDK
// client pointed at it.
type testEnv struct {
	eng    *engine.Engine
	tasks  *fakeTasks
	url    string
	client *sfn.Client
}

func newEnv(t testing.TB) *testEnv {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "stepwise.db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: 5 * time.Second})
	tasks := &fakeTasks{Tokens: make(chan string, 16)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Tasks: tasks, Logger: quiet, ActivityPollTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	h, err := api.New(&api.Config{Engine: eng, Logger: quiet})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := poller.New(q, func(ctx context.Context, d *queue.Delivery) error {
			return eng.HandleMessage(ctx, d.Body, d.ReceiveCount)
		}, &poller.Config{Wait: 20 * time.Millisecond})
		_ = p.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	return &testEnv{eng: eng, tasks: tasks, url: srv.URL, client: newClient(srv.URL)}
}

// newClient returns an SDK client for the endpoint. StartSyncExecution's
// "sync-" host prefix is turned off, as any client of a local endpoint
// must (sync-127.0.0.1 does not resolve).
func newClient(url string) *sfn.Client {
	noHostPrefix := func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("noHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	}
	return sfn.New(sfn.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("x", "x", ""),
		RetryMaxAttempts: 1,
		APIOptions:       []func(*middleware.Stack) error{noHostPrefix},
	})
}

// createMachine creates a STANDARD state machine and returns its ARN.
func (e *testEnv) createMachine(t testing.TB, name, definition string) string {
	t.Helper()
	out, err := e.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
	})
	require.NoError(t, err)
	return aws.ToString(out.StateMachineArn)
}

// wait polls DescribeExecution until the execution has ended.
func (e *testEnv) wait(t *testing.T, executionARN string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := e.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
		require.NoError(t, err)
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still RUNNING", executionARN)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
