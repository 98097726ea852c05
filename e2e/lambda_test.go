package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"
)

// rie is a function's bootstrap running under the Lambda runtime interface
// emulator, what `sam local invoke` runs.
type rie struct {
	*proc
	addr string
}

// rieBinary returns aws-lambda-rie, or skips.
func rieBinary(t *testing.T) string {
	return needTool(t, "aws-lambda-rie", "scripts/test.sh installs it with go install")
}

// startRIE runs bootstrap under aws-lambda-rie with env added to the
// child environment (which keeps the AWS_ENDPOINT_URL_* variables).
func startRIE(t *testing.T, name, bootstrap string, env ...string) *rie {
	t.Helper()
	addr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rieBinary(t), "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr, bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = childEnv(true, append([]string{"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256"}, env...)...)
	r := &rie{proc: start(t, name+" (aws-lambda-rie)", cmd), addr: addr}
	waitListening(t, r.proc, addr)
	return r
}

// url is the Lambda API endpoint of the function, for AWS_ENDPOINT_URL_LAMBDA.
func (r *rie) url() string { return "http://" + r.addr }

// invoke posts payload to the function and returns the HTTP status and the
// reply. The emulator runs one invocation at a time.
func (r *rie) invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		r.url()+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("invoking %s: %w", r.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// kill stops the emulator and its bootstrap.
func (r *rie) kill() { _ = r.stop(syscall.SIGKILL, time.Second) }

// functionError is the reply of a failed invocation, in the emulator's
// shape (HTTP 200 without X-Amz-Function-Error).
type functionError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// asFunctionError reports whether a reply is a function error.
func asFunctionError(body []byte) (*functionError, bool) {
	var fe functionError
	if json.Unmarshal(body, &fe) != nil || fe.ErrorType == "" {
		return nil, false
	}
	return &fe, true
}

// apiGateway is an http.RoundTripper that does what API Gateway's HTTP API
// does with a Lambda proxy integration (payload format 2.0): each request
// becomes an event for the API function, and the function's reply the
// response. A function error becomes a 500, as on API Gateway (with the
// error in the body, for the test's messages).
type apiGateway struct {
	fn *rie
	// SourceIP is the client's address in the events.
	SourceIP string
	n        atomic.Int64
	// LastRequestID is the request ID of the latest event.
	LastRequestID atomic.Value
}

func (g *apiGateway) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	requestID := fmt.Sprintf("e2e%013d%04d=", now.UnixMilli(), g.n.Add(1))
	g.LastRequestID.Store(requestID)
	route := req.Method + " " + req.URL.Path
	var params map[string]string
	if id, ok := strings.CutPrefix(req.URL.Path, "/contact/"); ok {
		route, params = req.Method+" /contact/{id}", map[string]string{"id": id}
	}
	headers := map[string]string{}
	for k, v := range req.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	headers["host"] = req.URL.Host
	headers["content-length"] = fmt.Sprint(len(body))
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: req.URL.Path, RawQueryString: req.URL.RawQuery,
		Headers: headers, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: route, AccountID: "123456789012", Stage: "$default", RequestID: requestID,
			APIID: "e2e", DomainName: req.URL.Host, DomainPrefix: "e2e",
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: req.Method, Path: req.URL.Path,
				Protocol: "HTTP/1.1", SourceIP: g.SourceIP, UserAgent: req.UserAgent()},
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	status, out, err := g.fn.invoke(req.Context(), payload)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("invoking the API function: HTTP %d: %s", status, out)
	}
	if fe, ok := asFunctionError(out); ok {
		return response(req, http.StatusInternalServerError, nil,
			fmt.Sprintf(`{"message":"Internal Server Error","functionError":%q,"functionMessage":%q}`, fe.ErrorType, fe.ErrorMessage)), nil
	}
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("the API function's reply is not an HTTP API response: %w: %s", err, out)
	}
	if r.StatusCode == 0 {
		return nil, errors.New("the API function's reply has no statusCode: " + string(out))
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range r.Cookies {
		h.Add("Set-Cookie", c)
	}
	respBody := r.Body
	if r.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			return nil, fmt.Errorf("the API function's body is not base64: %w", err)
		}
		respBody = string(b)
	}
	return response(req, r.StatusCode, h, respBody), nil
}

func response(req *http.Request, status int, h http.Header, body string) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
}

// workerHandler is the handler an sqsqueue.Poller calls: it invokes the
// worker function (the one current returns) with the batch, as Lambda's
// event source mapping does, and returns its partial batch response. A
// function error fails the whole batch.
func workerHandler(current func() *rie) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		worker := current()
		var resp events.SQSEventResponse
		payload, err := json.Marshal(ev)
		if err != nil {
			return resp, err
		}
		status, out, err := worker.invoke(ctx, payload)
		if err != nil {
			return resp, err
		}
		if status != http.StatusOK {
			return resp, fmt.Errorf("worker: HTTP %d: %s", status, out)
		}
		if fe, ok := asFunctionError(out); ok {
			return resp, fmt.Errorf("worker: %s: %s", fe.ErrorType, fe.ErrorMessage)
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			return resp, fmt.Errorf("worker: reply %s: %w", out, err)
		}
		return resp, nil
	}
}

// jsonBody decodes a response body that must be a JSON object.
func jsonBody(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v), "%v: %s", errNotJSON, data)
	return v
}
