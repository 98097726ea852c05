package jsonata

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

var (
	numberString = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`)
	radixString  = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$`)
)

func fnNumber(_ *evalCtx, args []any, _ any) (any, error) {
	switch x := args[0].(type) {
	case undefinedType:
		return undefined, nil
	case json.Number, float64:
		return x, nil
	case bool:
		if x {
			return value.Int(1), nil
		}
		return value.Int(0), nil
	case string:
		if numberString.MatchString(x) {
			f, err := strconv.ParseFloat(x, 64)
			if err == nil && !math.IsInf(f, 0) {
				return value.Float(f), nil
			}
		}
		if radixString.MatchString(x) {
			if i, err := strconv.ParseInt(x, 0, 64); err == nil {
				return value.Int(i), nil
			}
		}
	}
	return nil, rtErr("D3030", "Unable to cast value to a number: %s", jsString(args[0]))
}

func unaryMath(f func(float64) float64) func(*evalCtx, []any, any) (any, error) {
	return func(_ *evalCtx, args []any, _ any) (any, error) {
		x, ok := numArg(args[0])
		if !ok {
			return undefined, nil
		}
		return mkNum(f(x)), nil
	}
}

func fnAbs(_ *evalCtx, args []any, _ any) (any, error) {
	if n, ok := args[0].(json.Number); ok {
		if strings.HasPrefix(string(n), "-") {
			return n[1:], nil
		}
		return n, nil
	}
	return unaryMath(math.Abs)(nil, args, nil)
}

// roundHalfEven is jsonata-js's $round: half to even, at precision
// decimal places, shifting through the decimal text to avoid binary
// artefacts.
func roundHalfEven(x float64, precision int) float64 {
	shift := func(v float64, by int) float64 {
		s := formatJSNumber(v)
		mant, exp, found := strings.Cut(s, "e")
		e := 0
		if found {
			e, _ = strconv.Atoi(exp)
		}
		r, _ := strconv.ParseFloat(mant+"e"+strconv.Itoa(e+by), 64)
		return r
	}
	if precision != 0 {
		x = shift(x, precision)
	}
	r := math.Floor(x + 0.5) // JavaScript Math.round
	if math.Abs(r-x) == 0.5 && math.Mod(math.Abs(r), 2) == 1 {
		r--
	}
	if precision != 0 {
		r = shift(r, -precision)
	}
	if r == 0 {
		r = 0
	}
	return r
}

func fnRound(_ *evalCtx, args []any, _ any) (any, error) {
	x, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	p, _ := numArg(argOr(args, 1))
	return mkNum(roundHalfEven(x, int(p))), nil
}

func fnPower(_ *evalCtx, args []any, _ any) (any, error) {
	b, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	e, _ := numArg(args[1])
	r := math.Pow(b, e)
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nil, rtErr("D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base=%s, exponent=%s", jsString(args[0]), jsString(args[1]))
	}
	return mkNum(r), nil
}

func fnSqrt(_ *evalCtx, args []any, _ any) (any, error) {
	x, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	if x < 0 {
		return nil, rtErr("D3060", "The sqrt function cannot be applied to a negative number: %s", jsString(args[0]))
	}
	return mkNum(math.Sqrt(x)), nil
}

func numbersOf(v any) ([]any, bool) {
	if isUndef(v) {
		return nil, false
	}
	items, ok := arrayItems(v)
	if !ok {
		return []any{v}, true
	}
	return items, true
}

func fnSum(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := numbersOf(args[0])
	if !ok {
		return undefined, nil
	}
	var acc any = value.Int(0)
	for _, it := range items {
		r, err := arith("+", acc, it)
		if err != nil {
			return nil, err
		}
		acc = r
	}
	return acc, nil
}

func fnMax(_ *evalCtx, args []any, _ any) (any, error) { return extreme(args, 1) }
func fnMin(_ *evalCtx, args []any, _ any) (any, error) { return extreme(args, -1) }

func extreme(args []any, sign int) (any, error) {
	items, ok := numbersOf(args[0])
	if !ok || len(items) == 0 {
		return undefined, nil
	}
	best := items[0]
	for _, it := range items[1:] {
		a, _ := toNumber(it)
		b, _ := toNumber(best)
		if (sign > 0 && a > b) || (sign < 0 && a < b) {
			best = it
		}
	}
	return best, nil
}

func fnAverage(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := numbersOf(args[0])
	if !ok || len(items) == 0 {
		return undefined, nil
	}
	sum := 0.0
	for _, it := range items {
		f, _ := toNumber(it)
		sum += f
	}
	return mkNum(sum / float64(len(items))), nil
}

func fnFormatBase(_ *evalCtx, args []any, _ any) (any, error) {
	x, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	x = roundHalfEven(x, 0)
	radix := 10
	if r, ok := numArg(argOr(args, 1)); ok {
		radix = int(r)
	}
	if radix < 2 || radix > 36 {
		return nil, rtErr("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given %d", radix)
	}
	return strconv.FormatInt(int64(x), radix), nil
}

// fnFormatNumber implements the common subset of the XPath picture
// language: prefix and suffix, "0" and "#" digits, "," grouping, "."
// decimal separator, "%" and "‰", a ";" negative sub-picture, and the
// decimal-format options decimal-separator, grouping-separator,
// zero-digit (only "0"), percent, per-mille, minus-sign.
func fnFormatNumber(_ *evalCtx, args []any, _ any) (any, error) {
	x, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	picture, _ := args[1].(string)
	dec, grp, pct, pml, minus := ".", ",", "%", "‰", "-"
	if opts, ok := argOr(args, 2).(map[string]any); ok {
		if s, ok := opts["decimal-separator"].(string); ok {
			dec = s
		}
		if s, ok := opts["grouping-separator"].(string); ok {
			grp = s
		}
		if s, ok := opts["percent"].(string); ok {
			pct = s
		}
		if s, ok := opts["per-mille"].(string); ok {
			pml = s
		}
		if s, ok := opts["minus-sign"].(string); ok {
			minus = s
		}
	}
	subs := strings.Split(picture, ";")
	if len(subs) > 2 {
		return nil, rtErr("D3080", "The picture string must only contain a maximum of two sub-pictures")
	}
	sub := subs[0]
	negPrefix := minus
	if x < 0 && len(subs) == 2 {
		sub = subs[1]
		negPrefix = ""
	}
	isActive := func(r rune) bool {
		s := string(r)
		return (r >= '0' && r <= '9') || r == '#' || s == dec || s == grp
	}
	rs := []rune(sub)
	start, end := -1, -1
	for i, r := range rs {
		if isActive(r) {
			if start < 0 {
				start = i
			}
			end = i + 1
		}
	}
	if start < 0 {
		return nil, rtErr("D3085", "The picture string must contain at least one digit or the character %s", jsString("#"))
	}
	prefix, body, suffix := string(rs[:start]), string(rs[start:end]), string(rs[end:])
	for _, r := range body {
		if !isActive(r) {
			return nil, rtErr("D3086", "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character")
		}
	}
	if strings.Contains(prefix+suffix, pct) {
		x *= 100
	} else if strings.Contains(prefix+suffix, pml) {
		x *= 1000
	}
	intPart, fracPart, _ := strings.Cut(body, dec)
	minFrac, maxFrac := 0, 0
	for _, r := range fracPart {
		if r >= '0' && r <= '9' {
			minFrac++
			maxFrac++
		} else if r == '#' {
			maxFrac++
		}
	}
	minInt := 0
	var groups []int // positions of grouping separators counted from the right
	digitsSeen := 0
	ir := []rune(intPart)
	for i := len(ir) - 1; i >= 0; i-- {
		s := string(ir[i])
		if s == grp {
			groups = append(groups, digitsSeen)
			continue
		}
		if ir[i] >= '0' && ir[i] <= '9' {
			minInt = digitsSeen + 1
		}
		digitsSeen++
	}
	if minInt == 0 && maxFrac == 0 {
		minInt = 1
	}
	abs := roundHalfEven(math.Abs(x), maxFrac)
	digits := strconv.FormatFloat(abs, 'f', maxFrac, 64)
	ip, fp, _ := strings.Cut(digits, ".")
	for len(fp) > minFrac && strings.HasSuffix(fp, "0") {
		fp = fp[:len(fp)-1]
	}
	ip = strings.TrimLeft(ip, "0")
	for len(ip) < minInt {
		ip = "0" + ip
	}
	// grouping: regular if all separators are at multiples of the first
	if len(groups) > 0 {
		regular := true
		for i, g := range groups {
			if g != groups[0]*(i+1) {
				regular = false
			}
		}
		var out []byte
		n := len(ip)
		for i := 0; i < n; i++ {
			pos := n - i // digits to the right of this one, plus one
			out = append(out, ip[i])
			right := pos - 1
			if right == 0 {
				continue
			}
			if regular && groups[0] > 0 && right%groups[0] == 0 {
				out = append(out, grp...)
			} else if !regular {
				for _, g := range groups {
					if g == right {
						out = append(out, grp...)
					}
				}
			}
		}
		ip = string(out)
	}
	res := ip
	if fp != "" {
		res += dec + fp
	}
	if x < 0 && abs != 0 {
		prefix = negPrefix + prefix
	}
	return prefix + res + suffix, nil
}

var romanTable = []struct {
	v int
	s string
}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}

func toRoman(n int) string {
	var b strings.Builder
	for _, r := range romanTable {
		for n >= r.v {
			b.WriteString(r.s)
			n -= r.v
		}
	}
	return b.String()
}

func toLetters(n int) string {
	s := ""
	for n > 0 {
		n--
		s = string(rune('a'+n%26)) + s
		n /= 26
	}
	return s
}

// fnFormatInteger supports decimal pictures ("0", "000", "#,##0"),
// "i"/"I" (roman), "a"/"A" (letters) and "w"/"W"/"Ww" (English words).
func fnFormatInteger(_ *evalCtx, args []any, _ any) (any, error) {
	x, ok := numArg(args[0])
	if !ok {
		return undefined, nil
	}
	picture, _ := args[1].(string)
	picture, _, _ = strings.Cut(picture, ";")
	n := int64(math.Floor(x))
	neg := n < 0
	if neg {
		n = -n
	}
	var s string
	switch picture {
	case "i":
		s = toRoman(int(n))
	case "I":
		s = strings.ToUpper(toRoman(int(n)))
	case "a":
		s = toLetters(int(n))
	case "A":
		s = strings.ToUpper(toLetters(int(n)))
	case "w":
		s = numberWords(n)
	case "W":
		s = strings.ToUpper(numberWords(n))
	case "Ww":
		words := strings.Fields(numberWords(n))
		for i, w := range words {
			if w != "and" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		s = strings.Join(words, " ")
	default:
		r, err := fnFormatNumber(nil, []any{value.Int(n), picture}, nil)
		if err != nil {
			return nil, err
		}
		s = r.(string)
	}
	if neg {
		s = "-" + s
	}
	return s, nil
}

var (
	smallWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensWords = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	bigWords  = []struct {
		v int64
		s string
	}{{1e18, "quintillion"}, {1e15, "quadrillion"}, {1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1000, "thousand"}}
)

func numberWords(n int64) string {
	if n < 20 {
		return smallWords[n]
	}
	if n < 100 {
		s := tensWords[n/10]
		if n%10 != 0 {
			s += "-" + smallWords[n%10]
		}
		return s
	}
	if n < 1000 {
		s := smallWords[n/100] + " hundred"
		if n%100 != 0 {
			s += " and " + numberWords(n%100)
		}
		return s
	}
	for _, b := range bigWords {
		if n >= b.v {
			s := numberWords(n/b.v) + " " + b.s
			r := n % b.v
			switch {
			case r == 0:
			case r < 100:
				s += " and " + numberWords(r)
			default:
				s += ", " + numberWords(r)
			}
			return s
		}
	}
	return ""
}

func fnParseInteger(_ *evalCtx, args []any, _ any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return undefined, nil
	}
	picture, _ := args[1].(string)
	switch picture {
	case "i", "I":
		total, prev := 0, 0
		ls := strings.ToLower(s)
		vals := map[byte]int{'i': 1, 'v': 5, 'x': 10, 'l': 50, 'c': 100, 'd': 500, 'm': 1000}
		for i := len(ls) - 1; i >= 0; i-- {
			v := vals[ls[i]]
			if v < prev {
				total -= v
			} else {
				total += v
				prev = v
			}
		}
		return value.Int(int64(total)), nil
	case "a", "A":
		total := 0
		for _, r := range strings.ToLower(s) {
			total = total*26 + int(r-'a'+1)
		}
		return value.Int(int64(total)), nil
	}
	clean := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '-' {
			return r
		}
		return -1
	}, s)
	i, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return undefined, nil
	}
	return value.Int(i), nil
}

func mathFloor(x float64) float64 { return math.Floor(x) }
func mathCeil(x float64) float64  { return math.Ceil(x) }
