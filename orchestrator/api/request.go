package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the JSON type of a request member.
type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindStruct
	kindList
)

// member describes one member of an operation's input, with the
// constraints of the Step Functions API model.
type member struct {
	name      string
	kind      kind
	required  bool
	min, max  int // string length or integer value; noLimit when absent
	bytes     bool
	sensitive bool
	enum      []string
	ascii     bool
}

const noLimit = math.MinInt

// str, integer and so on build members; their options chain.
func str(name string, min, max int) member {
	return member{name: name, kind: kindString, min: min, max: max}
}

func integer(name string, min, max int) member {
	return member{name: name, kind: kindInt, min: min, max: max}
}

func boolean(name string) member {
	return member{name: name, kind: kindBool, min: noLimit, max: noLimit}
}

func structure(name string) member {
	return member{name: name, kind: kindStruct, min: noLimit, max: noLimit}
}

func list(name string) member {
	return member{name: name, kind: kindList, min: noLimit, max: noLimit}
}

func enum(name string, values ...string) member {
	return member{name: name, kind: kindString, min: noLimit, max: noLimit, enum: values}
}

func (m member) req() member { m.required = true; return m }

// secret marks a member the model calls sensitive: its value is not
// repeated in validation messages.
func (m member) secret() member { m.sensitive = true; return m }

// utf8Bytes counts the length in UTF-8 bytes (payloads) instead of
// characters.
func (m member) utf8Bytes() member { m.bytes = true; return m }

func (m member) asciiOnly() member { m.ascii = true; return m }

// Common members.
var (
	arnMember       = func(name string) member { return str(name, 1, 256) }
	nameMember      = str("name", 1, 80)
	maxResultsPage  = integer("maxResults", 0, 1000)
	nextTokenMember = str("nextToken", 1, 1024)
	payloadMember   = func(name string) member { return str(name, noLimit, 262144).secret().utf8Bytes() }
	errorMember     = str("error", 0, 256).secret()
	causeMember     = str("cause", 0, 32768).secret()
	includedData    = enum("includedData", "ALL_DATA", "METADATA_ONLY")
	traceHeader     = str("traceHeader", 0, 256).asciiOnly()
	typeMember      = enum("type", "STANDARD", "EXPRESS")
	definitionField = str("definition", 1, 1048576).secret()
)

// request is a decoded operation input.
type request struct {
	raw map[string]json.RawMessage
}

// decodeRequest parses body as the input of an operation with the given
// members: a SerializationException when the body is not a JSON object or
// a member has the wrong JSON type, a ValidationException listing every
// violated constraint. Unknown members are ignored, as AWS does, and a null
// member is absent.
func decodeRequest(body []byte, members []member) (*request, *Error) {
	r := &request{raw: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return nil, newError(errSerialization, "Malformed JSON request body: %v", err)
	}
	switch t := firstByte(body); t {
	case '{':
	case '[':
		return nil, newError(errSerialization, "Start of list found where not expected")
	default:
		return nil, newError(errSerialization, "%s cannot be converted to a request structure", tokenName(t))
	}
	if err := json.Unmarshal(body, &r.raw); err != nil {
		return nil, newError(errSerialization, "Malformed JSON request body: %v", err)
	}
	for name, v := range r.raw {
		if firstByte(v) == 'n' {
			delete(r.raw, name)
		}
	}
	var violations []string
	for _, m := range members {
		v, ok := r.raw[m.name]
		if !ok {
			if m.required {
				violations = append(violations, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", m.name))
			}
			continue
		}
		if err := checkKind(m, v); err != nil {
			return nil, err
		}
		violations = append(violations, m.violations(v)...)
	}
	if len(violations) > 0 {
		return nil, validationError(violations...)
	}
	return r, nil
}

// validationError builds AWS's message for constraint violations.
func validationError(violations ...string) *Error {
	noun := "error"
	if len(violations) > 1 {
		noun = "errors"
	}
	return newError(errValidation, "%d validation %s detected: %s", len(violations), noun, strings.Join(violations, "; "))
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// tokenName is the name AWS's deserializer gives a JSON token.
func tokenName(b byte) string {
	switch b {
	case '"':
		return "STRING_VALUE"
	case '{':
		return "Start of structure"
	case '[':
		return "Start of list"
	case 't', 'f':
		return "BOOLEAN_VALUE"
	case 'n':
		return "NULL_VALUE"
	}
	return "NUMBER_VALUE"
}

// checkKind reports a member of the wrong JSON type.
func checkKind(m member, v json.RawMessage) *Error {
	t := firstByte(v)
	ok := false
	want := ""
	switch m.kind {
	case kindString:
		ok, want = t == '"', "String"
	case kindBool:
		ok, want = t == 't' || t == 'f', "Boolean"
	case kindStruct:
		ok, want = t == '{', "Structure"
	case kindList:
		ok, want = t == '[', "List"
	case kindInt:
		want = "Integer"
		if t != '"' && t != '{' && t != '[' && t != 't' && t != 'f' {
			_, err := parseInt(v)
			ok = err == nil
		}
	}
	if ok {
		return nil
	}
	switch t {
	case '{':
		return newError(errSerialization, "Start of structure or map found where not expected at '%s'", m.name)
	case '[':
		return newError(errSerialization, "Start of list found where not expected at '%s'", m.name)
	}
	return newError(errSerialization, "%s cannot be converted to %s at '%s'", tokenName(t), want, m.name)
}

func parseInt(v json.RawMessage) (int, error) {
	f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, fmt.Errorf("not a 32-bit integer")
	}
	return int(f), nil
}

// violations lists the constraints v breaks, in AWS's words.
func (m member) violations(v json.RawMessage) []string {
	var out []string
	at := func(value, constraint string) {
		if m.sensitive {
			out = append(out, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", m.name, constraint))
			return
		}
		out = append(out, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, m.name, constraint))
	}
	switch m.kind {
	case kindString:
		var s string
		_ = json.Unmarshal(v, &s)
		n := javaLength(s)
		if m.bytes {
			n = len(s)
		}
		if m.min != noLimit && n < m.min {
			at(s, fmt.Sprintf("Member must have length greater than or equal to %d", m.min))
		}
		if m.max != noLimit && n > m.max {
			at(s, fmt.Sprintf("Member must have length less than or equal to %d", m.max))
		}
		if m.enum != nil && !contains(m.enum, s) {
			at(s, fmt.Sprintf("Member must satisfy enum value set: [%s]", strings.Join(m.enum, ", ")))
		}
		if m.ascii && !isASCII(s) {
			at(s, `Member must satisfy regular expression pattern: \p{ASCII}*`)
		}
	case kindInt:
		n, _ := parseInt(v)
		if m.min != noLimit && n < m.min {
			at(strconv.Itoa(n), fmt.Sprintf("Member must have value greater than or equal to %d", m.min))
		}
		if m.max != noLimit && n > m.max {
			at(strconv.Itoa(n), fmt.Sprintf("Member must have value less than or equal to %d", m.max))
		}
	}
	return out
}

// javaLength is the length of s as AWS counts it: UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// has reports whether the member was given (and not null).
func (r *request) has(name string) bool {
	_, ok := r.raw[name]
	return ok
}

// str returns a string member, "" when absent.
func (r *request) str(name string) string {
	var s string
	if v, ok := r.raw[name]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// int returns an integer member, 0 when absent.
func (r *request) int(name string) int {
	if v, ok := r.raw[name]; ok {
		n, _ := parseInt(v)
		return n
	}
	return 0
}

// bool returns a boolean member, def when absent.
func (r *request) bool(name string, def bool) bool {
	b := def
	if v, ok := r.raw[name]; ok {
		_ = json.Unmarshal(v, &b)
	}
	return b
}
