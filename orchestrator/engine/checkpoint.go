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
	// kindChild: how many events the child recorded.
	Events int64 `json:"n,omitempty"`
	// kindChildExec: the child execution's ARN.
	ChildExec string `json:"cx,omitempty"`
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

func (m *message) encode() []byte {
	b, _ := json.Marshal(m)
	return b
}

func decodeMessage(b []byte) (*message, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding message: %w", err)
	}
	if m.Exec == "" || m.Kind == "" {
		return nil, fmt.Errorf("decoding message: missing execution or kind")
	}
	return &m, nil
}

// checkpoint is what the engine stores for a thread.
type checkpoint struct {
	Thread interp.Thread `json:"th"`
	// Events is the thread's event counter: its last local event id.
	Events int64 `json:"n"`
	// Parent, Index and Gen place a child in its parent's fork.
	Parent string `json:"p,omitempty"`
	Index  int    `json:"i,omitempty"`
	Gen    int    `json:"g,omitempty"`
	Fork   *fork  `json:"f,omitempty"`
	// ForkGens is the generation of the thread's last fork; it survives
	// the join, so the next fork of the thread gets a new one.
	ForkGens int `json:"fg,omitempty"`
	// Wait is the task the thread waits for while in PhaseTask with a
	// token (callback, activity, child execution).
	Wait *taskWait `json:"w,omitempty"`
	// Recent holds the (local id, time) of the thread's last few history
	// events, from which their store keys follow: each new event records
	// its predecessor's key, so that a history page can number it without
	// reading the pages before. Forgot is the greatest local id dropped
	// from Recent, and Keyed says that Recent and Forgot cover every event
	// of the thread (a checkpoint from before they existed does not).
	Recent [][2]int64 `json:"rk,omitempty"`
	Forgot int64      `json:"rf,omitempty"`
	Keyed  bool       `json:"ky,omitempty"`
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
	Gen         int              `json:"g"`
	Children    []*interp.Thread `json:"c"` // specs of the children not launched yet (nil once launched)
	Total       int              `json:"t"`
	Launched    int              `json:"l"`
	Done        []uint64         `json:"d"` // bitmap of children done
	NDone       int              `json:"nd"`
	NFailed     int              `json:"nf"`
	ChildEvents int64            `json:"ce"` // events the children recorded
	Req         forkLimits       `json:"r"`
}

type forkLimits struct {
	MaxConcurrency int     `json:"mc"`
	TolCount       int64   `json:"tc"`
	TolPct         float64 `json:"tp"`
	Map            bool    `json:"m"`
}

func (f *fork) request() *interp.ForkRequest {
	return &interp.ForkRequest{MaxConcurrency: f.Req.MaxConcurrency, ToleratedFailureCount: f.Req.TolCount,
		ToleratedFailurePercentage: f.Req.TolPct, Map: f.Req.Map}
}

func (f *fork) done(i int) bool { return f.Done[i/64]&(1<<(i%64)) != 0 }
func (f *fork) setDone(i int)   { f.Done[i/64] |= 1 << (i % 64) }

// running is how many launched children have not ended.
func (f *fork) running() int { return f.Launched - f.NDone }

func (cp *checkpoint) encode() ([]byte, error) {
	b, err := json.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	return b, nil
}

func decodeCheckpoint(b []byte) (*checkpoint, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var cp checkpoint
	if err := dec.Decode(&cp); err != nil {
		return nil, fmt.Errorf("decoding checkpoint: %w", err)
	}
	return &cp, nil
}

// execData is the engine's part of an execution record.
type execData struct {
	Revision int64             `json:"rev"`
	Exec     *interp.Execution `json:"ex"`
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
