package apigw_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/api/apigw"
)

func event(method, path, query string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: query,
		Headers: map[string]string{"host": "abc.execute-api.us-east-1.amazonaws.com"}}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.HTTP.Path = path
	ev.RequestContext.HTTP.Protocol = "HTTP/1.1"
	ev.RequestContext.HTTP.SourceIP = "203.0.113.7"
	ev.RequestContext.RequestID = "req-1"
	ev.RequestContext.DomainName = "abc.execute-api.us-east-1.amazonaws.com"
	return ev
}

func TestNewRequest(t *testing.T) {
	ev := event("POST", "/contact/a%2Fb", "mode=sync&x=1")
	ev.Headers["content-type"] = "application/x-www-form-urlencoded"
	ev.Headers["accept"] = "text/html,application/json"
	ev.Headers["content-length"] = "999"
	ev.Cookies = []string{"a=1", "b=2"}
	ev.Body = base64.StdEncoding.EncodeToString([]byte("name=Ada&email=ada%40example.com"))
	ev.IsBase64Encoded = true

	req, err := apigw.NewRequest(context.Background(), &ev)
	require.NoError(t, err)
	require.Equal(t, "POST", req.Method)
	require.Equal(t, "/contact/a/b", req.URL.Path)
	require.Equal(t, "/contact/a%2Fb", req.URL.EscapedPath())
	require.Equal(t, "sync", req.URL.Query().Get("mode"))
	require.Equal(t, "/contact/a%2Fb?mode=sync&x=1", req.RequestURI)
	require.Equal(t, "abc.execute-api.us-east-1.amazonaws.com", req.Host)
	require.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
	require.Equal(t, "text/html,application/json", req.Header.Get("Accept"))
	require.Equal(t, "a=1; b=2", req.Header.Get("Cookie"))
	c, err := req.Cookie("b")
	require.NoError(t, err)
	require.Equal(t, "2", c.Value)
	require.Equal(t, "203.0.113.7:0", req.RemoteAddr)
	require.Equal(t, 1, req.ProtoMajor)
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	require.Equal(t, "name=Ada&email=ada%40example.com", string(body))
	require.Equal(t, int64(len(body)), req.ContentLength, "the length of the decoded body, not the header's")
	req, err = apigw.NewRequest(context.Background(), &ev)
	require.NoError(t, err)
	require.NoError(t, req.ParseForm())
	require.Equal(t, "ada@example.com", req.PostForm.Get("email"))
	got, ok := apigw.Event(req.Context())
	require.True(t, ok)
	require.Equal(t, "req-1", got.RequestContext.RequestID)

	ev6 := event("GET", "/", "")
	ev6.RequestContext.HTTP.SourceIP = "2001:db8::1"
	req, err = apigw.NewRequest(context.Background(), &ev6)
	require.NoError(t, err)
	require.Equal(t, "[2001:db8::1]:0", req.RemoteAddr)

	// A test event with only a route key.
	bare := events.APIGatewayV2HTTPRequest{RouteKey: "POST /contact", RawPath: "/contact", Body: "{}"}
	req, err = apigw.NewRequest(context.Background(), &bare)
	require.NoError(t, err)
	require.Equal(t, "POST", req.Method)
	require.Equal(t, "/contact", req.URL.Path)

	_, err = apigw.NewRequest(context.Background(), &events.APIGatewayV2HTTPRequest{RouteKey: "$default"})
	require.Error(t, err)
}

func TestResponse(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    events.APIGatewayV2HTTPResponse
	}{
		{"JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("Vary", "Accept")
			w.Header().Add("Vary", "Origin")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"ok":true}`))
		}, events.APIGatewayV2HTTPResponse{StatusCode: 202, Body: `{"ok":true}`,
			Headers: map[string]string{"Content-Type": "application/json", "Vary": "Accept,Origin"}}},
		{"no WriteHeader", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("hello"))
			w.WriteHeader(http.StatusTeapot) // too late: ignored
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "hello",
			Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}}},
		{"empty", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, events.APIGatewayV2HTTPResponse{StatusCode: 204, Body: "", IsBase64Encoded: true, Headers: map[string]string{}}},
		{"cookies", func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
			http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", HttpOnly: true})
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("x"))
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "x", Cookies: []string{"a=1", "b=2; HttpOnly"},
			Headers: map[string]string{"Content-Type": "text/plain"}}},
		{"binary", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte{0x89, 'P', 'N', 'G'})
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'}), IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "image/png"}}},
		{"gzip", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write([]byte("zz"))
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte("zz")), IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}}},
		{"text not UTF-8", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte{0xff})
		}, events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "/w==", IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "text/plain"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := apigw.Handler(c.handler, nil)
			resp, err := h(context.Background(), event("GET", "/", ""))
			require.NoError(t, err)
			require.Equal(t, c.want, resp)
		})
	}
}

func TestHandlerErrors(t *testing.T) {
	called := false
	h := apigw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), nil)
	ev := event("POST", "/contact", "")
	ev.Body, ev.IsBase64Encoded = "!!!not base64", true
	resp, err := h(context.Background(), ev)
	require.NoError(t, err)
	require.Equal(t, 400, resp.StatusCode)
	require.JSONEq(t, `{"message":"Bad Request"}`, resp.Body)
	require.False(t, called)

	h = apigw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), nil)
	resp, err = h(context.Background(), event("GET", "/", ""))
	require.NoError(t, err)
	require.Equal(t, 500, resp.StatusCode)
	require.JSONEq(t, `{"message":"Internal Server Error"}`, resp.Body)
}
