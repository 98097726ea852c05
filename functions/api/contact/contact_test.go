package contact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/api/contact"
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

const (
	standardARN = "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form"
	expressARN  = "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form-express"
)

// services stands in for the contact form's Task states: Process is the
// real contactform.Handler (its ValidationError shaped as Lambda reports
// it), Store and Notify succeed unless told to fail.
type services struct {
	storeFails atomic.Bool
}

func (s *services) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	switch req.Resource {
	case "arn:aws:states:::lambda:invoke":
		params, _ := req.Input.(map[string]any)
		b, err := json.Marshal(params["Payload"])
		if err != nil {
			return nil, nil, err
		}
		var in contactform.Input
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, nil, err
		}
		h := &contactform.Handler{Sender: "forms@example.com", Recipient: "team@example.com"}
		out, err := h.Handle(ctx, in)
		var ve *contactform.ValidationError
		if errors.As(err, &ve) {
			cause, _ := json.Marshal(map[string]string{"errorMessage": ve.Error(), "errorType": "ValidationError"})
			return nil, &asl.Error{Name: "ValidationError", Cause: string(cause)}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		return map[string]any{"Payload": generic(out), "StatusCode": json.Number("200")}, nil, nil
	case "arn:aws:states:::dynamodb:putItem":
		if s.storeFails.Load() {
			return nil, &asl.Error{Name: "DynamoDB.ResourceNotFoundException", Cause: "Requested resource not found"}, nil
		}
		return map[string]any{}, nil, nil
	case "arn:aws:states:::aws-sdk:sesv2:sendEmail":
		return map[string]any{"MessageId": "m-1"}, nil, nil
	}
	return nil, &asl.Error{Name: "States.TaskFailed", Cause: "unexpected resource " + req.Resource}, nil
}

// generic turns a Go value into the JSON values the interpreter uses.
func generic(v any) any {
	b, _ := json.Marshal(v)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	_ = dec.Decode(&out)
	return out
}

type fixture struct {
	h        http.Handler
	svc      *services
	st       store.Store
	logs     *bytes.Buffer
	logMutex *sync.Mutex
}

// syncedBuffer makes a bytes.Buffer safe for the concurrent writes of slog.
type syncedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (s syncedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "stepwise.db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	def, err := statemachines.FS.ReadFile("contact-form.asl.json")
	require.NoError(t, err)
	for arn, typ := range map[string]string{standardARN: store.TypeStandard, expressARN: store.TypeExpress} {
		name := arn[strings.LastIndex(arn, ":")+1:]
		_, err := st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: arn, Name: name,
			Definition: string(def), Type: typ, RoleARN: "arn:aws:iam::123456789012:role/contact", CreatedAt: time.Now()})
		require.NoError(t, err)
	}

	f := &fixture{svc: &services{}, st: st, logs: &bytes.Buffer{}, logMutex: &sync.Mutex{}}
	log := slog.New(slog.NewJSONHandler(syncedBuffer{f.logMutex, f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: 5 * time.Second})
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Tasks: f.svc, Logger: log})
	require.NoError(t, err)
	f.h, err = contact.New(&contact.Config{Engine: eng, StandardARN: standardARN, ExpressARN: expressARN, Logger: log,
		RequestInfoFunc: func(*http.Request) contact.RequestInfo {
			return contact.RequestInfo{RequestID: "Ek2oZhq3IAMEbXQ=", SourceIP: "203.0.113.7", Time: time.Date(2025, 1, 15, 11, 30, 0, 0, time.UTC)}
		}})
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
	return f
}

// do serves one request and decodes the JSON reply.
func (f *fixture) do(t *testing.T, method, target, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "reply %q", rec.Body.String())
	return rec.Code, rec.Header(), out
}

// settle polls the status URL until the submission has ended.
func (f *fixture) settle(t *testing.T, statusURL string) (int, map[string]any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, out := f.do(t, http.MethodGet, statusURL, "", "")
		if out["status"] != "RUNNING" {
			return code, out
		}
		require.Equal(t, http.StatusOK, code)
		if time.Now().After(deadline) {
			t.Fatalf("%s still RUNNING", statusURL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventBody returns the body of an events/ sample.
func eventBody(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "events", name))
	require.NoError(t, err)
	var ev events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev.Body
}

func TestAsync(t *testing.T) {
	f := newFixture(t)
	valid := eventBody(t, "api-contact-valid.json")
	invalid := eventBody(t, "api-contact-invalid.json")
	form := url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "message": {"Hello from a form"}}.Encode()

	cases := []struct {
		name, contentType, body string
		storeFails              bool
		status                  int
		want                    string // the reply without executionArn
	}{
		{"valid JSON", "application/json", valid, false, 200,
			`{"status":"SUCCEEDED","result":{"status":"accepted","id":"73b6303d1ff6d506c2c6c714159dad55","receivedAt":"2025-01-15T11:30:00Z","messageId":"m-1","duplicate":false}}`},
		{"valid form", "application/x-www-form-urlencoded", form, false, 200, ""},
		{"invalid", "application/json", invalid, false, 400,
			`{"status":"FAILED","error":"ValidationError","message":"The contact form is invalid.","fields":[
				{"field":"name","reason":"contains control characters"},
				{"field":"email","reason":"not a plain e-mail address (want name@example.com)"},
				{"field":"message","reason":"required"}]}`},
		{"store fails", "application/json", valid, true, 502,
			`{"status":"FAILED","error":"ServiceError","message":"The Store step failed (DynamoDB). Please try again later.","step":"Store","service":"DynamoDB","stored":false}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.svc.storeFails.Store(c.storeFails)
			code, hdr, out := f.do(t, http.MethodPost, "/contact", c.contentType, c.body)
			require.Equal(t, http.StatusAccepted, code, "reply %v", out)
			require.Equal(t, "RUNNING", out["status"])
			arn, _ := out["executionArn"].(string)
			require.True(t, strings.HasPrefix(arn, "arn:aws:states:us-east-1:123456789012:execution:contact-form:"), arn)
			statusURL := out["statusUrl"].(string)
			require.Equal(t, "/contact/"+arn[strings.LastIndex(arn, ":")+1:], statusURL)
			require.Equal(t, statusURL, hdr.Get("Location"))

			code, out = f.settle(t, statusURL)
			require.Equal(t, c.status, code, "reply %v", out)
			require.Equal(t, arn, out["executionArn"])
			if c.want != "" {
				delete(out, "executionArn")
				got, _ := json.Marshal(out)
				require.JSONEq(t, c.want, string(got))
			} else {
				require.Equal(t, "SUCCEEDED", out["status"])
			}
		})
	}
	f.assertNoPersonalData(t)
}

func TestSync(t *testing.T) {
	f := newFixture(t)
	valid := eventBody(t, "api-contact-valid.json")
	code, _, out := f.do(t, http.MethodPost, "/contact?mode=sync", "application/json", valid)
	require.Equal(t, http.StatusOK, code, "reply %v", out)
	require.Equal(t, "SUCCEEDED", out["status"])
	require.Equal(t, "accepted", out["result"].(map[string]any)["status"])
	require.Contains(t, out["executionArn"], ":contact-form-express:")

	code, _, out = f.do(t, http.MethodPost, "/contact?mode=sync", "application/json", eventBody(t, "api-contact-invalid.json"))
	require.Equal(t, http.StatusBadRequest, code, "reply %v", out)
	require.Equal(t, "ValidationError", out["error"])
	require.Len(t, out["fields"], 3)

	f.svc.storeFails.Store(true)
	code, _, out = f.do(t, http.MethodPost, "/contact?mode=sync", "application/json", valid)
	require.Equal(t, http.StatusBadGateway, code, "reply %v", out)
	require.Equal(t, "ServiceError", out["error"])
	require.Equal(t, "Store", out["step"])
	f.assertNoPersonalData(t)
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name, method, target, contentType, body string
		status                                  int
		want                                    string
	}{
		{"not JSON", "POST", "/contact", "application/json", `{"name":`, 400, ""},
		{"JSON array", "POST", "/contact", "application/json", `[1]`, 400, ""},
		{"too large", "POST", "/contact", "application/json", `{"message":"` + strings.Repeat("x", contact.MaxBodyBytes) + `"}`, 413,
			`{"error":"PayloadTooLarge","message":"The form is larger than 65536 bytes."}`},
		{"bad mode", "POST", "/contact?mode=later", "application/json", `{}`, 400,
			`{"error":"ValidationError","message":"The request is invalid.","fields":[{"field":"mode","reason":"must be sync or async"}]}`},
		{"GET /contact", "GET", "/contact", "", "", 405, `{"error":"MethodNotAllowed","message":"Use POST to send the contact form."}`},
		{"POST status", "POST", "/contact/abc", "", "", 405, `{"error":"MethodNotAllowed","message":"Use GET to read a submission's status."}`},
		{"unknown submission", "GET", "/contact/0f8fad5b-d9cb-469f-a165-70867728950e", "", "", 404,
			`{"error":"NotFound","message":"No contact form submission has this id."}`},
		{"bad name", "GET", "/contact/a:b", "", "", 404, `{"error":"NotFound","message":"No contact form submission has this id."}`},
		{"other route", "GET", "/other", "", "", 404, `{"error":"NotFound","message":"No such route."}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, out := f.do(t, c.method, c.target, c.contentType, c.body)
			require.Equal(t, c.status, code, "reply %v", out)
			if c.want != "" {
				got, _ := json.Marshal(out)
				require.JSONEq(t, c.want, string(got))
				return
			}
			require.Equal(t, "ValidationError", out["error"])
			fields := out["fields"].([]any)
			require.Equal(t, "body", fields[0].(map[string]any)["field"])
		})
	}
	// Nothing was started for the requests refused at once.
	page, err := f.st.ExecutionList(context.Background(), &store.ExecutionListParams{StateMachineARN: standardARN})
	require.NoError(t, err)
	require.Empty(t, page.Executions)
}

// TestNoSyncMode checks that without an EXPRESS state machine the sync
// mode answers 501.
func TestNoSyncMode(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "db"), &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	eng, err := engine.New(&engine.Config{Store: st, Queue: memqueue.New(nil)})
	require.NoError(t, err)
	h, err := contact.New(&contact.Config{Engine: eng, StandardARN: standardARN, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/contact?mode=sync", strings.NewReader(`{"name":"a","email":"a@example.com","message":"m"}`)))
	require.Equal(t, http.StatusNotImplemented, rec.Code)
	require.JSONEq(t, `{"error":"NotImplemented","message":"The synchronous mode is not available."}`, rec.Body.String())

	_, err = contact.New(&contact.Config{Engine: eng})
	require.Error(t, err)
	_, err = contact.New(&contact.Config{StandardARN: standardARN})
	require.Error(t, err)
}

// assertNoPersonalData checks that no log line holds the form's content.
func (f *fixture) assertNoPersonalData(t *testing.T) {
	t.Helper()
	f.logMutex.Lock()
	logs := f.logs.String()
	f.logMutex.Unlock()
	require.Contains(t, logs, "contact form submitted")
	for _, secret := range []string{"Ada Lovelace", "ada@example.com", "Hello", "Mallory", "mallory@example.com", "victim@example.org"} {
		require.NotContains(t, logs, secret)
	}
}
