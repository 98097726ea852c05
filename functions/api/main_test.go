package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/api/apigw"
	"github.com/stepwise-dev/stepwise/functions/process/contactform"
	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/poller"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
	"github.com/stepwise-dev/stepwise/statemachines"
)

const contactARN = "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form"

// services answers the contact form's tasks: Process with the real
// contactform.Handler, Store and Notify with success.
type services struct{}

func (services) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	switch req.Resource {
	case "arn:aws:states:::lambda:invoke":
		b, _ := json.Marshal(req.Input.(map[string]any)["Payload"])
		var in contactform.Input
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, nil, err
		}
		out, err := (&contactform.Handler{Sender: "forms@example.com", Recipient: "team@example.com"}).Handle(ctx, in)
		var ve *contactform.ValidationError
		if errors.As(err, &ve) {
			cause, _ := json.Marshal(map[string]string{"errorMessage": ve.Error(), "errorType": "ValidationError"})
			return nil, &asl.Error{Name: "ValidationError", Cause: string(cause)}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		b, _ = json.Marshal(map[string]any{"Payload": out})
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		return v, nil, dec.Decode(&v)
	case "arn:aws:states:::aws-sdk:sesv2:sendEmail":
		return map[string]any{"MessageId": "m-1"}, nil, nil
	}
	return map[string]any{}, nil, nil
}

type app struct {
	serve func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

func newApp(t *testing.T) *app {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "stepwise.db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	def, err := statemachines.FS.ReadFile("contact-form.asl.json")
	require.NoError(t, err)
	_, err = st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: contactARN, Name: "contact-form",
		Definition: string(def), Type: store.TypeStandard, RoleARN: "arn:aws:iam::123456789012:role/contact", CreatedAt: time.Now()})
	require.NoError(t, err)

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: 5 * time.Second})
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Tasks: services{}, Logger: log})
	require.NoError(t, err)
	h, err := newHandler(eng, appConfig{Region: "us-east-1", AccountID: "123456789012", ContactARN: contactARN}, log)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = poller.New(q, func(ctx context.Context, d *queue.Delivery) error {
			return eng.HandleMessage(ctx, d.Body, d.ReceiveCount)
		}, &poller.Config{Wait: 20 * time.Millisecond}).Run(ctx)
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &app{serve: apigw.Handler(h, log)}
}

// loadEvent decodes events/<name>; ok is false when the sample is missing.
func loadEvent(t *testing.T, name string) (events.APIGatewayV2HTTPRequest, bool) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if errors.Is(err, os.ErrNotExist) {
		return ev, false
	}
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev, true
}

func (a *app) call(t *testing.T, ev events.APIGatewayV2HTTPRequest) (int, map[string]any) {
	t.Helper()
	resp, err := a.serve(context.Background(), ev)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &out), "reply %q", resp.Body)
	return resp.StatusCode, out
}

// getEvent is the GET of a status URL, made from a POST event.
func getEvent(post events.APIGatewayV2HTTPRequest, path string) events.APIGatewayV2HTTPRequest {
	ev := post
	ev.RouteKey, ev.RawPath, ev.Body = "GET /contact/{id}", path, ""
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = "GET", path
	return ev
}

func (a *app) settle(t *testing.T, ev events.APIGatewayV2HTTPRequest) (int, map[string]any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := a.call(t, ev)
		if out["status"] != "RUNNING" {
			return code, out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still RUNNING", ev.RawPath)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestContactEvents(t *testing.T) {
	a := newApp(t)
	valid, ok := loadEvent(t, "api-contact-valid.json")
	require.True(t, ok)
	code, out := a.call(t, valid)
	require.Equal(t, 202, code, "reply %v", out)
	statusURL := out["statusUrl"].(string)
	code, out = a.settle(t, getEvent(valid, statusURL))
	require.Equal(t, 200, code, "reply %v", out)
	// The record ID derives from the event's request ID and form, as in
	// statemachines/contact-form.mocks.json.
	require.Equal(t, "73b6303d1ff6d506c2c6c714159dad55", out["result"].(map[string]any)["id"])
	require.Equal(t, "2025-01-15T11:30:00Z", out["result"].(map[string]any)["receivedAt"])

	invalid, ok := loadEvent(t, "api-contact-invalid.json")
	require.True(t, ok)
	code, out = a.call(t, invalid)
	require.Equal(t, 202, code, "reply %v", out)
	code, out = a.settle(t, getEvent(invalid, out["statusUrl"].(string)))
	require.Equal(t, 400, code, "reply %v", out)
	require.Equal(t, "ValidationError", out["error"])
	var fields []string
	for _, f := range out["fields"].([]any) {
		fields = append(fields, f.(map[string]any)["field"].(string))
	}
	require.Equal(t, []string{"name", "email", "message"}, fields)

	if get, ok := loadEvent(t, "api-contact-get.json"); ok {
		code, out = a.call(t, get)
		require.Equal(t, 404, code, "reply %v", out)
		require.Equal(t, "NotFound", out["error"])
	}
}

func TestStepFunctionsEvents(t *testing.T) {
	a := newApp(t)
	start, ok := loadEvent(t, "api-sfn-start-execution.json")
	if !ok {
		// The same call, built here.
		start, _ = loadEvent(t, "api-contact-valid.json")
		start.RouteKey, start.RawPath = "POST /", "/"
		start.RequestContext.HTTP.Path = "/"
		start.Headers = map[string]string{"content-type": "application/x-amz-json-1.0", "x-amz-target": "AWSStepFunctions.StartExecution"}
		start.Body = `{"stateMachineArn":"` + contactARN + `","name":"0f8e1c7a-3b2d-4e5f-9a6b-7c8d9e0f1a2b","input":"{}"}`
	}
	code, out := a.call(t, start)
	require.Equal(t, 200, code, "reply %v", out)
	require.Equal(t, contactARN[:strings.LastIndex(contactARN, ":stateMachine:")]+":execution:contact-form:0f8e1c7a-3b2d-4e5f-9a6b-7c8d9e0f1a2b", out["executionArn"])

	list := start
	list.Headers = map[string]string{}
	for k, v := range start.Headers {
		list.Headers[k] = v
	}
	list.Headers["x-amz-target"] = "AWSStepFunctions.ListStateMachines"
	list.Body = `{}`
	code, out = a.call(t, list)
	require.Equal(t, 200, code, "reply %v", out)
	require.Equal(t, "contact-form", out["stateMachines"].([]any)[0].(map[string]any)["name"])

	list.Headers["x-amz-target"] = "AWSStepFunctions.DescribeExecution"
	list.Body = `{"executionArn":"nope"}`
	code, out = a.call(t, list)
	require.Equal(t, 400, code)
	require.Equal(t, "InvalidArn", out["__type"])

	// The Step Functions API is at POST / only.
	get := list
	get.RequestContext.HTTP.Method = "GET"
	resp, err := a.serve(context.Background(), get)
	require.NoError(t, err)
	require.Equal(t, 405, resp.StatusCode)
}
