package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Limits AWS sets on intrinsic function arguments and results.
const (
	// MaxRangeItems is the largest array States.ArrayRange may build.
	MaxRangeItems = 1000
	// MaxInputChars is the longest input of States.Hash,
	// States.Base64Encode and States.Base64Decode.
	MaxInputChars = 10000
)

// Func is one entry of the table of intrinsic functions.
type Func struct {
	// Name is the function's name, e.g. "States.Format".
	Name string
	// MinArgs and MaxArgs bound the number of arguments; MaxArgs -1 means
	// no upper bound. Compile checks them.
	MinArgs, MaxArgs int
	// Func computes the result from the evaluated arguments.
	Func func(c *Call, args []any, env Env) (any, error)
}

func (f *Func) arity() string {
	switch {
	case f.MaxArgs < 0:
		return "at least " + strconv.Itoa(f.MinArgs) + " argument(s)"
	case f.MinArgs == f.MaxArgs:
		return strconv.Itoa(f.MinArgs) + " argument(s)"
	}
	return strconv.Itoa(f.MinArgs) + " to " + strconv.Itoa(f.MaxArgs) + " arguments"
}

// Table lists every intrinsic function.
var Table = []Func{
	// States.Format(template, values...) replaces each {} of template by
	// the next value: States.Format('Hello, {}', $.name) -> "Hello, Ann".
	{Name: "States.Format", MinArgs: 1, MaxArgs: -1, Func: format},
	// States.StringToJson(text) parses JSON text:
	// States.StringToJson('{"a":1}') -> {"a":1}.
	{Name: "States.StringToJson", MinArgs: 1, MaxArgs: 1, Func: stringToJSON},
	// States.JsonToString(value) renders compact JSON:
	// States.JsonToString($.o) -> "{\"a\":1}".
	{Name: "States.JsonToString", MinArgs: 1, MaxArgs: 1, Func: jsonToString},
	// States.Array(values...) builds an array: States.Array(1, 'a') -> [1,"a"].
	{Name: "States.Array", MinArgs: 0, MaxArgs: -1, Func: array},
	// States.ArrayPartition(array, size) cuts array into chunks of size:
	// States.ArrayPartition([1,2,3], 2) -> [[1,2],[3]].
	{Name: "States.ArrayPartition", MinArgs: 2, MaxArgs: 2, Func: arrayPartition},
	// States.ArrayContains(array, value) -> true or false.
	{Name: "States.ArrayContains", MinArgs: 2, MaxArgs: 2, Func: arrayContains},
	// States.ArrayRange(first, last, step): States.ArrayRange(1, 9, 2) ->
	// [1,3,5,7,9]; at most 1000 items.
	{Name: "States.ArrayRange", MinArgs: 3, MaxArgs: 3, Func: arrayRange},
	// States.ArrayGetItem(array, index): States.ArrayGetItem([1,2], 1) -> 2.
	{Name: "States.ArrayGetItem", MinArgs: 2, MaxArgs: 2, Func: arrayGetItem},
	// States.ArrayLength(array): States.ArrayLength([1,2]) -> 2.
	{Name: "States.ArrayLength", MinArgs: 1, MaxArgs: 1, Func: arrayLength},
	// States.ArrayUnique(array) drops repeated values, keeping the first:
	// States.ArrayUnique([1,2,2]) -> [1,2].
	{Name: "States.ArrayUnique", MinArgs: 1, MaxArgs: 1, Func: arrayUnique},
	// States.Base64Encode(text): States.Base64Encode('Data') -> "RGF0YQ==".
	{Name: "States.Base64Encode", MinArgs: 1, MaxArgs: 1, Func: base64Encode},
	// States.Base64Decode(base64): States.Base64Decode('RGF0YQ==') -> "Data".
	{Name: "States.Base64Decode", MinArgs: 1, MaxArgs: 1, Func: base64Decode},
	// States.Hash(text, algorithm), algorithm one of MD5, SHA-1, SHA-256,
	// SHA-384, SHA-512: the lower-case hex digest.
	{Name: "States.Hash", MinArgs: 2, MaxArgs: 2, Func: hashFunc},
	// States.JsonMerge(a, b, false) merges object b into a, shallowly.
	{Name: "States.JsonMerge", MinArgs: 3, MaxArgs: 3, Func: jsonMerge},
	// States.MathRandom(start, end[, seed]) -> an integer in [start, end).
	{Name: "States.MathRandom", MinArgs: 2, MaxArgs: 3, Func: mathRandom},
	// States.MathAdd(a, b) adds two integers (other numbers are rounded):
	// States.MathAdd(1, -3) -> -2.
	{Name: "States.MathAdd", MinArgs: 2, MaxArgs: 2, Func: mathAdd},
	// States.StringSplit(text, delimiters) splits on any of the delimiter
	// characters and drops empty parts: States.StringSplit('a,b;;c', ',;')
	// -> ["a","b","c"].
	{Name: "States.StringSplit", MinArgs: 2, MaxArgs: 2, Func: stringSplit},
	// States.UUID() -> a version 4 UUID such as
	// "ca4c1140-dcc1-40cd-ad05-7b4aa23df4a8".
	{Name: "States.UUID", MinArgs: 0, MaxArgs: 0, Func: uuid},
}

var byName = func() map[string]*Func {
	m := make(map[string]*Func, len(Table))
	for i := range Table {
		m[Table[i].Name] = &Table[i]
	}
	return m
}()

// Lookup returns the table entry for name, or nil.
func Lookup(name string) *Func { return byName[name] }

// Argument helpers.

func wantString(c *Call, args []any, i int, what string) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", failf(c.Name, "the %s argument must be a string, but was %s", what, describe(args[i]))
	}
	return s, nil
}

func wantArray(c *Call, args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, failf(c.Name, "the %s argument must be an array, but was %s", ordinal(i), describe(args[i]))
	}
	return a, nil
}

func wantObject(c *Call, args []any, i int) (map[string]any, error) {
	m, ok := args[i].(map[string]any)
	if !ok {
		return nil, failf(c.Name, "the %s argument must be an object, but was %s", ordinal(i), describe(args[i]))
	}
	return m, nil
}

// wantInt accepts an integral number.
func wantInt(c *Call, args []any, i int) (int64, error) {
	if n, ok := args[i].(json.Number); ok {
		if v, ok := value.ToInt(n); ok {
			return v, nil
		}
	}
	return 0, failf(c.Name, "the %s argument must be an integer, but was %s", ordinal(i), describe(args[i]))
}

// wantRounded accepts any number and rounds it as Java's Math.round does
// (half up).
func wantRounded(c *Call, args []any, i int) (int64, error) {
	n, ok := args[i].(json.Number)
	if !ok {
		return 0, failf(c.Name, "the %s argument must be a number, but was %s", ordinal(i), describe(args[i]))
	}
	if v, ok := value.ToInt(n); ok && value.IsInteger(n) {
		return v, nil
	}
	f, ok := value.ToFloat(n)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 9e18 {
		return 0, failf(c.Name, "the %s argument %s is out of range", ordinal(i), string(n))
	}
	return int64(math.Floor(f + 0.5)), nil
}

func ordinal(i int) string {
	switch i {
	case 0:
		return "first"
	case 1:
		return "second"
	case 2:
		return "third"
	}
	return "argument #" + strconv.Itoa(i+1)
}

// describe renders a value for an error message: its type and JSON text.
func describe(v any) string {
	s := value.MustString(v)
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return value.TypeName(v) + " " + s
}

// The functions.

func stringToJSON(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil // Jackson reads blank text as null
	}
	v, err := value.DecodeString(s)
	if err != nil {
		return nil, failf(c.Name, "the argument is not valid JSON text: %s", err)
	}
	return canonicalInts(v), nil
}

// canonicalInts rewrites integers as Jackson prints them ("-0" -> "0",
// "007" cannot occur in valid JSON).
func canonicalInts(v any) any {
	switch x := v.(type) {
	case json.Number:
		if value.IsInteger(x) {
			if bi, ok := new(big.Int).SetString(string(x), 10); ok {
				return json.Number(bi.String())
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = canonicalInts(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = canonicalInts(x[k])
		}
	}
	return v
}

func jsonToString(c *Call, args []any, _ Env) (any, error) {
	b, err := value.Encode(javaNumbers(args[0]))
	if err != nil {
		return nil, failf(c.Name, "the argument cannot be rendered as JSON: %s", err)
	}
	return string(b), nil
}

func array(_ *Call, args []any, _ Env) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func arrayPartition(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	size, err := wantInt(c, args, 1)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, failf(c.Name, "the chunk size must be greater than 0, but was %d", size)
	}
	out := make([]any, 0, (int64(len(a))+size-1)/size)
	for start := 0; start < len(a); start += int(size) {
		end := min(len(a), start+int(min(size, int64(len(a)))))
		chunk := make([]any, end-start)
		copy(chunk, a[start:end])
		out = append(out, chunk)
	}
	return out, nil
}

func arrayContains(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	for _, x := range a {
		if value.Equal(x, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(c *Call, args []any, _ Env) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := wantInt(c, args, i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	first, last, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, failf(c.Name, "the step must not be 0")
	}
	var count uint64
	switch {
	case step > 0 && last >= first:
		count = uint64(last-first)/uint64(step) + 1
	case step < 0 && first >= last:
		count = uint64(first-last)/uint64(-step) + 1
	}
	if count > MaxRangeItems {
		return nil, failf(c.Name, "the range would have %d items, more than the limit of %d", count, MaxRangeItems)
	}
	out := make([]any, 0, count)
	for i, v := uint64(0), first; i < count; i, v = i+1, v+step {
		out = append(out, value.Int(v))
	}
	return out, nil
}

func arrayGetItem(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	idx, err := wantInt(c, args, 1)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(a)) {
		return nil, failf(c.Name, "the index %d is out of bounds for an array of length %d", idx, len(a))
	}
	return a[idx], nil
}

func arrayLength(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	return value.Int(int64(len(a))), nil
}

func arrayUnique(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]struct{}, len(a))
	out := make([]any, 0, len(a))
	var b strings.Builder
	for _, x := range a {
		b.Reset()
		canonicalKey(&b, x)
		k := b.String()
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, x)
	}
	return out, nil
}

// canonicalKey writes a text that is equal for two values exactly when
// value.Equal holds (numbers by value, object keys sorted).
func canonicalKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case json.Number:
		b.WriteByte('n')
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(string(x))
		}
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			canonicalKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for _, k := range value.SortedKeys(x) {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			canonicalKey(b, x[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	default:
		b.WriteString(value.MustString(x))
	}
}

func checkInputLength(c *Call, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxInputChars {
		return failf(c.Name, "the input has %d characters, more than the limit of %d", n, MaxInputChars)
	}
	return nil
}

func base64Encode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	if err := checkInputLength(c, s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	if err := checkInputLength(c, s); err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Java's decoder does not require the padding.
		var err2 error
		if b, err2 = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 != nil {
			return nil, failf(c.Name, "the argument is not valid Base64: %s", err)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashFunc(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	alg, err := wantString(c, args, 1, "second")
	if err != nil {
		return nil, err
	}
	newHash, ok := hashes[alg]
	if !ok {
		return nil, failf(c.Name, "the hashing algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, but was '%s'", alg)
	}
	if err := checkInputLength(c, s); err != nil {
		return nil, err
	}
	h := newHash()
	_, _ = io.WriteString(h, s)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(c *Call, args []any, _ Env) (any, error) {
	a, err := wantObject(c, args, 0)
	if err != nil {
		return nil, err
	}
	b, err := wantObject(c, args, 1)
	if err != nil {
		return nil, err
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, failf(c.Name, "the third argument must be a boolean, but was %s", describe(args[2]))
	}
	if deep {
		return nil, failf(c.Name, "deep merge is not supported, the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func mathAdd(c *Call, args []any, _ Env) (any, error) {
	var sum int64
	for i := range 2 {
		v, err := wantRounded(c, args, i)
		if err != nil {
			return nil, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, failf(c.Name, "the %s argument must be between -2147483648 and 2147483647, but was %s", ordinal(i), value.MustString(args[i]))
		}
		sum += v
	}
	return value.Int(sum), nil
}

func mathRandom(c *Call, args []any, env Env) (any, error) {
	start, err := wantRounded(c, args, 0)
	if err != nil {
		return nil, err
	}
	end, err := wantRounded(c, args, 1)
	if err != nil {
		return nil, err
	}
	for i, v := range []int64{start, end} {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, failf(c.Name, "the %s argument must be between -2147483648 and 2147483647, but was %s", ordinal(i), value.MustString(args[i]))
		}
	}
	if end <= start {
		return nil, failf(c.Name, "the end (%d) must be greater than the start (%d)", end, start)
	}
	bound := end - start
	if len(args) == 3 {
		seed, err := wantInt(c, args, 2)
		if err != nil {
			return nil, err
		}
		if bound > math.MaxInt32 {
			return nil, failf(c.Name, "the range from %d to %d is too large", start, end)
		}
		r := newJavaRandom(seed)
		return value.Int(start + int64(r.nextInt(int32(bound)))), nil
	}
	n, err := uniform(random(env), uint64(bound))
	if err != nil {
		return nil, &Error{Name: ErrorName, Cause: "reading randomness for " + c.Name + ": " + err.Error()}
	}
	return value.Int(start + int64(n)), nil
}

// uniform returns a uniformly distributed integer in [0, bound).
func uniform(r io.Reader, bound uint64) (uint64, error) {
	limit := math.MaxUint64 - math.MaxUint64%bound
	var buf [8]byte
	for {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return 0, err
		}
		var x uint64
		for _, b := range buf {
			x = x<<8 | uint64(b)
		}
		if x < limit {
			return x % bound, nil
		}
	}
}

func stringSplit(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0, "first")
	if err != nil {
		return nil, err
	}
	delims, err := wantString(c, args, 1, "second")
	if err != nil {
		return nil, err
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func uuid(c *Call, _ []any, env Env) (any, error) {
	var b [16]byte
	if _, err := io.ReadFull(random(env), b[:]); err != nil {
		return nil, &Error{Name: ErrorName, Cause: "reading randomness for " + c.Name + ": " + err.Error()}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
