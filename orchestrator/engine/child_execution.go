package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// The Step Functions integration with itself: a Task whose Resource is
// arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]
// starts another execution, here in the engine rather than through the
// task integrations, so that the parent can wait for the child's end
// without polling.
const startExecutionResource = "arn:aws:states:::states:startExecution"

// Integration patterns of states:startExecution.
const (
	patternRequestResponse = ""
	patternSync            = ".sync"
	patternSync2           = ".sync:2"
	patternWaitForToken    = ".waitForTaskToken"
)

// startExecutionPattern returns the pattern of a states:startExecution
// resource, and whether resource is one.
func startExecutionPattern(resource string) (string, bool) {
	rest, ok := strings.CutPrefix(resource, startExecutionResource)
	if !ok {
		return "", false
	}
	switch rest {
	case patternRequestResponse, patternSync, patternSync2, patternWaitForToken:
		return rest, true
	}
	return "", false
}

func isStartExecution(resource string) bool {
	_, ok := startExecutionPattern(resource)
	return ok
}

// startExecutionTask starts the child execution of a states:startExecution
// task. The child's first messages go in this step's outbox, so that the
// child runs only once the parent's commit (and its wait) is durable.
// Request-response returns StartExecution's answer; .sync and .sync:2
// wait on an internal token that the child's end answers; .waitForTaskToken
// waits on the state's own token, which the child is expected to return.
func (s *step) startExecutionTask(ctx context.Context, req *interp.TaskRequest) (*taskWait, any, *asl.Error, error) {
	pattern, _ := startExecutionPattern(req.Resource)
	link := &parentLink{Exec: s.msg.Exec, Thread: s.msg.Thread}
	if pattern == patternSync || pattern == patternSync2 {
		link.Token = newTaskToken(s.e.rand)
	}
	rec, msgs, terr, err := s.e.startChild(ctx, req, link)
	if err != nil || terr != nil {
		return nil, nil, terr, err
	}
	for _, m := range msgs {
		s.send(mustDecodeMessage(m.Body), m.Delay)
	}
	switch pattern {
	case patternRequestResponse:
		return nil, startExecutionOutput(rec, s.e.rand), nil, nil
	case patternWaitForToken:
		return &taskWait{Token: req.TaskToken, response: startExecutionOutput(rec, s.e.rand)}, nil, nil, nil
	}
	// The child may exist already (a redelivery of this step, or a crash
	// after its start): wait on the token it was started with.
	var xd execData
	if json.Unmarshal(rec.Data, &xd) == nil && xd.Parent != nil && xd.Parent.Token != "" {
		link.Token = xd.Parent.Token
	}
	return &taskWait{Token: link.Token, ChildExec: rec.ARN, internal: true, response: startExecutionOutput(rec, s.e.rand)}, nil, nil, nil
}

// mustDecodeMessage decodes a message the engine encoded.
func mustDecodeMessage(b []byte) *message {
	m, err := decodeMessage(b)
	if err != nil {
		panic(err) // the engine's own encoding
	}
	return m
}

// startChild starts the execution a states:startExecution task asks for.
// Its parameters are StartExecution's: StateMachineArn, Input (a JSON
// text, or any JSON value, which is serialised; null or absent is {}) and
// Name (default: a UUID derived from the task's idempotency key, so that
// every delivery of the step starts the same child). A failure to start is
// a task error named as AWS names it (StepFunctions.<Code>Exception).
func (e *Engine) startChild(ctx context.Context, req *interp.TaskRequest, link *parentLink) (*store.Execution, []queue.Message, *asl.Error, error) {
	params, _ := req.Input.(map[string]any)
	smARN, _ := params["StateMachineArn"].(string)
	name, _ := params["Name"].(string)
	if name == "" {
		name = idempotentUUID(req.IdempotencyKey)
	}
	input := "{}"
	switch in := params["Input"].(type) {
	case nil:
	case string:
		input = in
	default:
		b, err := value.Encode(in)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("encoding the input of a child execution: %w", err)
		}
		input = string(b)
	}
	if smARN == "" {
		return nil, nil, sfnError(e.rand, "Validation", "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"), nil
	}
	rec, msgs, err := e.start(ctx, &StartParams{StateMachineARN: smARN, Name: name, Input: input}, link)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, sfnError(e.rand, "StateMachineDoesNotExist", fmt.Sprintf("State Machine Does Not Exist: '%s'", smARN)), nil
	case errors.Is(err, store.ErrAlreadyExists):
		return nil, nil, sfnError(e.rand, "ExecutionAlreadyExists", fmt.Sprintf("Execution Already Exists: '%s'", ExecutionARN(smARN, name))), nil
	case errors.Is(err, ErrInvalidName):
		return nil, nil, sfnError(e.rand, "InvalidName", fmt.Sprintf("Invalid Name: '%s'", name)), nil
	case errors.Is(err, ErrInvalidInput):
		return nil, nil, sfnError(e.rand, "InvalidExecutionInput", "Invalid State Machine Execution Input: '"+strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": ")+"'"), nil
	default:
		return nil, nil, nil, err
	}
	if link.Token != "" && rec.Status == store.StatusRunning && !sameParent(rec, link) {
		// Same name and input, but another execution's child: .sync could
		// not learn of its end.
		return nil, nil, sfnError(e.rand, "ExecutionAlreadyExists", fmt.Sprintf("Execution Already Exists: '%s'", rec.ARN)), nil
	}
	return rec, msgs, nil, nil
}

// sfnError is the task error of a failed Step Functions API call, as AWS
// reports it: StepFunctions.<Code>Exception, and the message followed by
// the SDK's details.
func sfnError(rand io.Reader, code, msg string) *asl.Error {
	errorCode := code
	if code == "Validation" {
		errorCode = "ValidationException"
	}
	return &asl.Error{Name: "StepFunctions." + code + "Exception",
		Cause: fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: 400; Error Code: %s; Request ID: %s; Proxy: null)", msg, errorCode, newUUID(rand))}
}

// idempotentUUID derives a UUID-shaped execution name from a task's
// idempotency key.
func idempotentUUID(key string) string {
	b := sha256.Sum256([]byte(key))
	b[6] = b[6]&0x0f | 0x50 // version 5 (name-based, SHA)
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// startExecutionOutput is what a request-response states:startExecution
// returns: StartExecution's answer with the SDK metadata AWS adds.
func startExecutionOutput(rec *store.Execution, rand io.Reader) map[string]any {
	id := newUUID(rand)
	body := fmt.Sprintf(`{"executionArn":%q,"startDate":%s}`, rec.ARN, strconv.FormatFloat(float64(rec.StartedAt.UnixMilli())/1000, 'E', -1, 64))
	date := rec.StartedAt.UTC().Format(http.TimeFormat)
	length := strconv.Itoa(len(body))
	return map[string]any{
		"ExecutionArn": rec.ARN,
		"StartDate":    value.Int(rec.StartedAt.UnixMilli()),
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"x-amzn-RequestId": []any{id},
				"connection":       []any{"keep-alive"},
				"Content-Length":   []any{length},
				"Date":             []any{date},
				"Content-Type":     []any{"application/x-amz-json-1.0"},
			},
			"HttpHeaders": map[string]any{
				"connection":       "keep-alive",
				"Content-Length":   length,
				"Content-Type":     "application/x-amz-json-1.0",
				"Date":             date,
				"x-amzn-RequestId": id,
			},
			"HttpStatusCode": value.Int(http.StatusOK),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": id},
	}
}

// describeOutput is the child execution as .sync and .sync:2 return it:
// DescribeExecution's answer with capitalised names, dates in epoch
// milliseconds, and (.sync:2) Input and Output as JSON rather than text.
func describeOutput(rec *store.Execution, sync2 bool) map[string]any {
	data := func(text string) any {
		if !sync2 {
			return text
		}
		v, err := value.DecodeString(text)
		if err != nil {
			return text
		}
		return v
	}
	out := map[string]any{
		"ExecutionArn":    rec.ARN,
		"StateMachineArn": rec.StateMachineARN,
		"Name":            rec.Name,
		"Status":          rec.Status,
		"StartDate":       value.Int(rec.StartedAt.UnixMilli()),
		"StopDate":        value.Int(rec.StoppedAt.UnixMilli()),
		"Input":           data(rec.Input),
		"InputDetails":    map[string]any{"Included": true},
		"RedriveCount":    value.Int(0),
	}
	if rec.Status == store.StatusSucceeded {
		out["Output"] = data(rec.Output)
		out["OutputDetails"] = map[string]any{"Included": true}
		out["RedriveStatus"] = "NOT_REDRIVABLE"
		out["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
	} else {
		out["RedriveStatus"] = "REDRIVABLE"
		if rec.Error != "" {
			out["Error"] = rec.Error
		}
		if rec.Cause != "" {
			out["Cause"] = rec.Cause
		}
	}
	return out
}

// childExecResult reads the child execution a .sync task waits for: its
// DescribeExecution shape when it succeeded, States.TaskFailed with that
// shape as the cause otherwise (as AWS reports it), or nothing while it
// runs.
func (s *step) childExecResult(ctx context.Context) (any, *asl.Error, error) {
	child := s.msg.ChildExec
	if w := s.cp.Wait; w != nil && w.ChildExec != "" {
		child = w.ChildExec
	}
	rec, err := s.e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: child})
	if errors.Is(err, store.ErrNotFound) {
		return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: fmt.Sprintf("Execution Does Not Exist: '%s'", child)}, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading child execution %s: %w", child, err)
	}
	if rec.Status == store.StatusRunning {
		return nil, nil, nil
	}
	_, st, err := s.m.Lookup(s.cp.Thread.Machine, s.cp.Thread.State)
	if err != nil {
		return nil, nil, err
	}
	pattern, _ := startExecutionPattern(st.Resource)
	out := describeOutput(rec, pattern == patternSync2)
	if rec.Status == store.StatusSucceeded {
		return out, nil, nil
	}
	b, _ := value.Encode(out)
	return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: string(b)}, nil
}

// parentMessage is the message that tells a .sync parent that its child
// execution ended, or nil when the parent does not wait for it.
func parentMessage(child string, link *parentLink) *message {
	if link == nil || link.Token == "" {
		return nil
	}
	return &message{Kind: kindChildExec, Exec: link.Exec, Thread: link.Thread, Token: link.Token, ChildExec: child}
}

// notifyParent sends the message that tells a .sync parent its child
// ended. Sending it twice is harmless: the parent's token fences it.
func (e *Engine) notifyParent(ctx context.Context, child *store.Execution, link *parentLink) error {
	m := parentMessage(child.ARN, link)
	if m == nil {
		return nil
	}
	if err := e.sendMessages(ctx, []queue.Message{{Body: m.encode()}}); err != nil {
		return fmt.Errorf("telling the parent of %s that it ended: %w", child.ARN, err)
	}
	return nil
}

// notifyParentOf is notifyParent for an execution record.
func (e *Engine) notifyParentOf(ctx context.Context, rec *store.Execution) error {
	if rec.Status == store.StatusRunning {
		return nil
	}
	var xd execData
	if json.Unmarshal(rec.Data, &xd) != nil {
		return nil
	}
	return e.notifyParent(ctx, rec, xd.Parent)
}

// newTaskToken returns an unguessable task token: 32 random bytes in hex,
// as the interpreter makes them.
func newTaskToken(r io.Reader) string {
	var b [32]byte
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = io.ReadFull(rand.Reader, b[:])
	}
	return hex.EncodeToString(b[:])
}
