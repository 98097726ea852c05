package sqsqueue_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/queuetest"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
)

// testClient returns an SQS client for the server at AWS_ENDPOINT_URL_SQS
// (moto in `make test`), or skips the test when it is not set.
func testClient(t *testing.T) *sqs.Client {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		t.Skip("sqsqueue: AWS_ENDPOINT_URL_SQS not set; start moto (python3 -m moto.server -H 127.0.0.1 -p 5000) and set it to test against SQS")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("x", "x", "")))
	require.NoError(t, err)
	return sqs.NewFromConfig(cfg)
}

var queueSeq atomic.Int64

// testQueue creates a fresh queue (with a dead-letter queue when
// maxReceives > 0) and deletes it when the test ends.
func testQueue(t *testing.T, client *sqs.Client, maxReceives int) *sqsqueue.CreatedQueue {
	t.Helper()
	name := fmt.Sprintf("sqsqueue-test-%d-%d", time.Now().UnixNano(), queueSeq.Add(1))
	created, err := sqsqueue.CreateQueue(context.Background(), client, &sqsqueue.CreateQueueParams{Name: name, MaxReceives: maxReceives})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, sqsqueue.DeleteQueue(context.Background(), client, created))
	})
	return created
}

func TestQueue(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	queuetest.Run(t, func(t *testing.T) queue.Queue {
		return sqsqueue.New(client, testQueue(t, client, 0).QueueURL)
	}, &queuetest.Options{MaxBody: sqsqueue.MaxBody, DuplicatesUnderConcurrency: true})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	created := testQueue(t, client, 0)
	q := sqsqueue.New(client, created.QueueURL+"-missing")
	ctx := context.Background()
	err := q.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: []byte("x")}}})
	require.ErrorIs(t, err, queue.ErrNotFound)
	_, err = q.MessageReceive(ctx, &queue.MessageReceiveParams{})
	require.ErrorIs(t, err, queue.ErrNotFound)
}

// TestRedelay checks the hops of a delay over 900 s: a message that comes
// back before its due time is sent again with the remaining delay.
func TestRedelay(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	ctx := context.Background()

	tests := []struct {
		name      string
		remaining time.Duration
	}{
		{"StillFar", 1000 * time.Second},
		{"Near", 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			created := testQueue(t, client, 0)
			stub := clock.NewStub(time.Now())
			q := sqsqueue.New(client, created.QueueURL, sqsqueue.WithClock(stub))
			// What SQS hands back after a 900 s hop: the message is visible
			// but its due time is still ahead.
			due := stub.Now().Add(tt.remaining)
			_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
				QueueUrl:    aws.String(created.QueueURL),
				MessageBody: aws.String(`{"timer":1}`),
				MessageAttributes: map[string]types.MessageAttributeValue{
					sqsqueue.AttrDue: {DataType: aws.String("Number"), StringValue: aws.String(strconv.FormatInt(due.UnixMilli(), 10))},
					sqsqueue.AttrID:  {DataType: aws.String("String"), StringValue: aws.String("first-id")},
				},
			})
			require.NoError(t, err)

			got, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10, Wait: time.Second})
			require.NoError(t, err)
			require.Empty(t, got, "an early message was delivered")
			require.Equal(t, map[string]int{"visible": 0, "inflight": 0, "delayed": 1}, counts(t, client, created.QueueURL))

			// The original is gone and the copy is delayed by SQS.
			raw, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(created.QueueURL)})
			require.NoError(t, err)
			require.Empty(t, raw.Messages, "the re-sent copy is not delayed")
		})
	}

	t.Run("DueIsDelivered", func(t *testing.T) {
		t.Parallel()
		created := testQueue(t, client, 0)
		stub := clock.NewStub(time.Now())
		q := sqsqueue.New(client, created.QueueURL, sqsqueue.WithClock(stub))
		due := stub.Now().Add(time.Hour)
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl:    aws.String(created.QueueURL),
			MessageBody: aws.String("AAEC"),
			MessageAttributes: map[string]types.MessageAttributeValue{
				sqsqueue.AttrDue:      {DataType: aws.String("Number"), StringValue: aws.String(strconv.FormatInt(due.UnixMilli(), 10))},
				sqsqueue.AttrID:       {DataType: aws.String("String"), StringValue: aws.String("first-id")},
				sqsqueue.AttrEncoding: {DataType: aws.String("String"), StringValue: aws.String("base64")},
			},
		})
		require.NoError(t, err)
		stub.Set(due)
		got, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10, Wait: time.Second})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, []byte{0, 1, 2}, got[0].Body)
		require.Equal(t, "first-id", got[0].ID)
	})
}

// counts reads the queue's approximate message counts.
func counts(t *testing.T, client *sqs.Client, url string) map[string]int {
	t.Helper()
	out, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			types.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	require.NoError(t, err)
	n := func(a types.QueueAttributeName) int {
		v, err := strconv.Atoi(out.Attributes[string(a)])
		require.NoError(t, err)
		return v
	}
	return map[string]int{
		"visible":  n(types.QueueAttributeNameApproximateNumberOfMessages),
		"inflight": n(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible),
		"delayed":  n(types.QueueAttributeNameApproximateNumberOfMessagesDelayed),
	}
}

// countingClient counts the SQS requests that Queue makes.
type countingClient struct {
	*sqs.Client
	n atomic.Int64
}

func (c *countingClient) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	c.n.Add(1)
	return c.Client.SendMessageBatch(ctx, in, o...)
}

func (c *countingClient) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	c.n.Add(1)
	return c.Client.ReceiveMessage(ctx, in, o...)
}

func (c *countingClient) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	c.n.Add(1)
	return c.Client.DeleteMessageBatch(ctx, in, o...)
}

func (c *countingClient) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	c.n.Add(1)
	return c.Client.ChangeMessageVisibility(ctx, in, o...)
}

// TestRequestsPerMessage measures the SQS requests a message costs when the
// engine works in batches of ten: one send, one receive, one delete per ten.
func TestRequestsPerMessage(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	created := testQueue(t, client, 0)
	cc := &countingClient{Client: client}
	q := sqsqueue.New(cc, created.QueueURL)
	ctx := context.Background()
	const total, batch = 100, 10
	start := time.Now()
	for i := 0; i < total; i += batch {
		msgs := make([]queue.Message, batch)
		for j := range msgs {
			msgs[j] = queue.Message{Body: fmt.Appendf(nil, `{"seq":%d}`, i+j)}
		}
		require.NoError(t, q.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}))
		var got []*queue.Delivery
		for len(got) < batch {
			ds, err := q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: batch - len(got), Wait: time.Second})
			require.NoError(t, err)
			got = append(got, ds...)
		}
		handles := make([]string, len(got))
		for j, d := range got {
			handles[j] = d.ReceiptHandle
		}
		require.NoError(t, q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: handles}))
	}
	perMsg := float64(cc.n.Load()) / total
	t.Logf("sqsqueue: %d messages in batches of %d: %d requests, %.2f requests/message, %.2f ms/message end to end",
		total, batch, cc.n.Load(), perMsg, float64(time.Since(start).Microseconds())/1000/total)
	require.LessOrEqual(t, perMsg, 0.5)
}
