package engine

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// readCheckpoint decodes a checkpoint as appendCheckpoint (or
// encoding/json) writes it into cp, which must be zero, by hand: it gives
// what decodeJSON gives. For anything it does not read (white space, a
// fork, a task wait, a key twice or of another spelling, a string with a
// surrogate escape or bad UTF-8, a type mismatch) it reports false, and the
// caller uses encoding/json.
func readCheckpoint(b []byte, cp *checkpoint) bool {
	r := wireReader{b: b}
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return r.i == len(b)
	}
	var seen uint32
	for {
		key, ok := r.plainBytes()
		if !ok || !r.byte(':') {
			return false
		}
		var bit uint32
		switch string(key) {
		case "th":
			bit = 1 << 0
			ok = r.thread(&cp.Thread)
		case "n":
			bit = 1 << 1
			cp.Events, ok = r.int(64)
		case "p":
			bit = 1 << 2
			cp.Parent, ok = r.str()
		case "i":
			bit = 1 << 3
			cp.Index, ok = r.intSized()
		case "g":
			bit = 1 << 4
			cp.Gen, ok = r.intSized()
		case "fg":
			bit = 1 << 5
			cp.ForkGens, ok = r.intSized()
		case "tm":
			bit = 1 << 6
			cp.Time, ok = r.int(64)
		case "x":
			bit = 1 << 7
			cp.Stopped, ok = r.bool()
		case "ab":
			bit = 1 << 8
			cp.Aborted, ok = r.bool()
		case "pt":
			bit = 1 << 9
			cp.PrevThread, ok = r.str()
		case "b":
			bit = 1 << 10
			cp.Base, ok = r.str()
		case "os":
			bit = 1 << 11
			cp.OutboxSeq, ok = r.int(64)
		case "cs":
			bit = 1 << 12
			cp.Consumed, ok = r.str()
		case "sb":
			bit = 1 << 13
			cp.Siblings, ok = r.intSized()
		default:
			return false // "f", "w", or a key encoding/json matches otherwise
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if r.byte('}') {
			return r.i == len(b)
		}
		if !r.byte(',') {
			return false
		}
	}
}

// thread reads an interp.Thread object.
func (r *wireReader) thread(th *interp.Thread) bool {
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return true
	}
	var seen uint32
	for {
		key, ok := r.plainBytes()
		if !ok || !r.byte(':') {
			return false
		}
		var bit uint32
		var s string
		switch string(key) {
		case "id":
			bit = 1 << 0
			th.ID, ok = r.str()
		case "machine":
			bit = 1 << 1
			th.Machine, ok = r.str()
		case "status":
			bit = 1 << 2
			s, ok = r.str()
			th.Status = interp.Status(s)
		case "phase":
			bit = 1 << 3
			s, ok = r.str()
			th.Phase = interp.Phase(s)
		case "state":
			bit = 1 << 4
			th.State, ok = r.str()
		case "started":
			bit = 1 << 5
			th.Started, ok = r.bool()
		case "input":
			bit = 1 << 6
			th.Input, ok = r.value(0)
		case "vars":
			bit = 1 << 7
			if r.i < len(r.b) && r.b[r.i] == '{' {
				var v any
				v, ok = r.value(0)
				th.Vars, _ = v.(map[string]any)
			} else {
				ok = false
			}
		case "enteredEventId":
			bit = 1 << 8
			th.EnteredEventID, ok = r.int(64)
		case "enteredTime":
			bit = 1 << 9
			th.EnteredTime, ok = r.time()
		case "lastEventId":
			bit = 1 << 10
			th.LastEventID, ok = r.int(64)
		case "retries":
			bit = 1 << 11
			th.Retries, ok = r.ints()
		case "retryCount":
			bit = 1 << 12
			th.RetryCount, ok = r.intSized()
		case "taskInput":
			bit = 1 << 13
			th.TaskInput, ok = r.value(0)
		case "taskToken":
			bit = 1 << 14
			th.TaskToken, ok = r.str()
		case "timeout":
			bit = 1 << 15
			th.Timeout, ok = r.int(64)
		case "heartbeat":
			bit = 1 << 16
			th.Heartbeat, ok = r.int(64)
		case "due":
			bit = 1 << 17
			th.Due, ok = r.time()
		case "hasItem":
			bit = 1 << 18
			th.HasItem, ok = r.bool()
		case "itemIndex":
			bit = 1 << 19
			th.ItemIndex, ok = r.intSized()
		case "itemValue":
			bit = 1 << 20
			th.ItemValue, ok = r.value(0)
		case "output":
			bit = 1 << 21
			th.Output, ok = r.value(0)
		case "error":
			bit = 1 << 22
			th.Error, ok = r.aslError()
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if r.byte('}') {
			return true
		}
		if !r.byte(',') {
			return false
		}
	}
}

// aslError reads {"Error":...,"Cause":...}.
func (r *wireReader) aslError() (*asl.Error, bool) {
	if !r.lit(`{"Error":`) {
		return nil, false
	}
	e := new(asl.Error)
	var ok bool
	if e.Name, ok = r.str(); !ok || !r.lit(`,"Cause":`) {
		return nil, false
	}
	if e.Cause, ok = r.str(); !ok || !r.byte('}') {
		return nil, false
	}
	return e, true
}

// intSized reads an int.
func (r *wireReader) intSized() (int, bool) {
	n, ok := r.int(strconv.IntSize)
	return int(n), ok
}

// ints reads an array of ints.
func (r *wireReader) ints() ([]int, bool) {
	if !r.byte('[') {
		return nil, false
	}
	out := []int{}
	if r.byte(']') {
		return out, true
	}
	for {
		n, ok := r.intSized()
		if !ok {
			return nil, false
		}
		out = append(out, n)
		if r.byte(']') {
			return out, true
		}
		if !r.byte(',') {
			return nil, false
		}
	}
}

// time reads a time as time.Time.UnmarshalJSON does.
func (r *wireReader) time() (time.Time, bool) {
	start := r.i
	if _, ok := r.plainBytes(); !ok {
		return time.Time{}, false
	}
	var t time.Time
	if err := t.UnmarshalJSON(r.b[start:r.i]); err != nil {
		return time.Time{}, false
	}
	return t, true
}

// str reads a JSON string as encoding/json does, or fails for a surrogate
// escape or bad UTF-8 (which encoding/json replaces).
func (r *wireReader) str() (string, bool) {
	if !r.byte('"') {
		return "", false
	}
	start := r.i
	ascii := true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\':
			return r.escapedStr(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		r.i++
	}
	return "", false
}

// escapedStr reads the rest of a string that has escapes, from start
// (after its opening quote).
func (r *wireReader) escapedStr(start int) (string, bool) {
	out := make([]byte, 0, r.i-start+16)
	out = append(out, r.b[start:r.i]...)
	ascii := true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			if !ascii && !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			if c >= utf8.RuneSelf {
				ascii = false
			}
			out = append(out, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.b) {
			return "", false
		}
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if r.i+4 > len(r.b) {
				return "", false
			}
			n, err := strconv.ParseUint(string(r.b[r.i:r.i+4]), 16, 16)
			if err != nil || r.b[r.i] == '+' || (n >= 0xD800 && n < 0xE000) {
				return "", false // surrogates: left to encoding/json
			}
			out = utf8.AppendRune(out, rune(n))
			r.i += 4
		default:
			return "", false
		}
	}
	return "", false
}

// maxWireDepth bounds the nesting value reads; deeper values are left to
// encoding/json.
const maxWireDepth = 200

// value reads a JSON value as encoding/json decodes it into an any with
// UseNumber: nil, bool, string, json.Number, []any, map[string]any.
func (r *wireReader) value(depth int) (any, bool) {
	if r.i >= len(r.b) || depth > maxWireDepth {
		return nil, false
	}
	switch c := r.b[r.i]; {
	case c == '"':
		return r.str()
	case c == '{':
		r.i++
		m := map[string]any{}
		if r.byte('}') {
			return m, true
		}
		for {
			k, ok := r.str()
			if !ok || !r.byte(':') {
				return nil, false
			}
			v, ok := r.value(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
			if r.byte('}') {
				return m, true
			}
			if !r.byte(',') {
				return nil, false
			}
		}
	case c == '[':
		r.i++
		a := []any{}
		if r.byte(']') {
			return a, true
		}
		for {
			v, ok := r.value(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			if r.byte(']') {
				return a, true
			}
			if !r.byte(',') {
				return nil, false
			}
		}
	case c == 't':
		return true, r.lit("true")
	case c == 'f':
		return false, r.lit("false")
	case c == 'n':
		return nil, r.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		start := r.i
		if !r.number() {
			return nil, false
		}
		return json.Number(r.b[start:r.i]), true
	}
	return nil, false
}

// number reads a JSON number.
func (r *wireReader) number() bool {
	r.byte('-')
	switch {
	case r.byte('0'):
	case r.i < len(r.b) && r.b[r.i] >= '1' && r.b[r.i] <= '9':
		r.digits()
	default:
		return false
	}
	if r.byte('.') {
		if r.digits() == 0 {
			return false
		}
	}
	if r.byte('e') || r.byte('E') {
		if !r.byte('+') {
			r.byte('-')
		}
		if r.digits() == 0 {
			return false
		}
	}
	return true
}

// digits reads digits and says how many.
func (r *wireReader) digits() int {
	start := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	return r.i - start
}
