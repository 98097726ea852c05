package engine

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// StartParams are the parameters of Start.
type StartParams struct {
	StateMachineARN string
	// Name is the execution's name; empty picks a random UUID.
	Name string
	// Input is the execution input, a JSON text ("" means "{}").
	Input string
}

// Sentinel errors of the engine's API, mapped by the API to Step
// Functions error types.
var (
	ErrInvalidInput     = errors.New("invalid execution input")
	ErrInvalidName      = errors.New("invalid execution name")
	ErrNotRunning       = errors.New("execution is not running")
	ErrTaskDoesNotExist = errors.New("task does not exist")
)

// rootThread is the ID of an execution's root thread.
const rootThread = "root"

var nameRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,80}$`)

// ExecutionARN returns the ARN of execution name of a state machine.
func ExecutionARN(stateMachineARN, name string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Start starts an execution: for a STANDARD state machine, one commit
// that creates the execution (its root thread's first checkpoint follows
// from it: rootStart), then the first message;
// for an EXPRESS one, a commit of the execution record and one message
// whose handler runs it from start to end (at least once). It returns
// store.ErrAlreadyExists (wrapped) when the name is taken, unless the
// existing execution runs with the same input (then it returns that one, as
// StartExecution does for a running execution). An EXPRESS execution's
// ARN has a random suffix, so its name is never taken.
func (e *Engine) Start(ctx context.Context, p *StartParams) (*store.Execution, error) {
	rec, msgs, err := e.start(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return rec, nil
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
		// The execution is committed; ResumeAll sends its first message
		// again (the root's outbox holds it).
		return rec, fmt.Errorf("sending first message of %s: %w", rec.ARN, err)
	}
	return rec, nil
}

// start commits a new execution and returns the messages that set it
// going, for the caller to send (a parent step keeps them in its outbox,
// so that a child cannot end before its parent waits for it). parent,
// when set, links the execution to the thread that started it. For an
// existing execution of the same name and input, it returns that one and,
// if it was started by the same parent thread, its first messages again.
func (e *Engine) start(ctx context.Context, p *StartParams, parent *parentLink) (*store.Execution, []queue.Message, error) {
	sm, err := e.store.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: p.StateMachineARN})
	if err != nil {
		return nil, nil, fmt.Errorf("starting execution: %w", err)
	}
	m, _, err := e.machine(ctx, sm.ARN, sm.Revision)
	if err != nil {
		return nil, nil, err
	}
	name, in, input, err := e.checkStart(p)
	if err != nil {
		return nil, nil, err
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	arn := ExecutionARN(sm.ARN, name)
	if sm.Type == store.TypeExpress {
		arn = expressARN(sm.ARN, name, newUUID(e.rand))
	}
	data, _ := json.Marshal(&execData{Revision: sm.Revision, Express: sm.Type == store.TypeExpress, Parent: parent})
	rec := &store.Execution{ARN: arn, StateMachineARN: sm.ARN, StateMachineRevision: sm.Revision, Name: name,
		Status: store.StatusRunning, Input: in, StartedAt: now, Data: data}
	if sm.Type == store.TypeExpress {
		// No checkpoint: the record, for at-least-once, and one message.
		if err := e.store.Commit(ctx, &store.CommitParams{ExecutionARN: arn, ExecutionCreate: rec}); err != nil {
			return nil, nil, fmt.Errorf("starting execution %s: %w", arn, err)
		}
		return rec, []queue.Message{{Body: (&message{Kind: kindExpress, Exec: arn}).encode()}}, nil
	}
	// The root's first checkpoint is not written: it follows from the
	// record (rootStart), and the step that leaves it records
	// ExecutionStarted. The execution is one item, one plain write.
	msgs := firstMessages(arn, m, now, now)
	if cpData, err := rootStart(m, rec, input).encode(); err == nil && len(cpData) <= maxCarried {
		// The first step may skip reading anything.
		first := mustDecodeMessage(msgs[0].Body)
		first.CP = cpData
		msgs[0].Body = first.encode()
	}
	err = e.store.Commit(ctx, &store.CommitParams{ExecutionARN: arn, ExecutionCreate: rec})
	if errors.Is(err, store.ErrAlreadyExists) {
		old, gerr := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
		// Idempotent for a running execution of the same input, as AWS.
		if gerr == nil && old.Input == in && old.Status == store.StatusRunning {
			// Send the first messages again: the call that created it may
			// have died before sending them. A duplicate is dropped by the
			// fence.
			if parent == nil || sameParent(old, parent) {
				return old, firstMessages(arn, m, old.StartedAt, e.now()), nil
			}
			return old, nil, nil
		}
		return nil, nil, fmt.Errorf("starting execution %s: %w", arn, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("starting execution %s: %w", arn, err)
	}
	return rec, msgs, nil
}

// firstMessages are the messages that set a STANDARD execution started at
// started going, sent at now: its first step and its timeout.
func firstMessages(arn string, m *interp.Machine, started, now time.Time) []queue.Message {
	msgs := []queue.Message{{Body: (&message{Kind: kindStep, Exec: arn, Thread: rootThread, Seq: store.NoSeq}).encode()}}
	if m.Def.TimeoutSeconds > 0 {
		due := started.Add(time.Duration(m.Def.TimeoutSeconds) * time.Second)
		msgs = append(msgs, queue.Message{Body: (&message{Kind: kindExecEnd, Exec: arn}).encode(), Delay: max(due.Sub(now), 0)})
	}
	return msgs
}

// checkStart validates a start's name and input: the name (a new UUID when
// empty), the input text ("{}" when empty) and its value.
func (e *Engine) checkStart(p *StartParams) (name, in string, input any, err error) {
	name = p.Name
	if name == "" {
		name = newUUID(e.rand)
	}
	if !nameRE.MatchString(name) {
		return "", "", nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	in = p.Input
	if strings.TrimSpace(in) == "" {
		in = "{}"
	}
	input, err = value.DecodeString(in)
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	if len(in) > 256*1024 {
		return "", "", nil, fmt.Errorf("%w: input is larger than 262144 bytes", ErrInvalidInput)
	}
	return name, in, input, nil
}

// sameParent reports whether execution rec was started by parent's thread.
func sameParent(rec *store.Execution, parent *parentLink) bool {
	var xd execData
	if json.Unmarshal(rec.Data, &xd) != nil || xd.Parent == nil {
		return false
	}
	return xd.Parent.Exec == parent.Exec && xd.Parent.Thread == parent.Thread
}

// newUUID returns a random (version 4) UUID.
func newUUID(r io.Reader) string {
	var b [16]byte
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = io.ReadFull(rand.Reader, b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// rootStart is the root thread's first checkpoint (at store.NoSeq, as a
// child's before its first step) of execution rec, whose input is input:
// never stored, it follows from the record. The step that writes the
// root's Seq 0 records ExecutionStarted (event 1,
// startedEvent) with its own events.
func rootStart(m *interp.Machine, rec *store.Execution, input any) *checkpoint {
	cp := &checkpoint{Thread: interp.Thread{ID: rootThread, Status: interp.Running, State: m.Def.StartAt, Input: input, Started: true},
		Time: rec.StartedAt.UnixNano()}
	// ExecutionStarted is event 1; the first state's event follows none
	// (previousEventId 0), as in AWS's histories and interp.Run's.
	cp.Events = 1
	return cp
}

// rootFirst is rootStart with the input decoded from the record.
func rootFirst(m *interp.Machine, rec *store.Execution) (*checkpoint, error) {
	input, err := value.DecodeString(rec.Input)
	if err != nil {
		return nil, fmt.Errorf("decoding the input of %s: %w", rec.ARN, err)
	}
	return rootStart(m, rec, input), nil
}

// startedEvent is the ExecutionStarted event of execution rec, run by a
// state machine whose role is roleARN.
func startedEvent(rec *store.Execution, roleARN string) *interp.Event {
	return &interp.Event{ID: 1, Timestamp: rec.StartedAt, Type: "ExecutionStarted", DetailsKey: "executionStartedEventDetails",
		Details: map[string]any{"input": rec.Input, "inputDetails": map[string]any{"truncated": false}, "roleArn": roleARN}}
}
