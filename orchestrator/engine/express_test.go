package engine_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

func createExpress(t *testing.T, st store.Store, name, def string) string {
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	_, err := st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: arn, Name: name, Definition: def,
		Type: store.TypeExpress, RoleARN: "arn:aws:iam::123456789012:role/r"})
	require.NoError(t, err)
	return arn
}

var expressARNRE = regexp.MustCompile(`^arn:aws:states:us-east-1:123456789012:express:fast:([0-9A-Za-z_-]+):[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestStartSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 1, 0, 0, 0)
	arn := createExpress(t, h.st, "fast", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","Next":"P"},
		"P":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`)
	rec, err := h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn, Name: "run1", Input: `{"a":1,"b":2}`})
	require.NoError(t, err)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `{"sum":3}`, rec.Output)
	m := expressARNRE.FindStringSubmatch(rec.ARN)
	require.NotNil(t, m, rec.ARN)
	require.Equal(t, "run1", m[1])
	require.Equal(t, "run1", rec.Name)
	require.False(t, rec.StartedAt.IsZero())
	require.False(t, rec.StoppedAt.Before(rec.StartedAt))
	// Nothing is stored: no checkpoint, no history.
	_, err = h.st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: rec.ARN})
	require.ErrorIs(t, err, store.ErrNotFound)

	// Same name again: another execution (express names are not unique).
	again, err := h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn, Name: "run1", Input: `{"a":1,"b":2}`})
	require.NoError(t, err)
	require.NotEqual(t, rec.ARN, again.ARN)

	// Defaults: a UUID name and {} input.
	noName, err := h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn})
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, noName.Status) // MathAdd of missing fields
	require.Regexp(t, `^[0-9a-f-]{36}$`, noName.Name)
	require.Equal(t, "States.Runtime", noName.Error)
	require.NotEmpty(t, noName.Cause)
}

func TestStartSyncFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 2, 0, 0, 0)
	arn := createExpress(t, h.st, "fast", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"because"}}}`)
	rec, err := h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn, Input: `{}`})
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "Nope", rec.Error)
	require.Equal(t, "because", rec.Cause)
	require.Empty(t, rec.Output)
}

func TestStartSyncTimesOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 3, 0, 0, 0)
	eng, err := engine.New(&engine.Config{Store: h.st, Queue: h.q, ExpressTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	arn := createExpress(t, h.st, "fast", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`)
	rec, err := eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn})
	require.NoError(t, err)
	require.Equal(t, store.StatusTimedOut, rec.Status)
	require.Equal(t, "States.Timeout", rec.Error)

	// The caller giving up is an error, not a status.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	eng2, err := engine.New(&engine.Config{Store: h.st, Queue: h.q})
	require.NoError(t, err)
	_, err = eng2.StartSync(cctx, &engine.StartParams{StateMachineARN: arn})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestStartSyncRefusesStandard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 4, 0, 0, 0)
	arn := createMachine(t, h.st, "std", workflows["pass-chain"].def)
	_, err := h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: arn})
	require.ErrorIs(t, err, engine.ErrStateMachineTypeNotSupported)
	express := createExpress(t, h.st, "fast", workflows["pass-chain"].def)
	_, err = h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: express, Name: "bad name"})
	require.ErrorIs(t, err, engine.ErrInvalidName)
	_, err = h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: express, Input: `{`})
	require.ErrorIs(t, err, engine.ErrInvalidInput)
	_, err = h.eng.StartSync(ctx, &engine.StartParams{StateMachineARN: express + "-missing"})
	require.ErrorIs(t, err, store.ErrNotFound)
}

// TestStartExpressAsync starts EXPRESS executions with Start: each runs
// from one message, at least once (duplicates and crashes run it again
// from the start), and ends with the output of an in-process run.
func TestStartExpressAsync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 5, 0.4, 0.2, 0.5)
	var execs []string
	var names []string
	// Workflows without Wait states or retry intervals: EXPRESS waits
	// really wait.
	for _, name := range []string{"pass-chain", "choice-loop", "parallel-fails", "map-window", "map-tolerated"} {
		w := workflows[name]
		arn := createExpress(t, h.st, "x-"+name, w.def)
		for i := range 3 {
			rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: fmt.Sprintf("e%d", i), Input: w.input})
			require.NoError(t, err)
			require.Contains(t, rec.ARN, ":express:x-"+name+":e")
			execs = append(execs, rec.ARN)
			names = append(names, name)
		}
	}
	h.pump(ctx, func() bool {
		for _, a := range execs {
			if h.execution(ctx, a).Status == store.StatusRunning {
				return false
			}
		}
		return true
	})
	for i, a := range execs {
		w := workflows[names[i]]
		want := reference(t, w.def, w.input)
		rec := h.execution(ctx, a)
		require.Equal(t, want.Status, rec.Status, a)
		if want.Status == store.StatusSucceeded {
			require.JSONEq(t, mustJSON(t, want.Output), rec.Output, a)
		}
		hist, err := h.eng.History(ctx, a)
		require.NoError(t, err)
		require.Empty(t, hist, "no per-state history for EXPRESS")
	}
	t.Logf("express: executions=%d crashes=%d duplicates=%d", len(execs), h.crashes, h.dups)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := value.Encode(v)
	require.NoError(t, err)
	return string(b)
}
