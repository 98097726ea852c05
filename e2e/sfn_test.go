package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
)

// TestGoSDK drives `stepwise serve` with aws-sdk-go-v2's service/sfn, on
// the embedded store and, when the servers run, on DynamoDB Local and
// moto's SQS (the same binary given AWS_ENDPOINT_URL_*).
func TestGoSDK(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts stepwise serve; skipped with -short")
	}
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		s := startServe(t, false)
		const queue = "sdk-tokens"
		sfnSDKSuite(t, s, "https://sqs.us-east-1.amazonaws.com/123456789012/"+queue, func(t *testing.T) []string {
			return jsonlTokens(t, filepath.Join(s.data, "sqs", queue+".jsonl"))
		})
	})
	t.Run("dynamodb+sqs", func(t *testing.T) {
		t.Parallel()
		needEnv(t, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS")
		ctx := context.Background()
		cfg := awsConfig(t)
		sqsClient, db := sqs.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
		id := suffix(t)
		steps, err := sqsqueue.CreateQueue(ctx, sqsClient, &sqsqueue.CreateQueueParams{Name: "e2e-serve-" + id})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sqsqueue.DeleteQueue(context.Background(), sqsClient, steps) })
		tokens, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("e2e-tokens-" + id)})
		require.NoError(t, err)
		t.Cleanup(func() {
			_, _ = sqsClient.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: tokens.QueueUrl})
		})
		table, contacts := "e2e-serve-"+id, "e2e-serve-contacts-"+id
		t.Cleanup(func() {
			for _, name := range []string{table, contacts} {
				_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
			}
		})
		s := startServe(t, true, "TABLE_NAME="+table, "QUEUE_URL="+steps.QueueURL, "CONTACTS_TABLE="+contacts)
		require.Contains(t, s.out.String(), table+" (dynamodb)")
		require.Contains(t, s.out.String(), steps.QueueURL+" (sqs)")
		var seen []string
		sfnSDKSuite(t, s, aws.ToString(tokens.QueueUrl), func(t *testing.T) []string {
			out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: tokens.QueueUrl,
				MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			require.NoError(t, err)
			for _, m := range out.Messages {
				seen = append(seen, aws.ToString(m.Body))
			}
			return seen
		})
	})
}

// jsonlTokens reads the bodies of the messages the local SQS stand-in
// wrote to path.
func jsonlTokens(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var bodies []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Body string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		bodies = append(bodies, m.Body)
	}
	return bodies
}

// sfnSDKSuite creates state machines and executions on s and checks what
// the SDK reads back. queueURL is where the callback state sends its
// token; bodies returns the messages sent there so far.
func sfnSDKSuite(t *testing.T, s *served, queueURL string, bodies func(t *testing.T) []string) {
	ctx := context.Background()
	c := sfn.NewFromConfig(awsConfig(t), func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(s.url)
		o.RetryMaxAttempts = 1
	})
	const account = "123456789012"
	role := aws.String("arn:aws:iam::" + account + ":role/stepwise-e2e")
	callbackDef := `{"StartAt":"Ask","States":{
	  "Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
	    "Parameters":{"QueueUrl":"` + queueURL + `","MessageBody":{"token.$":"$$.Task.Token","input.$":"$"}},
	    "ResultPath":"$.answer","End":true}}}`
	var smARN, actARN, actSM string
	execARN := func(sm, name string) string {
		return "arn:aws:states:us-east-1:" + account + ":execution:" + sm[len("arn:aws:states:us-east-1:"+account+":stateMachine:"):] + ":" + name
	}
	settle := func(t *testing.T, arn string) *sfn.DescribeExecutionOutput {
		t.Helper()
		var d *sfn.DescribeExecutionOutput
		eventually(t, 30*time.Second, "execution "+arn, func() bool {
			var err error
			d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
			require.NoError(t, err)
			return d.Status != types.ExecutionStatusRunning
		})
		return d
	}

	t.Run("state machines", func(t *testing.T) {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sdk"),
			Definition: aws.String(callbackDef), RoleArn: role})
		require.NoError(t, err)
		smARN = aws.ToString(out.StateMachineArn)
		require.Equal(t, "arn:aws:states:us-east-1:"+account+":stateMachine:sdk", smARN)

		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sdk"), RoleArn: role,
			Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
		var exists *types.StateMachineAlreadyExists
		require.ErrorAs(t, err, &exists)

		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sdk-bad"), RoleArn: role,
			Definition: aws.String(`{"StartAt":"Nowhere","States":{"P":{"Type":"Pass","End":true}}}`)})
		var invalid *types.InvalidDefinition
		require.ErrorAs(t, err, &invalid)
		require.Contains(t, aws.ToString(invalid.Message), "MISSING_TRANSITION_TARGET")

		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("sdk-work")})
		require.NoError(t, err)
		actARN = aws.ToString(act.ActivityArn)
		out, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sdk-activity"), RoleArn: role,
			Definition: aws.String(`{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"` + actARN + `","End":true}}}`)})
		require.NoError(t, err)
		actSM = aws.ToString(out.StateMachineArn)
	})
	require.NotEmpty(t, smARN)
	require.NotEmpty(t, actSM)

	t.Run("executions", func(t *testing.T) {
		for _, name := range []string{"e1", "e2"} {
			out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String(name),
				Input: aws.String(`{"who":"` + name + `"}`)})
			require.NoError(t, err)
			require.Equal(t, execARN(smARN, name), aws.ToString(out.ExecutionArn))
		}
		_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smARN, Name: aws.String("e1"),
			Input: aws.String(`{"who":"someone else"}`)})
		var already *types.ExecutionAlreadyExists
		require.ErrorAs(t, err, &already)
		_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN(smARN, "nope"))})
		var missing *types.ExecutionDoesNotExist
		require.ErrorAs(t, err, &missing)

		// The callback: the token from the message the state sent.
		var token string
		eventually(t, 30*time.Second, "the message of e1", func() bool {
			for _, b := range bodies(t) {
				var m struct {
					Token string `json:"token"`
					Input struct {
						Who string `json:"who"`
					} `json:"input"`
				}
				require.NoError(t, json.Unmarshal([]byte(b), &m), "body %s", b)
				if m.Input.Who == "e1" {
					token = m.Token
				}
			}
			return token != ""
		})
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: aws.String(`{"answer":42}`)})
		require.NoError(t, err)
		_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(execARN(smARN, "e2")),
			Error: aws.String("E2E.Stopped"), Cause: aws.String("stopped by TestGoSDK")})
		require.NoError(t, err)

		d := settle(t, execARN(smARN, "e1"))
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		require.JSONEq(t, `{"who":"e1","answer":{"answer":42}}`, aws.ToString(d.Output))
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: aws.String(`{}`)})
		var timedOut *types.TaskTimedOut
		require.ErrorAs(t, err, &timedOut, "the task is closed")
		d = settle(t, execARN(smARN, "e2"))
		require.Equal(t, types.ExecutionStatusAborted, d.Status)
		require.Equal(t, "E2E.Stopped", aws.ToString(d.Error))
	})

	t.Run("activity", func(t *testing.T) {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &actSM, Name: aws.String("a1"),
			Input: aws.String(`{"job":1}`)})
		require.NoError(t, err)
		var task *sfn.GetActivityTaskOutput
		eventually(t, 30*time.Second, "an activity task", func() bool {
			task, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: &actARN, WorkerName: aws.String("go")})
			require.NoError(t, err)
			return aws.ToString(task.TaskToken) != ""
		})
		require.JSONEq(t, `{"job":1}`, aws.ToString(task.Input))
		_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: task.TaskToken})
		require.NoError(t, err)
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken,
			Error: aws.String("E2E.Failed"), Cause: aws.String("failed by TestGoSDK")})
		require.NoError(t, err)
		d := settle(t, aws.ToString(out.ExecutionArn))
		require.Equal(t, types.ExecutionStatusFailed, d.Status)
		require.Equal(t, "E2E.Failed", aws.ToString(d.Error))
		require.Equal(t, "failed by TestGoSDK", aws.ToString(d.Cause))
	})

	t.Run("list with a status filter", func(t *testing.T) {
		list := func(status types.ExecutionStatus) []string {
			var names []string
			p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: &smARN, StatusFilter: status, MaxResults: 1})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page.Executions), 1)
				for _, e := range page.Executions {
					names = append(names, aws.ToString(e.Name))
				}
			}
			return names
		}
		// The listing reads an index that DynamoDB updates eventually.
		eventually(t, 10*time.Second, "the listings", func() bool {
			return slices.Equal(list(types.ExecutionStatusSucceeded), []string{"e1"}) &&
				slices.Equal(list(types.ExecutionStatusAborted), []string{"e2"})
		})
		require.Empty(t, list(types.ExecutionStatusRunning))
		require.Equal(t, []string{"e2", "e1"}, list(""), "newest first")
	})

	t.Run("history", func(t *testing.T) {
		read := func(arn string, reverse bool) []types.HistoryEvent {
			var events []types.HistoryEvent
			p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn,
				MaxResults: 2, ReverseOrder: reverse})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page.Events), 2)
				events = append(events, page.Events...)
			}
			return events
		}
		e1 := execARN(smARN, "e1")
		forward, backward := read(e1, false), read(e1, true)
		var kinds, back []string
		for i, e := range forward {
			require.Equal(t, int64(i+1), e.Id)
			kinds = append(kinds, string(e.Type))
		}
		for i := len(backward) - 1; i >= 0; i-- {
			back = append(back, string(backward[i].Type))
		}
		require.Equal(t, kinds, back, "the reverse order is the same history backwards")
		require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
			"TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, kinds,
			"AWS records TaskSubmitted (the sendMessage result) before waiting for the token")

		_, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &e1, NextToken: aws.String("bogus")})
		var invalidToken *types.InvalidToken
		require.ErrorAs(t, err, &invalidToken)
	})

	t.Run("unknown task token", func(t *testing.T) {
		// AWS answers InvalidToken "Invalid Token: 'Invalid token'" for a token
		// it never issued (../shared/conformance,
		// test_sfn_send_task_outcome_with_no_such_token).
		_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("NoSuchTaskToken"), Output: aws.String(`{}`)})
		var invalidToken *types.InvalidToken
		require.ErrorAs(t, err, &invalidToken)
	})
}
