package intrinsic

import (
	"encoding/json"
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
// strings as they are, numbers as written, arrays as [a, b] and objects as
// {k=v, k2=v2} (keys in sorted order).
func writeJava(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case json.Number:
		b.WriteString(string(x))
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
