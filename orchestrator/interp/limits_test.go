package interp_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// TestPayloadLimit checks States.DataLimitExceeded on state outputs,
// also where a state passes on data it did not change (the interpreter
// skips walking an output it has already measured).
func TestPayloadLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		def       string
		input     string
		wantErr   string
		wantCause string
	}{
		{
			name: "under the limit",
			def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
				"C":{"Type":"Choice","Choices":[{"Variable":"$.s","IsPresent":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input: `{"s":"short"}`,
		},
		{
			name: "a Pass result over the limit",
			def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"s":"` + long(120) + `"},"Next":"C"},
				"C":{"Type":"Choice","Choices":[{"Variable":"$.s","IsPresent":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			input:     `{}`,
			wantErr:   "States.DataLimitExceeded",
			wantCause: "The state/task 'A' returned a result with a size exceeding the maximum number of bytes service limit.",
		},
		{
			name: "growing after unchanged states",
			def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
				"C":{"Type":"Choice","Choices":[{"Variable":"$.s","IsPresent":true,"Next":"G"}]},
				"G":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"Next":"E"},"E":{"Type":"Succeed"}}}`,
			input:     `{"s":"` + long(60) + `"}`,
			wantErr:   "States.DataLimitExceeded",
			wantCause: "The state/task 'G' returned a result with a size exceeding the maximum number of bytes service limit.",
		},
		{
			name: "an oversized iteration input passed on unchanged",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
				"ItemSelector":{"a.$":"$$.Map.Item.Value","b.$":"$$.Map.Item.Value"},
				"ItemProcessor":{"StartAt":"C","States":{
					"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"E"}]},"E":{"Type":"Succeed"}}}}}}`,
			input:     `["` + long(60) + `"]`,
			wantErr:   "States.DataLimitExceeded",
			wantCause: "The state/task 'C' returned a result with a size exceeding the maximum number of bytes service limit.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			res, err := interp.Run(t.Context(), mustParse(t, tt.def), testExecution(in), interp.RunOptions{MaxPayload: 100})
			require.NoError(t, err)
			if tt.wantErr == "" {
				require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
				return
			}
			require.Equal(t, "FAILED", res.Status)
			require.Equal(t, tt.wantErr, res.Error.Name)
			require.Equal(t, tt.wantCause, res.Error.Cause)
		})
	}
}

func long(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

// TestLazyContext checks "$$" and $states.context where the interpreter
// builds them only on demand: per Map item, per state, in JSONata
// conditions and outputs, and next to expressions that do not read them.
func TestLazyContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def, input, want string
	}{
		{
			name: "JSONPath ItemSelector per item",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
				"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","plain.$":"$.k"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"i.$":"$.i","state.$":"$$.State.Name","v.$":"$.v","k.$":"$.plain"},"End":true}}}}}}`,
			input: `{"k":"K","items":["a","b"]}`,
			want:  `[{"i":0,"state":"P","v":"a","k":"K"},{"i":1,"state":"P","v":"b","k":"K"}]`,
		},
		{
			name: "JSONata Choice condition, Output and Map items",
			def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.context.State.Name = 'C' %}","Output":{"n":"{% $states.context.State.Name %}","x":"{% 1 + 1 %}"},"Next":"M"}]},
				"M":{"Type":"Map","Items":"{% [10, 20] %}","End":true,
					"ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value %}","in":"{% $states.input.n %}"},
					"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $merge([$states.input, {'s': $states.context.State.Name}]) %}","End":true}}}}}}`,
			input: `{}`,
			want:  `[{"i":0,"v":10,"in":"C","s":"P"},{"i":1,"v":20,"in":"C","s":"P"}]`,
		},
		{
			name: "JSONata: context read after an expression that did not need it",
			def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x = 1 %}","Next":"P",
					"Assign":{"seen":"{% $states.input.x %}"},
					"Output":{"x":"{% $states.input.x %}","state":"{% $states.context.State.Name %}","all":"{% $keys($states) %}"}}]},
				"P":{"Type":"Pass","Output":{"in":"{% $states.input %}","seen":"{% $seen %}","name":"{% $states.context.State.Name %}"},"End":true}}}`,
			input: `{"x":1}`,
			want:  `{"in":{"x":1,"state":"C","all":["context","input"]},"seen":1,"name":"P"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			res, err := interp.Run(t.Context(), mustParse(t, tt.def), testExecution(in), interp.RunOptions{})
			require.NoError(t, err)
			require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
			require.JSONEq(t, tt.want, value.MustString(res.Output))
		})
	}
}
