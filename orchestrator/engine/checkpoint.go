package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// Message kinds.
const (
	kindStep     = "step"     // enter the thread's current state
	kindTimer    = "timer"    // the thread's timer is due
	kindCallback = "callback" // a task token was answered
	kindTimeout  = "timeout"  // a waiting task's TimeoutSeconds passed
	kindChild    = "child"    // a child of the thread ended
	kindLaunch   = "launch"   // launch more children
	kindAbort    = "abort"    // the thread's fan-out failed: abort it
	kindExecEnd  = "exectimeout"
	// kindHeartbeat: a waiting task's heartbeat deadline may have passed.
	kindHeartbeat = "heartbeat"
	// kindChildExec: an execution started by states:startExecution.sync
	// ended; the parent thread reads it.
	kindChildExec = "childexec"
	// kindExpress: run an EXPRESS execution from start to end.
	kindExpress = "express"
)

// message is the body of a queue message.
type message struct {
	Kind   string `json:"k"`
	Exec   string `json:"e"`
	Thread string `json:"t"`
	Seq    int64  `json:"s"`
	// kindChild: which child and fork generation.
	Index int `json:"i,omitempty"`
	Gen   int `json:"g,omitempty"`
	// kindCallback, kindTimeout, kindHeartbeat, kindChildExec: the task
	// token the thread waits on; these messages are fenced by it instead
	// of by Seq.
	Token  string          `json:"tk,omitempty"`
	Output json.RawMessage `json:"o,omitempty"`
	Error  string          `json:"er,omitempty"`
	Cause  string          `json:"c,omitempty"`
	Failed bool            `json:"f,omitempty"`
	// kindChild: how many events the child recorded, and its last state
	// event (its local id): a child launched in its place follows it.
	Events int64 `json:"n,omitempty"`
	Last   int64 `json:"le,omitempty"`
	// All, on a kindChild of a quiet fork, says its sender found every
	// child of the fork succeeded (quietEnd).
	All bool `json:"al,omitempty"`
	// kindChildExec: the child execution's ARN.
	ChildExec string `json:"cx,omitempty"`
	// CP, when set, is the thread's checkpoint at Seq, as its step item
	// holds it (kindStep, kindTimer): the receiver of a first delivery
	// may skip reading it when the step has no side effect, since the
	// commit is fenced anyway. Never kept in an outbox.
	CP json.RawMessage `json:"cp,omitempty"`
	// Parent is the parent thread of a child's first message (Seq NoSeq),
	// to read the child's spec from when CP is missing.
	Parent string `json:"p,omitempty"`
	// At is the time of the sender's step, in Unix nanoseconds: a child's
	// first step and its parent's step on its end happen after it, even
	// on a machine whose clock is behind.
	At int64 `json:"at,omitempty"`
}

// tokenFenced reports whether m answers a waiting task: such messages are
// fenced by the thread's task token, because heartbeats and
// ActivityStarted advance the thread's Seq while it waits.
func (m *message) tokenFenced() bool {
	switch m.Kind {
	case kindCallback, kindHeartbeat, kindChildExec:
		return true
	case kindTimeout:
		return m.Token != "" // older timeout messages carry only Seq
	}
	return false
}

// encode returns m's body: see appendMessage.
func (m *message) encode() []byte {
	n := 128
	if m.CP != nil {
		n += len(m.CP) + 32
	}
	return appendMessage(make([]byte, 0, n), m)
}

// encodeLean encodes m without its carried checkpoint, for an outbox.
func (m *message) encodeLean() []byte {
	return appendLeanMessage(make([]byte, 0, 128), m)
}

func decodeMessage(b []byte) (*message, error) {
	m := new(message)
	if !readMessage(b, m) {
		// Not as the engine writes messages now (an older engine's
		// message, or escaped strings): encoding/json reads it.
		*m = message{}
		if err := json.Unmarshal(b, m); err != nil {
			return nil, fmt.Errorf("decoding message: %w", err)
		}
	}
	if m.Exec == "" || m.Kind == "" {
		return nil, fmt.Errorf("decoding message: missing execution or kind")
	}
	return m, nil
}

// checkpoint is what the engine stores for a thread.
type checkpoint struct {
	// Thread is the interpreter's checkpoint (encoded as "th", except
	// while Base holds it).
	Thread interp.Thread `json:"-"`
	// Events is the thread's event counter: its last local event id.
	Events int64 `json:"n"`
	// Parent, Index and Gen place a child in its parent's fork.
	Parent string `json:"p,omitempty"`
	Index  int    `json:"i,omitempty"`
	Gen    int    `json:"g,omitempty"`
	// Siblings, on a child of a quiet fork (fork.Quiet), is how many
	// children the fork has: a child that succeeds tells its parent only
	// if it finds them all ended (quietEnd).
	Siblings int   `json:"sb,omitempty"`
	Fork     *fork `json:"f,omitempty"`
	// ForkGens is the generation of the thread's last fork; it survives
	// the join, so the next fork of the thread gets a new one.
	ForkGens int `json:"fg,omitempty"`
	// Wait is the task the thread waits for while in PhaseTask with a
	// token (callback, activity, child execution).
	Wait *taskWait `json:"w,omitempty"`
	// Time is the time of the thread's last step, in Unix nanoseconds:
	// its next step happens later (history orders events by time).
	Time int64 `json:"tm,omitempty"`
	// Stopped marks the step that Stop or the execution's timeout
	// committed on the root thread: nothing follows it.
	Stopped bool `json:"x,omitempty"`
	// Aborted marks a child whose parent's fan-out failed while it ran:
	// it records its abort once its own children have recorded theirs.
	Aborted bool `json:"ab,omitempty"`
	// PrevThread, on a child's first checkpoint, names the thread whose
	// event (Thread.LastEventID, that thread's local id) the child's first
	// event follows: its parent's ...StateStarted, or the last state event
	// of the sibling it replaces in a Map's window.
	PrevThread string `json:"pt,omitempty"`
	// Base names the thread that holds this thread's interp.Thread and
	// its fork's child specs while it waits for large fan-outs: its steps
	// then store only the fork's bookkeeping (Thread is empty in them).
	Base string `json:"b,omitempty"`
	// OutboxSeq is the Seq of the step that wrote the thread's outbox,
	// when later commits (a heartbeat, ActivityStarted) advanced Seq
	// without replacing it; 0 means Seq.
	OutboxSeq int64 `json:"os,omitempty"`
	// Consumed is the last task token whose answer the thread consumed: a
	// redelivered answer sends the outbox again.
	Consumed string `json:"cs,omitempty"`
}

// taskWait is what a thread waiting for a task token knows about it.
type taskWait struct {
	Token string `json:"t"`
	// Heartbeat is HeartbeatSeconds (0: none) and HeartbeatDue the time
	// by which the next heartbeat must come.
	Heartbeat    int64     `json:"hb,omitempty"`
	HeartbeatDue time.Time `json:"hd,omitzero"`
	// Activity and ActivityKey name the waiting activity task; Started
	// says a worker took it.
	Activity    string `json:"a,omitempty"`
	ActivityKey string `json:"ak,omitempty"`
	Started     bool   `json:"st,omitempty"`
	// ChildExec is the execution a states:startExecution.sync task waits
	// for.
	ChildExec string `json:"cx,omitempty"`
	// internal marks a token that only the engine answers (.sync): the
	// token record says so, SendTask* refuse it. Not stored here.
	internal bool
	// response is the integration's answer, recorded in TaskSubmitted.
	// Not stored here.
	response any
}

// outboxSeq returns the Seq of the step that wrote the thread's outbox.
func (cp *checkpoint) outboxSeq(seq int64) int64 {
	if cp.OutboxSeq != 0 {
		return cp.OutboxSeq
	}
	return seq
}

// tokenData is the engine's part of a task token record.
type tokenData struct {
	// Internal tokens are answered by the engine only (a child execution
	// of states:startExecution.sync); SendTask* do not know them.
	Internal bool `json:"i,omitempty"`
}

func decodeTokenData(b []byte) tokenData {
	var d tokenData
	if len(b) > 0 {
		_ = json.Unmarshal(b, &d)
	}
	return d
}

// fork is a parent's bookkeeping of its children.
type fork struct {
	Gen int `json:"g"`
	// Specs are the children, in a compact form (childSpecs); in the
	// base thread, not here, when the checkpoint has a Base.
	Specs       *childSpecs `json:"c,omitempty"`
	Total       int         `json:"t"`
	Launched    int         `json:"l"`
	Done        []uint64    `json:"d"` // bitmap of children done
	NDone       int         `json:"nd,omitempty"`
	NFailed     int         `json:"nf,omitempty"`
	ChildEvents int64       `json:"ce,omitempty"` // events the children recorded
	// Aborting, set when the children failed beyond the tolerance while
	// some still ran, is the Done bitmap of that moment: the children the
	// join reports; the others are being aborted, and the join waits for
	// them to have recorded it.
	Aborting []uint64   `json:"ab,omitempty"`
	Req      forkLimits `json:"r"`
	// Quiet: the children that succeed do not report to the parent one
	// by one; the one that finds them all succeeded reports for all
	// (quietEnd). A failure reports at once, and a child aborted after it
	// succeeded reports then.
	Quiet bool `json:"q,omitempty"`
}

type forkLimits struct {
	MaxConcurrency int     `json:"mc,omitempty"`
	TolCount       int64   `json:"tc"`
	TolPct         float64 `json:"tp"`
	Map            bool    `json:"m,omitempty"`
}

func (f *fork) request() *interp.ForkRequest {
	return &interp.ForkRequest{MaxConcurrency: f.Req.MaxConcurrency, ToleratedFailureCount: f.Req.TolCount,
		ToleratedFailurePercentage: f.Req.TolPct, Map: f.Req.Map}
}

func (f *fork) done(i int) bool { return f.Done[i/64]&(1<<(i%64)) != 0 }
func (f *fork) setDone(i int)   { f.Done[i/64] |= 1 << (i % 64) }

// ended reports whether child i is one whose result the join reports: one
// that ended, before the fork began aborting the others if it did.
func (f *fork) ended(i int) bool {
	if f.Aborting != nil {
		return f.Aborting[i/64]&(1<<(i%64)) != 0
	}
	return f.done(i)
}

// running is how many launched children have not ended.
func (f *fork) running() int { return f.Launched - f.NDone }

// checkpointWire is a checkpoint as encoded.
type checkpointWire struct {
	Thread *interp.Thread `json:"th,omitempty"`
	*checkpointFields
}

type checkpointFields checkpoint

func (cp *checkpoint) encode() ([]byte, error) {
	buf := wireBufs.Get().(*[]byte)
	b, err := appendCheckpoint((*buf)[:0], cp)
	if err != nil {
		wireBufs.Put(buf)
		return cp.encodeJSON() // what appendCheckpoint leaves to encoding/json
	}
	out := bytes.Clone(b)
	if cap(b) <= maxWireBuf {
		*buf = b[:0]
	}
	wireBufs.Put(buf)
	return out, nil
}

// encodeJSON is encode through encoding/json.
func (cp *checkpoint) encodeJSON() ([]byte, error) {
	w := checkpointWire{Thread: &cp.Thread, checkpointFields: (*checkpointFields)(cp)}
	if cp.Base != "" {
		// The thread and the fork's specs are in the base thread.
		w.Thread = nil
		if cp.Fork != nil && cp.Fork.Specs != nil {
			f := *cp.Fork
			f.Specs = nil
			c := *cp
			c.Fork = &f
			w.checkpointFields = (*checkpointFields)(&c)
		}
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	return b, nil
}

func decodeCheckpoint(b []byte) (*checkpoint, error) {
	if cp := new(checkpoint); readCheckpoint(b, cp) {
		return cp, nil
	}
	return decodeCheckpointJSON(b)
}

// decodeCheckpointJSON is decodeCheckpoint through encoding/json.
func decodeCheckpointJSON(b []byte) (*checkpoint, error) {
	var cp checkpoint
	w := checkpointWire{Thread: &cp.Thread, checkpointFields: (*checkpointFields)(&cp)}
	if err := decodeJSON(b, &w); err != nil {
		return nil, fmt.Errorf("decoding checkpoint: %w", err)
	}
	return &cp, nil
}

// execData is the engine's part of an execution record.
type execData struct {
	Revision int64 `json:"rev"`
	// Express marks an EXPRESS execution.
	Express bool `json:"x,omitempty"`
	// Exec is the context object's execution. It is not stored: the
	// record and the state machine's revision give it (execution()).
	Exec *interp.Execution `json:"-"`
	// Parent links an execution started by a states:startExecution task
	// to the thread that started it.
	Parent *parentLink `json:"parent,omitempty"`
}

// parentLink is where a child execution reports its end.
type parentLink struct {
	Exec   string `json:"e"`
	Thread string `json:"t"`
	// Token is the parent's internal task token (.sync, .sync:2); empty
	// when the parent does not wait for the end.
	Token string `json:"tk,omitempty"`
}
