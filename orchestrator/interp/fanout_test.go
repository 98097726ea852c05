package interp_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// checkMap is a Map over numbers whose iterations fail with "Negative"
// for a negative item; tolerance is spliced into the Map state.
func checkMap(tolerance string) string {
	if tolerance != "" {
		tolerance += ","
	}
	return `{"StartAt":"Each","States":{
		"Each":{"Type":"Map",` + tolerance + `
			"ItemProcessor":{"StartAt":"Check","States":{
				"Check":{"Type":"Choice","Choices":[{"Variable":"$","NumericLessThan":0,"Next":"Bad"}],"Default":"Good"},
				"Bad":{"Type":"Fail","Error":"Negative","Cause":"negative item"},
				"Good":{"Type":"Pass","End":true}}},
			"End":true}}}`
}

func TestFanOutFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		def        string
		input      string
		wantStatus string
		wantErr    string
		wantCause  string
	}{
		{
			name: "a failing branch fails the Parallel with the branch's error",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"Ok","States":{"Ok":{"Type":"Pass","End":true}}},
				{"StartAt":"No","States":{"No":{"Type":"Fail","Error":"BranchBroke","Cause":"second branch"}}}]}}}`,
			input:      `{}`,
			wantStatus: "FAILED",
			wantErr:    "BranchBroke",
			wantCause:  "second branch",
		},
		{
			name: "the first failing branch's error wins",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"No1","States":{"No1":{"Type":"Fail","Error":"First"}}},
				{"StartAt":"No2","States":{"No2":{"Type":"Fail","Error":"Second"}}}]}}}`,
			input:      `{}`,
			wantStatus: "FAILED",
			wantErr:    "First",
		},
		{
			name:       "Map without tolerance fails with the iteration's error",
			def:        checkMap(""),
			input:      `[1,-1,2]`,
			wantStatus: "FAILED",
			wantErr:    "Negative",
			wantCause:  "negative item",
		},
		{
			name:       "ToleratedFailureCount 0 fails on one failure",
			def:        checkMap(`"ToleratedFailureCount":0`),
			input:      `[1,-1,2]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			name:       "ToleratedFailureCount equal to the failures succeeds",
			def:        checkMap(`"ToleratedFailureCount":2`),
			input:      `[1,-1,2,-2,3]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "ToleratedFailureCount below the failures fails",
			def:        checkMap(`"ToleratedFailureCount":1`),
			input:      `[1,-1,2,-2,3]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			name:       "ToleratedFailurePercentage equal to the share succeeds",
			def:        checkMap(`"ToleratedFailurePercentage":40`),
			input:      `[1,-1,2,-2,3]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "ToleratedFailurePercentage below the share fails",
			def:        checkMap(`"ToleratedFailurePercentage":39.9`),
			input:      `[1,-1,2,-2,3]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			name:       "ToleratedFailurePercentage 100 tolerates everything",
			def:        checkMap(`"ToleratedFailurePercentage":100`),
			input:      `[-1,-2]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "ToleratedFailureCountPath from the input",
			def:        checkMap(`"ToleratedFailureCountPath":"$[0]"`),
			input:      `[1,-1,-2]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			// "If you specify both values, the workflow fails when it
			// exceeds either value." (Step Functions developer guide,
			// "Tolerated failure threshold for Distributed Map state")
			name:       "both set: over the count fails, though within the percentage",
			def:        checkMap(`"ToleratedFailureCount":1,"ToleratedFailurePercentage":50`),
			input:      `[1,-1,2,-2,3,4,5,6,7,8]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			name:       "both set: over the percentage fails, though within the count",
			def:        checkMap(`"ToleratedFailureCount":5,"ToleratedFailurePercentage":10`),
			input:      `[1,-1,2,-2,3,4,5,6,7,8]`,
			wantStatus: "FAILED",
			wantErr:    "States.ExceedToleratedFailureThreshold",
		},
		{
			name:       "both set: within both succeeds",
			def:        checkMap(`"ToleratedFailureCount":2,"ToleratedFailurePercentage":20`),
			input:      `[1,-1,2,-2,3,4,5,6,7,8]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "a tolerated Map with no failures succeeds",
			def:        checkMap(`"ToleratedFailureCount":0`),
			input:      `[1,2]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "an empty Map succeeds",
			def:        checkMap(""),
			input:      `[]`,
			wantStatus: "SUCCEEDED",
		},
		{
			name: "a failed Map is caught by its Catch",
			def: `{"StartAt":"Each","States":{
				"Each":{"Type":"Map","ToleratedFailureCount":0,
					"ItemProcessor":{"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"Negative"}}},
					"Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"Caught"}],"End":true},
				"Caught":{"Type":"Succeed"}}}`,
			input:      `[1]`,
			wantStatus: "SUCCEEDED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustParse(t, tt.def)
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			res, err := interp.Run(t.Context(), m, testExecution(in), interp.RunOptions{Rand: seededRand(1)})
			require.NoError(t, err)
			var gotErr, gotCause string
			if res.Error != nil {
				gotErr, gotCause = res.Error.Name, res.Error.Cause
			}
			require.Equal(t, tt.wantStatus, res.Status, "got status %s (%s: %s), want %s", res.Status, gotErr, gotCause, tt.wantStatus)
			require.Equal(t, tt.wantErr, gotErr)
			if tt.wantCause != "" {
				require.Equal(t, tt.wantCause, gotCause)
			}
		})
	}
}

// nestedDef is a Map over the input's rows, each iteration a Parallel of
// two branches, the first one a Map over the row's cells.
const nestedDef = `{"StartAt":"Rows","States":{
	"Rows":{"Type":"Map","ItemsPath":"$.rows","MaxConcurrency":2,"End":true,"ItemProcessor":{"StartAt":"Both","States":{
		"Both":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"Cells","States":{"Cells":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"Check","States":{
				"Check":{"Type":"Choice","Choices":[{"Variable":"$","NumericLessThan":0,"Next":"Bad"}],"Default":"Square"},
				"Bad":{"Type":"Fail","Error":"NegativeCell","Cause":"a cell is negative"},
				"Square":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($, $)"},"End":true}}}}}},
			{"StartAt":"Count","States":{"Count":{"Type":"Pass","Parameters":{"n.$":"States.ArrayLength($)"},"End":true}}}]}}}}}}`

func TestNestedMapParallelMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		input      string
		wantStatus string
		wantOutput string
		wantErr    string
	}{
		{
			name:       "all succeed",
			input:      `{"rows":[[1,2],[3]]}`,
			wantStatus: "SUCCEEDED",
			wantOutput: `[[[{"v":2},{"v":4}],{"n":2}],[[{"v":6}],{"n":1}]]`,
		},
		{
			name:       "an inner failure fails the inner Map, the Parallel, the outer Map",
			input:      `{"rows":[[1,2],[3,-4]]}`,
			wantStatus: "FAILED",
			wantErr:    "NegativeCell",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustParse(t, nestedDef)
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			var types []string
			emit := func(e *interp.Event) { types = append(types, e.Type) }
			res, err := interp.Run(t.Context(), m, testExecution(in), interp.RunOptions{Emit: emit, Rand: seededRand(1)})
			require.NoError(t, err)
			require.Equal(t, tt.wantStatus, res.Status, "got %+v", res.Error)
			if tt.wantErr != "" {
				require.Equal(t, tt.wantErr, res.Error.Name)
				// The failure climbs through every level (the other row's
				// events may come in between: the rows run interleaved).
				requireInOrder(t, types, "FailStateEntered", "MapIterationFailed", "MapStateFailed",
					"ParallelStateFailed", "MapIterationFailed", "MapStateFailed", "ExecutionFailed")
				return
			}
			got, err := json.Marshal(res.Output)
			require.NoError(t, err)
			require.JSONEq(t, tt.wantOutput, string(got))
			// Iteration indexes restart at 0 in each Map.
			require.Equal(t, 3+2, strings.Count(strings.Join(types, " "), "MapIterationSucceeded"), "got %v", types)
		})
	}
}

// requireInOrder checks that want occur in got in this order, not
// necessarily next to each other.
func requireInOrder(t *testing.T, got []string, want ...string) {
	t.Helper()
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	require.Equal(t, len(want), i, "got %v, want the subsequence %v", got, want)
}

// TestMapItemsOrder checks that Map results keep the items' order and that
// $$.Map.Item.Index counts from 0, for many items and MaxConcurrency 1.
func TestMapItemsOrder(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"End":true,
		"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}}`
	items := make([]string, 50)
	for i := range items {
		items[i] = strconv.Itoa(i * 10)
	}
	in, err := value.Decode([]byte("[" + strings.Join(items, ",") + "]"))
	require.NoError(t, err)
	res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{})
	require.NoError(t, err)
	out, ok := res.Output.([]any)
	require.True(t, ok, "got output %T", res.Output)
	require.Len(t, out, 50)
	for i, o := range out {
		require.Equal(t, map[string]any{"i": json.Number(strconv.Itoa(i)), "v": json.Number(strconv.Itoa(i * 10))}, o)
	}
}

// TestFanOutRetry checks Retry on a Parallel and on a Map: the whole
// fan-out runs again after the backoff.
func TestFanOutRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		def        string
		input      string
		script     map[string][]string
		wantStatus string
		wantOutput string
		wantCalls  int
	}{
		{
			name: "Parallel retried after a branch failure",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
				"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":2}],
				"Branches":[
					{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
					{"StartAt":"Q","States":{"Q":{"Type":"Pass","Result":"q","End":true}}}]}}}`,
			input:      `{"x":1}`,
			script:     map[string][]string{"T": {"Flaky", "Flaky", ""}},
			wantStatus: "SUCCEEDED",
			wantOutput: `[{"x":1},"q"]`,
			wantCalls:  3,
		},
		{
			name: "Map retried after an iteration failure",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
				"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":1}],
				"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}}`,
			input:      `[1,2]`,
			script:     map[string][]string{"T": {"", "Flaky", "", ""}},
			wantStatus: "SUCCEEDED",
			wantOutput: `[1,2]`,
			wantCalls:  4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			tasks := newScriptedTasks(tt.script)
			res, err := interp.Run(t.Context(), mustParse(t, tt.def), testExecution(in), interp.RunOptions{Tasks: tasks})
			require.NoError(t, err)
			require.Equal(t, tt.wantStatus, res.Status, "got %+v", res.Error)
			got, err := json.Marshal(res.Output)
			require.NoError(t, err)
			require.JSONEq(t, tt.wantOutput, string(got))
			require.Equal(t, tt.wantCalls, tasks.calls["T"])
		})
	}
}
