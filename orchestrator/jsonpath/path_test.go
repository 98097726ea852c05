package jsonpath_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

const doc = `{
  "a": {"b": [1, 2, {"c": 3}], "s": "text", "n": null},
  "items": [{"x": 1, "tags": ["red"]}, {"x": 5, "name": "Abc", "tags": ["red", "blue"]}, {"x": 3}],
  "limit": 2,
  "delivery-partner": "dp",
  "Test\\\"\"Name\"": "V"
}`

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v
}

func TestGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path      string
		want      string
		definite  bool
		reference bool
	}{
		{path: "$", want: "", definite: true, reference: true},
		{path: "$.a.b[2].c", want: `3`, definite: true, reference: true},
		{path: "$['a']['b'][0]", want: `1`, definite: true, reference: true},
		{path: `$["a"]["s"]`, want: `"text"`, definite: true, reference: true},
		{path: "$.a.b[-1]", want: `{"c":3}`, definite: true, reference: true},
		{path: "$.a.n", want: `null`, definite: true, reference: true},
		{path: "$.delivery-partner", want: `"dp"`, definite: true, reference: true},
		{path: `$['Test\""Name"']`, want: `"V"`, definite: true, reference: true},
		{path: " $.limit ", want: `2`, definite: true, reference: true},
		{path: "$.items[*].x", want: `[1,5,3]`},
		{path: "$.items.*.x", want: `[1,5,3]`},
		{path: "$.a.*", want: `[[1,2,{"c":3}],null,"text"]`},
		{path: "$..x", want: `[1,5,3]`},
		{path: "$..c", want: `[3]`},
		{path: "$.items[0,2].x", want: `[1,3]`},
		{path: "$.items[1:].x", want: `[5,3]`},
		{path: "$.items[:1].x", want: `[1]`},
		{path: "$.items[-2:].x", want: `[5,3]`},
		{path: "$.items[1:99].x", want: `[5,3]`},
		{path: "$.items[?(@.x > 2)].x", want: `[5,3]`},
		{path: "$.items[?(@.x >= 3 && @.x < 5)].x", want: `[3]`},
		{path: "$.items[?(@.x == 1 || @.x == 3)].x", want: `[1,3]`},
		{path: "$.items[?(@.name)].x", want: `[5]`},
		{path: "$.items[?(!@.name)].x", want: `[1,3]`},
		{path: "$.items[?(@.name == 'Abc')].x", want: `[5]`},
		{path: "$.items[?(@.name != 'Abc')].x", want: `[1,3]`},
		{path: "$.items[?(@.name =~ /ab.*/i)].x", want: `[5]`},
		{path: "$.items[?(@.x in [3, 5])].x", want: `[5,3]`},
		{path: "$.items[?(@.x nin [3, 5])].x", want: `[1]`},
		{path: "$.items[?(@.x > $.limit)].x", want: `[5,3]`},
		{path: "$.items[?(@.tags contains 'blue')].x", want: `[5]`},
		{path: "$.items[?(@.tags size 1)].x", want: `[1]`},
		{path: "$.items[?(@.tags.length() > 1)].x", want: `[5]`},
		{path: "$.items[?((@.x > 4))].x", want: `[5]`},
		{path: "$.nothing[*]", want: `[]`},
		{path: "$.nothing.more[1:5].x", want: `[]`},
		{path: "$.a.s[*]", want: `[]`},
		{path: "$.items.length()", want: `3`, definite: true},
		{path: "$.a.s.length()", want: `4`, definite: true},
		{path: "$.items[*].length()", want: `3`, definite: true},
		{path: "$.a['s','n','zz']", want: `{"n":null,"s":"text"}`, definite: true},
	}
	in := decode(t, doc)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.path, p.String())
			require.Equal(t, tt.definite, p.IsDefinite(), "IsDefinite")
			require.Equal(t, tt.reference, p.IsReference(), "IsReference")
			got, err := p.Get(in)
			require.NoError(t, err)
			if tt.want == "" {
				require.Equal(t, in, got)
				return
			}
			require.JSONEq(t, tt.want, value.MustString(got))
		})
	}
}

func TestGetNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want string
	}{
		{"$.NoSuchInputPath", "No results for path: $['NoSuchInputPath']"},
		{"$.no.such.result.path", "Missing property in path $['no']"},
		{"$.a.b[7]", "No results for path: $['a']['b'][7]"},
		{"$.a.b[-4]", "No results for path: $['a']['b'][-4]"},
		{"$.a.b[7].c", "No results for path: $['a']['b'][7]['c']"},
		{"$.a.n[0]", "The path $['a']['n'] is null"},
		{"$.a.s[0]", `Filter: [0] can only be applied to arrays. Current context is: "text"`},
		{"$.a.s.x", "Expected to find an object with property ['x'] in path $['a']['s'] but found 'java.lang.String'. " +
			"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."},
		{"$.a.n.x", "Expected to find an object with property ['x'] in path $['a']['n'] but found 'null'. " +
			"This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."},
		{"$.limit.length()", "Function length() can only be applied to an array, an object or a string, but was applied to number"},
	}
	in := decode(t, doc)
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.MustCompile(tt.path).Get(in)
			var nf *jsonpath.NotFoundError
			require.ErrorAs(t, err, &nf)
			require.Equal(t, tt.want, nf.Error())
			require.Equal(t, tt.path, nf.Path)
		})
	}
}

func TestCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path     string
		root     jsonpath.Root
		variable string
	}{
		{"$", jsonpath.RootInput, ""},
		{"$.a", jsonpath.RootInput, ""},
		{"$$", jsonpath.RootContext, ""},
		{"$$.Execution.Input.x", jsonpath.RootContext, ""},
		{"$x", jsonpath.RootVariable, "x"},
		{"$my_var2.a[0]", jsonpath.RootVariable, "my_var2"},
		{"$éte['k']", jsonpath.RootVariable, "éte"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			p, err := jsonpath.Compile(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.root, p.Root())
			require.Equal(t, tt.variable, p.Variable())
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want string
	}{
		{"", "invalid JSONPath '' at offset 0: a path must start with '$'"},
		{"a.b", "invalid JSONPath 'a.b' at offset 0: a path must start with '$'"},
		{"$.", "invalid JSONPath '$.' at offset 2: a path must not end with '.' or '..'"},
		{"$..", "invalid JSONPath '$..' at offset 3: a path must not end with '.' or '..'"},
		{"$.a[", "invalid JSONPath '$.a[' at offset 4: unexpected character in brackets"},
		{"$.a[0", "invalid JSONPath '$.a[0' at offset 5: expected ']'"},
		{"$.a['x]", "invalid JSONPath '$.a['x]' at offset 7: unterminated property name"},
		{"$.a[1:2:3]", "invalid JSONPath '$.a[1:2:3]' at offset 7: slice steps are not supported"},
		{"$.a[?(@.x >)]", "invalid JSONPath '$.a[?(@.x >)]' at offset 11: unexpected character ')' in filter"},
		{"$.a[?(@.x > 1]", "invalid JSONPath '$.a[?(@.x > 1]' at offset 13: expected ')' to close the filter"},
		{"$.a b", "invalid JSONPath '$.a b' at offset 3: unexpected character ' '"},
		{"$.a.keys()", "invalid JSONPath '$.a.keys()' at offset 4: unsupported function keys()"},
		{"$.a.length().b", "invalid JSONPath '$.a.length().b' at offset 12: a function must be the last step of a path"},
		{"$.a[?(@.x =~ /[/)]", "invalid JSONPath '$.a[?(@.x =~ /[/)]' at offset 16: invalid regular expression: error parsing regexp: missing closing ]: `[)$`"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Compile(tt.path)
			var se *jsonpath.SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		path string
		v    string
		want string
	}{
		{"root", `{"a":1}`, "$", `"x"`, `"x"`},
		{"new field", `{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`},
		{"replace field", `{"a":1}`, "$.a", `[1]`, `{"a":[1]}`},
		{"create objects on the way", `{"a":1}`, "$.b.c.d", `true`, `{"a":1,"b":{"c":{"d":true}}}`},
		{"into nested", `{"a":{"x":1}}`, "$.a.y", `2`, `{"a":{"x":1,"y":2}}`},
		{"array element", `{"a":[1,2,3]}`, "$.a[1]", `9`, `{"a":[1,9,3]}`},
		{"negative index", `{"a":[1,2,3]}`, "$.a[-1]", `9`, `{"a":[1,2,9]}`},
		{"bracket names", `{}`, "$['x y']", `1`, `{"x y":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := decode(t, tt.doc)
			before := value.MustString(in)
			got, err := jsonpath.Set(in, jsonpath.MustCompile(tt.path), decode(t, tt.v))
			require.NoError(t, err)
			require.JSONEq(t, tt.want, value.MustString(got))
			require.Equal(t, before, value.MustString(in), "Set mutated its input")
		})
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		path string
		want string
	}{
		{"scalar in the way", `{"a":"s"}`, "$.a.b", `Unable to apply ResultPath '$.a.b' to input '{"a":"s"}'`},
		{"null input", `null`, "$.a", `Unable to apply ResultPath '$.a' to input 'null'`},
		{"index out of range", `{"a":[1]}`, "$.a[3]", `Unable to apply ResultPath '$.a[3]' to input '{"a":[1]}'`},
		{"index on missing", `{}`, "$.a[0]", `Unable to apply ResultPath '$.a[0]' to input '{}'`},
		{"wildcard", `{}`, "$.a[*]", `Invalid ResultPath '$.a[*]': a ResultPath must be a reference path on the state input`},
		{"context", `{}`, "$$.a", `Invalid ResultPath '$$.a': a ResultPath must be a reference path on the state input`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsonpath.Set(decode(t, tt.doc), jsonpath.MustCompile(tt.path), "v")
			var ee *jsonpath.EvalError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, jsonpath.ErrorResultPathMatchFailure, ee.Name)
			require.Equal(t, tt.want, ee.Cause)
		})
	}
}

func TestEnvResolve(t *testing.T) {
	t.Parallel()
	env := &jsonpath.Env{
		Input:   decode(t, `{"a":1}`),
		Context: decode(t, `{"Execution":{"Id":"arn:x"}}`),
		Var: func(name string) (any, bool) {
			if name == "v" {
				return decode(t, `{"k":[true]}`), true
			}
			return nil, false
		},
	}
	tests := []struct {
		path string
		want string
		err  string
	}{
		{path: "$.a", want: `1`},
		{path: "$$.Execution.Id", want: `"arn:x"`},
		{path: "$v.k[0]", want: `true`},
		{path: "$v", want: `{"k":[true]}`},
		{path: "$nope", err: "The variable 'nope' is not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			got, err := env.Resolve(jsonpath.MustCompile(tt.path))
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				require.True(t, errors.As(err, new(*jsonpath.NotFoundError)))
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, tt.want, value.MustString(got))
		})
	}
}

func TestMustCompilePanics(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { jsonpath.MustCompile("nope") })
}
