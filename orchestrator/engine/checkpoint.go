package engine

import (
	"bytes"
	"encoding/json"
	"fmt"

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
	// kindCallback.
	Token  string          `json:"tk,omitempty"`
	Output json.RawMessage `json:"o,omitempty"`
	Error  string          `json:"er,omitempty"`
	Cause  string          `json:"c,omitempty"`
	Failed bool            `json:"f,omitempty"`
	// kindChild: how many events the child recorded.
	Events int64 `json:"n,omitempty"`
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
}
