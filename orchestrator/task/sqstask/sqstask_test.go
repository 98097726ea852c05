package sqstask_test

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sqstask"
)

// backend is one implementation under the driver suite: it makes queues
// and reads back what was sent.
type backend struct {
	name     string // "local" or "moto"
	client   sqstask.Client
	newQueue func(t *testing.T, fifo bool) string // returns the queue URL
	bodies   func(t *testing.T, queueURL string) []string
}

func localBackend(t *testing.T) backend {
	dir := t.TempDir()
	l, err := sqstask.NewLocal(dir, sqstask.LocalOptions{})
	require.NoError(t, err)
	n := 0
	return backend{
		name:   "local",
		client: l,
		newQueue: func(t *testing.T, fifo bool) string {
			n++
			name := fmt.Sprintf("q%d", n)
			if fifo {
				name += ".fifo"
			}
			require.NoError(t, l.CreateQueue(name))
			return "http://127.0.0.1:5000/123456789012/" + name
		},
		bodies: func(t *testing.T, queueURL string) []string {
			msgs, err := l.Messages(path.Base(queueURL))
			require.NoError(t, err)
			var out []string
			for _, m := range msgs {
				out = append(out, m.Body)
			}
			return out
		},
	}
}

func awsBackend(t *testing.T) backend {
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	require.NoError(t, err)
	client := sqs.NewFromConfig(cfg)
	return backend{
		name:   "moto",
		client: client,
		newQueue: func(t *testing.T, fifo bool) string {
			name := fmt.Sprintf("sqstask-%d", time.Now().UnixNano())
			attrs := map[string]string{}
			if fifo {
				name += ".fifo"
				attrs["FifoQueue"] = "true"
				attrs["ContentBasedDeduplication"] = "true"
			}
			out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
			require.NoError(t, err)
			t.Cleanup(func() {
				_, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
			})
			return *out.QueueUrl
		},
		bodies: func(t *testing.T, queueURL string) []string {
			out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
				QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			require.NoError(t, err)
			var bodies []string
			for _, m := range out.Messages {
				bodies = append(bodies, aws.ToString(m.Body))
			}
			return bodies
		},
	}
}

func TestLocal(t *testing.T) {
	t.Parallel()
	runSuite(t, localBackend)
}

func TestAWS(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		t.Skip("AWS_ENDPOINT_URL_SQS is not set: skipping the SQS tests against moto (scripts/localaws.sh starts it)")
	}
	runSuite(t, awsBackend)
}

// The MD5 of TestSuite's attributes, as moto (and the SDK's checksum
// validation) computes it.
const attributesMD5 = "1c9c900004c0eed58922481f6379ef93"

func runSuite(t *testing.T, newBackend func(t *testing.T) backend) {
	tests := []struct {
		name   string
		fifo   bool
		args   string // %s is the queue URL
		bodies []string
		check  func(t *testing.T, res map[string]any)
		err    string // the error name
		gap    string // a server that does not behave as SQS here: backend name, then why
	}{
		{name: "string body", args: `{"QueueUrl": "%s", "MessageBody": "hello"}`, bodies: []string{"hello"},
			check: func(t *testing.T, res map[string]any) {
				require.Equal(t, "5d41402abc4b2a76b9719d911017c592", res["MD5OfMessageBody"])
				require.Regexp(t, `^[0-9a-f-]{36}$`, res["MessageId"])
				require.NotContains(t, res, "MD5OfMessageAttributes")
				require.Contains(t, res, "SdkHttpMetadata")
				require.Contains(t, res, "SdkResponseMetadata")
			}},
		{name: "a JSON body is sent as its text", args: `{"QueueUrl": "%s", "MessageBody": {"a": 1, "b": [true, null, "é"]}}`,
			bodies: []string{`{"a":1,"b":[true,null,"é"]}`}},
		{name: "a number body", args: `{"QueueUrl": "%s", "MessageBody": 1.50}`, bodies: []string{`1.50`}},
		{name: "attributes", args: `{"QueueUrl": "%s", "MessageBody": "m", "DelaySeconds": 0, "MessageAttributes": {
				"s": {"DataType": "String", "StringValue": "text"},
				"n": {"DataType": "Number", "StringValue": "12"},
				"b": {"DataType": "Binary", "BinaryValue": "AAEC"},
				"c": {"DataType": "String.custom", "StringValue": "x"}}}`,
			bodies: []string{"m"},
			check: func(t *testing.T, res map[string]any) {
				require.Equal(t, attributesMD5, res["MD5OfMessageAttributes"])
			}},
		{name: "FIFO", fifo: true, args: `{"QueueUrl": "%s", "MessageBody": "f", "MessageGroupId": "g"}`, bodies: []string{"f"},
			gap: "moto: answers FIFO sends without SequenceNumber",
			check: func(t *testing.T, res map[string]any) {
				require.Regexp(t, `^\d+$`, res["SequenceNumber"])
			}},
		{name: "FIFO without a group", fifo: true, args: `{"QueueUrl": "%s", "MessageBody": "f"}`,
			err: "SQS.AmazonSQSException"},
		{name: "delay too long", args: `{"QueueUrl": "%s", "MessageBody": "m", "DelaySeconds": 901}`,
			err: "SQS.AmazonSQSException"},
		{name: "invalid characters", args: `{"QueueUrl": "%s", "MessageBody": "a\u0001"}`,
			err: "SQS.InvalidMessageContentsException", gap: "moto: accepts characters SQS rejects"},
		{name: "no such queue", args: `{"QueueUrl": "%s-missing", "MessageBody": "m"}`,
			err: "SQS.QueueDoesNotExistException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			if name, why, _ := strings.Cut(tt.gap, ": "); name == b.name {
				t.Skipf("known gap of %s: %s", name, why)
			}
			url := b.newQueue(t, tt.fifo)
			args, err := value.DecodeString(fmt.Sprintf(tt.args, url))
			require.NoError(t, err)
			got, serr, err := sqstask.New(b.client).Invoke(context.Background(), &interp.TaskRequest{
				Resource: "arn:aws:states:::sqs:sendMessage", Input: args})
			require.NoError(t, err)
			if tt.err != "" {
				require.NotNil(t, serr)
				require.Equal(t, tt.err, serr.Name, "cause: %s", serr.Cause)
				require.Contains(t, serr.Cause, "(Service: AmazonSQS; Status Code: 400; Error Code: ")
				return
			}
			require.Nil(t, serr)
			res := got.(map[string]any)
			if tt.check != nil {
				tt.check(t, res)
			}
			require.Equal(t, tt.bodies, b.bodies(t, url))
		})
	}
}

func TestArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, args string
		want       *sqs.SendMessageInput
		err        string
	}{
		{"all fields", `{"QueueUrl": "u", "MessageBody": "b", "DelaySeconds": 5, "MessageGroupId": "g",
			"MessageDeduplicationId": "d", "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}},
			"MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}}}`,
			&sqs.SendMessageInput{QueueUrl: aws.String("u"), MessageBody: aws.String("b"), DelaySeconds: 5,
				MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d"),
				MessageAttributes: map[string]sqstypes.MessageAttributeValue{"a": {DataType: aws.String("String"), StringValue: aws.String("v")}},
				MessageSystemAttributes: map[string]sqstypes.MessageSystemAttributeValue{
					"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1")}}}, ""},
		{"object body", `{"QueueUrl": "u", "MessageBody": {"k": [1]}}`,
			&sqs.SendMessageInput{QueueUrl: aws.String("u"), MessageBody: aws.String(`{"k":[1]}`)}, ""},
		{"missing body", `{"QueueUrl": "u"}`, nil,
			`The Parameters '{"QueueUrl":"u"}' could not be used to start the Task: [The field 'MessageBody' is required]`},
		{"null body", `{"QueueUrl": "u", "MessageBody": null}`, nil,
			`The Parameters '{"MessageBody":null,"QueueUrl":"u"}' could not be used to start the Task: [The field 'MessageBody' is required]`},
		{"missing queue", `{"MessageBody": "b"}`, nil,
			`The Parameters '{"MessageBody":"b"}' could not be used to start the Task: [The field 'QueueUrl' is required]`},
		{"unknown field", `{"QueueUrl": "u", "MessageBody": "b", "Delay": 1}`, nil,
			`The Parameters '{"Delay":1,"MessageBody":"b","QueueUrl":"u"}' could not be used to start the Task: [The field 'Delay' is not supported by Step Functions]`},
		{"not an object", `"x"`, nil,
			`The Parameters '"x"' could not be used to start the Task: [The value for the field 'Parameters' must be an OBJECT, not string]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args, err := value.DecodeString(tt.args)
			require.NoError(t, err)
			in, serr := sqstask.Input(args)
			if tt.err != "" {
				require.Equal(t, &asl.Error{Name: "States.Runtime", Cause: tt.err}, serr)
				return
			}
			require.Nil(t, serr)
			require.Equal(t, tt.want, in)
		})
	}
}

func TestLocalQueues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := sqstask.NewLocal(dir, sqstask.LocalOptions{AutoCreate: true})
	require.NoError(t, err)
	in := sqstask.New(l)
	args, err := value.DecodeString(`{"QueueUrl": "http://localhost/1/new-queue", "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "AA=="}}}`)
	require.NoError(t, err)
	_, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Input: args})
	require.NoError(t, err)
	require.Nil(t, serr, "AutoCreate makes the queue on its first message")
	data, err := os.ReadFile(dir + "/new-queue.jsonl")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(data), "\n"))
	msgs, err := l.Messages("new-queue")
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, []byte{0}, msgs[0].MessageAttributes["a"].BinaryValue)
	require.Error(t, l.CreateQueue("bad name"))
}
