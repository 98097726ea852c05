package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

const childPrefix = "arn:aws:states:us-east-1:123456789012:"

// parentDef starts the child state machine child with the given resource
// suffix and parameters.
func parentDef(suffix, child, extra string) string {
	return fmt.Sprintf(`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution%s",
		"Parameters":{"StateMachineArn":"%sstateMachine:%s","Input":{"v.$":"$.v"%s}},"End":true}}}`, suffix, childPrefix, child, extra)
}

func decodeObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

func TestStartExecutionSync2(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 1, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "parent", parentDef(".sync:2", "sync-child", ""), `{"v":4}`)
	h.drain(ctx)
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status) // the child waits 2 s
	h.advance(ctx, 2*time.Second)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status, "%s %s", rec.Error, rec.Cause)
	out := decodeObject(t, rec.Output)
	require.Equal(t, map[string]any{"doubled": float64(8)}, out["Output"])
	require.Equal(t, map[string]any{"v": float64(4)}, out["Input"])
	require.Equal(t, "SUCCEEDED", out["Status"])
	require.Equal(t, childPrefix+"stateMachine:sync-child", out["StateMachineArn"])
	require.Regexp(t, `^`+regexp.QuoteMeta(childPrefix)+`execution:sync-child:[0-9a-f-]{36}$`, out["ExecutionArn"])
	require.Equal(t, out["ExecutionArn"], childPrefix+"execution:sync-child:"+out["Name"].(string))
	require.IsType(t, float64(0), out["StartDate"])
	require.Equal(t, float64(2000), out["StopDate"].(float64)-out["StartDate"].(float64))
	require.Equal(t, "NOT_REDRIVABLE", out["RedriveStatus"])
	require.Equal(t, map[string]any{"Included": true}, out["OutputDetails"])
	// The history shows a task that started and succeeded once.
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"},
		h.eventTypes(ctx, arn))
	child := h.execution(ctx, out["ExecutionArn"].(string))
	require.Equal(t, store.StatusSucceeded, child.Status)
}

func TestStartExecutionSyncOutputIsText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 2, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "parent", parentDef(".sync", "sync-child", ""), `{"v":1}`)
	h.drain(ctx)
	h.advance(ctx, 2*time.Second)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	out := decodeObject(t, rec.Output)
	require.Equal(t, `{"doubled":2}`, out["Output"])
	require.Equal(t, `{"v":1}`, out["Input"])
}

func TestStartExecutionSyncChildFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 3, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "parent", parentDef(".sync", "failing-child", ""), `{"v":1}`)
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.TaskFailed", rec.Error)
	cause := decodeObject(t, rec.Cause)
	require.Equal(t, "FAILED", cause["Status"])
	require.Equal(t, "ChildBroke", cause["Error"])
	require.Equal(t, "on purpose", cause["Cause"])
	require.Equal(t, "REDRIVABLE", cause["RedriveStatus"])
	require.NotContains(t, cause, "Output")
	failed := h.event(ctx, arn, "TaskFailed")
	require.Equal(t, "states", failed.Details["resourceType"])
	require.Equal(t, "startExecution.sync", failed.Details["resource"])
}

func TestStartExecutionSyncChildStopped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 4, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "parent", parentDef(".sync:2", "sync-child", ""), `{"v":1}`)
	h.drain(ctx)
	list, err := h.st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: childPrefix + "stateMachine:sync-child"})
	require.NoError(t, err)
	require.Len(t, list.Executions, 1)
	_, err = h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: list.Executions[0].ARN, Error: "Halt", Cause: "stopped by a test"})
	require.NoError(t, err)
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusFailed, rec.Status)
	require.Equal(t, "States.TaskFailed", rec.Error)
	cause := decodeObject(t, rec.Cause)
	require.Equal(t, "ABORTED", cause["Status"])
	require.Equal(t, "Halt", cause["Error"])
	require.Equal(t, map[string]any{"v": float64(1)}, cause["Input"], ".sync:2 gives the input as JSON")
}

func TestStartExecutionRequestResponse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 5, 0, 0, 0)
	createAux(t, h.st)
	def := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution",
		"Parameters":{"StateMachineArn":"` + childPrefix + `stateMachine:sync-child","Name":"kid","Input":"{\"v\":5}"},"End":true}}}`
	arn := h.startOne(ctx, "parent", def, `{}`)
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status, "the parent does not wait")
	out := decodeObject(t, rec.Output)
	require.Equal(t, childPrefix+"execution:sync-child:kid", out["ExecutionArn"])
	require.IsType(t, float64(0), out["StartDate"])
	meta := out["SdkHttpMetadata"].(map[string]any)
	require.Equal(t, float64(200), meta["HttpStatusCode"])
	require.Equal(t, out["SdkResponseMetadata"].(map[string]any)["RequestId"], meta["HttpHeaders"].(map[string]any)["x-amzn-RequestId"])
	h.advance(ctx, 2*time.Second)
	child := h.execution(ctx, childPrefix+"execution:sync-child:kid")
	require.Equal(t, store.StatusSucceeded, child.Status)
	require.JSONEq(t, `{"doubled":10}`, child.Output)
}

func TestStartExecutionWaitForTaskToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 6, 0, 0, 0)
	createAux(t, h.st)
	arn := h.startOne(ctx, "parent", parentDef(".waitForTaskToken", "sync-child", `,"token.$":"$$.Task.Token"`), `{"v":1}`)
	h.drain(ctx)
	h.advance(ctx, 2*time.Second)
	list, err := h.st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: childPrefix + "stateMachine:sync-child"})
	require.NoError(t, err)
	require.Len(t, list.Executions, 1)
	child := h.execution(ctx, list.Executions[0].ARN)
	require.Equal(t, store.StatusSucceeded, child.Status)
	require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status, "waits for the token, not for the child")
	token := decodeObject(t, child.Input)["token"].(string)
	require.NoError(t, h.eng.SendTaskSuccess(ctx, token, `{"from":"child"}`))
	h.drain(ctx)
	rec := h.execution(ctx, arn)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `{"from":"child"}`, rec.Output)
}

func TestStartExecutionErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, params, wantErr, wantCause string
	}{
		{"NoSuchStateMachine", `"StateMachineArn":"` + childPrefix + `stateMachine:nope"`, "StepFunctions.StateMachineDoesNotExistException",
			`^State Machine Does Not Exist: '` + regexp.QuoteMeta(childPrefix) + `stateMachine:nope' \(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: [0-9a-f-]{36}; Proxy: null\)$`},
		{"InvalidName", `"StateMachineArn":"` + childPrefix + `stateMachine:sync-child","Name":"a b"`, "StepFunctions.InvalidNameException", `^Invalid Name: 'a b'`},
		{"InvalidInput", `"StateMachineArn":"` + childPrefix + `stateMachine:sync-child","Input":"{nope"`, "StepFunctions.InvalidExecutionInputException", `^Invalid State Machine Execution Input: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, 7, 0, 0, 0)
			createAux(t, h.st)
			def := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{` + tc.params + `},"End":true}}}`
			arn := h.startOne(ctx, "parent", def, `{}`)
			h.drain(ctx)
			rec := h.execution(ctx, arn)
			require.Equal(t, store.StatusFailed, rec.Status)
			require.Equal(t, tc.wantErr, rec.Error)
			require.Regexp(t, tc.wantCause, rec.Cause)
		})
	}
}

// TestStartExecutionOnceUnderFaults starts children from parents whose
// messages are duplicated, reordered and crashed: each parent starts
// exactly one child and gets its result.
func TestStartExecutionOnceUnderFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 11, 0.4, 0.2, 0.5)
	createAux(t, h.st)
	arn := createMachine(t, h.st, "parent", parentDef(".sync:2", "sync-child", ""))
	const n = 12
	var parents []string
	for i := range n {
		rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: fmt.Sprintf("p%d", i), Input: fmt.Sprintf(`{"v":%d}`, i)})
		require.NoError(t, err)
		parents = append(parents, rec.ARN)
	}
	h.pump(ctx, func() bool {
		for _, p := range parents {
			if h.execution(ctx, p).Status == store.StatusRunning {
				return false
			}
		}
		return true
	})
	children := map[string]bool{}
	for i, p := range parents {
		rec := h.execution(ctx, p)
		require.Equal(t, store.StatusSucceeded, rec.Status)
		out := decodeObject(t, rec.Output)
		require.Equal(t, map[string]any{"doubled": float64(2 * i)}, out["Output"])
		children[out["ExecutionArn"].(string)] = true
	}
	list, err := h.st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: childPrefix + "stateMachine:sync-child", MaxResults: 100})
	require.NoError(t, err)
	require.Len(t, list.Executions, n, "one child per parent")
	require.Len(t, children, n)
	t.Logf("crashes=%d duplicates=%d", h.crashes, h.dups)
}
