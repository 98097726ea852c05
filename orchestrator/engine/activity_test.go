package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

const workARN = "arn:aws:states:us-east-1:123456789012:activity:work"

func activityDef(extra string) string {
	return `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + workARN + `"` + extra + `,"End":true}}}`
}

func TestActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 1, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "act", activityDef(`,"Parameters":{"job.$":"$.job"}`), `{"job":42}`)
	h.drain(ctx)
	token, input, err := h.eng.GetActivityTask(ctx, workARN, "worker-1")
	require.NoError(t, err)
	require.NotEmpty(t, token)
	require.JSONEq(t, `{"job":42}`, input)
	// Handed out once.
	again, _, err := h.eng.GetActivityTask(ctx, workARN, "worker-2")
	require.NoError(t, err)
	require.Empty(t, again)
	require.NoError(t, h.eng.SendTaskHeartbeat(ctx, token))
	require.NoError(t, h.eng.SendTaskSuccess(ctx, token, `{"result":"done"}`))
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `{"result":"done"}`, rec.Output)
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"},
		h.eventTypes(ctx, arn))
	started := h.event(ctx, arn, "ActivityStarted")
	require.Equal(t, "activityStartedEventDetails", started.DetailsKey)
	require.Equal(t, map[string]any{"workerName": "worker-1"}, started.Details)
	require.Equal(t, h.event(ctx, arn, "ActivityScheduled").ID, started.PreviousEventID)
	require.Equal(t, started.ID, h.event(ctx, arn, "ActivitySucceeded").PreviousEventID)
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, token, `{}`), engine.ErrTaskTimedOut)
}

func TestActivityFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 2, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "act", activityDef(""), `{}`)
	h.drain(ctx)
	token, _, err := h.eng.GetActivityTask(ctx, workARN, "")
	require.NoError(t, err)
	require.NoError(t, h.eng.SendTaskFailure(ctx, token, "Programmatic Error", `{"Value1":"HelloWorld"}`))
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "Programmatic Error", rec.Error)
	require.Equal(t, `{"Value1":"HelloWorld"}`, rec.Cause)
	require.Empty(t, h.event(ctx, arn, "ActivityStarted").Details, "no workerName given")
	require.Equal(t, "Programmatic Error", h.event(ctx, arn, "ActivityFailed").Details["error"])
}

func TestActivityHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 3, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "act", activityDef(`,"HeartbeatSeconds":10,"TimeoutSeconds":60`), `{}`)
	h.drain(ctx)
	h.advance(ctx, 8*time.Second)
	token, _, err := h.eng.GetActivityTask(ctx, workARN, "w") // the heartbeat clock restarts: 18 s
	require.NoError(t, err)
	h.advance(ctx, 5*time.Second)
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status)
	h.advance(ctx, 6*time.Second)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.HeartbeatTimeout", rec.Error)
	require.Equal(t, "States.HeartbeatTimeout", h.event(ctx, arn, "ActivityTimedOut").Details["error"])
	require.ErrorIs(t, h.eng.SendTaskHeartbeat(ctx, token), engine.ErrTaskTimedOut)
}

// TestActivityTimedOutBeforeAWorker checks that a task whose state timed
// out is not handed to a worker that comes later.
func TestActivityTimedOutBeforeAWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 4, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "act", activityDef(`,"TimeoutSeconds":5`), `{}`)
	h.drain(ctx)
	h.advance(ctx, 6*time.Second)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.Timeout", rec.Error)
	token, _, err := h.eng.GetActivityTask(ctx, workARN, "late")
	require.NoError(t, err)
	require.Empty(t, token)
}

func TestActivityDoesNotExist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 5, 0, 0, 0)
	_, _, err := h.eng.GetActivityTask(ctx, "arn:aws:states:us-east-1:123456789012:activity:nope", "w")
	require.ErrorIs(t, err, engine.ErrActivityDoesNotExist)
	// A state machine that uses it fails at the state.
	arn := h.startOne(ctx, "act", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:nope","End":true}}}`, `{}`)
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.Runtime", rec.Error)
}

// TestActivityLongPoll checks that GetActivityTask waits for a task: woken
// at once when it is scheduled by the same engine, found at its next poll
// when another process schedules it, and empty after the poll time.
func TestActivityLongPoll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 6, 0, 0, 0)
	createAux(t, h.st)
	arn := createMachine(t, h.st, "act", activityDef(""))
	eng, err := engine.New(&engine.Config{Store: h.st, Queue: h.q, NowFunc: h.clk.Now, Clock: h.clk})
	require.NoError(t, err)

	type got struct{ token, input string }
	results := make(chan got, 1)
	poll := func() {
		go func() {
			token, input, err := eng.GetActivityTask(ctx, workARN, "poller")
			if err != nil {
				t.Error(err)
			}
			results <- got{token, input}
		}()
		require.NoError(t, h.clk.WaitTimers(ctx, 2)) // the poll's deadline and its pause
	}
	receive := func() got {
		select {
		case r := <-results:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("GetActivityTask did not return")
			return got{}
		}
	}

	// Scheduled by the poller's engine: woken without the clock moving.
	poll()
	_, err = eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "same", Input: `{"n":1}`})
	require.NoError(t, err)
	ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.NoError(t, eng.HandleMessage(ctx, ds[0].Body, ds[0].ReceiveCount))
	r := receive()
	require.NotEmpty(t, r.token)
	require.JSONEq(t, `{"n":1}`, r.input)

	// Scheduled by another engine: found at the next poll.
	poll()
	_, err = h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "other", Input: `{"n":2}`})
	require.NoError(t, err)
	h.drain(ctx)
	h.clk.Advance(time.Second)
	r = receive()
	require.JSONEq(t, `{"n":2}`, r.input)

	// Nothing: empty after 60 s.
	poll()
	h.clk.Advance(61 * time.Second)
	r = receive()
	require.Empty(t, r.token)
	require.Empty(t, r.input)
}

// TestActivityConcurrentWorkers hands each of many tasks to exactly one of
// several workers.
func TestActivityConcurrentWorkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 7, 0, 0, 0)
	createAux(t, h.st)
	arn := createMachine(t, h.st, "act", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+workARN+`","End":true}}},"End":true}}}`)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Input: `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]`})
	require.NoError(t, err)
	h.drain(ctx)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				token, input, err := h.eng.GetActivityTask(ctx, workARN, "w")
				if err != nil {
					t.Error(err)
					return
				}
				if token == "" {
					return
				}
				mu.Lock()
				seen[token]++
				mu.Unlock()
				if err := h.eng.SendTaskSuccess(ctx, token, input); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	require.Len(t, seen, 20)
	for _, n := range seen {
		require.Equal(t, 1, n)
	}
	h.drain(ctx)
	done := h.execution(ctx, rec.ARN)
	require.Equal(t, store.StatusSucceeded, done.Status)
	require.JSONEq(t, `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]`, done.Output)
}
