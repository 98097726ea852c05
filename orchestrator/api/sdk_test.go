package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"
)

const (
	passMachine = `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.a","Next":"B"},"B":{"Type":"Pass","End":true}}}`
	// waitOrPass waits an hour when the input says so, else passes.
	waitOrPass = `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.wait","IsPresent":true},{"Variable":"$.wait","BooleanEquals":true}],"Next":"W"}],"Default":"P"},
		"W":{"Type":"Wait","Seconds":3600,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	callbackMachine = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"approve","Payload":{"token.$":"$$.Task.Token","order.$":"$.order"}},"ResultPath":"$.approval","End":true}}}`
)

func TestSDKStateMachines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	role := aws.String("arn:aws:iam::123456789012:role/sfn")

	arn := e.createMachine(t, "orders", passMachine)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:stateMachine:orders", arn)

	// Idempotent: the same name, definition and type return the same machine.
	again, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), Definition: aws.String(passMachine), RoleArn: role})
	require.NoError(t, err)
	require.Equal(t, arn, aws.ToString(again.StateMachineArn))

	// Another definition under the same name is refused.
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("orders"), Definition: aws.String(waitOrPass), RoleArn: role})
	var exists *types.StateMachineAlreadyExists
	require.ErrorAs(t, err, &exists)
	require.Equal(t, "State Machine Already Exists: '"+arn+"'", exists.ErrorMessage())

	d, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, "orders", aws.ToString(d.Name))
	require.Equal(t, passMachine, aws.ToString(d.Definition))
	require.Equal(t, types.StateMachineTypeStandard, d.Type)
	require.Equal(t, types.StateMachineStatusActive, d.Status)
	require.Equal(t, aws.ToString(role), aws.ToString(d.RoleArn))
	require.WithinDuration(t, time.Now(), aws.ToTime(d.CreationDate), time.Minute)
	require.Equal(t, types.LogLevelOff, d.LoggingConfiguration.Level)
	require.Nil(t, d.RevisionId, "no revisionId before the first update")

	// Updates: a new definition makes a revision; the same again does not.
	u1, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(waitOrPass)})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(u1.RevisionId))
	u2, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(waitOrPass)})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(u1.RevisionId), aws.ToString(u2.RevisionId))
	d, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	require.NoError(t, err)
	require.Equal(t, waitOrPass, aws.ToString(d.Definition))
	require.Equal(t, aws.ToString(u1.RevisionId), aws.ToString(d.RevisionId))

	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)})
	var missing *types.MissingRequiredParameter
	require.ErrorAs(t, err, &missing)

	// Invalid definitions: every problem with its location.
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("broken"), RoleArn: role,
		Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"},"B":{"Type":"Wait","End":true}}}`)})
	var invalid *types.InvalidDefinition
	require.ErrorAs(t, err, &invalid)
	require.True(t, strings.HasPrefix(invalid.ErrorMessage(), "Invalid State Machine Definition: '"), invalid.ErrorMessage())
	require.Contains(t, invalid.ErrorMessage(), "MISSING_TRANSITION_TARGET")
	require.Contains(t, invalid.ErrorMessage(), "/States/A/Next")
	require.Contains(t, invalid.ErrorMessage(), "/States/B")

	v, err := c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(`{"States":{"S":{"Type":"Pass","End":true}}}`)})
	require.NoError(t, err)
	require.Equal(t, types.ValidateStateMachineDefinitionResultCodeFail, v.Result)
	require.Len(t, v.Diagnostics, 1)
	require.Equal(t, types.ValidateStateMachineDefinitionSeverityError, v.Diagnostics[0].Severity)
	require.Equal(t, "SCHEMA_VALIDATION_FAILED", aws.ToString(v.Diagnostics[0].Code))
	require.Equal(t, "/", aws.ToString(v.Diagnostics[0].Location))
	v, err = c.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passMachine)})
	require.NoError(t, err)
	require.Equal(t, types.ValidateStateMachineDefinitionResultCodeOk, v.Result)
	require.Empty(t, v.Diagnostics)

	// Listing, two at a time.
	e.createMachine(t, "billing", passMachine)
	e.createMachine(t, "shipping", passMachine)
	var names []string
	pages := sfn.NewListStateMachinesPaginator(c, &sfn.ListStateMachinesInput{MaxResults: 2})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.StateMachines), 2)
		for _, sm := range page.StateMachines {
			names = append(names, aws.ToString(sm.Name))
		}
		require.Less(t, n, 5)
	}
	require.ElementsMatch(t, []string{"orders", "billing", "shipping"}, names)

	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)})
	require.NoError(t, err)
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	var gone *types.StateMachineDoesNotExist
	require.ErrorAs(t, err, &gone)
	require.Equal(t, "State Machine Does Not Exist: '"+arn+"'", gone.ErrorMessage())
	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)})
	require.NoError(t, err, "deleting twice succeeds")
}

func TestSDKExecutions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	sm := e.createMachine(t, "jobs", waitOrPass)

	var done []string
	for i := range 5 {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String(fmt.Sprintf("job-%d", i)),
			Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:jobs:job-%d", i), aws.ToString(out.ExecutionArn))
		require.WithinDuration(t, time.Now(), aws.ToTime(out.StartDate), time.Minute)
		done = append(done, aws.ToString(out.ExecutionArn))
	}
	for i, arn := range done {
		d := e.wait(t, arn)
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, i), aws.ToString(d.Input))
		require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, i), aws.ToString(d.Output))
		require.Equal(t, fmt.Sprintf("job-%d", i), aws.ToString(d.Name))
		require.Equal(t, sm, aws.ToString(d.StateMachineArn))
		require.NotNil(t, d.StopDate)
	}

	// Starting an ended execution again is refused (idempotent only while
	// it runs).
	_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("job-0"), Input: aws.String(`{"n":0}`)})
	var exists *types.ExecutionAlreadyExists
	require.ErrorAs(t, err, &exists)

	long, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("long"), Input: aws.String(`{"wait":true}`)})
	require.NoError(t, err)
	// The same name and input while it runs: the same execution.
	same, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("long"), Input: aws.String(`{"wait":true}`)})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(long.ExecutionArn), aws.ToString(same.ExecutionArn))
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("long"), Input: aws.String(`{"wait":false}`)})
	require.ErrorAs(t, err, &exists)
	require.Equal(t, "Execution Already Exists: '"+aws.ToString(long.ExecutionArn)+"'", exists.ErrorMessage())

	running, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning})
	require.NoError(t, err)
	require.Len(t, running.Executions, 1)
	require.Equal(t, "long", aws.ToString(running.Executions[0].Name))
	require.Nil(t, running.Executions[0].StopDate)

	var succeeded []string
	pages := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusSucceeded, MaxResults: 2})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Executions), 2)
		for _, ex := range page.Executions {
			require.Equal(t, types.ExecutionStatusSucceeded, ex.Status)
			succeeded = append(succeeded, aws.ToString(ex.ExecutionArn))
		}
		require.Less(t, n, 10)
	}
	require.ElementsMatch(t, done, succeeded)

	all, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
	require.NoError(t, err)
	require.Len(t, all.Executions, 6)

	// A token is bound to its listing: another filter refuses it.
	first, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(first.NextToken))
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusFailed, NextToken: first.NextToken})
	var badToken *types.InvalidToken
	require.ErrorAs(t, err, &badToken)

	// Stop the long one.
	stop, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: long.ExecutionArn, Error: aws.String("Cancelled"), Cause: aws.String("by the test")})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), aws.ToTime(stop.StopDate), time.Minute)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: long.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusAborted, d.Status)
	require.Equal(t, "Cancelled", aws.ToString(d.Error))
	require.Equal(t, "by the test", aws.ToString(d.Cause))
	require.Nil(t, d.Output)
	// Stopping again changes nothing.
	stop2, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: long.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, aws.ToTime(stop.StopDate).UnixMilli(), aws.ToTime(stop2.StopDate).UnixMilli())
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: long.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	require.NoError(t, err)
	require.Equal(t, types.HistoryEventTypeExecutionAborted, h.Events[0].Type)
	require.Equal(t, "Cancelled", aws.ToString(h.Events[0].ExecutionAbortedEventDetails.Error))

	// The state machine of an execution.
	smd, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(done[0])})
	require.NoError(t, err)
	require.Equal(t, sm, aws.ToString(smd.StateMachineArn))
	require.Equal(t, waitOrPass, aws.ToString(smd.Definition))
	require.NotNil(t, smd.UpdateDate)

	// Typed errors.
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(sm[:strings.LastIndex(sm, ":")] + ":nope")})
	var invalidArn *types.InvalidArn
	require.ErrorAs(t, err, &invalidArn)
	require.Equal(t, "Invalid Arn: 'Resource type not valid in this context: stateMachine'", invalidArn.ErrorMessage())
	missingExec := "arn:aws:states:us-east-1:123456789012:execution:jobs:nope"
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(missingExec)})
	var noExec *types.ExecutionDoesNotExist
	require.ErrorAs(t, err, &noExec)
	require.Equal(t, "Execution Does Not Exist: '"+missingExec+"'", noExec.ErrorMessage())
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(missingExec)})
	require.ErrorAs(t, err, &noExec)
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(missingExec)})
	require.ErrorAs(t, err, &noExec)
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"broken"`)})
	var badInput *types.InvalidExecutionInput
	require.ErrorAs(t, err, &badInput)
	require.True(t, strings.HasPrefix(badInput.ErrorMessage(), "Invalid State Machine Execution Input: '"), badInput.ErrorMessage())
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("has space")})
	var badName *types.InvalidName
	require.ErrorAs(t, err, &badName)
	require.Equal(t, "Invalid Name: 'has space'", badName.ErrorMessage())
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm + "-missing")})
	var noSM *types.StateMachineDoesNotExist
	require.ErrorAs(t, err, &noSM)
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm + "-missing")})
	require.ErrorAs(t, err, &noSM)
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(sm)})
	var notSupported *types.StateMachineTypeNotSupported
	require.ErrorAs(t, err, &notSupported)
	require.Equal(t, "This operation is not supported by this type of state machine", notSupported.ErrorMessage())
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("not-an-arn")})
	require.ErrorAs(t, err, &invalidArn)
	require.Equal(t, "Invalid Arn: 'Invalid ARN prefix: not-an-arn'", invalidArn.ErrorMessage())
}

func TestSDKHistory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	sm := e.createMachine(t, "chain", `{"StartAt":"S0","States":{
		"S0":{"Type":"Pass","Next":"S1"},"S1":{"Type":"Pass","Next":"S2"},"S2":{"Type":"Pass","Next":"S3"},
		"S3":{"Type":"Pass","Next":"S4"},"S4":{"Type":"Pass","Result":{"done":true},"End":true}}}`)
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"secret":"s3cr3t"}`)})
	require.NoError(t, err)
	e.wait(t, aws.ToString(ex.ExecutionArn))

	full, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	require.Nil(t, full.NextToken)
	require.Len(t, full.Events, 12) // started, 5 x (entered, exited), succeeded
	require.Equal(t, types.HistoryEventTypeExecutionStarted, full.Events[0].Type)
	require.JSONEq(t, `{"secret":"s3cr3t"}`, aws.ToString(full.Events[0].ExecutionStartedEventDetails.Input))
	require.Equal(t, types.HistoryEventTypeExecutionSucceeded, full.Events[11].Type)
	for i, ev := range full.Events {
		require.Equal(t, int64(i+1), ev.Id)
		require.NotNil(t, ev.Timestamp)
	}
	ids := func(events []types.HistoryEvent) []int64 {
		var out []int64
		for _, ev := range events {
			out = append(out, ev.Id)
		}
		return out
	}

	for _, reverse := range []bool{false, true} {
		var got []int64
		pages := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, MaxResults: 5, ReverseOrder: reverse})
		for n := 0; pages.HasMorePages(); n++ {
			page, err := pages.NextPage(ctx)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.Events), 5)
			got = append(got, ids(page.Events)...)
			require.Less(t, n, 5)
		}
		want := ids(full.Events)
		if reverse {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		require.Equal(t, want, got, "reverse=%v", reverse)
	}

	// A token of the forward listing is refused in reverse.
	page, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, MaxResults: 3})
	require.NoError(t, err)
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, MaxResults: 3, ReverseOrder: true, NextToken: page.NextToken})
	var badToken *types.InvalidToken
	require.ErrorAs(t, err, &badToken)
	require.Equal(t, "Invalid Token: 'Invalid token'", badToken.ErrorMessage())

	// Without execution data.
	noData, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn, IncludeExecutionData: aws.Bool(false)})
	require.NoError(t, err)
	require.Len(t, noData.Events, 12)
	require.Nil(t, noData.Events[0].ExecutionStartedEventDetails.Input)
	require.Nil(t, noData.Events[11].ExecutionSucceededEventDetails.Output)
	require.Equal(t, "S0", aws.ToString(noData.Events[1].StateEnteredEventDetails.Name))
	require.Nil(t, noData.Events[1].StateEnteredEventDetails.Input)
}

func TestSDKWaitForTaskToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	sm := e.createMachine(t, "approvals", callbackMachine)

	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"order":42}`)})
	require.NoError(t, err)
	token := e.awaitToken(t)

	// The token is also in the TaskScheduled event's parameters.
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	var params map[string]any
	for _, ev := range h.Events {
		if ev.Type == types.HistoryEventTypeTaskScheduled {
			require.NoError(t, json.Unmarshal([]byte(aws.ToString(ev.TaskScheduledEventDetails.Parameters)), &params))
		}
	}
	require.Equal(t, token, params["Payload"].(map[string]any)["token"])

	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	require.NoError(t, err)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved`)})
	var badOutput *types.InvalidOutput
	require.ErrorAs(t, err, &badOutput)
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)})
	require.NoError(t, err)

	d := e.wait(t, aws.ToString(ex.ExecutionArn))
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
	require.JSONEq(t, `{"order":42,"approval":{"approved":true}}`, aws.ToString(d.Output))

	// The token is spent: its task is closed.
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	var closed *types.TaskTimedOut
	require.ErrorAs(t, err, &closed)
	require.Equal(t, "Task Timed Out: 'Provided task does not exist anymore'", closed.ErrorMessage())
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("E")})
	require.ErrorAs(t, err, &closed)
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	require.ErrorAs(t, err, &closed)
	// A token that was never issued.
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("never-issued"), Output: aws.String(`{}`)})
	var noTask *types.InvalidToken
	require.ErrorAs(t, err, &noTask)

	// SendTaskFailure fails the execution with the given error and cause.
	ex2, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"order":43}`)})
	require.NoError(t, err)
	token = e.awaitToken(t)
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Rejected"), Cause: aws.String("out of stock")})
	require.NoError(t, err)
	d = e.wait(t, aws.ToString(ex2.ExecutionArn))
	require.Equal(t, types.ExecutionStatusFailed, d.Status)
	require.Equal(t, "Rejected", aws.ToString(d.Error))
	require.Equal(t, "out of stock", aws.ToString(d.Cause))
}

func TestSDKActivities(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	a, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("review")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:activity:review", aws.ToString(a.ActivityArn))
	a2, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("review")})
	require.NoError(t, err, "CreateActivity is idempotent")
	require.Equal(t, aws.ToTime(a.CreationDate).UnixMilli(), aws.ToTime(a2.CreationDate).UnixMilli())
	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("pack")})
	require.NoError(t, err)

	d, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: a.ActivityArn})
	require.NoError(t, err)
	require.Equal(t, "review", aws.ToString(d.Name))

	var names []string
	pages := sfn.NewListActivitiesPaginator(c, &sfn.ListActivitiesInput{MaxResults: 1})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, it := range page.Activities {
			names = append(names, aws.ToString(it.Name))
		}
		require.Less(t, n, 5)
	}
	require.ElementsMatch(t, []string{"review", "pack"}, names)

	tags, err := c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: a.ActivityArn})
	require.NoError(t, err)
	require.Empty(t, tags.Tags)

	_, err = c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("bad name")})
	var badName *types.InvalidName
	require.ErrorAs(t, err, &badName)

	_, err = c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: a.ActivityArn})
	require.NoError(t, err)
	_, err = c.DeleteActivity(ctx, &sfn.DeleteActivityInput{ActivityArn: a.ActivityArn})
	require.NoError(t, err, "deleting twice succeeds")
	_, err = c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: a.ActivityArn})
	var noActivity *types.ActivityDoesNotExist
	require.ErrorAs(t, err, &noActivity)
	require.Equal(t, "Activity Does Not Exist: '"+aws.ToString(a.ActivityArn)+"'", noActivity.ErrorMessage())
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: a.ActivityArn})
	require.ErrorAs(t, err, &noActivity)
	_, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: a.ActivityArn})
	var notFound *types.ResourceNotFound
	require.ErrorAs(t, err, &notFound)
}

// TestSDKUnsupportedOperation checks that an operation stepwise does not
// implement fails clearly.
func TestSDKUnsupportedOperation(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.ListMapRuns(context.Background(), &sfn.ListMapRunsInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:a:b")})
	require.Error(t, err)
	require.Contains(t, err.Error(), "UnknownOperationException")
	require.Contains(t, err.Error(), "AWSStepFunctions.ListMapRuns is not supported")
	var ae interface{ ErrorCode() string }
	require.True(t, errors.As(err, &ae))
	require.Equal(t, "UnknownOperationException", ae.ErrorCode())
}

// awaitToken returns the token of the next .waitForTaskToken task once the
// engine has recorded it. The fake invoker sees the token before the
// engine commits the step that issued it, and a callback that comes
// before that commit finds no task.
func (e *testEnv) awaitToken(t *testing.T) string {
	t.Helper()
	var token string
	select {
	case token = <-e.tasks.Tokens:
	case <-time.After(20 * time.Second):
		t.Fatal("the task was not scheduled")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := e.client.SendTaskHeartbeat(context.Background(), &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
		var noTask *types.InvalidToken
		if !errors.As(err, &noTask) {
			require.NoError(t, err)
			return token
		}
		if time.Now().After(deadline) {
			t.Fatal("the task token was never recorded")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSDKExpress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	role := aws.String("arn:aws:iam::123456789012:role/sfn")
	mk := func(name, def string) string {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def),
			RoleArn: role, Type: types.StateMachineTypeExpress})
		require.NoError(t, err)
		return aws.ToString(out.StateMachineArn)
	}
	ok := mk("quick", passMachine)
	failing := mk("failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"by design"}}}`)

	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(ok), Name: aws.String("s1"), Input: aws.String(`{"n":1}`)})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
	require.JSONEq(t, `{"n":1,"a":{"x":1}}`, aws.ToString(out.Output))
	require.JSONEq(t, `{"n":1}`, aws.ToString(out.Input))
	require.True(t, strings.HasPrefix(aws.ToString(out.ExecutionArn), "arn:aws:states:us-east-1:123456789012:express:quick:s1:"), aws.ToString(out.ExecutionArn))
	require.Equal(t, "s1", aws.ToString(out.Name))
	require.Equal(t, ok, aws.ToString(out.StateMachineArn))
	require.False(t, aws.ToTime(out.StopDate).Before(aws.ToTime(out.StartDate)))
	require.NotNil(t, out.BillingDetails)
	require.GreaterOrEqual(t, out.BillingDetails.BilledDurationInMilliseconds, int64(100))

	f, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(failing)})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusFailed, f.Status)
	require.Equal(t, "Nope", aws.ToString(f.Error))
	require.Equal(t, "by design", aws.ToString(f.Cause))
	require.Nil(t, f.Output)

	// An express execution is not described, stopped or listed, as on AWS.
	var invalidArn *types.InvalidArn
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: out.ExecutionArn})
	require.ErrorAs(t, err, &invalidArn)
	require.Equal(t, "Invalid Arn: 'Resource type not valid in this context: express'", invalidArn.ErrorMessage())
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: out.ExecutionArn})
	require.ErrorAs(t, err, &invalidArn)
	_, err = c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: out.ExecutionArn})
	require.ErrorAs(t, err, &invalidArn)
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(ok)})
	var notSupported *types.StateMachineTypeNotSupported
	require.ErrorAs(t, err, &notSupported)

	// StartExecution runs an express machine asynchronously.
	async, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(ok)})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(aws.ToString(async.ExecutionArn), "arn:aws:states:us-east-1:123456789012:express:quick:"), aws.ToString(async.ExecutionArn))
}

func TestSDKActivityWorker(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("pack")})
	require.NoError(t, err)
	sm := e.createMachine(t, "shop", `{"StartAt":"Pack","States":{"Pack":{"Type":"Task","Resource":"`+aws.ToString(act.ActivityArn)+`","ResultPath":"$.packed","End":true}}}`)

	// Nothing to do yet: an empty answer once the poll times out.
	none, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
	require.NoError(t, err)
	require.Nil(t, none.TaskToken)

	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"order":7}`)})
	require.NoError(t, err)
	var task *sfn.GetActivityTaskOutput
	for range 200 {
		task, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("w1")})
		require.NoError(t, err)
		if task.TaskToken != nil {
			break
		}
	}
	require.NotNil(t, task.TaskToken, "no activity task came")
	require.JSONEq(t, `{"order":7}`, aws.ToString(task.Input))
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: aws.String(`{"box":"B1"}`)})
	require.NoError(t, err)
	d := e.wait(t, aws.ToString(ex.ExecutionArn))
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
	require.JSONEq(t, `{"order":7,"packed":{"box":"B1"}}`, aws.ToString(d.Output))

	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	var kinds []types.HistoryEventType
	for _, ev := range h.Events {
		kinds = append(kinds, ev.Type)
	}
	require.Contains(t, kinds, types.HistoryEventTypeActivityScheduled)
	require.Contains(t, kinds, types.HistoryEventTypeActivityStarted)
	require.Contains(t, kinds, types.HistoryEventTypeActivitySucceeded)
}
