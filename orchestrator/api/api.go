package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
)

// MaxRequestBytes is the largest request body accepted: Step Functions'
// maximum request size, 1 MB.
const MaxRequestBytes = 1 << 20

// targetPrefix is the X-Amz-Target prefix of every Step Functions operation.
const targetPrefix = "AWSStepFunctions."

// Config configures the API handler.
type Config struct {
	// Engine runs the executions; the API reads and writes state machines,
	// activities and executions through its Store. Required.
	Engine *engine.Engine
	// Region and AccountID form the ARNs of new state machines and
	// activities (defaults us-east-1 and 123456789012, as the engine's).
	Region    string
	AccountID string
	// KnownResource, when set, is asked about every Task Resource of a
	// definition given to CreateStateMachine, UpdateStateMachine and
	// ValidateStateMachineDefinition; a resource it does not know is an
	// INVALID_RESOURCE problem.
	KnownResource func(arn string) bool
	// Logger receives the handler's logs; nil uses slog.Default(). Payloads
	// (definitions, inputs, outputs, causes) are never logged.
	Logger *slog.Logger
	// NowFunc returns the current time; nil uses time.Now.
	NowFunc func() time.Time
}

// handler serves the Step Functions API.
type handler struct {
	eng     backend
	region  string
	account string
	known   func(string) bool
	log     *slog.Logger
	now     func() time.Time
	ops     map[string]operation
}

// operation is one API operation: its input members and its
// implementation, which returns the output (marshalled as JSON) or an
// error (an *Error, or any other error for an internal failure).
type operation struct {
	members []member
	run     func(ctx context.Context, r *request) (any, error)
}

// New returns an http.Handler that serves the Step Functions API (AWS JSON
// 1.0) at any path; mount it at POST /.
func New(cfg *Config) (http.Handler, error) {
	if cfg == nil || cfg.Engine == nil {
		return nil, errors.New("api: Config.Engine is required")
	}
	return newHandler(cfg, cfg.Engine), nil
}

func newHandler(cfg *Config, eng backend) *handler {
	h := &handler{eng: eng, region: cfg.Region, account: cfg.AccountID, known: cfg.KnownResource, log: cfg.Logger, now: cfg.NowFunc}
	if h.region == "" {
		h.region = "us-east-1"
	}
	if h.account == "" {
		h.account = "123456789012"
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.ops = h.operations()
	return h
}

func (h *handler) operations() map[string]operation {
	return map[string]operation{
		"CreateStateMachine":               {createStateMachineMembers, h.createStateMachine},
		"DescribeStateMachine":             {describeStateMachineMembers, h.describeStateMachine},
		"ListStateMachines":                {listMembers, h.listStateMachines},
		"UpdateStateMachine":               {updateStateMachineMembers, h.updateStateMachine},
		"DeleteStateMachine":               {deleteStateMachineMembers, h.deleteStateMachine},
		"ValidateStateMachineDefinition":   {validateDefinitionMembers, h.validateStateMachineDefinition},
		"StartExecution":                   {startExecutionMembers, h.startExecution},
		"StartSyncExecution":               {startSyncExecutionMembers, h.startSyncExecution},
		"DescribeExecution":                {describeExecutionMembers, h.describeExecution},
		"DescribeStateMachineForExecution": {describeExecutionMembers, h.describeStateMachineForExecution},
		"ListExecutions":                   {listExecutionsMembers, h.listExecutions},
		"GetExecutionHistory":              {historyMembers, h.getExecutionHistory},
		"StopExecution":                    {stopExecutionMembers, h.stopExecution},
		"SendTaskSuccess":                  {sendTaskSuccessMembers, h.sendTaskSuccess},
		"SendTaskFailure":                  {sendTaskFailureMembers, h.sendTaskFailure},
		"SendTaskHeartbeat":                {sendTaskHeartbeatMembers, h.sendTaskHeartbeat},
		"CreateActivity":                   {createActivityMembers, h.createActivity},
		"DescribeActivity":                 {activityARNMembers, h.describeActivity},
		"ListActivities":                   {listMembers, h.listActivities},
		"DeleteActivity":                   {activityARNMembers, h.deleteActivity},
		"GetActivityTask":                  {getActivityTaskMembers, h.getActivityTask},
		"ListTagsForResource":              {listTagsMembers, h.listTagsForResource},
	}
}

// unsupported lists the Step Functions operations stepwise does not
// implement, so that they get a clear message.
var unsupported = []string{
	"CreateStateMachineAlias", "DeleteStateMachineAlias", "DescribeStateMachineAlias", "ListStateMachineAliases",
	"UpdateStateMachineAlias", "PublishStateMachineVersion", "DeleteStateMachineVersion", "ListStateMachineVersions",
	"DescribeMapRun", "ListMapRuns", "UpdateMapRun", "RedriveExecution", "TestState", "TagResource", "UntagResource",
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", newUUID())
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.writeError(w, &Error{Status: http.StatusMethodNotAllowed, Type: errUnknownOperation,
			Message: fmt.Sprintf("The Step Functions API takes POST requests, not %s", r.Method)})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := h.ops[name]
	if !ok || !known {
		msg := fmt.Sprintf("Unknown operation: X-Amz-Target %q is not AWSStepFunctions.<Operation>", target)
		if ok && contains(unsupported, name) {
			msg = fmt.Sprintf("Operation %s is not supported by stepwise", target)
		} else if ok {
			msg = fmt.Sprintf("Unknown operation %s", target)
		}
		h.writeError(w, newError(errUnknownOperation, "%s", msg))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json":
		default:
			h.writeError(w, newError(errUnknownOperation, "Content-Type %q is not application/x-amz-json-1.0", ct))
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.writeError(w, &Error{Status: http.StatusRequestEntityTooLarge, Type: errRequestEntityTooLarge,
				Message: fmt.Sprintf("Request body is larger than the maximum request size of %d bytes", MaxRequestBytes)})
			return
		}
		h.writeError(w, newError(errSerialization, "Reading the request body: %v", err))
		return
	}
	req, aerr := decodeRequest(body, op.members)
	if aerr != nil {
		h.writeError(w, aerr)
		return
	}
	out, err := op.run(r.Context(), req)
	if err != nil {
		var ae *Error
		if !errors.As(err, &ae) {
			h.log.ErrorContext(r.Context(), "step functions api: internal failure", "operation", name, "error", err)
			ae = &Error{Status: http.StatusInternalServerError, Type: errInternalFailure, Message: "The request processing has failed because of an unknown error."}
		}
		h.log.DebugContext(r.Context(), "step functions api", "operation", name, "error", ae.Type)
		h.writeError(w, ae)
		return
	}
	h.log.DebugContext(r.Context(), "step functions api", "operation", name)
	b, err := json.Marshal(out)
	if err != nil {
		h.log.ErrorContext(r.Context(), "step functions api: encoding the reply", "operation", name, "error", err)
		h.writeError(w, &Error{Status: http.StatusInternalServerError, Type: errInternalFailure, Message: "The request processing has failed because of an unknown error."})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write(b)
}

func (h *handler) writeError(w http.ResponseWriter, e *Error) {
	b, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// epoch renders a time as AWS JSON does: epoch seconds with milliseconds.
// The zero time renders as "" so that omitempty drops it.
func epoch(t time.Time) json.Number {
	if t.IsZero() {
		return ""
	}
	ms := t.UnixMilli()
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return json.Number(fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000))
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
