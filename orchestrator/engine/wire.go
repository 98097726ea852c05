package engine

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// The wire formats of the hot path, written and read by hand.
//
// A message is the JSON object encoding/json writes for it. One that
// carries a checkpoint ends with `,"cl":N,"cp":CP}`: N is the length of
// CP in bytes, so a reader finds the checkpoint without scanning it (a
// message's checkpoint is most of its bytes). The body stays one JSON
// object: older readers ignore "cl" and read "cp" as before, and readDecode
// reads bodies without "cl" (older writers) through encoding/json.
//
// A checkpoint is written byte for byte as encoding/json writes it
// (appendCheckpoint), since stores keep it; anything unusual in it (a
// value of a type JSON values are not made of, a time outside RFC 3339)
// goes through encoding/json instead.

// wireBufs are scratch buffers to encode into (*[]byte): what is kept is
// then allocated at its size.
var wireBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxWireBuf bounds the scratch buffers kept in wireBufs.
const maxWireBuf = 64 * 1024

// appendMessage appends m's encoding: its lean JSON, and its checkpoint
// when it carries one.
func appendMessage(b []byte, m *message) []byte {
	b = appendLeanMessage(b, m)
	if m.CP == nil {
		return b
	}
	return appendCarried(b, m.CP)
}

// appendCarried turns the lean message at the end of b (ending with '}')
// into one that carries cp.
func appendCarried(b, cp []byte) []byte {
	b = b[:len(b)-1]
	b = append(b, `,"cl":`...)
	b = strconv.AppendInt(b, int64(len(cp)), 10)
	b = append(b, `,"cp":`...)
	b = append(b, cp...)
	return append(b, '}')
}

// appendLeanMessage appends m's JSON without its checkpoint: what
// encoding/json writes for it with CP nil.
func appendLeanMessage(b []byte, m *message) []byte {
	if len(m.Output) > 0 {
		// Raw JSON, which encoding/json compacts (or refuses): rare
		// enough (a task's answer) to leave to it.
		lean := *m
		lean.CP = nil
		out, _ := json.Marshal(&lean)
		return append(b, out...)
	}
	b = append(b, `{"k":`...)
	b = appendString(b, m.Kind)
	b = append(b, `,"e":`...)
	b = appendString(b, m.Exec)
	b = append(b, `,"t":`...)
	b = appendString(b, m.Thread)
	b = append(b, `,"s":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	if m.Index != 0 {
		b = append(b, `,"i":`...)
		b = strconv.AppendInt(b, int64(m.Index), 10)
	}
	if m.Gen != 0 {
		b = append(b, `,"g":`...)
		b = strconv.AppendInt(b, int64(m.Gen), 10)
	}
	if m.Token != "" {
		b = append(b, `,"tk":`...)
		b = appendString(b, m.Token)
	}
	if m.Error != "" {
		b = append(b, `,"er":`...)
		b = appendString(b, m.Error)
	}
	if m.Cause != "" {
		b = append(b, `,"c":`...)
		b = appendString(b, m.Cause)
	}
	if m.Failed {
		b = append(b, `,"f":true`...)
	}
	if m.Events != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, m.Events, 10)
	}
	if m.Last != 0 {
		b = append(b, `,"le":`...)
		b = strconv.AppendInt(b, m.Last, 10)
	}
	if m.All {
		b = append(b, `,"al":true`...)
	}
	if m.ChildExec != "" {
		b = append(b, `,"cx":`...)
		b = appendString(b, m.ChildExec)
	}
	if m.Parent != "" {
		b = append(b, `,"p":`...)
		b = appendString(b, m.Parent)
	}
	if m.At != 0 {
		b = append(b, `,"at":`...)
		b = strconv.AppendInt(b, m.At, 10)
	}
	return append(b, '}')
}

// readMessage decodes a message body into m. It reads the bodies the
// engine writes (plain ASCII strings, integers, a carried checkpoint
// behind its length) by hand; for anything else it reports false, and the
// caller uses encoding/json.
func readMessage(b []byte, m *message) bool {
	r := wireReader{b: b}
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return r.i == len(b)
	}
	carried := int64(-1) // "cl": the length of the carried checkpoint
	for {
		key, ok := r.plainBytes()
		if !ok || !r.byte(':') {
			return false
		}
		switch string(key) {
		case "k":
			var k []byte
			k, ok = r.plainBytes()
			m.Kind = internKind(k)
		case "e":
			m.Exec, ok = r.plainString()
		case "t":
			var t []byte
			t, ok = r.plainBytes()
			if m.Thread = rootThread; string(t) != rootThread {
				m.Thread = string(t)
			}
		case "s":
			m.Seq, ok = r.int(64)
		case "i":
			var n int64
			n, ok = r.int(strconv.IntSize)
			m.Index = int(n)
		case "g":
			var n int64
			n, ok = r.int(strconv.IntSize)
			m.Gen = int(n)
		case "tk":
			m.Token, ok = r.plainString()
		case "er":
			m.Error, ok = r.plainString()
		case "c":
			m.Cause, ok = r.plainString()
		case "f":
			m.Failed, ok = r.bool()
		case "n":
			m.Events, ok = r.int(64)
		case "le":
			m.Last, ok = r.int(64)
		case "al":
			m.All, ok = r.bool()
		case "cx":
			m.ChildExec, ok = r.plainString()
		case "p":
			m.Parent, ok = r.plainString()
		case "at":
			m.At, ok = r.int(64)
		case "cl":
			carried, ok = r.int(64)
			if !ok || carried < 0 || !r.lit(`,"cp":`) {
				return false
			}
			// The checkpoint, then the end of the body.
			end := int64(r.i) + carried
			if carried < 2 || end+1 != int64(len(b)) || b[end] != '}' || b[r.i] != '{' || b[end-1] != '}' {
				return false // a checkpoint is an object
			}
			m.CP = b[r.i:end:end]
			return true
		default:
			return false // "o", "cp" without "cl", a key of another spelling
		}
		if !ok {
			return false
		}
		if r.byte('}') {
			return r.i == len(b)
		}
		if !r.byte(',') {
			return false
		}
	}
}

// internKind returns the constant of a message kind, so that a decoded
// message does not keep a copy of it.
func internKind(k []byte) string {
	switch string(k) {
	case kindStep:
		return kindStep
	case kindTimer:
		return kindTimer
	case kindChild:
		return kindChild
	case kindLaunch:
		return kindLaunch
	case kindCallback:
		return kindCallback
	}
	return string(k)
}

// wireReader reads the JSON the engine writes, strictly: no white space,
// strings without escapes or non-ASCII bytes. Whatever it does not read,
// encoding/json does.
type wireReader struct {
	b []byte
	i int
}

// byte consumes c if it comes next.
func (r *wireReader) byte(c byte) bool {
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// lit consumes s if it comes next.
func (r *wireReader) lit(s string) bool {
	if len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes.
func (r *wireReader) plainString() (string, bool) {
	b, ok := r.plainBytes()
	return string(b), ok
}

// plainBytes is plainString's bytes, in the body.
func (r *wireReader) plainBytes() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			r.i++
			return r.b[start : r.i-1], true
		}
		if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return nil, false
		}
		r.i++
	}
	return nil, false
}

// int reads an integer (JSON's grammar, no fraction or exponent) that
// fits in bits.
func (r *wireReader) int(bits int) (int64, bool) {
	start := r.i
	r.byte('-')
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	if r.i == digits || (r.b[digits] == '0' && r.i > digits+1) {
		return 0, false
	}
	if r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(r.b[start:r.i]), 10, bits)
	return n, err == nil
}

func (r *wireReader) bool() (bool, bool) {
	switch {
	case r.lit("true"):
		return true, true
	case r.lit("false"):
		return false, true
	}
	return false, false
}

// errWireFallback says the hand-written encoder met something it leaves
// to encoding/json.
var errWireFallback = errors.New("not a plain JSON value")

// appendCheckpoint appends what encoding/json writes for cp's
// checkpointWire, or fails with errWireFallback (or the error
// encoding/json would give for a bad time).
func appendCheckpoint(b []byte, cp *checkpoint) ([]byte, error) {
	b = append(b, '{')
	if cp.Base == "" {
		var err error
		b = append(b, `"th":`...)
		if b, err = appendThread(b, &cp.Thread); err != nil {
			return nil, err
		}
		b = append(b, ',')
	}
	b = append(b, `"n":`...)
	b = strconv.AppendInt(b, cp.Events, 10)
	if cp.Parent != "" {
		b = append(b, `,"p":`...)
		b = appendString(b, cp.Parent)
	}
	if cp.Index != 0 {
		b = append(b, `,"i":`...)
		b = strconv.AppendInt(b, int64(cp.Index), 10)
	}
	if cp.Gen != 0 {
		b = append(b, `,"g":`...)
		b = strconv.AppendInt(b, int64(cp.Gen), 10)
	}
	if cp.Siblings != 0 {
		b = append(b, `,"sb":`...)
		b = strconv.AppendInt(b, int64(cp.Siblings), 10)
	}
	if cp.Fork != nil {
		f := cp.Fork
		if cp.Base != "" && f.Specs != nil {
			c := *f
			c.Specs = nil
			f = &c
		}
		out, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"f":`...)
		b = append(b, out...)
	}
	if cp.ForkGens != 0 {
		b = append(b, `,"fg":`...)
		b = strconv.AppendInt(b, int64(cp.ForkGens), 10)
	}
	if w := cp.Wait; w != nil {
		b = append(b, `,"w":{"t":`...)
		b = appendString(b, w.Token)
		if w.Heartbeat != 0 {
			b = append(b, `,"hb":`...)
			b = strconv.AppendInt(b, w.Heartbeat, 10)
		}
		if !w.HeartbeatDue.IsZero() {
			var err error
			b = append(b, `,"hd":`...)
			if b, err = appendTime(b, w.HeartbeatDue); err != nil {
				return nil, err
			}
		}
		if w.Activity != "" {
			b = append(b, `,"a":`...)
			b = appendString(b, w.Activity)
		}
		if w.ActivityKey != "" {
			b = append(b, `,"ak":`...)
			b = appendString(b, w.ActivityKey)
		}
		if w.Started {
			b = append(b, `,"st":true`...)
		}
		if w.ChildExec != "" {
			b = append(b, `,"cx":`...)
			b = appendString(b, w.ChildExec)
		}
		b = append(b, '}')
	}
	if cp.Time != 0 {
		b = append(b, `,"tm":`...)
		b = strconv.AppendInt(b, cp.Time, 10)
	}
	if cp.Stopped {
		b = append(b, `,"x":true`...)
	}
	if cp.Aborted {
		b = append(b, `,"ab":true`...)
	}
	if cp.PrevThread != "" {
		b = append(b, `,"pt":`...)
		b = appendString(b, cp.PrevThread)
	}
	if cp.Base != "" {
		b = append(b, `,"b":`...)
		b = appendString(b, cp.Base)
	}
	if cp.OutboxSeq != 0 {
		b = append(b, `,"os":`...)
		b = strconv.AppendInt(b, cp.OutboxSeq, 10)
	}
	if cp.Consumed != "" {
		b = append(b, `,"cs":`...)
		b = appendString(b, cp.Consumed)
	}
	return append(b, '}'), nil
}

// appendThread appends what encoding/json writes for th.
func appendThread(b []byte, th *interp.Thread) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendString(b, th.ID)
	if th.Machine != "" {
		b = append(b, `,"machine":`...)
		b = appendString(b, th.Machine)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(th.Status))
	if th.Phase != "" {
		b = append(b, `,"phase":`...)
		b = appendString(b, string(th.Phase))
	}
	b = append(b, `,"state":`...)
	b = appendString(b, th.State)
	if th.Started {
		b = append(b, `,"started":true`...)
	}
	b = append(b, `,"input":`...)
	if b, err = appendPlainValue(b, th.Input); err != nil {
		return nil, err
	}
	if len(th.Vars) > 0 {
		b = append(b, `,"vars":`...)
		if b, err = appendPlainValue(b, th.Vars); err != nil {
			return nil, err
		}
	}
	if th.EnteredEventID != 0 {
		b = append(b, `,"enteredEventId":`...)
		b = strconv.AppendInt(b, th.EnteredEventID, 10)
	}
	b = append(b, `,"enteredTime":`...)
	if b, err = appendTime(b, th.EnteredTime); err != nil {
		return nil, err
	}
	if th.LastEventID != 0 {
		b = append(b, `,"lastEventId":`...)
		b = strconv.AppendInt(b, th.LastEventID, 10)
	}
	if len(th.Retries) > 0 {
		b = append(b, `,"retries":[`...)
		for i, n := range th.Retries {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, ']')
	}
	if th.RetryCount != 0 {
		b = append(b, `,"retryCount":`...)
		b = strconv.AppendInt(b, int64(th.RetryCount), 10)
	}
	if th.TaskInput != nil {
		b = append(b, `,"taskInput":`...)
		if b, err = appendPlainValue(b, th.TaskInput); err != nil {
			return nil, err
		}
	}
	if th.TaskToken != "" {
		b = append(b, `,"taskToken":`...)
		b = appendString(b, th.TaskToken)
	}
	if th.Timeout != 0 {
		b = append(b, `,"timeout":`...)
		b = strconv.AppendInt(b, th.Timeout, 10)
	}
	if th.Heartbeat != 0 {
		b = append(b, `,"heartbeat":`...)
		b = strconv.AppendInt(b, th.Heartbeat, 10)
	}
	b = append(b, `,"due":`...)
	if b, err = appendTime(b, th.Due); err != nil {
		return nil, err
	}
	if th.HasItem {
		b = append(b, `,"hasItem":true`...)
	}
	if th.ItemIndex != 0 {
		b = append(b, `,"itemIndex":`...)
		b = strconv.AppendInt(b, int64(th.ItemIndex), 10)
	}
	if th.ItemValue != nil {
		b = append(b, `,"itemValue":`...)
		if b, err = appendPlainValue(b, th.ItemValue); err != nil {
			return nil, err
		}
	}
	if th.Output != nil {
		b = append(b, `,"output":`...)
		if b, err = appendPlainValue(b, th.Output); err != nil {
			return nil, err
		}
	}
	if th.Error != nil {
		b = appendError(append(b, `,"error":`...), th.Error)
	}
	return append(b, '}'), nil
}

func appendError(b []byte, e *asl.Error) []byte {
	b = append(b, `{"Error":`...)
	b = appendString(b, e.Name)
	b = append(b, `,"Cause":`...)
	b = appendString(b, e.Cause)
	return append(b, '}')
}

// appendTime appends t as encoding/json writes it (time.Time.MarshalJSON).
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// appendPlainValue appends a JSON value made of what value.Decode gives
// (nil, bool, string, json.Number, []any, map[string]any) as encoding/json
// writes it; other types fail with errWireFallback.
func appendPlainValue(b []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case json.Number:
		if x == "" {
			return append(b, '0'), nil
		}
		if !value.ValidNumber(string(x)) {
			return nil, errWireFallback
		}
		return append(b, x...), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		var buf [16]string
		keys := value.AppendSortedKeys(buf[:0], x)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if b, err = appendPlainValue(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendPlainValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	return nil, errWireFallback
}
