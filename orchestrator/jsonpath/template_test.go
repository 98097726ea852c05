package jsonpath_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

func testEnv(t testing.TB) *jsonpath.Env {
	return &jsonpath.Env{
		Input:   decode(t, `{"a":1,"s":"x","arr":[1,2,3],"o":{"k":"v"},"n":null}`),
		Context: decode(t, `{"Execution":{"Id":"arn:exec","Name":"run-1"},"StateMachine":{"Name":"sm-a-b"}}`),
		Var: func(name string) (any, bool) {
			if name == "v" {
				return decode(t, `{"k":[10,20]}`), true
			}
			return nil, false
		},
		Rand: bytes.NewReader(bytes.Repeat([]byte{7}, 64)),
	}
}

func TestTemplateEval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tpl  string
		want string
	}{
		{"literal", `{"a":1,"b":[true,null,"$.a"]}`, `{"a":1,"b":[true,null,"$.a"]}`},
		{"scalar template", `"$.a"`, `"$.a"`},
		{"input path", `{"x.$":"$.a"}`, `{"x":1}`},
		{"whole input", `{"x.$":"$"}`, `{"x":{"a":1,"s":"x","arr":[1,2,3],"o":{"k":"v"},"n":null}}`},
		{"null value", `{"x.$":"$.n"}`, `{"x":null}`},
		{"context", `{"id.$":"$$.Execution.Id"}`, `{"id":"arn:exec"}`},
		{"variable", `{"v.$":"$v.k[1]"}`, `{"v":20}`},
		{"indefinite", `{"v.$":"$.arr[1:]"}`, `{"v":[2,3]}`},
		{"nested", `{"o":{"p":[{"q.$":"$.s"},2]}}`, `{"o":{"p":[{"q":"x"},2]}}`},
		{"dollar key wins", `{"a":0,"a.$":"$.a"}`, `{"a":1}`},
		{"intrinsic", `{"f.$":"States.Format('{}-{}', $.s, $v.k[0])"}`, `{"f":"x-10"}`},
		{"nested intrinsic", `{"f.$":"States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"}`, `{"f":"b"}`},
		{"uuid from env", `{"u.$":"States.UUID()"}`, `{"u":"07070707-0707-4707-8707-070707070707"}`},
	}
	env := testEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := jsonpath.CompileTemplate(decode(t, tt.tpl))
			require.NoError(t, err)
			e := *env
			e.Rand = bytes.NewReader(bytes.Repeat([]byte{7}, 64))
			got, err := tpl.Eval(&e)
			require.NoError(t, err)
			require.JSONEq(t, tt.want, value.MustString(got))
		})
	}
}

func TestTemplateEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tpl       string
		wantName  string
		wantCause string
	}{
		{"missing path", `{"value.$":"$.no_such_jsonpath"}`, "States.Runtime",
			`The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"a":1,"arr":[1,2,3],"n":null,"o":{"k":"v"},"s":"x"}'`},
		{"missing context", `{"c.$":"$$.Nope"}`, "States.Runtime",
			`The JSONPath '$$.Nope' specified for the field 'c.$' could not be found in the input '{"Execution":{"Id":"arn:exec","Name":"run-1"},"StateMachine":{"Name":"sm-a-b"}}'`},
		{"undefined variable", `{"c.$":"$zz"}`, "States.Runtime",
			`The JSONPath '$zz' specified for the field 'c.$' could not be found in the input 'null'`},
		{"missing intrinsic argument", `{"f.$":"States.Format('{}', $.nope)"}`, "States.Runtime",
			`The JSONPath '$.nope' specified for the field 'f.$' could not be found in the input '{"a":1,"arr":[1,2,3],"n":null,"o":{"k":"v"},"s":"x"}'`},
		{"intrinsic failure", `{"f.$":"States.ArrayGetItem($.arr, 5)"}`, "States.IntrinsicFailure",
			`Invalid arguments in States.ArrayGetItem: the index 5 is out of bounds for an array of length 3`},
	}
	env := testEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := jsonpath.CompileTemplate(decode(t, tt.tpl))
			require.NoError(t, err)
			_, err = tpl.Eval(env)
			var ee *jsonpath.EvalError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, tt.wantName, ee.Name)
			require.Equal(t, tt.wantCause, ee.Cause)
			require.Equal(t, tt.wantCause, err.Error())
		})
	}
}

func TestCompileTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tpl   string
		field string
		want  string
	}{
		{"not a path", `{"parsed.$":"hello"}`, "parsed.$",
			"The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"bad path", `{"p.$":"$.a["}`, "p.$",
			"The value for the field 'p.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"illegal escape", `{"parsed.$":"States.StringToJson('{\"text\":\"An \\\"escaped\\\" here\"}')"}`, "parsed.$",
			"The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"unknown function", `{"o":{"f.$":"States.Nope(1)"}}`, "f.$",
			"The value for the field 'f.$' must be a valid JSONPath or a valid intrinsic function call at /o"},
		{"bad path argument", `{"l":[{"f.$":"States.Array($.a[)"}]}`, "f.$",
			"The value for the field 'f.$' must be a valid JSONPath or a valid intrinsic function call at /l/0"},
		{"not a string", `{"n.$":1}`, "n.$",
			"The value for the field 'n.$' must be a valid JSONPath or a valid intrinsic function call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.CompileTemplate(decode(t, tt.tpl))
			var ce *jsonpath.CompileError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tt.field, ce.Field)
			require.Equal(t, tt.want, err.Error())
			require.NotEmpty(t, ce.Reason)
		})
	}
}

func TestTemplateDoesNotMutateInput(t *testing.T) {
	t.Parallel()
	env := testEnv(t)
	before := value.MustString(env.Input)
	tpl, err := jsonpath.CompileTemplate(decode(t, `{"o.$":"$.o","m.$":"States.JsonMerge($.o, $.o, false)","arr.$":"States.ArrayUnique($.arr)"}`))
	require.NoError(t, err)
	_, err = tpl.Eval(env)
	require.NoError(t, err)
	require.Equal(t, before, value.MustString(env.Input))
}

func seedPaths(f *testing.F) {
	data, err := os.ReadFile("testdata/paths.txt")
	require.NoError(f, err)
	for _, line := range strings.Split(string(data), "\n") {
		f.Add(line)
	}
}

// FuzzCompile checks that compiling and evaluating any path never panics
// and that definite paths return no lists by mistake.
func FuzzCompile(f *testing.F) {
	seedPaths(f)
	in := decode(f, doc)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := jsonpath.Compile(s)
		if err != nil {
			return
		}
		v, err := p.Get(in)
		if err == nil && !p.IsDefinite() {
			if _, ok := v.([]any); !ok {
				t.Fatalf("indefinite path %q returned %T", s, v)
			}
		}
		if p.IsReference() && p.Root() == jsonpath.RootInput {
			_, _ = jsonpath.Set(in, p, "x")
		}
	})
}

// FuzzTemplate checks that compiling and evaluating any template never
// panics.
func FuzzTemplate(f *testing.F) {
	data, err := os.ReadFile("testdata/templates.json")
	require.NoError(f, err)
	seeds := decode(f, string(data)).([]any)
	for _, s := range seeds {
		f.Add(value.MustString(s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := value.DecodeString(s)
		if err != nil {
			return
		}
		tpl, err := jsonpath.CompileTemplate(v)
		if err != nil {
			return
		}
		_, _ = tpl.Eval(testEnv(t))
	})
}

func BenchmarkJSONPath(b *testing.B) {
	in := decode(b, doc)
	for _, s := range []string{"$.a.b[2].c", "$.items[?(@.x > 2)].x", "$..x"} {
		p := jsonpath.MustCompile(s)
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Get(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTemplate(b *testing.B) {
	tpl, err := jsonpath.CompileTemplate(decode(b, `{"id.$":"$$.Execution.Id","a.$":"$.a","lit":{"x":[1,2]},"f.$":"States.Format('{}/{}', $.s, $.a)"}`))
	require.NoError(b, err)
	env := testEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTemplateContextFunc checks that "$$" is built only for a template
// that reads it, once per Env, and that a missing "$$" path still reports
// the built context object.
func TestTemplateContextFunc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tpl       string
		want      string
		wantCalls int
		wantErr   string
	}{
		{"no context", `{"x.$":"$.a","y.$":"States.MathAdd($.a, 1)"}`, `{"x":1,"y":2}`, 0, ""},
		{"path", `{"id.$":"$$.Execution.Id"}`, `{"id":"arn:exec"}`, 1, ""},
		{"twice", `{"id.$":"$$.Execution.Id","f.$":"States.Format('{}', $$.Execution.Id)"}`, `{"f":"arn:exec","id":"arn:exec"}`, 1, ""},
		{"missing", `{"id.$":"$$.Nope"}`, "", 1, `The JSONPath '$$.Nope' specified for the field 'id.$' could not be found in the input '{"Execution":{"Id":"arn:exec"}}'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := jsonpath.CompileTemplate(decode(t, tt.tpl))
			require.NoError(t, err)
			calls := 0
			env := &jsonpath.Env{Input: decode(t, `{"a":1}`), ContextFunc: func() any {
				calls++
				return decode(t, `{"Execution":{"Id":"arn:exec"}}`)
			}}
			got, err := tpl.Eval(env)
			require.Equal(t, tt.wantCalls, calls, "ContextFunc calls")
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, tt.want, value.MustString(got))
		})
	}
}
