package intrinsic_test

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/intrinsic"
)

// fakeEnv resolves path arguments from a table keyed by the path's text.
type fakeEnv struct {
	vals map[string]any
	rand io.Reader
}

type notFoundError struct{ path string }

func (e *notFoundError) Error() string { return "not found: " + e.path }

func (e *fakeEnv) Resolve(path string) (any, error) {
	v, ok := e.vals[path]
	if !ok {
		return nil, &notFoundError{path}
	}
	return v, nil
}

func (e *fakeEnv) Random() io.Reader { return e.rand }

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v
}

func newEnv(t testing.TB, vals map[string]string) *fakeEnv {
	env := &fakeEnv{vals: map[string]any{}, rand: bytes.NewReader(bytes.Repeat([]byte{0x5a}, 256))}
	for k, v := range vals {
		env.vals[k] = decode(t, v)
	}
	return env
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		call string
		vals map[string]string
		want string
	}{
		// States.Format
		{call: "States.Format('Hello, {}!', $.n)", vals: map[string]string{"$.n": `"Ann"`}, want: `"Hello, Ann!"`},
		{call: "States.Format('{} {} {} {} {}', 1, 1.5, true, null, 'x')", want: `"1 1.5 true null x"`},
		{call: "States.Format('{}', $.o)", vals: map[string]string{"$.o": `{"b":[1,"two",{"c":null}],"a":"s"}`}, want: `"{a=s, b=[1, two, {c=null}]}"`},
		{call: `States.Format('a\{\} \{{}\} \\ it\'s', 7)`, want: `"a{} {7} \\ it's"`},
		{call: "States.Format($.t, 'x')", vals: map[string]string{"$.t": `"<{}>"`}, want: `"<x>"`},
		{call: "States.Format('no placeholders')", want: `"no placeholders"`},
		{call: "States.Format('{} {} {}', 1.50, 1e2, $.a)", vals: map[string]string{"$.a": `[0.5e-4]`}, want: `"1.5 100.0 [5.0E-5]"`},
		{call: "States.Format('{}', 'Hello\nWorld')", want: `"Hello\nWorld"`},
		// States.StringToJson
		{call: "States.StringToJson($.s)", vals: map[string]string{"$.s": `"{\"a\":[1,2.5,\"x\"]}"`}, want: `{"a":[1,2.5,"x"]}`},
		{call: "States.StringToJson('')", want: `null`},
		{call: "States.StringToJson(' ')", want: `null`},
		{call: "States.StringToJson('-0')", want: `0`},
		{call: `States.StringToJson('"HelloWorld"')`, want: `"HelloWorld"`},
		// States.JsonToString
		{call: "States.JsonToString($.o)", vals: map[string]string{"$.o": `{"b":1.10,"a":"<&>","c":[1e2,-5]}`}, want: `"{\"a\":\"<&>\",\"b\":1.1,\"c\":[100.0,-5]}"`},
		{call: "States.JsonToString(null)", want: `"null"`},
		{call: "States.JsonToString('HelloWorld')", want: `"\"HelloWorld\""`},
		// States.Array
		{call: "States.Array()", want: `[]`},
		{call: "States.Array(1, 'a', true, null, $.x)", vals: map[string]string{"$.x": `{"k":[]}`}, want: `[1,"a",true,null,{"k":[]}]`},
		// States.ArrayPartition
		{call: "States.ArrayPartition($.a, 2)", vals: map[string]string{"$.a": `[0,1,2,3,4]`}, want: `[[0,1],[2,3],[4]]`},
		{call: "States.ArrayPartition($.a, 9)", vals: map[string]string{"$.a": `[0,1]`}, want: `[[0,1]]`},
		{call: "States.ArrayPartition($.a, 1)", vals: map[string]string{"$.a": `[]`}, want: `[]`},
		// States.ArrayContains
		{call: "States.ArrayContains($.a, $.v)", vals: map[string]string{"$.a": `[[1,2,3],2]`, "$.v": `[1,2,3]`}, want: `true`},
		{call: "States.ArrayContains($.a, $.v)", vals: map[string]string{"$.a": `[{"1":2,"2":[]}]`, "$.v": `{"2":[],"1":2}`}, want: `true`},
		{call: "States.ArrayContains($.a, null)", vals: map[string]string{"$.a": `[]`}, want: `false`},
		{call: "States.ArrayContains($.a, 1.0)", vals: map[string]string{"$.a": `[1]`}, want: `true`},
		// States.ArrayRange
		{call: "States.ArrayRange(1, 9, 2)", want: `[1,3,5,7,9]`},
		{call: "States.ArrayRange(1, 9, 9)", want: `[1]`},
		{call: "States.ArrayRange(0, 3, 1)", want: `[0,1,2,3]`},
		{call: "States.ArrayRange(5, 1, -2)", want: `[5,3,1]`},
		{call: "States.ArrayRange(5, 1, 2)", want: `[]`},
		{call: "States.ArrayRange(1, 1000, 1)", want: value.MustString(rangeOf(1, 1000))},
		// States.ArrayGetItem
		{call: "States.ArrayGetItem($.a, 5)", vals: map[string]string{"$.a": `[1,2,3,4,5,6,7,8,9]`}, want: `6`},
		{call: "States.ArrayGetItem($.a, 0)", vals: map[string]string{"$.a": `[{"k":1}]`}, want: `{"k":1}`},
		// States.ArrayLength
		{call: "States.ArrayLength($.a)", vals: map[string]string{"$.a": `[1,2,3]`}, want: `3`},
		{call: "States.ArrayLength($.a)", vals: map[string]string{"$.a": `[]`}, want: `0`},
		// States.ArrayUnique
		{call: "States.ArrayUnique($.a)", vals: map[string]string{"$.a": `[1,2,2,3,3,4,1.0,"1",null,null,{"a":1,"b":2},{"b":2,"a":1},[1],[1]]`},
			want: `[1,2,3,4,"1",null,{"a":1,"b":2},[1]]`},
		// States.Base64Encode / Base64Decode
		{call: "States.Base64Encode('Data to encode')", want: `"RGF0YSB0byBlbmNvZGU="`},
		{call: "States.Base64Encode('')", want: `""`},
		{call: "States.Base64Encode('é')", want: `"w6k="`},
		{call: "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", want: `"Data to encode"`},
		{call: "States.Base64Decode('RGF0YSB0byBlbmNvZGU')", want: `"Data to encode"`},
		{call: "States.Base64Decode('')", want: `""`},
		// States.Hash
		{call: "States.Hash('input data', 'MD5')", want: `"812f45842bc6d66ee14572ce20db8e86"`},
		{call: "States.Hash('input data', 'SHA-1')", want: `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{call: "States.Hash('input data', 'SHA-256')", want: `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{call: "States.Hash('input data', 'SHA-384')", want: `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
		{call: "States.Hash('', 'SHA-512')", want: `"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"`},
		// States.JsonMerge
		{call: "States.JsonMerge($.a, $.b, false)", vals: map[string]string{"$.a": `{"a":{"a1":1},"b":2,"d":3}`, "$.b": `{"a":{"a3":1},"c":3,"d":4}`},
			want: `{"a":{"a3":1},"b":2,"c":3,"d":4}`},
		// States.MathAdd
		{call: "States.MathAdd(-9, 3)", want: `-6`},
		{call: "States.MathAdd(1.49, 1.5)", want: `3`},
		{call: "States.MathAdd(1.5, 1.51)", want: `4`},
		{call: "States.MathAdd(-1.5, 0)", want: `-1`},
		{call: "States.MathAdd(-1.51, 0)", want: `-2`},
		{call: "States.MathAdd(-0.5, 0.5)", want: `1`},
		{call: "States.MathAdd(-2.5, 0)", want: `-2`},
		{call: "States.MathAdd(2147483647, 1)", want: `2147483648`},
		{call: "States.MathAdd($.x, -1)", vals: map[string]string{"$.x": `10`}, want: `9`},
		// States.MathRandom with a seed is java.util.Random (values checked with a JVM).
		{call: "States.MathRandom(0, 10, 42)", want: `0`},
		{call: "States.MathRandom(0, 999, 3)", want: `239`},
		{call: "States.MathRandom(0, 2147483647, -7)", want: `577934662`},
		{call: "States.MathRandom(0, 16, 1)", want: `11`},
		// States.StringSplit
		{call: "States.StringSplit('1,2,3', ',')", want: `["1","2","3"]`},
		{call: "States.StringSplit(',,,,', ',')", want: `[]`},
		{call: "States.StringSplit(' , ', ',')", want: `[" "," "]`},
		{call: "States.StringSplit('This.is+a,test=string', '.+,=')", want: `["This","is","a","test","string"]`},
		{call: "States.StringSplit('Hello\nWorld', '\n')", want: `["Hello","World"]`},
		{call: "States.StringSplit('abc', '')", want: `["abc"]`},
		// States.UUID takes its bytes from the environment.
		{call: "States.UUID()", want: `"5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a"`},
		// Nested calls.
		{call: "States.ArrayGetItem(States.StringSplit($.n, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.n, '-')), -1))",
			vals: map[string]string{"$.n": `"a-b-last"`}, want: `"last"`},
		{call: `States.JsonMerge(States.StringToJson('{"k": "false"}'), $.o, false)`, vals: map[string]string{"$.o": `{"x":1}`}, want: `{"k":"false","x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			c, err := intrinsic.Compile(tt.call)
			require.NoError(t, err)
			got, err := c.Eval(newEnv(t, tt.vals))
			require.NoError(t, err)
			require.JSONEq(t, tt.want, value.MustString(got))
		})
	}
}

func rangeOf(from, to int64) []any {
	var out []any
	for i := from; i <= to; i++ {
		out = append(out, value.Int(i))
	}
	return out
}

func TestMathRandomRange(t *testing.T) {
	t.Parallel()
	c, err := intrinsic.Compile("States.MathRandom(-3, 4)")
	require.NoError(t, err)
	seen := map[string]bool{}
	for range 500 {
		v, err := c.Eval(&fakeEnv{})
		require.NoError(t, err)
		n, _ := value.ToInt(v)
		require.True(t, n >= -3 && n < 4, "got %d", n)
		seen[value.MustString(v)] = true
	}
	require.Len(t, seen, 7)
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", intrinsic.MaxInputChars+1)
	tests := []struct {
		call string
		vals map[string]string
		want string
	}{
		{"States.Format($.t)", map[string]string{"$.t": `1`}, "Invalid arguments in States.Format: the first argument must be a string, but was number 1"},
		{"States.Format('{} {}', 1)", nil, "Invalid arguments in States.Format: the format string has more placeholders than the 1 value(s) given"},
		{"States.Format('{}', 1, 2)", nil, "Invalid arguments in States.Format: the format string has 1 placeholder(s) but 2 value(s) were given"},
		{"States.StringToJson('{')", nil, "Invalid arguments in States.StringToJson: the argument is not valid JSON text: unexpected EOF"},
		{"States.StringToJson(1)", nil, "Invalid arguments in States.StringToJson: the first argument must be a string, but was number 1"},
		{"States.ArrayPartition($.a, 0)", map[string]string{"$.a": `[1]`}, "Invalid arguments in States.ArrayPartition: the chunk size must be greater than 0, but was 0"},
		{"States.ArrayPartition($.a, 1.5)", map[string]string{"$.a": `[1]`}, "Invalid arguments in States.ArrayPartition: the second argument must be an integer, but was number 1.5"},
		{"States.ArrayPartition('x', 1)", nil, `Invalid arguments in States.ArrayPartition: the first argument must be an array, but was string "x"`},
		{"States.ArrayRange(1, 2, 0)", nil, "Invalid arguments in States.ArrayRange: the step must not be 0"},
		{"States.ArrayRange(0, 1000, 1)", nil, "Invalid arguments in States.ArrayRange: the range would have 1001 items, more than the limit of 1000"},
		{"States.ArrayRange(1, 'a', 1)", nil, `Invalid arguments in States.ArrayRange: the second argument must be an integer, but was string "a"`},
		{"States.ArrayGetItem($.a, 3)", map[string]string{"$.a": `[1,2,3]`}, "Invalid arguments in States.ArrayGetItem: the index 3 is out of bounds for an array of length 3"},
		{"States.ArrayGetItem($.a, -1)", map[string]string{"$.a": `[1]`}, "Invalid arguments in States.ArrayGetItem: the index -1 is out of bounds for an array of length 1"},
		{"States.ArrayLength($.o)", map[string]string{"$.o": `{}`}, "Invalid arguments in States.ArrayLength: the first argument must be an array, but was object {}"},
		{"States.ArrayUnique(null)", nil, "Invalid arguments in States.ArrayUnique: the first argument must be an array, but was null null"},
		{"States.Base64Encode($.s)", map[string]string{"$.s": `"` + long + `"`}, "Invalid arguments in States.Base64Encode: the input has 10001 characters, more than the limit of 10000"},
		{"States.Base64Decode('!!')", nil, "Invalid arguments in States.Base64Decode: the argument is not valid Base64: illegal base64 data at input byte 0"},
		{"States.Hash('x', 'SHA-3')", nil, "Invalid arguments in States.Hash: the hashing algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, but was 'SHA-3'"},
		{"States.Hash($.s, 'MD5')", map[string]string{"$.s": `"` + long + `"`}, "Invalid arguments in States.Hash: the input has 10001 characters, more than the limit of 10000"},
		{"States.Hash(1, 'MD5')", nil, "Invalid arguments in States.Hash: the first argument must be a string, but was number 1"},
		{"States.JsonMerge($.a, $.a, true)", map[string]string{"$.a": `{}`}, "Invalid arguments in States.JsonMerge: deep merge is not supported, the third argument must be false"},
		{"States.JsonMerge($.a, 1, false)", map[string]string{"$.a": `{}`}, "Invalid arguments in States.JsonMerge: the second argument must be an object, but was number 1"},
		{"States.JsonMerge($.a, $.a, 'false')", map[string]string{"$.a": `{}`}, `Invalid arguments in States.JsonMerge: the third argument must be a boolean, but was string "false"`},
		{"States.MathAdd(2147483648, 1)", nil, "Invalid arguments in States.MathAdd: the first argument must be between -2147483648 and 2147483647, but was 2147483648"},
		{"States.MathAdd('1', 1)", nil, `Invalid arguments in States.MathAdd: the first argument must be a number, but was string "1"`},
		{"States.MathRandom(5, 5)", nil, "Invalid arguments in States.MathRandom: the end (5) must be greater than the start (5)"},
		{"States.MathRandom(1, 5, 'x')", nil, `Invalid arguments in States.MathRandom: the third argument must be an integer, but was string "x"`},
		{"States.StringSplit(1, ',')", nil, "Invalid arguments in States.StringSplit: the first argument must be a string, but was number 1"},
		{"States.StringSplit('a', null)", nil, "Invalid arguments in States.StringSplit: the second argument must be a string, but was null null"},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			c, err := intrinsic.Compile(tt.call)
			require.NoError(t, err)
			_, err = c.Eval(newEnv(t, tt.vals))
			var ie *intrinsic.Error
			require.ErrorAs(t, err, &ie)
			require.Equal(t, intrinsic.ErrorName, ie.Name)
			require.Equal(t, tt.want, ie.Cause)
		})
	}
}

func TestEvalPassesResolveErrors(t *testing.T) {
	t.Parallel()
	c, err := intrinsic.Compile("States.Array(1, States.ArrayLength($.missing))")
	require.NoError(t, err)
	_, err = c.Eval(newEnv(t, nil))
	var nf *notFoundError
	require.ErrorAs(t, err, &nf)
}

func TestCompile(t *testing.T) {
	t.Parallel()
	c, err := intrinsic.Compile(` States.Format( 'a\'b', $.x , $$.Execution['a,b'], $v.k[0], States.Array($.y) ) `)
	require.NoError(t, err)
	require.Equal(t, "States.Format", c.Name)
	require.Len(t, c.Args, 5)
	require.Equal(t, intrinsic.ArgLiteral, c.Args[0].Kind)
	require.Equal(t, "a'b", c.Args[0].Value)
	require.Equal(t, []string{"$.x", "$$.Execution['a,b']", "$v.k[0]", "$.y"}, c.Paths())
	require.Equal(t, `States.Format( 'a\'b', $.x , $$.Execution['a,b'], $v.k[0], States.Array($.y) )`, c.String())
	require.True(t, intrinsic.IsCall(" States.UUID()"))
	require.False(t, intrinsic.IsCall("$.States"))
	require.Len(t, intrinsic.Table, 18)
	for _, f := range intrinsic.Table {
		require.Same(t, intrinsic.Lookup(f.Name), intrinsic.Lookup(f.Name))
		require.NotNil(t, f.Func, f.Name)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("States.Array(", intrinsic.MaxDepth+1) + strings.Repeat(")", intrinsic.MaxDepth+1)
	tests := []struct {
		call string
		want string
	}{
		{"States.Nope()", `invalid intrinsic function call "States.Nope()" at offset 0: unknown function States.Nope`},
		{"States.format('x')", `invalid intrinsic function call "States.format('x')" at offset 0: unknown function States.format`},
		{"States.UUID(1)", `invalid intrinsic function call "States.UUID(1)" at offset 0: States.UUID takes 0 argument(s), not 1`},
		{"States.ArrayRange(1, 2)", `invalid intrinsic function call "States.ArrayRange(1, 2)" at offset 0: States.ArrayRange takes 3 argument(s), not 2`},
		{"States.MathRandom(1)", `invalid intrinsic function call "States.MathRandom(1)" at offset 0: States.MathRandom takes 2 to 3 arguments, not 1`},
		{"States.Format()", `invalid intrinsic function call "States.Format()" at offset 0: States.Format takes at least 1 argument(s), not 0`},
		{`States.StringToJson('{"a":"\"x\""}')`, `invalid intrinsic function call "States.StringToJson('{\"a\":\"\\\"x\\\"\"}')" at offset 27: illegal escape sequence in string literal`},
		{"States.Array('x)", `invalid intrinsic function call "States.Array('x)" at offset 16: unterminated string literal`},
		{"States.Array(1 2)", `invalid intrinsic function call "States.Array(1 2)" at offset 15: expected ',' or ')' in the arguments of States.Array`},
		{"States.Array(1) x", `invalid intrinsic function call "States.Array(1) x" at offset 16: unexpected text after the call`},
		{"States.Array(--1)", `invalid intrinsic function call "States.Array(--1)" at offset 13: invalid number`},
		{"States.Array(nul)", `invalid intrinsic function call "States.Array(nul)" at offset 13: invalid argument`},
		{"States.Array($.a", `invalid intrinsic function call "States.Array($.a" at offset 16: unterminated path argument`},
		{"States.Array", `invalid intrinsic function call "States.Array" at offset 12: expected '(' after States.Array`},
		{deep, `invalid intrinsic function call "` + deep + `" at offset 130: intrinsic functions may be nested at most 10 deep`},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			t.Parallel()
			_, err := intrinsic.Compile(tt.call)
			var se *intrinsic.SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

// FuzzIntrinsic checks that compiling and evaluating any call never
// panics.
func FuzzIntrinsic(f *testing.F) {
	data, err := os.ReadFile("testdata/calls.txt")
	require.NoError(f, err)
	for _, line := range strings.Split(string(data), "\n") {
		f.Add(line)
	}
	vals := map[string]string{
		"$.name": `"Ann"`, "$.x": `1.5`, "$.s": `"a-b"`, "$.o": `{"k":[1]}`, "$.arr": `[1,2,2]`, "$.t": `"{}{}"`,
		"$$.Execution.Id": `"arn"`, "$var.k['a,b']": `null`,
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := intrinsic.Compile(s)
		if err != nil {
			return
		}
		_, _ = c.Eval(newEnv(t, vals))
	})
}

func BenchmarkIntrinsicFormat(b *testing.B) {
	c, err := intrinsic.Compile("States.Format('Hello {}, you are {} and like {}', $.name, $.age, $.likes)")
	require.NoError(b, err)
	env := newEnv(b, map[string]string{"$.name": `"Ann"`, "$.age": `42`, "$.likes": `["tea","go"]`})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}
