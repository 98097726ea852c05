package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// readEvent returns the bytes of events/<name>.
func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "events", name))
	require.NoError(t, err)
	return b
}

// invokeJSON invokes a function with payload and decodes its reply, which
// must not be a function error.
func invokeJSON(t *testing.T, fn *rie, payload []byte, out any) {
	t.Helper()
	status, body, err := fn.invoke(context.Background(), payload)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "reply %s", body)
	fe, isErr := asFunctionError(body)
	require.False(t, isErr, "function error %+v", fe)
	require.NoError(t, json.Unmarshal(body, out), "reply %s", body)
}

// backend creates a fresh stepwise table and step queue.
func backend(t *testing.T) (table, queueURL string) {
	t.Helper()
	ctx := context.Background()
	cfg := awsConfig(t)
	db, sqsClient := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	id := suffix(t)
	table = "e2e-events-" + id
	require.NoError(t, dynamostore.CreateTable(ctx, db, table))
	t.Cleanup(func() { _, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	q, err := sqsqueue.CreateQueue(ctx, sqsClient, &sqsqueue.CreateQueueParams{Name: "e2e-events-" + id})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqsqueue.DeleteQueue(context.Background(), sqsClient, q) })
	return table, q.QueueURL
}

// TestBootstrapEvents runs the api and worker bootstraps, built by their
// build-<LogicalId> targets, under the runtime interface emulator with the
// sample events of events/, as `sam local invoke -e` does, against
// DynamoDB Local and moto's SQS. (functions/process/main_test.go does the
// same for the process function with events/process-*.json.)
func TestBootstrapEvents(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds bootstraps and starts processes; skipped with -short")
	}
	needEnv(t, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS")
	rieBinary(t)
	paths := bootstraps(t, "ApiFunction", "WorkerFunction")

	t.Run("api", func(t *testing.T) {
		t.Parallel()
		table, queueURL := backend(t)
		subst := `{"ProcessFunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:process","ContactsTableName":"contacts"}`
		api := startRIE(t, "api", paths["ApiFunction"], "TABLE_NAME="+table, "QUEUE_URL="+queueURL,
			"DEFINITION_SUBSTITUTIONS="+subst)
		call := func(event string) (int, map[string]any) {
			t.Helper()
			var resp events.APIGatewayV2HTTPResponse
			invokeJSON(t, api, readEvent(t, event), &resp)
			want := "application/json"
			if strings.HasPrefix(event, "api-sfn-") {
				want = "application/x-amz-json-1.0" // AWS JSON 1.0, as Step Functions answers
			}
			require.Equal(t, want, contentType(resp), "%s: headers %v", event, resp.Headers)
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body), "%s: body %s", event, resp.Body)
			return resp.StatusCode, body
		}
		const execARN = "arn:aws:states:us-east-1:123456789012:execution:contact-form:0f8e1c7a-3b2d-4e5f-9a6b-7c8d9e0f1a2b"

		code, out := call("api-sfn-list-state-machines.json")
		require.Equal(t, 200, code, "%v", out)
		var names []string
		for _, sm := range out["stateMachines"].([]any) {
			m := sm.(map[string]any)
			names = append(names, m["name"].(string)+" "+m["type"].(string))
		}
		sort.Strings(names)
		require.Equal(t, []string{"contact-form STANDARD", "contact-form-express EXPRESS"}, names,
			"the app's state machines, registered at cold start")

		code, out = call("api-contact-get.json")
		require.Equal(t, 404, code, "%v", out)
		require.Equal(t, "NotFound", out["error"])

		code, out = call("api-sfn-start-execution.json")
		require.Equal(t, 200, code, "%v", out)
		require.Equal(t, execARN, out["executionArn"])
		_, isNumber := out["startDate"].(float64)
		require.True(t, isNumber, "startDate in epoch seconds: %v", out)

		code, out = call("api-contact-get.json")
		require.Equal(t, 200, code, "%v", out)
		require.Equal(t, map[string]any{"status": "RUNNING", "executionArn": execARN}, out,
			"no worker runs here: the execution waits in the queue")

		code, out = call("api-sfn-start-execution.json")
		require.Equal(t, 200, code, "the same name and input again is not an error on AWS: %v", out)
		require.Equal(t, execARN, out["executionArn"])

		code, out = call("api-contact-valid.json")
		require.Equal(t, 202, code, "%v", out)
		require.Equal(t, "RUNNING", out["status"])
		require.Regexp(t, `^/contact/[0-9a-f-]{36}$`, out["statusUrl"])
		require.Regexp(t, `^arn:aws:states:us-east-1:123456789012:execution:contact-form:[0-9a-f-]{36}$`, out["executionArn"])

		code, out = call("api-contact-invalid.json")
		require.Equal(t, 202, code, "the process function validates, in the workflow: %v", out)

		// The starts are in the queue for the worker.
		attrs, err := sqs.NewFromConfig(awsConfig(t)).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
			QueueUrl: &queueURL, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		require.NoError(t, err)
		n, _ := strconv.Atoi(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
		require.GreaterOrEqual(t, n, 3, "messages in the step queue")
	})

	t.Run("worker", func(t *testing.T) {
		t.Parallel()
		var ev events.SQSEvent
		require.NoError(t, json.Unmarshal(readEvent(t, "worker-sqs.json"), &ev))
		require.NotEmpty(t, ev.Records)
		var ids []string
		for _, r := range ev.Records {
			ids = append(ids, r.MessageId)
		}

		// Executions that do not exist: nothing to do, every message is
		// acknowledged. A body that is not a message is dropped too.
		table, queueURL := backend(t)
		worker := startRIE(t, "worker", paths["WorkerFunction"], "TABLE_NAME="+table, "QUEUE_URL="+queueURL)
		var resp events.SQSEventResponse
		invokeJSON(t, worker, readEvent(t, "worker-sqs.json"), &resp)
		require.Empty(t, resp.BatchItemFailures, "unknown executions are acknowledged")

		bad := ev
		bad.Records = append(append([]events.SQSMessage(nil), ev.Records...), ev.Records[0])
		bad.Records[len(bad.Records)-1].MessageId = "0a1b2c3d-0000-4000-8000-000000000000"
		bad.Records[len(bad.Records)-1].Body = "not a stepwise message"
		payload, err := json.Marshal(bad)
		require.NoError(t, err)
		resp = events.SQSEventResponse{}
		invokeJSON(t, worker, payload, &resp)
		require.Empty(t, resp.BatchItemFailures, "an unreadable message is dropped, not redelivered forever")

		// The table is missing: the store fails, so every message must
		// come back (infrastructure error), and no other.
		missing := startRIE(t, "worker", paths["WorkerFunction"], "TABLE_NAME=e2e-missing-"+suffix(t), "QUEUE_URL="+queueURL)
		resp = events.SQSEventResponse{}
		start := time.Now()
		invokeJSON(t, missing, readEvent(t, "worker-sqs.json"), &resp)
		var failed []string
		for _, f := range resp.BatchItemFailures {
			failed = append(failed, f.ItemIdentifier)
		}
		require.ElementsMatch(t, ids, failed, "every message of the batch is reported for redelivery")
		t.Logf("batch with the table missing answered in %s", time.Since(start).Round(time.Millisecond))
	})
}

func contentType(resp events.APIGatewayV2HTTPResponse) string {
	for k, v := range resp.Headers {
		if http.CanonicalHeaderKey(k) == "Content-Type" {
			return v
		}
	}
	for k, v := range resp.MultiValueHeaders {
		if http.CanonicalHeaderKey(k) == "Content-Type" && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
