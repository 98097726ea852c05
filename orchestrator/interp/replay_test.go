package interp_test

import (
	"testing"
	"time"

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
			name: "JSONata $random and $uuid",
			def:  `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"r":"{% $random() %}","u":"{% $uuid() %}"},"End":true}}}`,
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

// TestContextObject checks "$$" in every state of a run, also after a
// state changed a copy of it in its output (the Execution and StateMachine
// parts are built once per run and shared).
func TestContextObject(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Parameters":{"ex.$":"$$.Execution","sm.$":"$$.StateMachine"},"Next":"B"},
		"B":{"Type":"Pass","Result":"changed","ResultPath":"$.ex.Name","Next":"C"},
		"C":{"Type":"Pass","Parameters":{"b.$":"$.ex.Name","name.$":"$$.Execution.Name","start.$":"$$.Execution.StartTime",
			"id.$":"$$.Execution.Id","input.$":"$$.Execution.Input","sm.$":"$$.StateMachine.Name","state.$":"$$.State.Name"},"End":true}}}`
	in, err := value.Decode([]byte(`{"k":"v"}`))
	require.NoError(t, err)
	res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
	require.Equal(t, map[string]any{
		"b":     "changed",
		"name":  "exec",
		"start": "2026-01-02T03:04:05.000Z",
		"id":    "arn:aws:states:us-east-1:123456789012:execution:test:exec",
		"input": map[string]any{"k": "v"},
		"sm":    "test",
		"state": "C",
	}, res.Output)
}

// TestJSONataNowIsVirtual checks that $now() and $millis() read the
// step's (virtual) time, not the wall clock.
func TestJSONataNowIsVirtual(t *testing.T) {
	t.Parallel()
	def := `{"QueryLanguage":"JSONata","StartAt":"W","States":{
		"W":{"Type":"Wait","Seconds":86400,"Next":"P"},
		"P":{"Type":"Pass","Output":{"now":"{% $now() %}","millis":"{% $millis() %}"},"End":true}}}`
	in, err := value.Decode([]byte(`{}`))
	require.NoError(t, err)
	res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
	out, ok := res.Output.(map[string]any)
	require.True(t, ok, "got output %v", res.Output)
	require.Equal(t, "2026-01-03T03:04:05.000Z", out["now"])
	require.Equal(t, value.Int(startTime.Add(24*time.Hour).UnixMilli()), out["millis"])
}
