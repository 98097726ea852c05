// Package value holds the helpers every orchestrator package uses for JSON
// values kept parsed between states.
//
// A JSON value is one of: nil, bool, string, json.Number, []any,
// map[string]any. Numbers are always json.Number (decoded with UseNumber)
// so that integers stay exact; code that produces a number uses Int or
// Float to build one.
package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decode parses one JSON document with UseNumber. Trailing data is an error.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}

// DecodeString is Decode for a string.
func DecodeString(s string) (any, error) { return Decode([]byte(s)) }

// Encode returns the compact JSON text of v, without HTML escaping.
func Encode(v any) ([]byte, error) {
	if b, ok := appendJSON(make([]byte, 0, 64), v); ok {
		return b, nil
	}
	return encodeJSON(v)
}

// encodeJSON is Encode through encoding/json.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // drop the newline Encode adds
}

// MustString returns the JSON text of v, or a placeholder if v cannot be
// encoded (which cannot happen for values built by this package's rules).
func MustString(v any) string {
	b, err := Encode(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// Int returns the JSON number for an integer.
func Int(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// Float returns the JSON number for f, written as Java and JavaScript write
// it: integral values without a fraction (3, not 3.0).
func Float(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// ToFloat converts a json.Number (or any Go numeric) to float64.
func ToFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			// Out of range: fall back to big.Float.
			bf, _, err2 := big.ParseFloat(string(n), 10, 64, big.ToNearestEven)
			if err2 != nil {
				return 0, false
			}
			f, _ = bf.Float64()
		}
		return f, true
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// ToInt converts a number to int64 if it is integral.
func ToInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
		f, ok := ToFloat(n)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 9.2e18 {
			return 0, false
		}
		return int64(f), true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 9.2e18 {
			return 0, false
		}
		return int64(n), true
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// IsNumber reports whether v is a JSON number.
func IsNumber(v any) bool {
	_, ok := v.(json.Number)
	return ok
}

// IsInteger reports whether v is a JSON number without a fraction part as
// written (1 and 1e2 are integers, 1.0 and 1.5 are not: AWS's Java parser
// treats 1.0 as a float).
func IsInteger(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	return !strings.ContainsAny(string(n), ".eE")
}

// CompareNumbers returns -1, 0 or 1. Integers are compared exactly.
func CompareNumbers(a, b json.Number) int {
	if ai, err := strconv.ParseInt(string(a), 10, 64); err == nil {
		if bi, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			switch {
			case ai < bi:
				return -1
			case ai > bi:
				return 1
			}
			return 0
		}
	}
	af, _ := ToFloat(a)
	bf, _ := ToFloat(b)
	switch {
	case af < bf:
		return -1
	case af > bf:
		return 1
	}
	return 0
}

// Equal is deep equality with numbers compared by value.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && CompareNumbers(x, y) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}

// Clone returns a deep copy of v. Values are treated as immutable by the
// interpreter, so Clone is needed only where a value is mutated in place.
func Clone(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = Clone(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, xv := range x {
			out[k] = Clone(xv)
		}
		return out
	}
	return v
}

// TypeName names the JSON type of v as AWS's messages do.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// SortedKeys returns the keys of m in sorted order.
func SortedKeys(m map[string]any) []string {
	return AppendSortedKeys(make([]string, 0, len(m)), m)
}

// Normalize converts values built from Go types (float64, int, int64,
// []interface{} of those, map[string]interface{}) into this package's
// representation, recursively. It returns an error for types that are not
// JSON.
func Normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v is not valid JSON", x)
		}
		return Float(x), nil
	case float32:
		return Float(float64(x)), nil
	case int:
		return Int(int64(x)), nil
	case int64:
		return Int(x), nil
	case []any:
		out := make([]any, len(x))
		for i := range x {
			n, err := Normalize(x[i])
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, xv := range x {
			n, err := Normalize(xv)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("value of type %T is not JSON", v)
}

// SizeExceeds reports whether the JSON text of v is longer than limit
// bytes. It walks v without encoding it and stops as soon as the limit is
// passed, so a small value costs little.
func SizeExceeds(v any, limit int) bool {
	n := 0
	return !sizeWalk(v, &n, limit)
}

// sizeWalk adds v's approximate encoded size to *n; false once over limit.
// Strings count their bytes plus quotes (escapes are not counted, so the
// size is a lower bound within a few percent for ordinary text).
func sizeWalk(v any, n *int, limit int) bool {
	switch x := v.(type) {
	case nil:
		*n += 4
	case bool:
		*n += 5
	case string:
		*n += len(x) + 2
	case json.Number:
		*n += len(x)
	case []any:
		*n += 2 + len(x)
		for _, e := range x {
			if !sizeWalk(e, n, limit) {
				return false
			}
		}
	case map[string]any:
		*n += 2 + len(x)
		for k, e := range x {
			*n += len(k) + 3
			if !sizeWalk(e, n, limit) {
				return false
			}
		}
	default:
		*n += 8
	}
	return *n <= limit
}
