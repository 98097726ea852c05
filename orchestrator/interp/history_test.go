package interp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// mapScenario is the shape of the Map scenarios whose histories were
// recorded on AWS (LocalStack's parity tests, tests/aws/services/
// stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json): a Pass
// that puts an array at $.arr, then a Map over it with MaxConcurrency 1.
func mapScenario(processor, extra string) string {
	caught := ""
	if strings.Contains(extra, "FinalCaught") {
		caught = `"FinalCaught":{"Type":"Pass","End":true},`
	}
	return `{"StartAt":"StartState","States":{
		"StartState":{"Type":"Pass","Result":[1,"Hello",{},3.3,3,4,5],"ResultPath":"$.arr","Next":"MapState"},
		"MapState":{"Type":"Map","ResultPath":null,"InputPath":"$.arr","MaxConcurrency":1,` + extra + `
			"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},` + processor + `},"Next":"Final"},` + caught + `
		"Final":{"Type":"Pass","End":true}}}`
}

const failProcessor = `"StartAt":"HandleItemFail","States":{"HandleItemFail":{"Type":"Fail","Error":"HandleItemFailError","Cause":"HandleItemFailCause"}}`

// TestRecordedHistories compares event types and previousEventIds with
// histories recorded on AWS: the first state follows event 0, the next
// iteration and MapStateFailed follow the last state event of an
// iteration (not MapIterationSucceeded/Failed), MapStateExited follows
// what MapStateSucceeded follows, and a retried Map starts again without
// a MapStateFailed.
func TestRecordedHistories(t *testing.T) {
	t.Parallel()
	// iterations renders n successful one-Pass iterations as AWS recorded
	// them, starting at event id first, the first following prev.
	iterations := func(n int, first, prev int) []string {
		var out []string
		id := first
		for range n {
			out = append(out,
				fmt.Sprintf("%d %d MapIterationStarted", id, prev),
				fmt.Sprintf("%d %d PassStateEntered", id+1, id),
				fmt.Sprintf("%d %d PassStateExited", id+2, id+1),
				fmt.Sprintf("%d %d MapIterationSucceeded", id+3, id+2))
			prev = id + 2
			id += 4
		}
		return out
	}
	start := []string{"1 0 ExecutionStarted", "2 0 PassStateEntered", "3 2 PassStateExited", "4 3 MapStateEntered", "5 4 MapStateStarted"}
	tests := []struct {
		name string
		def  string
		want []string
	}{
		{
			name: "test_map_state",
			def: strings.Replace(mapScenario(`"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}`, ""),
				`[1,"Hello",{},3.3,3,4,5]`, `[1,"Hello",{},null,3.3,3,4,5]`, 1),
			want: concat(start, iterations(8, 6, 5), []string{
				"38 37 MapStateSucceeded", "39 37 MapStateExited", "40 39 PassStateEntered", "41 40 PassStateExited", "42 41 ExecutionSucceeded"}),
		},
		{
			name: "test_map_state_break_condition",
			def: mapScenario(`"StartAt":"Equals3","States":{
				"Equals3":{"Type":"Choice","Choices":[{"And":[{"IsPresent":true,"Variable":"$"},{"And":[{"IsNumeric":true,"Variable":"$"},{"NumericEquals":3,"Variable":"$"}]}],"Next":"Break"}],"Default":"Pass"},
				"Break":{"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."},
				"Pass":{"Type":"Pass","End":true}}`, ""),
			want: concat(start, []string{
				"6 5 MapIterationStarted", "7 6 ChoiceStateEntered", "8 7 ChoiceStateExited", "9 8 PassStateEntered", "10 9 PassStateExited", "11 10 MapIterationSucceeded",
				"12 10 MapIterationStarted", "13 12 ChoiceStateEntered", "14 13 ChoiceStateExited", "15 14 PassStateEntered", "16 15 PassStateExited", "17 16 MapIterationSucceeded",
				"18 16 MapIterationStarted", "19 18 ChoiceStateEntered", "20 19 ChoiceStateExited", "21 20 PassStateEntered", "22 21 PassStateExited", "23 22 MapIterationSucceeded",
				"24 22 MapIterationStarted", "25 24 ChoiceStateEntered", "26 25 ChoiceStateExited", "27 26 PassStateEntered", "28 27 PassStateExited", "29 28 MapIterationSucceeded",
				"30 28 MapIterationStarted", "31 30 ChoiceStateEntered", "32 31 ChoiceStateExited", "33 32 FailStateEntered", "34 33 MapIterationFailed",
				"35 33 MapStateFailed", "36 35 ExecutionFailed"}),
		},
		{
			name: "test_map_state_catch",
			def: strings.Replace(mapScenario(failProcessor, `"Catch":[{"ErrorEquals":["HandleItemFailError"],"Next":"FinalCaught"}],`),
				`[1,"Hello",{},3.3,3,4,5]`, `[1]`, 1),
			want: concat(start, []string{
				"6 5 MapIterationStarted", "7 6 FailStateEntered", "8 7 MapIterationFailed", "9 7 MapStateFailed",
				"10 9 MapStateExited", "11 10 PassStateEntered", "12 11 PassStateExited", "13 12 ExecutionSucceeded"}),
		},
		{
			name: "test_map_state_retry",
			def: strings.Replace(mapScenario(failProcessor, `"Retry":[{"ErrorEquals":["HandleItemFailError"],"MaxAttempts":2}],`),
				`[1,"Hello",{},3.3,3,4,5]`, `[1]`, 1),
			want: concat(start, []string{
				"6 5 MapIterationStarted", "7 6 FailStateEntered", "8 7 MapIterationFailed",
				"9 7 MapStateStarted", "10 9 MapIterationStarted", "11 10 FailStateEntered", "12 11 MapIterationFailed",
				"13 11 MapStateStarted", "14 13 MapIterationStarted", "15 14 FailStateEntered", "16 15 MapIterationFailed",
				"17 15 MapStateFailed", "18 17 ExecutionFailed"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := historyShape(t, tt.def, `{}`, nil)
			require.Equal(t, strings.Join(tt.want, "\n"), strings.Join(got, "\n"))
		})
	}
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// historyShape runs def and returns "id previousEventId type" an event.
func historyShape(t *testing.T, def, input string, tasks interp.TaskInvoker) []string {
	t.Helper()
	in, err := value.Decode([]byte(input))
	require.NoError(t, err)
	var got []string
	emit := func(e *interp.Event) {
		got = append(got, fmt.Sprintf("%d %d %s", e.ID, e.PreviousEventID, e.Type))
	}
	_, err = interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{Emit: emit, Tasks: tasks, Rand: seededRand(1)})
	require.NoError(t, err)
	return got
}
