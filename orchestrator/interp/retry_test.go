package interp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// scriptedTasks answers each Task state's invocations from a script: the
// k-th invocation of a state gets script[state][k]; an error name fails
// it, "" succeeds with the task's input.
type scriptedTasks struct {
	mu     sync.Mutex
	script map[string][]string
	calls  map[string]int
}

func newScriptedTasks(script map[string][]string) *scriptedTasks {
	return &scriptedTasks{script: script, calls: map[string]int{}}
}

func (s *scriptedTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.calls[req.State]
	s.calls[req.State]++
	steps := s.script[req.State]
	if k >= len(steps) {
		return req.Input, nil, nil
	}
	if name := steps[k]; name != "" {
		return nil, &asl.Error{Name: name, Cause: fmt.Sprintf("attempt %d of %s", k, req.State)}, nil
	}
	return req.Input, nil, nil
}

// constReader is a randomness source that returns the same byte forever.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// runResult is what the Retry and failure tests look at.
type runResult struct {
	status string
	output any
	err    string
	// delays are the seconds between each failure and the next attempt
	// (from the TaskFailed and TaskScheduled timestamps, virtual time).
	delays []float64
	// scheduled counts TaskScheduled events.
	scheduled int
}

func mustParse(t testing.TB, def string) *interp.Machine {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	return interp.NewMachine(sm)
}

func runDef(t *testing.T, def, input string, tasks interp.TaskInvoker, rnd io.Reader) runResult {
	t.Helper()
	m := mustParse(t, def)
	in, err := value.Decode([]byte(input))
	require.NoError(t, err)
	var got runResult
	var lastFailed time.Time
	emit := func(e *interp.Event) {
		switch e.Type {
		case "TaskFailed":
			lastFailed = e.Timestamp
		case "TaskScheduled":
			got.scheduled++
			if !lastFailed.IsZero() {
				got.delays = append(got.delays, e.Timestamp.Sub(lastFailed).Seconds())
				lastFailed = time.Time{}
			}
		}
	}
	if rnd == nil {
		rnd = seededRand(7)
	}
	res, err := interp.Run(t.Context(), m, testExecution(in), interp.RunOptions{Tasks: tasks, Emit: emit, Rand: rnd})
	require.NoError(t, err)
	got.status, got.output = res.Status, res.Output
	if res.Error != nil {
		got.err = res.Error.Name
	}
	return got
}

// taskDef is a one-Task definition with the given Retry and Catch, whose
// catchers go to Pass states that output their own name.
func taskDef(retry, catch string) string {
	if retry == "" {
		retry = "[]"
	}
	if catch == "" {
		catch = "[]"
	}
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
			"Retry":` + retry + `,"Catch":` + catch + `,"End":true}`
	for _, name := range []string{"A", "B", "C"} {
		if strings.Contains(catch, `"`+name+`"`) {
			def += `,"` + name + `":{"Type":"Pass","Result":"` + name + `","End":true}`
		}
	}
	return def + "}}"
}

func TestRetryTiming(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retry      string
		fails      []string
		rand       io.Reader
		wantDelays []float64
		wantStatus string
		wantErr    string
	}{
		{
			name:       "defaults: 1s, rate 2, 3 attempts",
			retry:      `[{"ErrorEquals":["States.ALL"]}]`,
			fails:      []string{"E", "E", "E", "E"},
			wantDelays: []float64{1, 2, 4},
			wantStatus: "FAILED",
			wantErr:    "E",
		},
		{
			name:       "interval times rate to the attempt",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3}]`,
			fails:      []string{"E", "E", "E"},
			wantDelays: []float64{2, 6, 18},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "fractional backoff rate",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":4,"BackoffRate":1.5,"MaxAttempts":3}]`,
			fails:      []string{"E", "E", "E"},
			wantDelays: []float64{4, 6, 9},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "MaxDelaySeconds caps the delay",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":10,"BackoffRate":2,"MaxAttempts":4,"MaxDelaySeconds":25}]`,
			fails:      []string{"E", "E", "E", "E"},
			wantDelays: []float64{10, 20, 25, 25},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "MaxAttempts 0 never retries",
			retry:      `[{"ErrorEquals":["E"],"MaxAttempts":0}]`,
			fails:      []string{"E"},
			wantDelays: nil,
			wantStatus: "FAILED",
			wantErr:    "E",
		},
		{
			name:       "FULL jitter with zero randomness waits 0",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":8,"MaxAttempts":2,"JitterStrategy":"FULL"}]`,
			fails:      []string{"E", "E"},
			rand:       constReader(0),
			wantDelays: []float64{0, 0},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "FULL jitter with half randomness waits about half",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":8,"MaxAttempts":2,"JitterStrategy":"FULL"}]`,
			fails:      []string{"E", "E"},
			rand:       constReader(0x80),
			wantDelays: []float64{4.015, 8.031},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "JitterStrategy NONE is exact",
			retry:      `[{"ErrorEquals":["E"],"IntervalSeconds":8,"MaxAttempts":2,"JitterStrategy":"NONE"}]`,
			fails:      []string{"E", "E"},
			rand:       constReader(0x80),
			wantDelays: []float64{8, 16},
			wantStatus: "SUCCEEDED",
		},
		{
			name: "first matching retrier decides; counts per retrier",
			retry: `[{"ErrorEquals":["A"],"IntervalSeconds":1,"MaxAttempts":1},
				{"ErrorEquals":["States.ALL"],"IntervalSeconds":5,"MaxAttempts":2}]`,
			// B: 2nd retrier attempt 0 (5s); B: attempt 1 (10s); A: 1st
			// retrier attempt 0 (1s); B: 2nd retrier exhausted.
			fails:      []string{"B", "B", "A", "B"},
			wantDelays: []float64{5, 10, 1},
			wantStatus: "FAILED",
			wantErr:    "B",
		},
		{
			name: "an exhausted first match does not fall through to a later retrier",
			retry: `[{"ErrorEquals":["A"],"IntervalSeconds":1,"MaxAttempts":1},
				{"ErrorEquals":["States.ALL"],"IntervalSeconds":5,"MaxAttempts":5}]`,
			fails:      []string{"A", "A"},
			wantDelays: []float64{1},
			wantStatus: "FAILED",
			wantErr:    "A",
		},
		{
			name:       "States.TaskFailed retries task errors",
			retry:      `[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":3,"MaxAttempts":1}]`,
			fails:      []string{"Lambda.ServiceException"},
			wantDelays: []float64{3},
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "States.TaskFailed does not retry States.Timeout",
			retry:      `[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":3,"MaxAttempts":1}]`,
			fails:      []string{"States.Timeout"},
			wantDelays: nil,
			wantStatus: "FAILED",
			wantErr:    "States.Timeout",
		},
		{
			name:       "unmatched error is not retried",
			retry:      `[{"ErrorEquals":["X","Y"],"IntervalSeconds":3}]`,
			fails:      []string{"Z"},
			wantDelays: nil,
			wantStatus: "FAILED",
			wantErr:    "Z",
		},
		{
			name:       "a retrier with several names matches each",
			retry:      `[{"ErrorEquals":["X","Y"],"IntervalSeconds":3,"MaxAttempts":2}]`,
			fails:      []string{"Y", "X"},
			wantDelays: []float64{3, 6},
			wantStatus: "SUCCEEDED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runDef(t, taskDef(tt.retry, ""), `{}`, newScriptedTasks(map[string][]string{"T": tt.fails}), tt.rand)
			require.Equal(t, tt.wantStatus, got.status, "got status %s, want %s (error %s)", got.status, tt.wantStatus, got.err)
			require.Equal(t, tt.wantErr, got.err)
			require.Len(t, got.delays, len(tt.wantDelays), "got delays %v, want %v", got.delays, tt.wantDelays)
			for i := range tt.wantDelays {
				require.InDelta(t, tt.wantDelays[i], got.delays[i], 0.002, "delay %d: got %v, want %v", i, got.delays, tt.wantDelays)
			}
		})
	}
}

// TestRetryFullJitterBounds checks that FULL jitter always waits between
// 0 and the backoff delay (capped by MaxDelaySeconds), over many seeds.
func TestRetryFullJitterBounds(t *testing.T) {
	t.Parallel()
	def := taskDef(`[{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":30,"JitterStrategy":"FULL"}]`, "")
	caps := []float64{2, 6, 18, 30}
	var sum [4]float64
	const n = 200
	for seed := range uint64(n) {
		got := runDef(t, def, `{}`, newScriptedTasks(map[string][]string{"T": {"E", "E", "E", "E"}}), seededRand(seed))
		require.Equal(t, "SUCCEEDED", got.status)
		require.Len(t, got.delays, 4)
		for i, d := range got.delays {
			require.GreaterOrEqual(t, d, 0.0, "seed %d attempt %d: got %v", seed, i, d)
			require.LessOrEqual(t, d, caps[i], "seed %d attempt %d: got %v, want at most %v", seed, i, d, caps[i])
			sum[i] += d
		}
	}
	// The delays spread over the interval: means near half the cap.
	for i, s := range sum {
		mean := s / n
		require.InDelta(t, caps[i]/2, mean, caps[i]*0.15, "attempt %d: mean delay %v, want about %v", i, mean, caps[i]/2)
	}
}

func TestCatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		def        string
		fails      []string
		wantStatus string
		wantOutput any
		wantErr    string
	}{
		{
			name:       "first matching catcher wins",
			def:        taskDef("", `[{"ErrorEquals":["X"],"Next":"A"},{"ErrorEquals":["Y","X"],"Next":"B"},{"ErrorEquals":["States.ALL"],"Next":"C"}]`),
			fails:      []string{"X"},
			wantStatus: "SUCCEEDED",
			wantOutput: "A",
		},
		{
			name:       "second catcher by a later name",
			def:        taskDef("", `[{"ErrorEquals":["X"],"Next":"A"},{"ErrorEquals":["Z","Y"],"Next":"B"},{"ErrorEquals":["States.ALL"],"Next":"C"}]`),
			fails:      []string{"Y"},
			wantStatus: "SUCCEEDED",
			wantOutput: "B",
		},
		{
			name:       "States.ALL catches the rest",
			def:        taskDef("", `[{"ErrorEquals":["X"],"Next":"A"},{"ErrorEquals":["States.ALL"],"Next":"C"}]`),
			fails:      []string{"Other"},
			wantStatus: "SUCCEEDED",
			wantOutput: "C",
		},
		{
			name:       "States.TaskFailed catches a task error",
			def:        taskDef("", `[{"ErrorEquals":["States.TaskFailed"],"Next":"A"},{"ErrorEquals":["States.ALL"],"Next":"C"}]`),
			fails:      []string{"Lambda.Unknown"},
			wantStatus: "SUCCEEDED",
			wantOutput: "A",
		},
		{
			name:       "States.TaskFailed does not catch States.Timeout",
			def:        taskDef("", `[{"ErrorEquals":["States.TaskFailed"],"Next":"A"},{"ErrorEquals":["States.Timeout"],"Next":"B"}]`),
			fails:      []string{"States.Timeout"},
			wantStatus: "SUCCEEDED",
			wantOutput: "B",
		},
		{
			name:       "Catch after exhausted Retry",
			def:        taskDef(`[{"ErrorEquals":["X"],"MaxAttempts":1}]`, `[{"ErrorEquals":["X"],"Next":"A"}]`),
			fails:      []string{"X", "X"},
			wantStatus: "SUCCEEDED",
			wantOutput: "A",
		},
		{
			name:       "no matching catcher fails the execution",
			def:        taskDef("", `[{"ErrorEquals":["X"],"Next":"A"}]`),
			fails:      []string{"Y"},
			wantStatus: "FAILED",
			wantErr:    "Y",
		},
		{
			name: "States.Runtime is never retried nor caught by States.ALL",
			def: `{"StartAt":"T","States":{
				"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","OutputPath":"$.missing",
					"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"}],"End":true},
				"A":{"Type":"Pass","Result":"A","End":true}}}`,
			wantStatus: "FAILED",
			wantErr:    "States.Runtime",
		},
		{
			name: "a Catch ResultPath keeps the input and adds the error",
			def: `{"StartAt":"T","States":{
				"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
					"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"A"}],"End":true},
				"A":{"Type":"Pass","End":true}}}`,
			fails:      []string{"X"},
			wantStatus: "SUCCEEDED",
			wantOutput: map[string]any{"in": json.Number("1"), "err": map[string]any{"Error": "X", "Cause": "attempt 0 of T"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runDef(t, tt.def, `{"in":1}`, newScriptedTasks(map[string][]string{"T": tt.fails}), nil)
			require.Equal(t, tt.wantStatus, got.status, "got status %s (error %s), want %s", got.status, got.err, tt.wantStatus)
			require.Equal(t, tt.wantErr, got.err)
			if tt.wantStatus == "SUCCEEDED" {
				require.Equal(t, tt.wantOutput, got.output)
			}
		})
	}
}

// TestRetryCountsResetOnEnter checks that a state entered again (a loop)
// starts with fresh retry counts.
func TestRetryCountsResetOnEnter(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","ResultPath":null,
			"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":1}],"Next":"Again"},
		"Again":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":0,"Next":"Dec"}],"Default":"Done"},
		"Dec":{"Type":"Pass","Result":1,"ResultPath":"$.n","Next":"T"},
		"Done":{"Type":"Succeed"}}}`
	got := runDef(t, def, `{"n":0}`, newScriptedTasks(map[string][]string{"T": {"E", "", "E", ""}}), nil)
	require.Equal(t, "SUCCEEDED", got.status, "got error %s", got.err)
	require.Equal(t, []float64{1, 1}, got.delays)
}

// TestRetryHugeBackoff checks that a backoff beyond time.Duration's range
// (about 292 years) waits the longest duration instead of overflowing
// into an immediate retry.
func TestRetryHugeBackoff(t *testing.T) {
	t.Parallel()
	fails := make([]string, 14)
	for i := range fails {
		fails[i] = "E"
	}
	def := taskDef(`[{"ErrorEquals":["E"],"IntervalSeconds":1,"BackoffRate":10,"MaxAttempts":14}]`, "")
	got := runDef(t, def, `{}`, newScriptedTasks(map[string][]string{"T": fails}), nil)
	require.Equal(t, "SUCCEEDED", got.status)
	require.Len(t, got.delays, 14)
	for i := 1; i < len(got.delays); i++ {
		require.GreaterOrEqual(t, got.delays[i], got.delays[i-1], "got delays %v", got.delays)
	}
	require.Greater(t, got.delays[13], 9e9, "got delays %v", got.delays)
}
