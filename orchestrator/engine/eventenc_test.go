package engine

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// TestAppendStoredEvent checks that the event writer gives encoding/json's
// bytes, which the reader (and older readers) decode.
func TestAppendStoredEvent(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	events := []*interp.Event{
		{ID: 1, Timestamp: at, Type: "ExecutionStarted", DetailsKey: "executionStartedEventDetails",
			Details: map[string]any{"input": `{"a":"<b>&\u2028\u0001"}`, "inputDetails": map[string]any{"truncated": false}, "roleArn": "arn:r"}},
		{ID: 2, PreviousEventID: 0, Timestamp: at, Type: "PassStateEntered"},
		{ID: 30, PreviousEventID: 29, Timestamp: time.Unix(0, 0), Type: "MapIterationStarted", DetailsKey: "mapIterationStartedEventDetails",
			Details: map[string]any{"name": "M", "index": 3, "n": value.Int(7), "f": 1.5, "l": []any{"x", nil, true, json.Number("2.5")}, "z": nil}},
		{ID: 4, PreviousEventID: 3, Timestamp: at, Type: "TaskFailed", DetailsKey: "aDetails", // sorts first
			Details: map[string]any{"error": "E\xff\"\\\n\t\r", "cause": "日本語 é"}},
		{ID: 5, PreviousEventID: 4, Timestamp: at, Type: "X", DetailsKey: "zDetails", Details: nil},
	}
	// A details key in every place among the others.
	for _, k := range []string{"a", "i", "ie", "p", "q", "t", "tz", "ty", "u", "type0"} {
		events = append(events, &interp.Event{ID: 6, PreviousEventID: 5, Timestamp: at, Type: "Y", DetailsKey: k,
			Details: map[string]any{"k": k, "v": []any{}, "m": map[string]any{}}})
	}
	for _, ev := range events {
		for _, forked := range []bool{false, true} {
			for _, pt := range []string{"", "root/1.2"} {
				want, err := json.Marshal(&storedEvent{At: at.UnixNano(), Event: ev, Forked: forked, PrevThread: pt})
				require.NoError(t, err)
				got := appendStoredEvent(nil, at.UnixNano(), ev, forked, pt)
				require.Equal(t, string(want), string(got))
			}
		}
	}
}

// TestAppendStoredLeanEvent checks that a lean event of entering or
// leaving a state (interp.Event.Lean) is stored as the same event with
// its Details map would be, its data written from the value or given.
func TestAppendStoredLeanEvent(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	datas := []any{nil, "", "<b>&\u2028\xff\"", json.Number("1.5"), true, []any{}, map[string]any{},
		map[string]any{"n": json.Number("1"), "s": "</script>", "l": []any{nil, map[string]any{"k": "日本"}}}}
	for _, key := range []string{"stateEnteredEventDetails", "stateExitedEventDetails"} {
		for _, d := range datas {
			for _, name := range []string{"S0", "a \"<name>\" é"} {
				lean := &interp.Event{ID: 7, PreviousEventID: 6, Timestamp: at, Type: "PassStateEntered", DetailsKey: key,
					Lean: true, StateName: name, Data: d}
				full := *lean
				full.Lean, full.StateName, full.Data = false, "", nil
				full.Details = lean.StateDetails()
				require.NotNil(t, full.Details)
				for _, forked := range []bool{false, true} {
					want, err := json.Marshal(&storedEvent{At: at.UnixNano(), Event: &full, Forked: forked, PrevThread: "p"})
					require.NoError(t, err)
					leanJSON, err := json.Marshal(&storedEvent{At: at.UnixNano(), Event: lean, Forked: forked, PrevThread: "p"})
					require.NoError(t, err)
					require.Equal(t, string(want), string(leanJSON))
					require.Equal(t, string(want), string(appendStoredEvent(nil, at.UnixNano(), lean, forked, "p")))
					data := value.AppendQuoted(nil, d, true)
					require.Equal(t, string(want), string(appendStoredEventData(nil, at.UnixNano(), lean, data, forked, "p")))
				}
			}
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "<&>", "\u2028\u2029", "\xff\xfe", "\"\\\x00\x1f\x7f\b\f", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzAppendStoredEvent checks the event writer against encoding/json on
// arbitrary details keys, types, times and values.
func FuzzAppendStoredEvent(f *testing.F) {
	f.Add("PassStateEnteredEventDetails", "PassStateEntered", int64(1764244800123456789), `{"input":"{\"n\":1}","name":"S0"}`, true, "root/1.2")
	f.Add("a", "<&>", int64(-1), `[1,2.5,null,"\u2028"]`, false, "")
	f.Add("typez", "\xff", int64(0), `{"z":{"y":[{}]},"a":true}`, false, "p")
	f.Fuzz(func(t *testing.T, key, typ string, at int64, details string, forked bool, pt string) {
		v, err := value.Decode([]byte(details))
		if err != nil {
			return
		}
		if key == "id" || key == "previousEventId" || key == "timestamp" || key == "type" {
			return // a map has each key once; the writer never sees these
		}
		ev := &interp.Event{ID: at, PreviousEventID: -at, Timestamp: time.Unix(0, at), Type: typ, DetailsKey: key,
			Details: map[string]any{"v": v, key: v, typ: []any{v}}}
		want, err := json.Marshal(&storedEvent{At: at, Event: ev, Forked: forked, PrevThread: pt})
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendStoredEvent(nil, at, ev, forked, pt)))
		// The same data in a lean event of entering or leaving a state.
		for _, key := range []string{"stateEnteredEventDetails", "stateExitedEventDetails"} {
			lean := &interp.Event{ID: at, PreviousEventID: -at, Timestamp: time.Unix(0, at), Type: typ, DetailsKey: key,
				Lean: true, StateName: typ, Data: v}
			full := *lean
			full.Lean, full.StateName, full.Data, full.Details = false, "", nil, lean.StateDetails()
			want, err := json.Marshal(&storedEvent{At: at, Event: &full, Forked: forked, PrevThread: pt})
			require.NoError(t, err)
			require.Equal(t, string(want), string(appendStoredEvent(nil, at, lean, forked, pt)))
		}
	})
}

// TestAppendMillis checks the timestamp writer against encoding/json on
// times spread over its fast range and around its edges.
func TestAppendMillis(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200000 {
		var ms int64
		switch i % 4 {
		case 0:
			ms = r.Int64N(1e15)
		case 1:
			ms = 1e15 - 1 - r.Int64N(1e6)
		case 2:
			ms = r.Int64N(1e4)
		default:
			ms = 1764244800000 + r.Int64N(1e11)
		}
		want, err := json.Marshal(float64(ms) / 1000)
		require.NoError(t, err)
		if got := appendMillis(nil, ms); string(got) != string(want) {
			t.Fatalf("appendMillis(%d) = %s, want %s", ms, got, want)
		}
	}
}

// FuzzAppendMillis checks the timestamp writer against encoding/json.
func FuzzAppendMillis(f *testing.F) {
	for _, ms := range []int64{0, 1, 10, 999, 1000, 1001, 1764244800123, 1764244800100, 999999999999999, 1e15, -1, -1500} {
		f.Add(ms)
	}
	f.Fuzz(func(t *testing.T, ms int64) {
		want, err := json.Marshal(float64(ms) / 1000)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendMillis(nil, ms)), "%d ms", ms)
	})
}

// TestStepEmitData checks that a step writes a lean event's data when it
// is emitted, once for a state's output that is its input, and again
// after a task call (which may have changed the value it was given).
func TestStepEmitData(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	m := map[string]any{"n": json.Number("1")}
	s := &step{}
	lean := func(key string, data any) *interp.Event {
		return &interp.Event{ID: int64(len(s.events) + 1), Timestamp: at, Type: "TaskStateEntered", DetailsKey: key, Lean: true, StateName: "T", Data: data}
	}
	s.emit(&interp.Event{ID: 1, Timestamp: at, Type: "X"})
	s.emit(lean("stateEnteredEventDetails", m))
	s.emit(lean("stateExitedEventDetails", m)) // the same map: the same text
	m["x"] = "<y>"                             // a task changes its input
	s.calling()
	s.emit(lean("stateEnteredEventDetails", m))
	s.emit(lean("stateExitedEventDetails", "s"))
	s.emit(&interp.Event{ID: 6, Timestamp: at, Type: "Y", DetailsKey: "yDetails", Details: map[string]any{"a": "b"}})
	s.emit(lean("stateExitedEventDetails", "s"))
	require.Len(t, s.events, 7)
	require.Equal(t, []string{"", `"{\"n\":1}"`, `"{\"n\":1}"`, `"{\"n\":1,\"x\":\"\u003cy\u003e\"}"`, `"\"s\""`, "", `"\"s\""`},
		func() []string {
			out := make([]string, len(s.events))
			for i := range out {
				if i < len(s.eventData) {
					out[i] = string(s.eventData[i])
				}
			}
			return out
		}())
	require.Same(t, &s.eventData[1][0], &s.eventData[2][0])
	// The writes: each event as appendStoredEvent writes it, in its own
	// piece of one buffer.
	writes := appendEventWrites(nil, "root", 4, at, s.events, s.eventData, true, "")
	require.Len(t, writes, 7)
	for i, w := range writes {
		want := appendStoredEventData(nil, at.UnixNano(), s.events[i], nil, true, "")
		if i == 1 || i == 2 {
			// Written from the value as it was when emitted.
			want = appendStoredEventData(nil, at.UnixNano(), s.events[i], []byte(`"{\"n\":1}"`), true, "")
		}
		require.Equal(t, string(want), string(w.Data), "event %d", i)
		require.Equal(t, len(w.Data), cap(w.Data))
	}
}
