package interp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// TestWaitVirtualTime checks when each kind of Wait ends, in virtual time.
func TestWaitVirtualTime(t *testing.T) {
	t.Parallel()
	year := 365 * 24 * time.Hour
	tests := []struct {
		name    string
		state   string
		input   string
		wantEnd time.Time // the execution's end; zero: at least 290 years on
	}{
		{name: "Seconds", state: `"Seconds":99999999`, input: `{}`, wantEnd: startTime.Add(99999999 * time.Second)},
		{name: "SecondsPath", state: `"SecondsPath":"$.s"`, input: `{"s":3600}`, wantEnd: startTime.Add(time.Hour)},
		{name: "SecondsPath 0", state: `"SecondsPath":"$.s"`, input: `{"s":0}`, wantEnd: startTime},
		{name: "Timestamp in the past", state: `"Timestamp":"2020-01-01T00:00:00Z"`, input: `{}`, wantEnd: startTime},
		{name: "TimestampPath with offset", state: `"TimestampPath":"$.t"`, input: `{"t":"2026-01-02T05:04:05+01:00"}`, wantEnd: startTime.Add(time.Hour)},
		{name: "TimestampPath far", state: `"TimestampPath":"$.t"`, input: `{"t":"2500-01-01T00:00:00Z"}`, wantEnd: time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)},
		// 10^10 s is about 317 years, beyond time.Duration's range.
		{name: "SecondsPath beyond time.Duration", state: `"SecondsPath":"$.s"`, input: `{"s":10000000000}`},
		{name: "SecondsPath max int64", state: `"SecondsPath":"$.s"`, input: `{"s":9223372036854775807}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := `{"StartAt":"W","States":{"W":{"Type":"Wait",` + tt.state + `,"End":true}}}`
			in, err := value.Decode([]byte(tt.input))
			require.NoError(t, err)
			res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{})
			require.NoError(t, err)
			require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
			if tt.wantEnd.IsZero() {
				require.True(t, res.End.After(startTime.Add(290*year)), "got end %v, want at least 290 years after the start", res.End)
				return
			}
			require.True(t, tt.wantEnd.Equal(res.End), "got end %v, want %v", res.End, tt.wantEnd)
		})
	}
}

// TestWaitJSONataSecondsBeyondDuration is the JSONata form of the
// overflow case.
func TestWaitJSONataSecondsBeyondDuration(t *testing.T) {
	t.Parallel()
	def := `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}}`
	in, err := value.Decode([]byte(`{"s":10000000000}`))
	require.NoError(t, err)
	res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", res.Status, "got %+v", res.Error)
	require.True(t, res.End.After(startTime.AddDate(290, 0, 0)), "got end %v", res.End)
}

// TestExecutionTimeoutVirtual checks TimeoutSeconds in virtual time: a
// long Wait times the execution out at the deadline.
func TestExecutionTimeoutVirtual(t *testing.T) {
	t.Parallel()
	def := `{"TimeoutSeconds":60,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	in, err := value.Decode([]byte(`{}`))
	require.NoError(t, err)
	var last string
	res, err := interp.Run(t.Context(), mustParse(t, def), testExecution(in), interp.RunOptions{Emit: func(e *interp.Event) { last = e.Type }})
	require.NoError(t, err)
	require.Equal(t, "TIMED_OUT", res.Status)
	require.Equal(t, "States.Timeout", res.Error.Name)
	require.True(t, startTime.Add(time.Minute).Equal(res.End), "got end %v", res.End)
	require.Equal(t, "ExecutionTimedOut", last)
}
