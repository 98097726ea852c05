package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

const heartbeatDef = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
	"HeartbeatSeconds":10,"TimeoutSeconds":100,"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}`

// waitingToken starts def and returns the execution and the token it
// waits on.
func waitingToken(t *testing.T, h *harness, def string) (string, string) {
	ctx := context.Background()
	arn := h.startOne(ctx, "hb", def, `{}`)
	h.drain(ctx)
	toks := h.tasks.pending()
	require.Len(t, toks, 1)
	return arn, toks[0]
}

func TestHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 1, 0, 0, 0)
	arn, token := waitingToken(t, h, heartbeatDef)

	h.advance(ctx, 5*time.Second)
	require.NoError(t, h.eng.SendTaskHeartbeat(ctx, token)) // deadline: 15 s
	h.advance(ctx, 8*time.Second)                           // 13 s: the first timer re-arms
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status)
	h.advance(ctx, 3*time.Second) // 16 s
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.HeartbeatTimeout", rec.Error)
	ev := h.event(ctx, arn, "TaskTimedOut")
	require.Equal(t, "States.HeartbeatTimeout", ev.Details["error"])
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskTimedOut", "ExecutionFailed"}, h.eventTypes(ctx, arn))

	// The task is closed: AWS answers TaskTimedOut.
	require.ErrorIs(t, h.eng.SendTaskHeartbeat(ctx, token), engine.ErrTaskTimedOut)
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, token, `{}`), engine.ErrTaskTimedOut)
	require.ErrorIs(t, h.eng.SendTaskFailure(ctx, token, "E", "C"), engine.ErrTaskTimedOut)
	require.ErrorIs(t, h.eng.SendTaskHeartbeat(ctx, "never-issued"), engine.ErrTaskDoesNotExist)
}

func TestHeartbeatsKeepTheTaskAlive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 2, 0, 0, 0)
	arn, token := waitingToken(t, h, heartbeatDef)
	for range 6 {
		h.advance(ctx, 8*time.Second)
		require.NoError(t, h.eng.SendTaskHeartbeat(ctx, token))
	}
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status)
	require.NoError(t, h.eng.SendTaskSuccess(ctx, token, `{"ok":true}`))
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `{"ok":true}`, rec.Output)
	// Answered: later calls get TaskTimedOut, and the pending timers fire
	// into nothing.
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, token, `{}`), engine.ErrTaskTimedOut)
	h.advance(ctx, 200*time.Second)
	require.Equal(t, store.StatusSucceeded, h.execution(ctx, arn).Status)
}

func TestHeartbeatsDoNotExtendTimeoutSeconds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 3, 0, 0, 0)
	arn, token := waitingToken(t, h, heartbeatDef)
	for range 12 { // 96 s
		h.advance(ctx, 8*time.Second)
		require.NoError(t, h.eng.SendTaskHeartbeat(ctx, token))
	}
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status)
	h.advance(ctx, 5*time.Second) // 101 s
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.Timeout", rec.Error)
	require.Equal(t, "States.Timeout", h.event(ctx, arn, "TaskTimedOut").Details["error"])
}

func TestHeartbeatTimeoutCaughtAndRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 4, 0, 0, 0)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"HeartbeatSeconds":3,"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},
		"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":1,"MaxAttempts":1}],
		"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"ResultPath":"$.caught","Next":"C"}],"End":true},
		"C":{"Type":"Pass","End":true}}}`
	arn, first := waitingToken(t, h, def)
	h.advance(ctx, 4*time.Second) // times out, retries in 1 s
	h.advance(ctx, time.Second)
	toks := h.tasks.pending()
	require.Len(t, toks, 1)
	require.NotEqual(t, first, toks[0], "a retry issues a new token")
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, first, `{}`), engine.ErrTaskTimedOut)
	h.advance(ctx, 4*time.Second) // times out again: caught
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `{"caught":{"Error":"States.HeartbeatTimeout","Cause":""}}`, rec.Output)
}

// TestHeartbeatRacesAnswer answers a task while its heartbeat timer is in
// flight, in both orders: exactly one of them wins.
func TestHeartbeatRacesAnswer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 5, 0, 0, 0)
	arn, token := waitingToken(t, h, heartbeatDef)
	h.clk.Advance(11 * time.Second) // the heartbeat timer is due, not handled yet
	require.NoError(t, h.eng.SendTaskSuccess(ctx, token, `{"first":"answer"}`))
	h.drain(ctx) // handles both, in the queue's order
	rec := h.execution(ctx, arn)
	types := h.eventTypes(ctx, arn)
	if rec.Status == store.StatusSucceeded {
		require.Contains(t, types, "TaskSucceeded")
		require.NotContains(t, types, "TaskTimedOut")
	} else {
		require.Equal(t, "States.HeartbeatTimeout", rec.Error)
		require.Contains(t, types, "TaskTimedOut")
		require.NotContains(t, types, "TaskSucceeded")
	}
	require.Equal(t, 1, count(types, "ExecutionSucceeded")+count(types, "ExecutionFailed"))
}

func count(types []string, typ string) int {
	n := 0
	for _, t := range types {
		if t == typ {
			n++
		}
	}
	return n
}
