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
// that creates the execution and its root thread, then the first message;
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
	ex := &interp.Execution{ARN: arn, Name: name, StateMachineARN: sm.ARN, StateMachineName: sm.Name,
		RoleARN: sm.RoleARN, StartTime: now, Input: input, Type: sm.Type}
	data, _ := json.Marshal(&execData{Revision: sm.Revision, Exec: ex, Parent: parent})
	rec := &store.Execution{ARN: arn, StateMachineARN: sm.ARN, StateMachineRevision: sm.Revision, Name: name,
		Status: store.StatusRunning, Input: in, StartedAt: now, Data: data}
	if sm.Type == store.TypeExpress {
		// No checkpoint: the record, for at-least-once, and one message.
		if err := e.store.Commit(ctx, &store.CommitParams{ExecutionARN: arn, ExecutionCreate: rec}); err != nil {
			return nil, nil, fmt.Errorf("starting execution %s: %w", arn, err)
		}
		return rec, []queue.Message{{Body: (&message{Kind: kindExpress, Exec: arn}).encode()}}, nil
	}
	cp := &checkpoint{Thread: interp.Thread{ID: rootThread, Status: interp.Running, State: m.Def.StartAt, Input: input, Started: true}, Keyed: true}
	// ExecutionStarted is event 1.
	cp.Events = 1
	cp.Thread.LastEventID = 1
	startEv := &interp.Event{ID: 1, Timestamp: now, Type: "ExecutionStarted", DetailsKey: "executionStartedEventDetails",
		Details: map[string]any{"input": in, "inputDetails": map[string]any{"truncated": false}, "roleArn": sm.RoleARN}}
	events := eventWrites(rootThread, now, []*interp.Event{startEv}, cp)
	msgs := firstMessages(arn, m, now, now)
	outbox := [][]byte{encodeOutbox(msgs[0])}
	cpData, err := cp.encode()
	if err != nil {
		return nil, nil, err
	}
	err = e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:    arn,
		ExecutionCreate: rec,
		Threads:         []store.ThreadWrite{{ThreadID: rootThread, ExpectSeq: store.NoSeq, Seq: 0, Data: cpData, Outbox: outbox}},
		Events:          events,
	})
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
	msgs := []queue.Message{{Body: (&message{Kind: kindStep, Exec: arn, Thread: rootThread, Seq: 0}).encode()}}
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

// eventWrites turns interpreter events into store writes. Keys sort by
// time, then thread, then the thread's local id, so that a history reads
// back in the order things happened. Each event records the key of the
// event its previousEventId names when that is one of the thread's recent
// events (cp, when not nil, remembers them).
func eventWrites(thread string, now time.Time, events []*interp.Event, cp *checkpoint) []store.EventWrite {
	out := make([]store.EventWrite, 0, len(events))
	for _, ev := range events {
		key := eventKey(now.UnixNano(), thread, ev.ID)
		se := storedEvent{Thread: thread, Event: ev, V: 1}
		if cp != nil {
			se.PrevKey, se.V = cp.prevKey(thread, ev.PreviousEventID)
			cp.remember(ev.ID, now.UnixNano())
		}
		b, _ := json.Marshal(&se)
		out = append(out, store.EventWrite{Key: key, Data: b})
	}
	return out
}

// eventKey is the store key of a thread's event.
func eventKey(nanos int64, thread string, id int64) string {
	return fmt.Sprintf("%019d#%s#%010d", nanos, thread, id)
}

// recentEvents is how many of its last events a checkpoint remembers.
const recentEvents = 3

// prevKey returns the key of the thread's event with local id prev, and
// the storedEvent version: 1 when the key is known or no such event
// exists, 0 when it may exist but is not remembered (a reader then finds
// it by reading the history from the start).
func (cp *checkpoint) prevKey(thread string, prev int64) (string, int) {
	if prev <= 0 {
		return "", 1
	}
	for _, r := range cp.Recent {
		if r[0] == prev {
			return eventKey(r[1], thread, prev), 1
		}
	}
	if cp.Keyed && prev > cp.Forgot {
		return "", 1 // never written by this thread (ids skipped at a join)
	}
	return "", 0
}

// remember records the thread's event id, written at nanos.
func (cp *checkpoint) remember(id, nanos int64) {
	if len(cp.Recent) == recentEvents {
		cp.Forgot = max(cp.Forgot, cp.Recent[0][0])
		cp.Recent = append(cp.Recent[:0], cp.Recent[1:]...)
	}
	cp.Recent = append(cp.Recent, [2]int64{id, nanos})
}

// storedEvent is a history event as stored: its thread and local ids.
type storedEvent struct {
	Thread string        `json:"thread"`
	Event  *interp.Event `json:"event"`
	// PrevKey is the key of the event Event.PreviousEventID names, when
	// that is the thread's previous event; empty when there is none (the
	// history then numbers previousEventId as id-1).
	PrevKey string `json:"pk,omitempty"`
	// V is 1 for events that carry PrevKey when they should; 0 for
	// events written before it existed, whose predecessor a history page
	// finds by reading from the start.
	V int `json:"v,omitempty"`

	key string // the store key, when read back
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
