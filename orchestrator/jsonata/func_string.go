package jsonata

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// stringify is JSON.stringify with jsonata-js's replacer: numbers to 15
// significant digits, functions as "". Object keys are sorted.
func stringify(v any, pretty bool) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v, pretty, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeJSON(b *strings.Builder, v any, pretty bool, indent string) error {
	switch x := v.(type) {
	case nil, undefinedType:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		enc, _ := value.Encode(x)
		b.Write(enc)
	case json.Number, float64:
		f, _ := toNumber(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString("null")
			return nil
		}
		p, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
		b.WriteString(formatJSNumber(p))
	case []any, *sequence:
		items, _ := arrayItems(x)
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		inner := indent + "  "
		for i, it := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			if pretty {
				b.WriteString("\n" + inner)
			}
			// A function is written as "" (writeJSON's default case).
			if err := writeJSON(b, it, pretty, inner); err != nil {
				return err
			}
		}
		if pretty {
			b.WriteString("\n" + indent)
		}
		b.WriteByte(']')
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		inner := indent + "  "
		for i, k := range value.SortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			if pretty {
				b.WriteString("\n" + inner)
			}
			enc, _ := value.Encode(k)
			b.Write(enc)
			b.WriteByte(':')
			if pretty {
				b.WriteByte(' ')
			}
			it := x[k]
			// A function is written as "" (writeJSON's default case).
			if err := writeJSON(b, it, pretty, inner); err != nil {
				return err
			}
		}
		if pretty {
			b.WriteString("\n" + indent)
		}
		b.WriteByte('}')
	default:
		if isFunction(v) {
			b.WriteString(`""`)
		}
	}
	return nil
}

// fnStringValue is $string for a defined argument.
func fnStringValue(v any, pretty bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", rtErr("D3001", "Attempting to invoke string function on Infinity or NaN")
		}
	}
	if isFunction(v) {
		return "", nil
	}
	return stringify(v, pretty)
}

func argOr(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return undefined
}

func fnString(_ *evalCtx, args []any, _ any) (any, error) {
	if isUndef(args[0]) {
		return undefined, nil
	}
	pretty, _ := argOr(args, 1).(bool)
	return fnStringValue(args[0], pretty)
}

func fnLength(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return value.Int(int64(utf8.RuneCountInString(s))), nil
}

func numArg(v any) (float64, bool) {
	if isUndef(v) {
		return 0, false
	}
	return toNumber(v)
}

func fnSubstring(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	r := []rune(s)
	n := len(r)
	startF, _ := numArg(args[1])
	start := int(startF)
	if n+start < 0 {
		start = 0
	}
	slice := func(from, to int) string {
		if from < 0 {
			from += n
			if from < 0 {
				from = 0
			}
		}
		if to < 0 {
			to += n
			if to < 0 {
				to = 0
			}
		}
		if from > n {
			from = n
		}
		if to > n {
			to = n
		}
		if from >= to {
			return ""
		}
		return string(r[from:to])
	}
	if l, ok := numArg(argOr(args, 2)); ok {
		length := int(l)
		if l <= 0 {
			return "", nil
		}
		var end int
		if start >= 0 {
			end = start + length
		} else {
			end = n + start + length
		}
		if start < 0 {
			return slice(n+start, end), nil
		}
		return slice(start, end), nil
	}
	return slice(start, n), nil
}

func fnSubstringBefore(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	chars, _ := args[1].(string)
	if i := strings.Index(s, chars); i >= 0 {
		return s[:i], nil
	}
	return s, nil
}

func fnSubstringAfter(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	chars, _ := args[1].(string)
	if i := strings.Index(s, chars); i >= 0 {
		return s[i+len(chars):], nil
	}
	return s, nil
}

func fnUppercase(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return strings.ToUpper(s), nil
}

func fnLowercase(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return strings.ToLower(s), nil
}

var wsRun = regexp.MustCompile(`[ \t\n\r]+`)

func fnTrim(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	s = wsRun.ReplaceAllString(s, " ")
	return strings.TrimSuffix(strings.TrimPrefix(s, " "), " "), nil
}

func fnPad(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	wf, _ := numArg(args[1])
	width := int(wf)
	ch, _ := argOr(args, 2).(string)
	if ch == "" {
		ch = " "
	}
	padLen := int(math.Abs(float64(width))) - utf8.RuneCountInString(s)
	if padLen <= 0 {
		return s, nil
	}
	padding := []rune(strings.Repeat(ch, padLen))[:padLen]
	if width > 0 {
		return s + string(padding), nil
	}
	return string(padding) + s, nil
}

func fnContains(c *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	switch t := args[1].(type) {
	case string:
		return strings.Contains(s, t), nil
	case *regexFunc:
		return t.re.MatchString(s), nil
	}
	m, err := c.apply(args[1], []any{s}, undefined)
	if err != nil {
		return nil, err
	}
	return !isUndef(m), nil
}

// limitArg reads the optional limit, the third argument of $split and
// $match: -1 when absent, an error with code when negative.
func limitArg(args []any, code, fn string) (int, error) {
	l, ok := numArg(argOr(args, 2))
	if !ok {
		return -1, nil
	}
	if l < 0 {
		return 0, rtErr(code, "Third argument of %s function must evaluate to a positive number", fn)
	}
	return int(l), nil
}

func fnSplit(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	limit, err := limitArg(args, "D3020", "split")
	if err != nil {
		return nil, err
	}
	var parts []string
	switch sep := args[1].(type) {
	case string:
		if sep == "" {
			for _, r := range s {
				parts = append(parts, string(r))
			}
		} else {
			parts = strings.Split(s, sep)
		}
	case *regexFunc:
		locs := sep.re.FindAllStringIndex(s, -1)
		start := 0
		count := 0
		for _, loc := range locs {
			if limit >= 0 && count >= limit {
				break
			}
			parts = append(parts, s[start:loc[0]])
			start = loc[1]
			count++
		}
		if limit < 0 || count < limit {
			parts = append(parts, s[start:])
		}
	default:
		return nil, rtErr("T0410", "Argument 2 of function %s does not match function signature", jsString("split"))
	}
	if limit >= 0 && len(parts) > limit {
		parts = parts[:limit]
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnJoin(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	sep, _ := argOr(args, 1).(string)
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i], _ = it.(string)
	}
	return strings.Join(parts, sep), nil
}

// matches returns the regex matches of re in s (byte offsets), at most
// limit (-1: all).
func regexMatches(re *regexp.Regexp, s string, limit int) [][]int {
	return re.FindAllStringSubmatchIndex(s, limit)
}

func matchObject(s string, loc []int) map[string]any {
	groups := make([]any, 0, len(loc)/2-1)
	for i := 2; i+1 < len(loc); i += 2 {
		if loc[i] < 0 {
			groups = append(groups, "")
		} else {
			groups = append(groups, s[loc[i]:loc[i+1]])
		}
	}
	return map[string]any{
		"match":  s[loc[0]:loc[1]],
		"index":  value.Int(int64(runeIndex(s, loc[0]))),
		"groups": groups,
	}
}

func fnMatch(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	limit, err := limitArg(args, "D3040", "match")
	if err != nil {
		return nil, err
	}
	re, ok := args[1].(*regexFunc)
	if !ok {
		return nil, rtErr("T0410", "Argument 2 of function %s does not match function signature", jsString("match"))
	}
	res := newSeq()
	if limit == 0 {
		return res, nil
	}
	for _, loc := range regexMatches(re.re, s, limit) {
		res.items = append(res.items, matchObject(s, loc))
	}
	return res, nil
}

func fnReplace(c *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	if p, ok := args[1].(string); ok && p == "" {
		return nil, rtErr("D3010", "Second argument of replace function cannot be an empty string")
	}
	limit := -1
	if l, ok := numArg(argOr(args, 3)); ok {
		if l < 0 {
			return nil, rtErr("D3011", "Fourth argument of replace function must evaluate to a positive number")
		}
		limit = int(l)
	}
	if limit == 0 {
		return s, nil
	}
	repl := args[2]
	if p, ok := args[1].(string); ok {
		rs, ok := repl.(string)
		if !ok {
			return nil, rtErr("D3012", "Attempted to replace a matched string with a non-string value")
		}
		return strings.Replace(s, p, rs, limit), nil
	}
	re, ok := args[1].(*regexFunc)
	if !ok {
		return nil, rtErr("T0410", "Argument 2 of function %s does not match function signature", jsString("replace"))
	}
	locs := regexMatches(re.re, s, limit)
	if len(locs) == 0 {
		return s, nil
	}
	var b strings.Builder
	pos := 0
	for _, loc := range locs {
		if loc[0] == loc[1] {
			return nil, rtErr("D1004", "Regular expression matches zero length string")
		}
		b.WriteString(s[pos:loc[0]])
		m := matchObject(s, loc)
		if rs, ok := repl.(string); ok {
			b.WriteString(substitute(rs, m))
		} else {
			r, err := c.apply(repl, []any{m}, undefined)
			if err != nil {
				return nil, err
			}
			str, ok := r.(string)
			if !ok {
				return nil, rtErr("D3012", "Attempted to replace a matched string with a non-string value")
			}
			b.WriteString(str)
		}
		pos = loc[1]
	}
	b.WriteString(s[pos:])
	return b.String(), nil
}

// substitute expands $0, $1 ... and $$ in a replacement string.
func substitute(repl string, m map[string]any) string {
	groups := m["groups"].([]any)
	var b strings.Builder
	pos := 0
	for {
		idx := strings.IndexByte(repl[pos:], '$')
		if idx < 0 || pos >= len(repl) {
			break
		}
		idx += pos
		b.WriteString(repl[pos:idx])
		pos = idx + 1
		if pos >= len(repl) {
			b.WriteByte('$')
			break
		}
		d := repl[pos]
		switch {
		case d == '$':
			b.WriteByte('$')
			pos++
		case d == '0':
			b.WriteString(m["match"].(string))
			pos++
		default:
			maxDigits := 1
			if len(groups) > 0 {
				maxDigits = int(math.Floor(math.Log10(float64(len(groups))))) + 1
			}
			end := min(pos+maxDigits, len(repl))
			n, err := strconv.Atoi(leadingDigits(repl[pos:end]))
			if err == nil && maxDigits > 1 && n > len(groups) {
				n, err = strconv.Atoi(leadingDigits(repl[pos : end-1]))
			}
			if err != nil {
				b.WriteByte('$')
				continue
			}
			if len(groups) > 0 && n >= 1 && n <= len(groups) {
				b.WriteString(groups[n-1].(string))
			}
			pos += len(strconv.Itoa(n))
		}
	}
	if pos < len(repl) {
		b.WriteString(repl[pos:])
	}
	return b.String()
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func fnBase64Encode(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return nil, &Error{Message: "threw an internal error during evaluation"}
		}
	}
	return string(b), nil
}

const uriUnreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
const uriReserved = ";,/?:@&=+$#"

func encodeURI(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}

func fnEncodeURLComponent(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	if !utf8.ValidString(s) {
		return nil, rtErr("D3140", "Malformed URL passed to $encodeUrlComponent(): %s", jsString(s))
	}
	return encodeURI(s, uriUnreserved), nil
}

func fnEncodeURL(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	if !utf8.ValidString(s) {
		return nil, rtErr("D3140", "Malformed URL passed to $encodeUrl(): %s", jsString(s))
	}
	return encodeURI(s, uriUnreserved+uriReserved), nil
}

func decodeURI(name, s string, keepReserved bool) (any, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return nil, rtErr("D3140", "Malformed URL passed to $%s(): %s", name, jsString(s))
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return nil, rtErr("D3140", "Malformed URL passed to $%s(): %s", name, jsString(s))
		}
		if keepReserved && strings.IndexByte(uriReserved, byte(v)) >= 0 {
			b.WriteString(s[i : i+3])
		} else {
			b.WriteByte(byte(v))
		}
		i += 2
	}
	out := b.String()
	if !utf8.ValidString(out) {
		return nil, rtErr("D3140", "Malformed URL passed to $%s(): %s", name, jsString(s))
	}
	return out, nil
}

func fnDecodeURLComponent(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return decodeURI("decodeUrlComponent", s, false)
}

func fnDecodeURL(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	return decodeURI("decodeUrl", s, true)
}

var _ = url.QueryEscape
