package value

import (
	"encoding/json"
	"reflect"
	"slices"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// appendJSON appends the compact JSON text of v as a json.Encoder with
// SetEscapeHTML(false) writes it, for the values this package deals in
// (nil, bool, string, json.Number, []any, map[string]any); ok is false
// for anything else (or an invalid json.Number), and Encode then uses
// encoding/json. FuzzEncode compares the two.
func appendJSON(b []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return AppendString(b, x, false), true
	case json.Number:
		if x == "" {
			return append(b, '0'), true
		}
		if !ValidNumber(string(x)) {
			return b, false
		}
		return append(b, x...), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		var buf [16]string
		keys := AppendSortedKeys(buf[:0], x)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k, false)
			b = append(b, ':')
			if b, ok = appendJSON(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json
// escapes it: invalid UTF-8 as U+FFFD, U+2028 and U+2029 as \u escapes,
// and <, > and & as \u escapes when escapeHTML (json.Marshal's default; a
// json.Encoder with SetEscapeHTML(false) does not).
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ValidNumber reports whether s is a JSON number (RFC 8259), as
// encoding/json requires of a json.Number it writes.
func ValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}

// AppendSortedKeys appends m's keys to buf in the order encoding/json
// writes them (SortedKeys without an allocation when buf has room).
func AppendSortedKeys(buf []string, m map[string]any) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// AppendQuoted appends MustString(v), v's JSON text, as a JSON string
// (AppendString with escapeHTML): what a history event holds for a state's
// input or output, without building the text as a string first.
func AppendQuoted(b []byte, v any, escapeHTML bool) []byte {
	p := quotedScratch.Get().(*[]byte)
	text, ok := appendJSON((*p)[:0], v)
	if ok && len(text) > 0 {
		// Room for the string and a few escapes, at once.
		b = slices.Grow(b, len(text)+len(text)/8+2)
		// text is not changed while AppendString reads it.
		b = AppendString(b, unsafe.String(&text[0], len(text)), escapeHTML)
	} else {
		b = AppendString(b, MustString(v), escapeHTML)
	}
	if cap(text) <= maxQuotedScratch {
		*p = text[:0]
		quotedScratch.Put(p)
	}
	return b
}

// quotedScratch holds AppendQuoted's buffers for a value's JSON text;
// larger ones than maxQuotedScratch are dropped.
var quotedScratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxQuotedScratch = 512 << 10

// Identical reports whether a and b are one value, so that their JSON
// texts are the same while neither is changed: the same map, slices of one
// backing array and length, or equal strings, numbers, booleans or nils.
// It is false for anything else, including equal maps or slices that are
// not the same one.
func Identical(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && x != nil && y != nil && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) > 0 && len(x) == len(y) && &x[0] == &y[0]
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}
