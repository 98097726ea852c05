package engine

import (
	"encoding/json"
	"strconv"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// appendStoredEvent appends the stored form of ev (a storedEvent: the
// step's time, the event as interp.Event.MarshalJSON writes it, the forked
// flag) to b. It writes the same JSON as encoding/json, keys sorted, without
// going through maps and reflection; decodeStoredEvent reads either.
func appendStoredEvent(b []byte, at int64, ev *interp.Event, forked bool, prevThread string) []byte {
	return appendStoredEventData(b, at, ev, nil, forked, prevThread)
}

// appendStoredEventData is appendStoredEvent with a lean event's data
// (interp.Event.Lean) already written as the JSON string its details hold
// (value.AppendQuoted); nil writes it from ev.Data.
func appendStoredEventData(b []byte, at int64, ev *interp.Event, data []byte, forked bool, prevThread string) []byte {
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, at, 10)
	b = append(b, `,"e":`...)
	b = appendEvent(b, ev, data)
	if forked {
		b = append(b, `,"f":true`...)
	}
	if prevThread != "" {
		b = append(b, `,"pt":`...)
		b = appendString(b, prevThread)
	}
	return append(b, '}')
}

// appendEvent appends ev's JSON with the keys in encoding/json's order:
// sorted, as encoding/json writes a map, with the details' key among them.
// data is a lean event's data: see appendStoredEventData.
func appendEvent(b []byte, ev *interp.Event, data []byte) []byte {
	details := ev.DetailsKey != ""
	b = append(b, '{')
	if details && ev.DetailsKey < "id" {
		b = appendDetails(b, ev, data)
		b = append(b, ',')
	}
	b = append(b, `"id":`...)
	b = strconv.AppendInt(b, ev.ID, 10)
	if details && "id" <= ev.DetailsKey && ev.DetailsKey < "previousEventId" {
		b = append(b, ',')
		b = appendDetails(b, ev, data)
	}
	b = append(b, `,"previousEventId":`...)
	b = strconv.AppendInt(b, ev.PreviousEventID, 10)
	if details && "previousEventId" <= ev.DetailsKey && ev.DetailsKey < "timestamp" {
		b = append(b, ',')
		b = appendDetails(b, ev, data)
	}
	b = append(b, `,"timestamp":`...)
	b = appendMillis(b, ev.Timestamp.UnixMilli())
	if details && "timestamp" <= ev.DetailsKey && ev.DetailsKey < "type" {
		b = append(b, ',')
		b = appendDetails(b, ev, data)
	}
	b = append(b, `,"type":`...)
	b = appendString(b, ev.Type)
	if details && "type" <= ev.DetailsKey {
		b = append(b, ',')
		b = appendDetails(b, ev, data)
	}
	return append(b, '}')
}

// appendDetails appends the details member of ev.
func appendDetails(b []byte, ev *interp.Event, data []byte) []byte {
	b = appendString(b, ev.DetailsKey)
	b = append(b, ':')
	if ev.Lean {
		return appendStateDetails(b, ev, data)
	}
	return appendValue(b, ev.Details)
}

// appendStateDetails appends the details of a lean event of entering or
// leaving a state, as encoding/json writes the map that
// ev.StateDetails returns: keys sorted.
func appendStateDetails(b []byte, ev *interp.Event, data []byte) []byte {
	if ev.DetailsKey == "stateEnteredEventDetails" {
		b = append(b, `{"input":`...)
		b = appendStateData(b, ev, data)
		b = append(b, `,"inputDetails":{"truncated":false},"name":`...)
		b = appendString(b, ev.StateName)
		return append(b, '}')
	}
	b = append(b, `{"name":`...)
	b = appendString(b, ev.StateName)
	b = append(b, `,"output":`...)
	b = appendStateData(b, ev, data)
	return append(b, `,"outputDetails":{"truncated":false}}`...)
}

// appendStateData appends a lean event's data as its details hold it: the
// JSON string of its JSON text.
func appendStateData(b []byte, ev *interp.Event, data []byte) []byte {
	if data != nil {
		return append(b, data...)
	}
	return value.AppendQuoted(b, ev.Data, true)
}

// appendMillis writes ms/1000, in seconds, as encoding/json writes the
// float64 float64(ms)/1000: for times after 1970 and before the year
// 33658, that is the decimal sec.mmm without trailing zeros, since it is
// the shortest decimal that rounds to that float (floats there are closer
// together than a millisecond).
func appendMillis(b []byte, ms int64) []byte {
	if ms <= 0 || ms >= 1e15 {
		return appendFloat(b, float64(ms)/1000)
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	if frac == 0 {
		return b
	}
	d := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 4
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendFloat writes f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		// Rare; let encoding/json format it.
		out, _ := json.Marshal(f)
		return append(b, out...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendValue appends a JSON value of the kinds history details hold;
// others go through encoding/json.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case json.Number:
		if x == "" {
			return append(b, '0')
		}
		return append(b, x...)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
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
			b = appendValue(b, x[k])
		}
		return append(b, '}')
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters too; invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte { return value.AppendString(b, s, true) }
