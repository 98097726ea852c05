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

// Start starts an execution of a STANDARD state machine: one commit that
// creates the execution and its root thread, then the first message. It
// returns store.ErrAlreadyExists (wrapped) when the name is taken, unless
// the existing execution has the same input (then it returns that one, as
// StartExecution does).
func (e *Engine) Start(ctx context.Context, p *StartParams) (*store.Execution, error) {
	sm, err := e.store.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: p.StateMachineARN})
	if err != nil {
		return nil, fmt.Errorf("starting execution: %w", err)
	}
	m, _, err := e.machine(ctx, sm.ARN, sm.Revision)
	if err != nil {
		return nil, err
	}
	name := p.Name
	if name == "" {
		name = newUUID(e.rand)
	}
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidName, name)
	}
	in := p.Input
	if strings.TrimSpace(in) == "" {
		in = "{}"
	}
	input, err := value.DecodeString(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	if len(in) > 256*1024 {
		return nil, fmt.Errorf("%w: input is larger than 262144 bytes", ErrInvalidInput)
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	arn := ExecutionARN(sm.ARN, name)
	ex := &interp.Execution{ARN: arn, Name: name, StateMachineARN: sm.ARN, StateMachineName: sm.Name,
		RoleARN: sm.RoleARN, StartTime: now, Input: input, Type: sm.Type}
	data, _ := json.Marshal(&execData{Revision: sm.Revision, Exec: ex})
	cp := &checkpoint{Thread: interp.Thread{ID: rootThread, Status: interp.Running, State: m.Def.StartAt, Input: input, Started: true}}
	var events []*interp.Event
	ids := int64(0)
	env := &interp.Env{Exec: ex, Now: now, IDs: &ids, Emit: func(ev *interp.Event) { events = append(events, ev) }}
	_ = env
	// ExecutionStarted is event 1.
	ids = 1
	cp.Events = 1
	cp.Thread.LastEventID = 1
	startEv := &interp.Event{ID: 1, Timestamp: now, Type: "ExecutionStarted", DetailsKey: "executionStartedEventDetails",
		Details: map[string]any{"input": in, "inputDetails": map[string]any{"truncated": false}, "roleArn": sm.RoleARN}}
	events = append(events, startEv)
	first := &message{Kind: kindStep, Exec: arn, Thread: rootThread, Seq: 1}
	outbox := [][]byte{first.encode()}
	cpData, err := cp.encode()
	if err != nil {
		return nil, err
	}
	rec := &store.Execution{ARN: arn, StateMachineARN: sm.ARN, StateMachineRevision: sm.Revision, Name: name,
		Status: store.StatusRunning, Input: in, StartedAt: now, Data: data}
	err = e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:    arn,
		ExecutionCreate: rec,
		Threads:         []store.ThreadWrite{{ThreadID: rootThread, ExpectSeq: store.NoSeq, Seq: 1, Data: cpData, Outbox: outbox}},
		Events:          eventWrites(rootThread, now, events),
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		old, gerr := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
		if gerr == nil && old.Input == in {
			return old, nil
		}
		return nil, fmt.Errorf("starting execution %s: %w", arn, err)
	}
	if err != nil {
		return nil, fmt.Errorf("starting execution %s: %w", arn, err)
	}
	msgs := []queue.Message{{Body: first.encode()}}
	if m.Def.TimeoutSeconds > 0 {
		msgs = append(msgs, queue.Message{Body: (&message{Kind: kindExecEnd, Exec: arn}).encode(),
			Delay: time.Duration(m.Def.TimeoutSeconds) * time.Second})
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
		// The execution is committed; the first message is in the root's
		// outbox and Resume sends it again.
		return rec, fmt.Errorf("sending first message of %s: %w", arn, err)
	}
	return rec, nil
}

// eventWrites turns interpreter events into store writes. Keys sort by
// time, then thread, then the thread's local id, so that a history reads
// back in the order things happened.
func eventWrites(thread string, now time.Time, events []*interp.Event) []store.EventWrite {
	out := make([]store.EventWrite, 0, len(events))
	for _, ev := range events {
		se := storedEvent{Thread: thread, Event: ev}
		b, _ := json.Marshal(&se)
		out = append(out, store.EventWrite{Key: fmt.Sprintf("%019d#%s#%010d", now.UnixNano(), thread, ev.ID), Data: b})
	}
	return out
}

// storedEvent is a history event as stored: its thread and local ids.
type storedEvent struct {
	Thread string        `json:"thread"`
	Event  *interp.Event `json:"event"`
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
