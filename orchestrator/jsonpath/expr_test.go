package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

func TestExpr(t *testing.T) {
	t.Parallel()
	env := &jsonpath.Env{Input: decode(t, `{"Error":"E","int-literal":0}`)}
	tests := []struct {
		field, expr string
		want        any
		wantCause   string
	}{
		{field: "ErrorPath", expr: "$.Error", want: "E"},
		{field: "CausePath", expr: "States.Format('cause: {}', $.Error)", want: "cause: E"},
		{field: "CausePath", expr: "$.NoSuchCausePath",
			wantCause: `The JSONPath '$.NoSuchCausePath' specified for the field 'CausePath' could not be found in the input '{"Error":"E","int-literal":0}'`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			e, err := jsonpath.CompileExpr(tt.field, tt.expr)
			require.NoError(t, err)
			got, err := e.Eval(env)
			if tt.wantCause != "" {
				var ee *jsonpath.EvalError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, jsonpath.ErrorRuntime, ee.Name)
				require.Equal(t, tt.wantCause, ee.Cause)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := jsonpath.CompileExpr("CausePath", "cause")
	require.EqualError(t, err, "The value for the field 'CausePath' must be a valid JSONPath or a valid intrinsic function call")
}
