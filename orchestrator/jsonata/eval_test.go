package jsonata

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

type exprCase struct {
	Expr      string          `json:"expr"`
	Want      json.RawMessage `json:"want"`
	Undefined bool            `json:"undefined"`
	Error     string          `json:"error"`
}

type exprFile struct {
	Input     json.RawMessage `json:"input"`
	Variables json.RawMessage `json:"variables"`
	Cases     []exprCase      `json:"cases"`
}

type testBundle struct {
	vars  VarsMap
	opts  EvalOptions
	cases []exprCase
}

// zeroReader is a deterministic randomness source.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x42
	}
	return len(p), nil
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	data, err := os.ReadFile("testdata/expressions.json")
	require.NoError(t, err)
	var f exprFile
	require.NoError(t, json.Unmarshal(data, &f))
	input, err := value.Decode(f.Input)
	require.NoError(t, err)
	varsV, err := value.Decode(f.Variables)
	require.NoError(t, err)
	vars := VarsMap{"states": map[string]any{"input": input}}
	for k, v := range varsV.(map[string]any) {
		vars[k] = v
	}
	return &testBundle{
		vars:  vars,
		opts:  EvalOptions{Now: time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC), Rand: zeroReader{}, MaxSteps: 1_000_000},
		cases: f.Cases,
	}
}

func decodeWant(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestEval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range b.cases {
		t.Run(tc.Expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.Expr)
			require.NoError(t, err)
			got, ok, err := e.EvalWith(b.vars, b.opts)
			if tc.Error != "" {
				require.Error(t, err)
				require.Equal(t, tc.Error, err.Error())
				return
			}
			require.NoError(t, err)
			if tc.Undefined {
				require.False(t, ok, "got %s, want undefined", value.MustString(got))
				return
			}
			require.True(t, ok, "got undefined")
			want := decodeWant(t, tc.Want)
			require.True(t, value.Equal(want, got), "got %s, want %s", value.MustString(got), value.MustString(want))
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string
	}{
		{"a[1,2)", `S0202: Expected "]", got "," at position 4`},
		{`"unterminated`, "S0101: String literal must be terminated by a matching quote at position 13"},
		{"1 +", "S0207: Unexpected end of expression at position 3"},
		{`{"a":}`, `S0211: The symbol "}" cannot be used as a unary operator at position 6`},
		{"$x :=", "S0207: Unexpected end of expression at position 5"},
		{`$match("a", /abc`, "S0302: No terminating / in regular expression at position 16"},
		{"1 2", `S0201: Syntax error: "" at position 3`},
		{"function(a){1}", `S0208: Parameter "a" of function definition must be a variable name (start with $) at position 10`},
		{"a.1", "S0213: The literal value 1 cannot be used as a step within a path expression at position 3"},
		{"/* open", "S0106: Comment has no closing tag at position 0"},
		{`"\q"`, `S0103: Unsupported escape sequence: \q at position 2`},
		{"$x ?? 1", `S0211: The symbol "?" cannot be used as a unary operator at position 5`},
		{"1 := 2", "S0212: The left side of := must be a variable name (start with $) at position 4"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.expr)
			require.Error(t, err)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestUnwrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		inner string
		ok    bool
	}{
		{"{% $x %}", " $x ", true},
		{"{%%}", "", true},
		{" {% $x %}", "", false},
		{"{% $x %} ", "", false},
		{"{%", "", false},
		{"plain", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			inner, ok := Unwrap(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.inner, inner)
		})
	}
}

func TestEvalOptionsFromVars(t *testing.T) {
	t.Parallel()
	now := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	v := optVars{VarsMap{}, EvalOptions{Now: now, Rand: zeroReader{}}}
	got, ok, err := MustCompile("$now()").Eval(v)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "2020-01-02T03:04:05.000Z", got)
	a, _, err := MustCompile("$uuid()").Eval(v)
	require.NoError(t, err)
	b, _, err := MustCompile("$uuid()").Eval(v)
	require.NoError(t, err)
	require.Equal(t, a, b, "same source, same uuid")
}

type optVars struct {
	VarsMap
	opts EvalOptions
}

func (o optVars) EvalOptions() EvalOptions { return o.opts }

func TestInputNotModified(t *testing.T) {
	t.Parallel()
	in, err := value.DecodeString(`{"a":{"b":1},"l":[3,1,2]}`)
	require.NoError(t, err)
	before := value.Clone(in)
	vars := VarsMap{"states": map[string]any{"input": in}}
	for _, src := range []string{
		`$states.input ~> |a|{"b":2, "c":3}|`,
		`$sort($states.input.l)`,
		`$reverse($states.input.l)`,
		`$merge([$states.input.a, {"b": 5}])`,
		`$states.input.l^($)`,
	} {
		_, _, err := MustCompile(src).Eval(vars)
		require.NoError(t, err, src)
	}
	require.Equal(t, before, in)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	chain := func(n int) string { return "1" + strings.Repeat("+1", n-1) }
	tests := []struct {
		name       string
		expr       string
		compileErr string
		evalErr    string
	}{
		{name: "deep brackets", expr: strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000), compileErr: "S0200: Expression nesting is too deep"},
		{name: "deep arrays", expr: strings.Repeat("[", 10000) + strings.Repeat("]", 10000), compileErr: "S0200: Expression nesting is too deep"},
		{name: "huge chain", expr: chain(100000), compileErr: "S0200: Expression nesting is too deep"},
		{name: "long chain", expr: chain(300), evalErr: errStackOverflow.Error()},
		{name: "short chain", expr: chain(50)},
		{name: "infinite recursion", expr: "($f := function($x){1 + $f($x)}; $f(1))", evalErr: errStackOverflow.Error()},
		{name: "infinite tail recursion", expr: "($f := function($x){$f($x)}; $f(1))", evalErr: errTimeout.Error()},
		{name: "big range", expr: "$count([1..600000])", evalErr: errMemory.Error()},
		{name: "range too big", expr: "[1..100000000]", evalErr: "D2014: The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate 100000000."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if tt.compileErr != "" {
				var se *SyntaxError
				require.ErrorAs(t, err, &se)
				require.Equal(t, tt.compileErr, se.Code+": "+se.Message)
				return
			}
			require.NoError(t, err)
			_, _, err = e.EvalWith(VarsMap{}, EvalOptions{MaxSteps: 1_000_000})
			if tt.evalErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tt.evalErr)
		})
	}
}

// TestBuiltinSignatures parses every builtin's signature (they are parsed
// lazily, on first use): a bad one fails here, not in a user's execution.
func TestBuiltinSignatures(t *testing.T) {
	t.Parallel()
	require.NotEmpty(t, builtins)
	for name, b := range builtins {
		require.NotPanics(t, func() { b.sig() }, "signature of $%s: %q", name, b.sigText)
		require.NotNil(t, b.sig().re, "signature of $%s", name)
	}
}

func TestReadsStatesContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want bool
	}{
		{"$states.input.a + 1", false},
		{"$states.input.a & $states.result.b", false},
		{"$x + 1", false},
		{"1", false},
		{"$states.context.Execution.Id", true},
		{"$states.input.context", true}, // "context" anywhere: assumed
		{"$states", true},
		{"$keys($states)", true},
		{"$states.*", true},
		{"$states.`input`", true},
		{"$states[0]", true},
		{"$lookup($states, 'con' & 'text')", true},
		{"($s := $states; $s.input)", true},
		{"$states.input.a + $states", true},
		{"$statesX.input", true},
		{"$states.", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tt.expr)
			if err != nil {
				// A few of these are not valid JSONata; the text test
				// still applies.
				require.Equal(t, tt.want, mayReadStatesContext(tt.expr))
				return
			}
			require.Equal(t, tt.want, e.ReadsStatesContext())
		})
	}
	tpl, err := CompileTemplate(map[string]any{"a": "{% $states.input %}", "b": []any{"x", "{% $states.context.State.Name %}"}})
	require.NoError(t, err)
	require.True(t, tpl.ReadsStatesContext())
	tpl, err = CompileTemplate(map[string]any{"a": "{% $states.input %}", "b": []any{"x", "{% $states.result %}"}})
	require.NoError(t, err)
	require.False(t, tpl.ReadsStatesContext())
}
