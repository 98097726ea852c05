package jsonata

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

func TestTemplateEval(t *testing.T) {
	t.Parallel()
	input, err := value.DecodeString(`{"a": 1, "items": [1, 2]}`)
	require.NoError(t, err)
	vars := VarsMap{"states": map[string]any{"input": input}, "errorVar": "boom"}
	tests := []struct {
		name     string
		template string
		field    string
		want     string
		cause    string
	}{
		{name: "literal", template: `{"x": 1, "y": ["a"]}`, field: "Output", want: `{"x":1,"y":["a"]}`},
		{name: "expression", template: `"{% $states.input.a + 1 %}"`, field: "Output", want: `2`},
		{name: "nested", template: `{"r": {"s": "{% $states.input.items %}"}, "l": ["{% $errorVar %}", 3]}`, field: "Arguments", want: `{"l":["boom",3],"r":{"s":[1,2]}}`},
		{name: "not an expression", template: `{"x": " {% 1 %}"}`, field: "Output", want: `{"x":" {% 1 %}"}`},
		{name: "undefined top", template: `"{% $doesNotExist %}"`, field: "Arguments",
			cause: "The JSONata expression '$doesNotExist' specified for the field 'Arguments' returned nothing (undefined)."},
		{name: "undefined nested", template: `{"result": "{% $doesNotExist %}"}`, field: "Output",
			cause: "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."},
		{name: "undefined deep", template: `{"FunctionName": "{% $doesNotExist %}"}`, field: "Arguments",
			cause: "The JSONata expression '$doesNotExist' specified for the field 'Arguments/FunctionName' returned nothing (undefined)."},
		{name: "undefined in array", template: `{"l": [1, "{% $doesNotExist %}"]}`, field: "Output",
			cause: "The JSONata expression '$doesNotExist' specified for the field 'Output/l[1]' returned nothing (undefined)."},
		{name: "coded error", template: `{"r": "{% $number('x') %}"}`, field: "Output",
			cause: `The JSONata expression '$number('x')' specified for the field 'Output/r' threw an error during evaluation. D3030: Unable to cast value to a number: "x"`},
		{name: "uncoded error", template: `{"r": "{% [1..600000] ~> $count() %}"}`, field: "Output",
			cause: `The JSONata expression '[1..600000] ~> $count()' specified for the field 'Output/r' threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage`},
		{name: "eval forbidden", template: `{"r": "{% $eval(\"1+1\") %}"}`, field: "Output",
			cause: `The JSONata expression '$eval("1+1")' specified for the field 'Output/r' threw an error during evaluation. T1006: Attempted to invoke a non-function`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := value.DecodeString(tt.template)
			require.NoError(t, err)
			tmpl, err := CompileTemplate(v)
			require.NoError(t, err)
			got, err := tmpl.Eval(vars, tt.field)
			if tt.cause != "" {
				var ee *EvalError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, QueryEvaluationError, ee.Name)
				require.Equal(t, tt.cause, ee.Cause)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, value.MustString(got))
		})
	}
}

func TestCompileTemplateError(t *testing.T) {
	t.Parallel()
	v, err := value.DecodeString(`{"a": {"b": "{% 1 + %}"}}`)
	require.NoError(t, err)
	_, err = CompileTemplate(v)
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "compiling expression at /a/b: S0207: Unexpected end of expression at position 5", err.Error())
}

func TestTypeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		got  string
		want string
	}{
		{"$ItemsVar", `{"foo":"bar"}`, `The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object' for value: {"foo":"bar"}`},
		{"null", `null`, `The JSONata expression 'null' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'null' for value: null`},
		{"$ItemsVar", `1`, `The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1`},
		{"$ItemsVar", `"string"`, `The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: "string"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			v, err := value.DecodeString(tt.got)
			require.NoError(t, err)
			require.Equal(t, tt.want, TypeError(tt.expr, "Items", "array", v).Cause)
		})
	}
}

// causePrefix is what the interpreter adds in front of our causes.
var causePrefix = regexp.MustCompile(`^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. `)

// TestConformance checks, against the recorded AWS cases: every JSONata
// expression compiles, and the single-Pass-state cases produce AWS's
// output or cause.
func TestConformance(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../../shared/conformance/cases/*.json")
	if len(files) == 0 {
		t.Skip("conformance cases not found (../../../shared/conformance/cases)")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		c, err := value.Decode(data)
		require.NoError(t, err)
		cs := c.(map[string]any)
		expect := cs["expect"].(map[string]any)
		if expect["status"] == "INVALID_DEFINITION" {
			continue
		}
		def, _ := cs["definition"].(map[string]any)
		var exprs []string
		collectExprs(def, &exprs)
		if len(exprs) == 0 {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			for _, e := range exprs {
				_, err := Compile(e)
				require.NoError(t, err, e)
			}
			states := def["States"].(map[string]any)
			if len(states) != 1 || def["QueryLanguage"] != "JSONata" {
				return
			}
			var st map[string]any
			for _, s := range states {
				st = s.(map[string]any)
			}
			out, has := st["Output"]
			if st["Type"] != "Pass" || !has {
				return
			}
			tmpl, err := CompileTemplate(out)
			require.NoError(t, err)
			got, err := tmpl.Eval(VarsMap{"states": map[string]any{"input": cs["input"]}}, "Output")
			if expect["status"] == "FAILED" {
				var ee *EvalError
				require.True(t, errors.As(err, &ee), "want error %v", expect["cause"])
				require.Equal(t, expect["error"], ee.Name)
				require.Equal(t, causePrefix.ReplaceAllString(expect["cause"].(string), ""), ee.Cause)
				return
			}
			require.NoError(t, err)
			require.True(t, value.Equal(expect["output"], got), "got %s, want %s", value.MustString(got), value.MustString(expect["output"]))
		})
	}
}

func collectExprs(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		if inner, ok := Unwrap(x); ok {
			*out = append(*out, inner)
		}
	case []any:
		for _, it := range x {
			collectExprs(it, out)
		}
	case map[string]any:
		for _, it := range x {
			collectExprs(it, out)
		}
	}
}
