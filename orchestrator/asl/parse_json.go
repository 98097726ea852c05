package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// node is one JSON value of a definition, with object keys kept in the
// order they were written (and duplicates kept, for the checks that need
// them).
type node struct {
	kind  nodeKind
	str   string      // kindString
	num   json.Number // kindNumber
	bool  bool        // kindBool
	keys  []string    // kindObject, in order
	vals  []*node     // kindObject, parallel to keys
	elems []*node     // kindArray
}

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
		return n.num
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.elems))
		for i, e := range n.elems {
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

// decodeNode parses one JSON document into a node tree. Nesting deeper
// than maxDepth fails with errTooDeep; trailing data is an error.
func decodeNode(data []byte, maxDepth int) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec, 0, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("invalid character after top-level value")
		}
		return nil, err
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth, maxDepth int) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return readValue(dec, tok, depth, maxDepth)
}

func readValue(dec *json.Decoder, tok json.Token, depth, maxDepth int) (*node, error) {
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case bool:
		return &node{kind: kindBool, bool: t}, nil
	case json.Number:
		return &node{kind: kindNumber, num: t}, nil
	case string:
		return &node{kind: kindString, str: t}, nil
	case json.Delim:
		if depth >= maxDepth {
			return nil, errTooDeep
		}
		switch t {
		case '{':
			n := &node{kind: kindObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				v, err := readNode(dec, depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: kindArray}
			for dec.More() {
				v, err := readNode(dec, depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return n, nil
		}
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
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
