// Package apigw serves API Gateway HTTP API events (payload format 2.0)
// with an ordinary http.Handler: the event becomes an *http.Request, and
// what the handler writes becomes the events.APIGatewayV2HTTPResponse.
//
// The request carries the original event in its context (see Event), for
// what only API Gateway knows: the request ID, the client's address, the
// time the request arrived.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

type eventKey struct{}

// Event returns the API Gateway event a request was made from.
func Event(ctx context.Context) (*events.APIGatewayV2HTTPRequest, bool) {
	ev, ok := ctx.Value(eventKey{}).(*events.APIGatewayV2HTTPRequest)
	return ev, ok
}

// NewRequest returns the http.Request of an API Gateway event: its method,
// raw path and query string, headers (cookies in one Cookie header), body
// (decoded from base64 when the event says so), the client's address as
// RemoteAddr, and the event in its context.
func NewRequest(ctx context.Context, ev *events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		// A test event may give only the route key ("POST /contact").
		method, _, _ = strings.Cut(ev.RouteKey, " ")
	}
	if method == "" || method == "$default" {
		return nil, fmt.Errorf("apigw: the event has no HTTP method")
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	if path == "" {
		path = "/"
	}
	target := path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("apigw: request path %q: %w", target, err)
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		body, err = base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, fmt.Errorf("apigw: the body is not valid base64: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, eventKey{}, ev), method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("apigw: %w", err)
	}
	req.RequestURI = target
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = req.Header.Get("Host")
	if req.Host == "" {
		req.Host = ev.RequestContext.DomainName
	}
	req.URL.Host = req.Host
	req.ContentLength = int64(len(body))
	req.Header.Del("Content-Length")
	if p := ev.RequestContext.HTTP.Protocol; p != "" {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			req.Proto, req.ProtoMajor, req.ProtoMinor = p, major, minor
		}
	}
	if ip := ev.RequestContext.HTTP.SourceIP; ip != "" {
		req.RemoteAddr = ip + ":0"
		if strings.Contains(ip, ":") {
			req.RemoteAddr = "[" + ip + "]:0"
		}
	}
	return req, nil
}

// ResponseWriter is an http.ResponseWriter that records the response for
// API Gateway.
type ResponseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// NewResponseWriter returns an empty ResponseWriter.
func NewResponseWriter() *ResponseWriter {
	return &ResponseWriter{header: http.Header{}}
}

// Header implements http.ResponseWriter.
func (w *ResponseWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter; only the first call counts.
func (w *ResponseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// Write implements http.ResponseWriter.
func (w *ResponseWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Response returns the recorded response as API Gateway takes it: headers
// with several values joined by commas, Set-Cookie headers as cookies, and
// a body that is not text (or not UTF-8, or content-encoded) in base64.
func (w *ResponseWriter) Response() events.APIGatewayV2HTTPResponse {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if http.CanonicalHeaderKey(k) == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ",")
	}
	body := w.body.Bytes()
	if _, ok := resp.Headers["Content-Type"]; !ok && len(body) > 0 {
		resp.Headers["Content-Type"] = http.DetectContentType(body)
	}
	if isText(resp.Headers["Content-Type"]) && w.header.Get("Content-Encoding") == "" && utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

// isText reports whether a content type is text that API Gateway can pass
// as a string.
func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"), strings.HasPrefix(mt, "application/x-amz-json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return true
	}
	return false
}

// Handler returns a Lambda handler that serves API Gateway HTTP API
// (payload 2.0) events with h. An event that cannot be turned into a
// request is answered 400; a handler that panics, 500. log may be nil.
func Handler(h http.Handler, log *slog.Logger) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
		req, err := NewRequest(ctx, &ev)
		if err != nil {
			log.WarnContext(ctx, "bad API Gateway event", "error", err, "requestId", ev.RequestContext.RequestID)
			return jsonError(http.StatusBadRequest, "Bad Request"), nil
		}
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "requestId", ev.RequestContext.RequestID)
				resp, err = jsonError(http.StatusInternalServerError, "Internal Server Error"), nil
			}
		}()
		w := NewResponseWriter()
		h.ServeHTTP(w, req)
		return w.Response(), nil
	}
}

func jsonError(status int, msg string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"message":` + strconv.Quote(msg) + `}`,
	}
}
