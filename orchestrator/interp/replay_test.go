package interp_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// TestRandomnessFromEnv checks that every random value comes from
// RunOptions.Rand (Env.Rand), so that a step can be replayed: two runs
// with the same seed give the same output.
func TestRandomnessFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
	}{
		{
			name: "States.UUID",
			def:  `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()"},"End":true}}}`,
		},
		{
			name: "States.MathRandom",
			def:  `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"States.MathRandom(0, 1000000)"},"End":true}}}`,
		},
		{
			name: "task token",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
				"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustParse(t, tt.def)
			in, err := value.Decode([]byte(`{}`))
			require.NoError(t, err)
			run := func(seed uint64) any {
				res, err := interp.Run(t.Context(), m, testExecution(in), interp.RunOptions{Rand: seededRand(seed), Tasks: newScriptedTasks(nil)})
				require.NoError(t, err)
				require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
				return res.Output
			}
			first := run(42)
			require.Equal(t, first, run(42), "same seed, different output")
			require.NotEqual(t, first, run(43), "different seeds, same output")
		})
	}
}
