package asl_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

func TestParseModel(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"Z","States":{
		"Z":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"]}],"Next":"A"},
		"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"x":"{% 1 %}"},"Next":"M"},
		"M":{"Type":"Wait","Seconds":10,"End":true}}}`
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	require.Equal(t, []string{"Z", "A", "M"}, sm.Order)
	require.Equal(t, asl.JSONPath, sm.QueryLanguage)

	z := sm.States["Z"]
	require.Equal(t, asl.TypeTask, z.Type)
	require.Equal(t, asl.JSONPath, z.QueryLanguage)
	require.Equal(t, []*asl.Retrier{{ErrorEquals: []string{"E"}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0, JitterStrategy: "NONE"}}, z.Retry)
	require.False(t, z.TimeoutSeconds.Set)

	a := sm.States["A"]
	require.Equal(t, asl.JSONata, a.QueryLanguage)
	require.NotNil(t, a.Output)
	require.Equal(t, "M", a.Next)

	m := sm.States["M"]
	require.True(t, m.End)
	require.Equal(t, asl.Field{Set: true, Literal: json.Number("10")}, m.Seconds)
}

func TestParseKnownResource(t *testing.T) {
	t.Parallel()
	def := machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"B"},` +
		`"B":{"Type":"Task","Resource":"arn:aws:states:::nope:doIt","End":true}`)
	known := func(arn string) bool { return arn == "arn:aws:states:::lambda:invoke" }
	_, err := asl.ParseWithOptions([]byte(def), asl.ParseOptions{KnownResource: known})
	require.EqualError(t, err, "INVALID_RESOURCE: Resource type is not supported: 'arn:aws:states:::nope:doIt' at /States/B/Resource")

	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err, "without KnownResource every ARN is accepted")
	require.Equal(t, "arn:aws:states:::nope:doIt", sm.States["B"].Resource)
}

func TestParseExpressAcceptsPlainTasks(t *testing.T) {
	t.Parallel()
	def := machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","End":true}`)
	_, err := asl.ParseWithOptions([]byte(def), asl.ParseOptions{Type: asl.TypeExpress})
	require.NoError(t, err)
}

func ExampleParse() {
	_, err := asl.Parse([]byte(`{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Next":"Gone"}}}`))
	for _, ve := range asl.ValidationErrors(err) {
		fmt.Printf("%s | %s | %s\n", ve.Code, ve.Message, ve.Location)
	}
	// Output:
	// SCHEMA_VALIDATION_FAILED | Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required | /States/Wait
	// MISSING_TRANSITION_TARGET | Missing 'Next' target: Gone | /States/Wait/Next
	// MISSING_END_STATE | Workflow has no terminal state |
}
