package engine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// TestWireFieldsKnown fails when a type the hand-written wire code writes
// or reads gains or loses a field: appendCheckpoint, appendThread,
// appendLeanMessage and readMessage must then learn it.
func TestWireFieldsKnown(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{interp.Thread{}, "ID:id Machine:machine,omitempty Status:status Phase:phase,omitempty State:state Started:started,omitempty " +
			"Input:input Vars:vars,omitempty EnteredEventID:enteredEventId,omitempty EnteredTime:enteredTime " +
			"LastEventID:lastEventId,omitempty Retries:retries,omitempty RetryCount:retryCount,omitempty " +
			"TaskInput:taskInput,omitempty TaskToken:taskToken,omitempty Timeout:timeout,omitempty Heartbeat:heartbeat,omitempty " +
			"Due:due HasItem:hasItem,omitempty ItemIndex:itemIndex,omitempty ItemValue:itemValue,omitempty " +
			"Output:output,omitempty Error:error,omitempty sized:"},
		{asl.Error{}, "Name:Error Cause:Cause NoCause:-"},
		{checkpoint{}, "Thread:- Events:n Parent:p,omitempty Index:i,omitempty Gen:g,omitempty Siblings:sb,omitempty Fork:f,omitempty " +
			"ForkGens:fg,omitempty Wait:w,omitempty Time:tm,omitempty Stopped:x,omitempty Aborted:ab,omitempty " +
			"PrevThread:pt,omitempty Base:b,omitempty OutboxSeq:os,omitempty Consumed:cs,omitempty"},
		{taskWait{}, "Token:t Heartbeat:hb,omitempty HeartbeatDue:hd,omitzero Activity:a,omitempty ActivityKey:ak,omitempty " +
			"Started:st,omitempty ChildExec:cx,omitempty internal: response:"},
		{message{}, "Kind:k Exec:e Thread:t Seq:s Index:i,omitempty Gen:g,omitempty Token:tk,omitempty Output:o,omitempty " +
			"Error:er,omitempty Cause:c,omitempty Failed:f,omitempty Events:n,omitempty Last:le,omitempty All:al,omitempty " +
			"ChildExec:cx,omitempty CP:cp,omitempty Parent:p,omitempty At:at,omitempty"},
	} {
		typ := reflect.TypeOf(c.v)
		var got []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			got = append(got, f.Name+":"+f.Tag.Get("json"))
		}
		require.Equal(t, c.want, strings.Join(got, " "), "fields of %s", typ)
	}
}

// wireCheckpoints are checkpoints with every field set, in turn.
func wireCheckpoints() []*checkpoint {
	at := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	full := interp.Thread{ID: "root/1.2", Machine: "Map#0", Status: interp.Running, Phase: interp.PhaseTask, State: "S<&>",
		Started: true, Input: map[string]any{"a": []any{json.Number("1.5e3"), "x\u2028", nil, true, false, map[string]any{}}, "": json.Number("")},
		Vars: map[string]any{"v": "é", "z": []any{}}, EnteredEventID: 7, EnteredTime: at, LastEventID: 9,
		Retries: []int{1, 0, 3}, RetryCount: 2, TaskInput: map[string]any{"k": json.Number("-0.5")}, TaskToken: "tok",
		Timeout: 30, Heartbeat: 5, Due: at.Add(time.Hour).In(time.FixedZone("x", 3600)), HasItem: true, ItemIndex: 4,
		ItemValue: "item", Output: []any{json.Number("2")}, Error: &asl.Error{Name: "E\xff", Cause: "c\n"}}
	return []*checkpoint{
		{},
		{Thread: interp.Thread{ID: "root", Status: interp.Running, State: "S0", Input: map[string]any{"n": json.Number("1")}}, Events: 2, Time: 5},
		{Thread: full, Events: 12, Parent: "root", Index: 3, Gen: 2, ForkGens: 1, Time: at.UnixNano(), Stopped: true, Aborted: true,
			PrevThread: "root", OutboxSeq: 4, Consumed: "tok0",
			Wait: &taskWait{Token: "t", Heartbeat: 5, HeartbeatDue: at, Activity: "arn:a", ActivityKey: "k", Started: true, ChildExec: "arn:x"},
			Fork: &fork{Gen: 2, Total: 3, Launched: 2, Done: []uint64{5}, NDone: 1, NFailed: 1, ChildEvents: 8, Aborting: []uint64{1},
				Req: forkLimits{MaxConcurrency: 2, TolCount: 1, TolPct: 12.5, Map: true}, Quiet: true}},
		{Thread: full, Events: 12, Parent: "root", Index: 3, Gen: 2, Siblings: 5, ForkGens: 1, Time: at.UnixNano(), Stopped: true, Aborted: true,
			PrevThread: "root", OutboxSeq: 4, Consumed: "tok0"},
		{Thread: interp.Thread{ID: "root", Status: interp.Failed, Input: nil, Vars: map[string]any{}, TaskInput: map[string]any(nil),
			ItemValue: []any(nil), Output: json.Number("")}, Wait: &taskWait{Token: ""}},
		// With a base: no thread, no specs.
		{Thread: full, Base: "root", Fork: &fork{Gen: 1, Specs: &childSpecs{}, Done: []uint64{}}},
		{Thread: full, Fork: &fork{Gen: 1, Specs: &childSpecs{}}},
	}
}

// TestWireCheckpoint checks that the hand-written encoder writes what
// encoding/json writes, and that it decodes back.
func TestWireCheckpoint(t *testing.T) {
	for i, cp := range wireCheckpoints() {
		want, err := cp.encodeJSON()
		require.NoError(t, err)
		got, err := appendCheckpoint(nil, cp)
		require.NoError(t, err, "checkpoint %d", i)
		require.Equal(t, string(want), string(got), "checkpoint %d", i)
		enc, err := cp.encode()
		require.NoError(t, err)
		require.Equal(t, string(want), string(enc))
		back, err := decodeCheckpoint(got)
		require.NoError(t, err)
		again, err := back.encode()
		require.NoError(t, err)
		wantAgain, err := back.encodeJSON()
		require.NoError(t, err)
		require.Equal(t, string(wantAgain), string(again), "checkpoint %d after a round trip", i)
	}
}

// TestWireCheckpointFallback checks what the hand-written encoder leaves
// to encoding/json: the result is encoding/json's, error included.
func TestWireCheckpointFallback(t *testing.T) {
	for _, c := range []struct {
		name string
		cp   checkpoint
		err  bool
	}{
		{"a float64", checkpoint{Thread: interp.Thread{Input: map[string]any{"f": 1.5}}}, false},
		{"an int", checkpoint{Thread: interp.Thread{Vars: map[string]any{"i": 3}}}, false},
		{"a bad number", checkpoint{Thread: interp.Thread{Input: json.Number("1.")}}, true},
		{"a year past 9999", checkpoint{Thread: interp.Thread{Due: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, true},
		{"a bad heartbeat time", checkpoint{Wait: &taskWait{HeartbeatDue: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := appendCheckpoint(nil, &c.cp)
			require.Error(t, err)
			want, werr := c.cp.encodeJSON()
			got, gerr := c.cp.encode()
			require.Equal(t, werr, gerr)
			require.Equal(t, c.err, gerr != nil)
			require.Equal(t, string(want), string(got))
		})
	}
}

// FuzzWireCheckpoint checks the hand-written checkpoint encoder against
// encoding/json on arbitrary JSON values and strings.
func FuzzWireCheckpoint(f *testing.F) {
	f.Add(`{"n":1}`, "S0", "root", int64(3), "")
	f.Add(`[1,"<a>",null,true,{"b":{"c":[]}},-0.5e-7]`, "é\u2028", "root/1.2", int64(-1), "tok")
	f.Add(`"\u0000\ud800"`, "\xff", "", int64(0), "\"")
	f.Fuzz(func(t *testing.T, in, state, thread string, n int64, token string) {
		v, err := value.Decode([]byte(in))
		if err != nil {
			return
		}
		cp := &checkpoint{Thread: interp.Thread{ID: thread, Status: interp.Running, State: state, Input: v,
			Vars: map[string]any{state: v, token: v}, TaskInput: v, ItemValue: v, Output: v, TaskToken: token,
			EnteredTime: time.Unix(0, n).UTC(), Due: time.Unix(n, 0), LastEventID: n, Retries: []int{int(n)},
			Error: &asl.Error{Name: token, Cause: state}},
			Events: n, Parent: thread, PrevThread: state, Consumed: token, Time: n,
			Wait: &taskWait{Token: token, HeartbeatDue: time.Unix(0, n).UTC(), Activity: state}}
		want, werr := cp.encodeJSON()
		got, gerr := appendCheckpoint(nil, cp)
		if werr != nil {
			require.Error(t, gerr)
			return
		}
		require.NoError(t, gerr)
		require.Equal(t, string(want), string(got))
		// And it reads back as encoding/json reads it.
		back, err := decodeCheckpointJSON(got)
		require.NoError(t, err)
		hand, err := decodeCheckpoint(got)
		require.NoError(t, err)
		require.Equal(t, back, hand)
	})
}

// wireMessages are messages with every field set, in turn.
func wireMessages() []*message {
	cp := []byte(`{"th":{"id":"root","status":"RUNNING","state":"S1","input":{"n":1},"enteredTime":"0001-01-01T00:00:00Z","due":"0001-01-01T00:00:00Z"},"n":3,"tm":5}`)
	exec := "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
	return []*message{
		{Kind: kindStep, Exec: exec, Thread: "root", Seq: 3},
		{Kind: kindStep, Exec: exec, Thread: "root", Seq: 3, CP: cp},
		{Kind: kindStep, Exec: exec, Thread: "root/1.2", Seq: -1, Index: 2, Gen: 1, Parent: "root", At: 1764244800123456789, CP: cp},
		{Kind: kindChild, Exec: exec, Thread: "root", Index: 7, Gen: 3, Failed: true, Events: 12, Last: 9, At: 5},
		{Kind: kindChild, Exec: exec, Thread: "root", Index: 2, Gen: 1, Events: 4, Last: 4, At: 6, All: true},
		{Kind: kindCallback, Exec: exec, Thread: "root", Token: "tok", Output: json.RawMessage("{ \"a\" :\n [1, 2] }")},
		{Kind: kindCallback, Exec: exec, Thread: "root", Token: "tok", Failed: true, Error: "E<&>", Cause: "naïve \"quoted\"\n"},
		{Kind: kindChildExec, Exec: exec, Thread: "root", Token: "tok", ChildExec: "arn:child"},
		{Kind: kindExpress, Exec: exec},
	}
}

// TestWireMessage checks the message encoding: the lean part is what
// encoding/json writes, the carried checkpoint comes back as is, and
// decoding by hand gives what encoding/json gives.
func TestWireMessage(t *testing.T) {
	for i, m := range wireMessages() {
		lean := *m
		lean.CP = nil
		want, err := json.Marshal(&lean)
		require.NoError(t, err)
		require.Equal(t, string(want), string(m.encodeLean()), "message %d", i)
		body := m.encode()
		require.True(t, json.Valid(body), "message %d: %s", i, body)
		requireOutboxAndBody(t, m)
		if m.CP == nil {
			require.Equal(t, string(want), string(body))
		}
		// encoding/json (an older engine) reads it too.
		var old message
		require.NoError(t, json.Unmarshal(body, &old))
		got, err := decodeMessage(body)
		require.NoError(t, err)
		require.Equal(t, &old, got, "message %d", i)
		require.Equal(t, string(m.CP), string(got.CP))
		if m.Output == nil && plainASCII(body) {
			var hand message
			require.True(t, readMessage(body, &hand), "message %d is read by hand", i)
		}
		// The body an older engine wrote (a checkpoint without its length)
		// decodes the same.
		var oldBody []byte
		if m.CP != nil {
			oldBody, err = json.Marshal(m)
			require.NoError(t, err)
			got, err = decodeMessage(oldBody)
			require.NoError(t, err)
			require.Equal(t, &old, got, "message %d from an older engine", i)
		}
	}
}

// TestWireMessageOdd checks bodies the hand-written reader leaves to
// encoding/json, or that encoding/json refuses.
func TestWireMessageOdd(t *testing.T) {
	for _, c := range []struct {
		body string
		want *message // nil: an error
	}{
		{`{"k":"step","e":"x","t":"root","s":1}`, &message{Kind: "step", Exec: "x", Thread: "root", Seq: 1}},
		{` {"k" : "step", "e":"x"} `, &message{Kind: "step", Exec: "x"}},
		{`{"K":"step","E":"x"}`, &message{Kind: "step", Exec: "x"}},
		{`{"k":"st\u0065p","e":"x","zz":[1]}`, &message{Kind: "step", Exec: "x"}},
		{`{"k":"step","e":"x","s":1,"s":2}`, &message{Kind: "step", Exec: "x", Seq: 2}},
		{`{"k":"step","e":"x","cp":{"n":1},"p":"root"}`, &message{Kind: "step", Exec: "x", CP: json.RawMessage(`{"n":1}`), Parent: "root"}},
		{`{"k":"step","e":"x","cl":7,"cp":{"n":1}}`, &message{Kind: "step", Exec: "x", CP: json.RawMessage(`{"n":1}`)}},
		{`{"k":"step","e":"x","cl":8,"cp":{"n":1} }`, &message{Kind: "step", Exec: "x", CP: json.RawMessage(`{"n":1}`)}},
		{`{"k":"step","e":"x","cl":6,"cp":{"n":1}}`, &message{Kind: "step", Exec: "x", CP: json.RawMessage(`{"n":1}`)}},
		{`{"k":"step","e":"x","cl":9,"cp":{"n":1}}`, &message{Kind: "step", Exec: "x", CP: json.RawMessage(`{"n":1}`)}},
		{`{"k":"step","e":"x","s":1.0}`, nil},
		{`{"k":"step","e":"x","s":01}`, nil},
		{`{"k":"step","e":"x","s":99999999999999999999}`, nil},
		{`{"k":"step","e":"x","s":"1"}`, nil},
		{`{"k":"step","e":"x"}x`, nil},
		{`{"k":"step","e":"x"`, nil},
		{`{"k":"step"}`, nil},
		{`{}`, nil},
		{``, nil},
		{`{"k":"step","e":"x","f":true,"s":-0}`, &message{Kind: "step", Exec: "x", Failed: true}},
	} {
		got, err := decodeMessage([]byte(c.body))
		if c.want == nil {
			require.Error(t, err, "%s", c.body)
			continue
		}
		require.NoError(t, err, "%s", c.body)
		require.Equal(t, c.want, got, "%s", c.body)
	}
}

// FuzzWireMessageDecode checks that a body the hand-written reader reads
// is read the same by encoding/json.
func FuzzWireMessageDecode(f *testing.F) {
	for _, m := range wireMessages() {
		f.Add(m.encode())
	}
	f.Add([]byte(`{"k":"step","e":"x","cl":7,"cp":{"n":1}}`))
	f.Add([]byte(`{"k":"step","e":"x","s":-12,"i":3,"f":false}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var hand message
		if !readMessage(body, &hand) {
			return
		}
		if hand.CP != nil && !json.Valid(hand.CP) {
			return // a checkpoint is only used once decoded
		}
		var std message
		require.NoError(t, json.Unmarshal(body, &std), "%s", body)
		if hand.CP != nil {
			// encoding/json keeps the raw bytes, white space included.
			require.Equal(t, string(hand.CP), string(std.CP))
		}
		require.Equal(t, std, hand, "%s", body)
	})
}

// FuzzWireMessageEncode checks that a message encodes to what encoding/json
// writes (the lean part) and decodes back.
func FuzzWireMessageEncode(f *testing.F) {
	f.Add("step", "arn:e", "root", int64(3), 2, "tok", "E", "cause", true, int64(9), `{"n":1}`, "")
	f.Add("callback", "é<&>\u2028", "\x00\xff", int64(-1), -7, "", "", "", false, int64(0), "", `[1, {"a" : 2}]`)
	f.Fuzz(func(t *testing.T, kind, exec, thread string, seq int64, idx int, token, errName, cause string, failed bool, n int64, cp, out string) {
		m := &message{Kind: kind, Exec: exec, Thread: thread, Seq: seq, Index: idx, Gen: -idx, Token: token, Error: errName,
			Cause: cause, Failed: failed, Events: n, Last: -n, ChildExec: token, Parent: thread, At: n}
		if out != "" {
			if !json.Valid([]byte(out)) {
				return
			}
			m.Output = json.RawMessage(out)
		}
		if cp != "" {
			m.CP = []byte(cp)
		}
		lean := *m
		lean.CP = nil
		want, err := json.Marshal(&lean)
		require.NoError(t, err)
		require.Equal(t, string(want), string(m.encodeLean()))
		requireOutboxAndBody(t, m)
		body := m.encode()
		got, err := decodeMessage(body)
		if kind == "" || exec == "" {
			require.Error(t, err)
			return
		}
		if cp != "" && !json.Valid([]byte(cp)) {
			// Never written (checkpoints are JSON); the hand-written reader
			// takes it by its length, encoding/json refuses the body.
			return
		}
		require.NoError(t, err)
		var std message
		require.NoError(t, json.Unmarshal(body, &std))
		require.Equal(t, &std, got)
		require.Equal(t, cp, string(got.CP))
	})
}

// requireOutboxAndBody checks that encodeOutboxAndBody writes m as the
// outbox entry of its lean encoding (encodeOutboxAt) and as its encoding,
// with and without a delay, each in its own piece of the buffer.
func requireOutboxAndBody(t *testing.T, m *message) {
	t.Helper()
	now := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	for _, delay := range []time.Duration{0, 1, 90 * time.Second, 100 * 365 * 24 * time.Hour} {
		entry, body := encodeOutboxAndBody(m, delay, now)
		require.Equal(t, string(encodeOutboxAt(queue.Message{Body: m.encodeLean(), Delay: delay}, now)), string(entry))
		require.Equal(t, string(m.encode()), string(body))
		require.Equal(t, len(entry), cap(entry))
		require.Equal(t, len(body), cap(body))
	}
}

// plainASCII reports whether b is printable ASCII without backslashes: a
// body the hand-written reader reads.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// TestWireCheckpointDecode checks that the hand-written checkpoint reader
// gives what encoding/json gives, and reads what it should.
func TestWireCheckpointDecode(t *testing.T) {
	for i, cp := range wireCheckpoints() {
		data, err := cp.encode()
		require.NoError(t, err)
		want, err := decodeCheckpointJSON(data)
		require.NoError(t, err)
		got, err := decodeCheckpoint(data)
		require.NoError(t, err)
		require.Equal(t, want, got, "checkpoint %d", i)
		var hand checkpoint
		byHand := readCheckpoint(data, &hand)
		// Forks and task waits, and bad UTF-8 (checkpoint 2's error name),
		// are left to encoding/json.
		require.Equal(t, cp.Fork == nil && cp.Wait == nil, byHand, "checkpoint %d read by hand", i)
	}
	for _, c := range []struct {
		data string
		hand bool
	}{
		{`{}`, true},
		{`{"th":{},"n":0}`, true},
		{`{"th":{"id":"r\u00e9\n\"\\\/","input":{"a":[],"b":{},"c":[1,-2.5e+3,"\u2028",null,true,false]},"vars":{},"retries":[]},"n":1}`, true},
		{`{"th":{"id":"\ud83d\ude00"}}`, false},
		{`{"th":{"id":"a"} }`, false},
		{`{"n":1,"n":2}`, false},
		{`{"N":1}`, false},
		{`{"n":1.5}`, false},
		{`{"th":{"vars":null}}`, false},
		{`{"th":{"enteredTime":"2026-01-02T03:04:05.5+01:00","due":"0001-01-01T00:00:00Z"}}`, true},
		{`{"th":{"due":"2026-13-02T03:04:05Z"}}`, false},
		{`{"th":{"error":{"Error":"E","Cause":""}}}`, true},
		{`{"th":{"error":{"Cause":"","Error":"E"}}}`, false},
		{`{"th":{"input":01}}`, false},
		{`{"th":{"input":"\u00zz"}}`, false},
		{`{"n":1}{"n":2}`, false},
	} {
		var hand checkpoint
		require.Equal(t, c.hand, readCheckpoint([]byte(c.data), &hand), "%s", c.data)
		want, werr := decodeCheckpointJSON([]byte(c.data))
		got, gerr := decodeCheckpoint([]byte(c.data))
		require.Equal(t, werr, gerr, "%s", c.data)
		require.Equal(t, want, got, "%s", c.data)
	}
}

// FuzzWireCheckpointDecode checks that a checkpoint the hand-written reader
// reads is read the same by encoding/json.
func FuzzWireCheckpointDecode(f *testing.F) {
	for _, cp := range wireCheckpoints() {
		data, err := cp.encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"th":{"id":"r\u00e9\n","input":{"a":[],"b":{},"c":[1,-2.5e+3,"\u2028",null,true,false]},"vars":{}},"n":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var hand checkpoint
		if !readCheckpoint(data, &hand) {
			return
		}
		want, err := decodeCheckpointJSON(data)
		require.NoError(t, err, "%s", data)
		require.Equal(t, want, &hand, "%s", data)
	})
}
