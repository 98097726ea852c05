package interp

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// Machine is a parsed definition ready to run: the top-level state machine
// and every nested one (Parallel branches, Map processors) by path.
type Machine struct {
	Def      *asl.StateMachine
	machines map[string]*asl.StateMachine
	parents  map[string]*asl.State // path -> the Parallel or Map state that owns it
}

// NewMachine indexes a parsed definition.
func NewMachine(def *asl.StateMachine) *Machine {
	m := &Machine{Def: def, machines: map[string]*asl.StateMachine{"": def}, parents: map[string]*asl.State{}}
	m.index("", def)
	return m
}

func (m *Machine) index(prefix string, sm *asl.StateMachine) {
	for name, st := range sm.States {
		switch st.Type {
		case asl.TypeParallel:
			for i, b := range st.Branches {
				p := join(prefix, name+"#"+strconv.Itoa(i))
				m.machines[p] = b
				m.parents[p] = st
				m.index(p, b)
			}
		case asl.TypeMap:
			if st.ItemProcessor != nil {
				p := join(prefix, name+"#0")
				m.machines[p] = st.ItemProcessor
				m.parents[p] = st
				m.index(p, st.ItemProcessor)
			}
		}
	}
}

func join(prefix, part string) string {
	if prefix == "" {
		return part
	}
	return prefix + "/" + part
}

// Lookup returns the state machine at path and its state name.
func (m *Machine) Lookup(path, state string) (*asl.StateMachine, *asl.State, error) {
	sm, ok := m.machines[path]
	if !ok {
		return nil, nil, fmt.Errorf("looking up state machine %q: no such path", path)
	}
	st, ok := sm.States[state]
	if !ok {
		return nil, nil, fmt.Errorf("looking up state %q in %q: no such state", state, path)
	}
	return sm, st, nil
}

// Parent returns the Parallel or Map state that owns the nested state
// machine at path, or nil for the top level.
func (m *Machine) Parent(path string) *asl.State { return m.parents[path] }

// isIteration reports whether the machine at path is a Map processor
// (a Parallel's first branch also ends in "#0").
func (m *Machine) isIteration(path string) bool {
	p := m.parents[path]
	return p != nil && p.Type == asl.TypeMap
}

// Env is what one step runs with, besides the thread itself: the
// execution, the time, the event id counter and where history goes. Step
// updates it (Now aside): an Env serves one goroutine at a time.
type Env struct {
	Exec *Execution
	// Now is the time of this step (from the engine's clock).
	Now time.Time
	// IDs is the event id counter: the last id allocated. Step increments it.
	IDs *int64
	// Emit receives each history event; nil skips building them (ids are
	// still allocated, since error causes name them).
	Emit func(*Event)
	// LeanEvents makes the events of entering and leaving a state lean
	// (Event.Lean): for an Emit that encodes them itself.
	LeanEvents bool
	// Rand is the source of randomness (task tokens, jitter, States.UUID,
	// $random). Nil means crypto/rand.
	Rand io.Reader
	// MaxPayload is the payload limit in bytes (0: 256 KiB).
	MaxPayload int

	// The context object's parts that do not change (see staticContext).
	ctxFor         *Execution
	ctxExec, ctxSM map[string]any
	// eventSlab holds the next events to emit: they are made two at a
	// time (a state's entry and exit), each handed out once.
	eventSlab []Event
	// scratch is the step state that Step reuses from one step to the
	// next (an Env serves one goroutine at a time), kept in the Env to
	// save an allocation where an Env serves one step. An Env is not
	// copied once used (scratch refers to itself).
	scratch run
}
