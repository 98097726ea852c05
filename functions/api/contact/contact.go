// Package contact serves the contact form's public routes: a submission
// starts statemachines/contact-form.asl.json, and its result is read back
// with a GET.
//
// # Routes
//
//	POST /contact              the form, as JSON {"name","email","message"}
//	                           or application/x-www-form-urlencoded (at most
//	                           MaxBodyBytes). Asynchronous: starts the STANDARD
//	                           state machine and answers 202
//	                           {"executionArn","status":"RUNNING","statusUrl":"/contact/<name>"}.
//	POST /contact?mode=sync    runs the EXPRESS twin to its end (StartSync) and
//	                           answers with the result, as GET does.
//	GET  /contact/<name>       the submission's status:
//	                             200 {"status":"RUNNING"} while it runs,
//	                             200 {"status":"SUCCEEDED","result":{...}} (the
//	                                 state machine's output: status, id,
//	                                 receivedAt, messageId, duplicate),
//	                             400 {"status":"FAILED","error":"ValidationError",
//	                                 "message":..., "fields":[{"field","reason"}]},
//	                             502 {"status":"FAILED","error":"ServiceError",
//	                                 "message":..., "step", "service", "stored"}
//	                                 when a service failed after its retries,
//	                             500 for any other failure, 504 TIMED_OUT,
//	                             409 ABORTED, 404 for an unknown name.
//
// Every reply is JSON and also carries "executionArn" once an execution
// exists. A body that cannot be read as a form is answered 400 at once with
// a ValidationError on the field "body", without starting anything.
//
// # Privacy
//
// The form holds personal data (name, e-mail address, message): it is never
// logged, and replies carry only what the state machine's output and error
// responses hold (no personal data).
package contact

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// MaxBodyBytes is the largest form accepted. The form's fields hold at most
// 5,354 characters; this leaves room for JSON escapes.
const MaxBodyBytes = 64 << 10

// Config configures the contact routes.
type Config struct {
	// Engine starts the executions and reads their status. Required.
	Engine *engine.Engine
	// StandardARN is the ARN of the contact-form STANDARD state machine,
	// started by POST /contact. Required.
	StandardARN string
	// ExpressARN is the ARN of its EXPRESS twin, run by POST
	// /contact?mode=sync; empty turns the sync mode off (501).
	ExpressARN string
	// RequestInfoFunc tells the request's ID, client address and arrival
	// time; nil uses a random ID, the host of RemoteAddr and NowFunc.
	RequestInfoFunc func(*http.Request) RequestInfo
	// Logger receives the logs; nil uses slog.Default(). The form's
	// content is never logged.
	Logger *slog.Logger
	// NowFunc returns the current time; nil uses time.Now.
	NowFunc func() time.Time
}

// RequestInfo is what a submission takes from its request besides the
// form: the submission ID (with the form it determines the record's ID, so
// a redelivered request maps to the same record), the client's address and
// when the request arrived.
type RequestInfo struct {
	RequestID string
	SourceIP  string
	Time      time.Time
}

// starter is what the handler needs of *engine.Engine.
type starter interface {
	Start(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
	StartSync(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
	Store() store.Store
}

type handler struct {
	eng         starter
	standardARN string
	expressARN  string
	info        func(*http.Request) RequestInfo
	log         *slog.Logger
	now         func() time.Time
}

// New returns the handler of the contact routes; mount it at /contact and
// /contact/.
func New(cfg *Config) (http.Handler, error) {
	if cfg == nil || cfg.Engine == nil {
		return nil, errors.New("contact: Config.Engine is required")
	}
	return newHandler(cfg, cfg.Engine)
}

func newHandler(cfg *Config, eng starter) (*handler, error) {
	if cfg.StandardARN == "" {
		return nil, errors.New("contact: Config.StandardARN is required")
	}
	h := &handler{eng: eng, standardARN: cfg.StandardARN, expressARN: cfg.ExpressARN, info: cfg.RequestInfoFunc, log: cfg.Logger, now: cfg.NowFunc}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.info == nil {
		h.info = h.defaultInfo
	}
	return h, nil
}

func (h *handler) defaultInfo(r *http.Request) RequestInfo {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return RequestInfo{RequestID: newID(), SourceIP: ip, Time: h.now()}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/contact":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, reply{Error: "MethodNotAllowed", Message: "Use POST to send the contact form."})
			return
		}
		h.submit(w, r)
	case strings.HasPrefix(r.URL.Path, "/contact/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", http.MethodGet)
			writeJSON(w, http.StatusMethodNotAllowed, reply{Error: "MethodNotAllowed", Message: "Use GET to read a submission's status."})
			return
		}
		h.status(w, r, strings.TrimPrefix(r.URL.Path, "/contact/"))
	default:
		writeJSON(w, http.StatusNotFound, reply{Error: "NotFound", Message: "No such route."})
	}
}

// reply is the JSON body of every answer.
type reply struct {
	ExecutionARN string                   `json:"executionArn,omitempty"`
	Status       string                   `json:"status,omitempty"`
	StatusURL    string                   `json:"statusUrl,omitempty"`
	Result       json.RawMessage          `json:"result,omitempty"`
	Error        string                   `json:"error,omitempty"`
	Message      string                   `json:"message,omitempty"`
	Fields       []contactform.FieldError `json:"fields,omitempty"`
	Step         string                   `json:"step,omitempty"`
	Service      string                   `json:"service,omitempty"`
	Stored       *bool                    `json:"stored,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, body reply) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (h *handler) submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "sync" && mode != "async" {
		writeJSON(w, http.StatusBadRequest, reply{Error: "ValidationError", Message: "The request is invalid.",
			Fields: []contactform.FieldError{{Field: "mode", Reason: "must be sync or async"}}})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeJSON(w, http.StatusRequestEntityTooLarge, reply{Error: "PayloadTooLarge", Message: fmt.Sprintf("The form is larger than %d bytes.", MaxBodyBytes)})
			return
		}
		writeJSON(w, http.StatusBadRequest, reply{Error: "BadRequest", Message: "The request body could not be read."})
		return
	}
	info := h.info(r)
	if info.RequestID == "" {
		info.RequestID = newID()
	}
	ev := events.APIGatewayV2HTTPRequest{Body: string(body), Headers: map[string]string{"content-type": r.Header.Get("Content-Type")}}
	ev.RequestContext.RequestID = info.RequestID
	ev.RequestContext.HTTP.SourceIP = info.SourceIP
	if !info.Time.IsZero() {
		ev.RequestContext.TimeEpoch = info.Time.UnixMilli()
	}
	in, err := contactform.InputFromHTTP(ev)
	var ve *contactform.ValidationError
	if errors.As(err, &ve) {
		writeJSON(w, http.StatusBadRequest, reply{Error: "ValidationError", Message: "The contact form is invalid.", Fields: ve.Fields})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, reply{Error: "BadRequest", Message: "The contact form could not be read."})
		return
	}
	input, err := json.Marshal(in)
	if err != nil {
		h.fail(w, r, "encoding the execution input", err)
		return
	}

	if mode == "sync" {
		h.submitSync(w, r, string(input))
		return
	}
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: h.standardARN, Input: string(input)})
	if err != nil {
		h.fail(w, r, "starting the contact form", err)
		return
	}
	h.log.InfoContext(ctx, "contact form submitted", "executionArn", rec.ARN, "mode", "async")
	statusURL := "/contact/" + rec.Name
	w.Header().Set("Location", statusURL)
	writeJSON(w, http.StatusAccepted, reply{ExecutionARN: rec.ARN, Status: store.StatusRunning, StatusURL: statusURL})
}

func (h *handler) submitSync(w http.ResponseWriter, r *http.Request, input string) {
	if h.expressARN == "" {
		writeJSON(w, http.StatusNotImplemented, reply{Error: "NotImplemented", Message: "The synchronous mode is not available."})
		return
	}
	rec, err := h.eng.StartSync(r.Context(), &engine.StartParams{StateMachineARN: h.expressARN, Input: input})
	if err != nil {
		h.fail(w, r, "running the contact form", err)
		return
	}
	h.log.InfoContext(r.Context(), "contact form submitted", "executionArn", rec.ARN, "mode", "sync", "status", rec.Status)
	h.writeExecution(w, r, rec)
}

// nameRE matches the execution names the handler creates (UUIDs), and
// any other valid execution name.
var nameRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,80}$`)

func (h *handler) status(w http.ResponseWriter, r *http.Request, name string) {
	if !nameRE.MatchString(name) {
		writeJSON(w, http.StatusNotFound, reply{Error: "NotFound", Message: "No contact form submission has this id."})
		return
	}
	arn := engine.ExecutionARN(h.standardARN, name)
	rec, err := h.eng.Store().ExecutionGet(r.Context(), &store.ExecutionGetParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, reply{Error: "NotFound", Message: "No contact form submission has this id."})
		return
	}
	if err != nil {
		h.fail(w, r, "reading a submission", err)
		return
	}
	h.writeExecution(w, r, rec)
}

// writeExecution answers with an execution's status, its output or its
// error mapped to a clear message and status code.
func (h *handler) writeExecution(w http.ResponseWriter, r *http.Request, rec *store.Execution) {
	out := reply{ExecutionARN: rec.ARN, Status: rec.Status}
	switch rec.Status {
	case store.StatusRunning:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusOK, out)
	case store.StatusSucceeded:
		out.Result = json.RawMessage(rec.Output)
		if !json.Valid(out.Result) {
			out.Result = nil
		}
		writeJSON(w, http.StatusOK, out)
	case store.StatusFailed:
		writeJSON(w, h.failure(r.Context(), rec, &out), out)
	case store.StatusTimedOut:
		out.Error, out.Message = "Timeout", "The submission timed out. Please try again later."
		writeJSON(w, http.StatusGatewayTimeout, out)
	case store.StatusAborted:
		out.Error, out.Message = "Aborted", "The submission was cancelled."
		writeJSON(w, http.StatusConflict, out)
	default:
		h.log.ErrorContext(r.Context(), "contact form execution in an unknown status", "executionArn", rec.ARN, "status", rec.Status)
		out.Error, out.Message = "InternalError", "The submission could not be processed."
		writeJSON(w, http.StatusInternalServerError, out)
	}
}

// failureCause is the error response the state machine's InvalidForm and
// ServiceFailed states build, carried as the Cause of its Fail state.
type failureCause struct {
	Error   string                   `json:"error"`
	Message string                   `json:"message"`
	Fields  []contactform.FieldError `json:"fields"`
	Step    string                   `json:"step"`
	Service string                   `json:"service"`
	Stored  *bool                    `json:"stored"`
}

// failure fills out from a FAILED execution and returns the status code:
// 400 for an invalid form (naming the fields), 502 when a service failed
// for good, 500 for anything else.
func (h *handler) failure(ctx context.Context, rec *store.Execution, out *reply) int {
	var c failureCause
	parsed := json.Unmarshal([]byte(rec.Cause), &c) == nil
	switch {
	case rec.Error == "ValidationError" && parsed && len(c.Fields) > 0:
		out.Error, out.Message, out.Fields = "ValidationError", "The contact form is invalid.", c.Fields
		return http.StatusBadRequest
	case rec.Error == "ServiceError" && parsed:
		out.Error, out.Message, out.Step, out.Service, out.Stored = "ServiceError", c.Message, c.Step, c.Service, c.Stored
		if out.Message == "" {
			out.Message = "A service failed. Please try again later."
		}
		return http.StatusBadGateway
	}
	// An error the state machine does not build (States.Runtime, a bad
	// cause): log its name only, the cause may hold the form.
	h.log.ErrorContext(ctx, "contact form failed", "executionArn", rec.ARN, "error", rec.Error)
	out.Error, out.Message = "InternalError", "The submission could not be processed."
	return http.StatusInternalServerError
}

// fail answers 500 (503 when the request was cancelled) and logs err.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), "contact form: "+what, "error", err)
	status := http.StatusInternalServerError
	if r.Context().Err() != nil {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, reply{Error: "InternalError", Message: "The submission could not be processed. Please try again later."})
}

// newID returns a random (version 4) UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
