package interp

import (
	"encoding/json"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Event is one Step Functions history event. It marshals to the shape of
// GetExecutionHistory's events: timestamp, type, id, previousEventId and
// one "<kind>EventDetails" object.
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string
	// DetailsKey is the name of the details field, e.g.
	// "stateEnteredEventDetails"; empty when the event has none.
	DetailsKey string
	Details    map[string]any
	// Lean marks a StateEntered or StateExited event built for an Env
	// with LeanEvents: instead of Details, it carries the state's name
	// (StateName) and its input or output (Data), which StateDetails turns
	// into the Details map. It saves building maps that a caller who writes
	// the event itself (the durable engine) would only read back.
	Lean      bool
	StateName string
	Data      any
}

// StateDetails returns the event's details: Details, or for a lean event
// the map its Details would have held.
func (e *Event) StateDetails() map[string]any {
	if !e.Lean {
		return e.Details
	}
	return stateDetails(e.DetailsKey, e.StateName, e.Data)
}

// Details keys of the events of entering and leaving a state.
const (
	stateEnteredKey = "stateEnteredEventDetails"
	stateExitedKey  = "stateExitedEventDetails"
)

// stateDetails builds the details of entering (key stateEnteredKey) or
// leaving a state.
func stateDetails(key, name string, data any) map[string]any {
	if key == stateEnteredKey {
		return map[string]any{"name": name, "input": payload(data), "inputDetails": map[string]any{"truncated": false}}
	}
	return map[string]any{"name": name, "output": payload(data), "outputDetails": map[string]any{"truncated": false}}
}

// MarshalJSON implements json.Marshaler.
func (e *Event) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"id":              e.ID,
		"previousEventId": e.PreviousEventID,
		"timestamp":       float64(e.Timestamp.UnixMilli()) / 1000,
		"type":            e.Type,
	}
	if e.DetailsKey != "" {
		m[e.DetailsKey] = e.StateDetails()
	}
	return json.Marshal(m)
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *Event) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for k, raw := range m {
		switch k {
		case "id":
			if err := json.Unmarshal(raw, &e.ID); err != nil {
				return err
			}
		case "previousEventId":
			if err := json.Unmarshal(raw, &e.PreviousEventID); err != nil {
				return err
			}
		case "timestamp":
			var f float64
			if err := json.Unmarshal(raw, &f); err != nil {
				return err
			}
			e.Timestamp = time.UnixMilli(int64(f*1000 + 0.5)).UTC()
		case "type":
			if err := json.Unmarshal(raw, &e.Type); err != nil {
				return err
			}
		default:
			e.DetailsKey = k
			v, err := value.Decode(raw)
			if err != nil {
				return err
			}
			e.Details, _ = v.(map[string]any)
		}
	}
	return nil
}

// stateEvents holds each state type's StateEntered and StateExited event
// types, so that a transition does not build them (an allocation each).
var stateEvents = func() map[asl.StateType]struct{ entered, exited string } {
	m := map[asl.StateType]struct{ entered, exited string }{}
	for _, t := range []asl.StateType{asl.TypeTask, asl.TypePass, asl.TypeChoice, asl.TypeWait, asl.TypeSucceed, asl.TypeFail, asl.TypeParallel, asl.TypeMap} {
		m[t] = struct{ entered, exited string }{string(t) + "StateEntered", string(t) + "StateExited"}
	}
	return m
}()

// payload renders a state's data as AWS's history does: a JSON string.
func payload(v any) string { return value.MustString(v) }

// emit allocates the next event id and, when the environment collects
// history, records the event. It returns the id.
func (env *Env) emit(th *Thread, typ, key string, details func() map[string]any) int64 {
	*env.IDs++
	id := *env.IDs
	if env.Emit != nil {
		ev := env.newEvent()
		*ev = Event{ID: id, PreviousEventID: th.LastEventID, Timestamp: env.Now, Type: typ, DetailsKey: key}
		if details != nil {
			ev.Details = details()
		}
		env.Emit(ev)
	}
	th.LastEventID = id
	return id
}

// emitState emits the event of entering (key stateEnteredKey) or leaving
// the state name with data: lean when env.LeanEvents.
func (env *Env) emitState(th *Thread, typ, key, name string, data any) int64 {
	if !env.LeanEvents || env.Emit == nil {
		return env.emit(th, typ, key, func() map[string]any { return stateDetails(key, name, data) })
	}
	*env.IDs++
	id := *env.IDs
	ev := env.newEvent()
	*ev = Event{ID: id, PreviousEventID: th.LastEventID, Timestamp: env.Now, Type: typ, DetailsKey: key,
		Lean: true, StateName: name, Data: data}
	env.Emit(ev)
	th.LastEventID = id
	return id
}

// newEvent returns a new event for Emit (see Env.eventSlab).
func (env *Env) newEvent() *Event {
	if len(env.eventSlab) == 0 {
		env.eventSlab = make([]Event, 2)
	}
	ev := &env.eventSlab[0]
	env.eventSlab = env.eventSlab[1:]
	return ev
}

// emitAside is emit for an event that the thread's next event does not
// follow (its previousEventId stays the one before): AWS's
// MapIterationSucceeded and the fan-out's ...StateSucceeded.
func (env *Env) emitAside(th *Thread, typ, key string, details func() map[string]any) int64 {
	last := th.LastEventID
	id := env.emit(th, typ, key, details)
	th.LastEventID = last
	return id
}
