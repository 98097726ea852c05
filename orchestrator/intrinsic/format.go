package intrinsic

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// format implements States.Format. A literal template honours the escapes
// \{ and \} (a literal brace, not a placeholder); a template read from a
// path is taken as is.
func format(c *Call, args []any, _ Env) (any, error) {
	tmpl, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	escaped := c.Args[0].Kind == ArgLiteral && c.Args[0].isString
	src := tmpl
	if escaped {
		src = c.Args[0].raw
	}
	values := args[1:]
	var b strings.Builder
	used := 0
	for i := 0; i < len(src); i++ {
		ch := src[i]
		switch {
		case escaped && ch == '\\' && i+1 < len(src):
			b.WriteByte(src[i+1])
			i++
		case ch == '{' && i+1 < len(src) && src[i+1] == '}':
			if used >= len(values) {
				return nil, failf(c.Name, "the format string has more placeholders than the %d value(s) given", len(values))
			}
			writeJava(&b, values[used])
			used++
			i++
		default:
			b.WriteByte(ch)
		}
	}
	if used != len(values) {
		return nil, failf(c.Name, "the format string has %d placeholder(s) but %d value(s) were given", used, len(values))
	}
	return b.String(), nil
}

// writeJava renders v as Java's toString does for the values AWS formats:
// strings as they are, numbers as javaNumber writes them, arrays as [a, b] and objects as
// {k=v, k2=v2} (keys in sorted order).
func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case json.Number:
		b.WriteString(javaNumber(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJava(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range value.SortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeJava(b, x[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString(value.MustString(x))
	}
}

// javaNumber renders a number as AWS's Java runtime does: integers as
// written, other numbers as Java's Double.toString (1.10 -> 1.1,
// 1e2 -> 100.0, 1e7 -> 1.0E7, 0.0001 -> 1.0E-4).
func javaNumber(n json.Number) string {
	if value.IsInteger(n) {
		return string(n)
	}
	f, ok := value.ToFloat(n)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return string(n)
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	// Scientific: d.dddE[-]x with at least one fraction digit.
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.5e+07, 1e-05
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	x, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(x)
}

// javaNumbers returns v with every number rewritten by javaNumber, copying
// only what changes.
func javaNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return json.Number(javaNumber(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = javaNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = javaNumbers(e)
		}
		return out
	}
	return v
}
