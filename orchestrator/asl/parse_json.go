package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// node is one JSON value of a definition, with object keys kept in the
// order they were written (and duplicates kept, for the checks that need
// them).
type node struct {
	kind nodeKind
	bool bool     // kindBool
	str  string   // kindString, and the text of a kindNumber
	keys []string // kindObject, in order
	vals []*node  // kindObject (parallel to keys), kindArray
}

// num returns the value of a kindNumber.
func (n *node) num() json.Number { return json.Number(n.str) }

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// get returns the last value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return n.vals[i]
		}
	}
	return nil
}

// has reports whether an object has key.
func (n *node) has(key string) bool { return n.get(key) != nil }

// value converts n to a plain JSON value (map[string]any, []any,
// json.Number, string, bool, nil); for duplicate keys the last one wins,
// as in encoding/json.
func (n *node) value() any {
	switch n.kind {
	case kindBool:
		return n.bool
	case kindNumber:
		return n.num()
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.vals))
		for i, e := range n.vals {
			out[i] = e.value()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k] = n.vals[i].value()
		}
		return out
	}
	return nil
}

// typeName names the JSON type of n as the messages do.
func (n *node) typeName() string {
	switch n.kind {
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	case kindObject:
		return "object"
	}
	return "null"
}

// errTooDeep is returned by decodeNode when the nesting exceeds MaxDepth.
var errTooDeep = errors.New("too deep")

// errSyntax is returned by decodeNode for text that is not JSON; the
// caller describes the problem with syntaxMessage.
var errSyntax = errors.New("invalid JSON")

// decodeNode parses one JSON document into a node tree. Nesting deeper
// than maxDepth fails with errTooDeep, anything that is not JSON (trailing
// data included) with errSyntax. It is a small recursive-descent parser:
// encoding/json's token stream costs three times as much.
func decodeNode(data []byte, maxDepth int) (*node, error) {
	d := &decoder{data: data, maxDepth: maxDepth}
	d.space()
	n, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.space()
	if d.pos != len(d.data) {
		return nil, errSyntax
	}
	return n, nil
}

type decoder struct {
	data     []byte
	pos      int
	maxDepth int
	slab     []node // nodes are allocated from here, a chunk at a time
	keys     []string
	vals     []*node // the entries of the objects being read, as a stack
	items    []*node // the elements of the arrays being read, as a stack
}

// common holds the field names and values that most definitions repeat,
// so that reading them does not allocate.
var common = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"Type", "Next", "End", "Comment", "StartAt", "States", "QueryLanguage", "Resource", "Parameters",
		"ResultPath", "ResultSelector", "InputPath", "OutputPath", "Arguments", "Output", "Assign", "Retry",
		"Catch", "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "TimeoutSeconds",
		"HeartbeatSeconds", "Choices", "Default", "Variable", "And", "Or", "Not", "Condition", "Seconds",
		"SecondsPath", "Timestamp", "TimestampPath", "Error", "Cause", "Branches", "ItemProcessor",
		"ItemsPath", "Items", "ItemSelector", "MaxConcurrency", "ProcessorConfig", "Mode", "Result",
		"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "JSONata", "JSONPath",
		"INLINE", "DISTRIBUTED", "STANDARD", "EXPRESS", "States.ALL", "States.TaskFailed", "States.Timeout",
		"$", "FunctionName", "Payload", "Payload.$", "arn:aws:states:::lambda:invoke",
	} {
		m[s] = s
	}
	for _, op := range Operators {
		m[op] = op
	}
	return m
}()

// alloc returns a new node of the given kind.
func (d *decoder) alloc(kind nodeKind) *node {
	if len(d.slab) == 0 {
		d.slab = make([]node, 128)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	n.kind = kind
	return n
}

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

func (d *decoder) value(depth int) (*node, error) {
	if d.pos >= len(d.data) {
		return nil, errSyntax
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if depth >= d.maxDepth {
			return nil, errTooDeep
		}
		return d.object(depth)
	case c == '[':
		if depth >= d.maxDepth {
			return nil, errTooDeep
		}
		return d.array(depth)
	case c == '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		n := d.alloc(kindString)
		n.str = s
		return n, nil
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case d.literal("true"):
		n := d.alloc(kindBool)
		n.bool = true
		return n, nil
	case d.literal("false"):
		return d.alloc(kindBool), nil
	case d.literal("null"):
		return d.alloc(kindNull), nil
	}
	return nil, errSyntax
}

func (d *decoder) object(depth int) (*node, error) {
	d.pos++ // {
	n := d.alloc(kindObject)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return n, nil
	}
	base := len(d.keys)
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, errSyntax
		}
		key, err := d.string()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, errSyntax
		}
		d.pos++
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, key)
		d.vals = append(d.vals, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, errSyntax
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			n.keys = append([]string(nil), d.keys[base:]...)
			n.vals = append([]*node(nil), d.vals[base:]...)
			d.keys, d.vals = d.keys[:base], d.vals[:base]
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

func (d *decoder) array(depth int) (*node, error) {
	d.pos++ // [
	n := d.alloc(kindArray)
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return n, nil
	}
	base := len(d.items)
	for {
		d.space()
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.items = append(d.items, v)
		d.space()
		if d.pos >= len(d.data) {
			return nil, errSyntax
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			n.vals = append([]*node(nil), d.items[base:]...)
			d.items = d.items[:base]
			return n, nil
		default:
			return nil, errSyntax
		}
	}
}

// string reads a string; escapes are decoded by encoding/json.
func (d *decoder) string() (string, error) {
	start := d.pos
	d.pos++ // "
	escaped := false
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if !escaped {
				raw := d.data[start+1 : d.pos-1]
				if s, ok := common[string(raw)]; ok {
					return s, nil
				}
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(d.data[start:d.pos], &s); err != nil {
				return "", errSyntax
			}
			return s, nil
		case c == '\\':
			escaped = true
			d.pos += 2
		case c < 0x20:
			return "", errSyntax
		default:
			d.pos++
		}
	}
	return "", errSyntax
}

// number reads a number with JSON's grammar.
func (d *decoder) number() (*node, error) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.data) && d.data[d.pos] == '0' {
		d.pos++
	} else if digits() == 0 {
		return nil, errSyntax
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			return nil, errSyntax
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, errSyntax
		}
	}
	n := d.alloc(kindNumber)
	n.str = string(d.data[start:d.pos])
	return n, nil
}

// syntaxMessage describes a JSON syntax problem in the style of the
// Jackson messages AWS shows, with a line and a column.
func syntaxMessage(data []byte, err error) string {
	// json.Unmarshal locates the problem exactly; the streaming decoder
	// that built the tree may stop a little earlier.
	var raw json.RawMessage
	if uerr := json.Unmarshal(data, &raw); uerr != nil {
		err = uerr
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return upperFirst(strings.TrimPrefix(err.Error(), "json: "))
	}
	off := int(se.Offset)
	if se.Error() == "unexpected end of JSON input" {
		line, col := lineCol(data, len(data))
		return fmt.Sprintf("Unexpected end-of-input\n at [Source: (String)%q; line: %d, column: %d]", snippet(data), line, col)
	}
	// A bare word where a value should be (NaN, Infinity, text): name it
	// as Jackson does, with the column just after it.
	if off > 0 && off <= len(data) && isWordByte(data[off-1]) {
		start, end := off-1, off-1
		for start > 0 && isWordByte(data[start-1]) {
			start--
		}
		for end < len(data) && isWordByte(data[end]) {
			end++
		}
		line, col := lineCol(data, end)
		return fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)%q; line: %d, column: %d]",
			data[start:end], snippet(data), line, col)
	}
	line, col := lineCol(data, off)
	return fmt.Sprintf("%s\n at [Source: (String)%q; line: %d, column: %d]", upperFirst(se.Error()), snippet(data), line, col)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func lineCol(data []byte, offset int) (int, int) {
	if offset > len(data) {
		offset = len(data)
	}
	line, col := 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func snippet(data []byte) string {
	const max = 500
	if len(data) > max {
		return string(data[:max]) + "[truncated]"
	}
	return string(data)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
