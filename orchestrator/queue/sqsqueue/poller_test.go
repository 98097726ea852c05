package sqsqueue_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
)

// TestHandlerWithoutSQS covers the records that need no request: due ones
// and ones that cannot be decoded.
func TestHandlerWithoutSQS(t *testing.T) {
	t.Parallel()
	q := sqsqueue.New(nil, "http://127.0.0.1:1/000000000000/none")
	str := func(s string) events.SQSMessageAttribute {
		return events.SQSMessageAttribute{DataType: "String", StringValue: &s}
	}
	var got []*queue.Delivery
	h := q.Handler(func(ctx context.Context, d *queue.Delivery) error {
		got = append(got, d)
		if string(d.Body) == "fail" {
			return errors.New("boom")
		}
		return nil
	})
	resp, err := h(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", ReceiptHandle: "r1", Body: "plain", Attributes: map[string]string{"ApproximateReceiveCount": "3"}},
		{MessageId: "m2", ReceiptHandle: "r2", Body: "AAE=", MessageAttributes: map[string]events.SQSMessageAttribute{sqsqueue.AttrEncoding: str("base64"), sqsqueue.AttrID: str("m0")}},
		{MessageId: "m3", ReceiptHandle: "r3", Body: "!!", MessageAttributes: map[string]events.SQSMessageAttribute{sqsqueue.AttrEncoding: str("base64")}},
		{MessageId: "m4", ReceiptHandle: "r4", Body: "fail"},
		{MessageId: "m5", ReceiptHandle: "r5", Body: "x", MessageAttributes: map[string]events.SQSMessageAttribute{sqsqueue.AttrDue: str("soon")}},
	}})
	require.NoError(t, err)
	require.ElementsMatch(t, []events.SQSBatchItemFailure{{ItemIdentifier: "m3"}, {ItemIdentifier: "m4"}, {ItemIdentifier: "m5"}}, resp.BatchItemFailures)
	require.Len(t, got, 3)
	require.Equal(t, &queue.Delivery{ID: "m1", Body: []byte("plain"), ReceiptHandle: "r1", ReceiveCount: 3}, got[0])
	require.Equal(t, &queue.Delivery{ID: "m0", Body: []byte{0, 1}, ReceiptHandle: "r2"}, got[1])
}

// TestConcurrentHandler checks that ConcurrentHandler runs the due records
// at the same time (each waits until all have started), reports the
// failed ones, and decodes each record as Handler does.
func TestConcurrentHandler(t *testing.T) {
	t.Parallel()
	q := sqsqueue.New(nil, "http://127.0.0.1:1/000000000000/none")
	const n = 4
	var started sync.WaitGroup
	started.Add(n)
	var mu sync.Mutex
	got := map[string]string{}
	h := q.ConcurrentHandler(func(ctx context.Context, d *queue.Delivery) error {
		started.Done()
		started.Wait() // deadlocks unless all n run at once
		mu.Lock()
		got[d.ID] = string(d.Body)
		mu.Unlock()
		if strings.HasPrefix(string(d.Body), "fail") {
			return errors.New("boom")
		}
		return nil
	}, n)
	recs := make([]events.SQSMessage, n)
	for i := range recs {
		body := fmt.Sprintf("ok%d", i)
		if i%2 == 1 {
			body = fmt.Sprintf("fail%d", i)
		}
		recs[i] = events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), ReceiptHandle: fmt.Sprintf("r%d", i), Body: body}
	}
	done := make(chan struct{})
	var resp events.SQSEventResponse
	var err error
	go func() {
		defer close(done)
		resp, err = h(context.Background(), events.SQSEvent{Records: recs})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the records were not handled at the same time")
	}
	require.NoError(t, err)
	require.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "m1"}, {ItemIdentifier: "m3"}}, resp.BatchItemFailures)
	require.Equal(t, map[string]string{"m0": "ok0", "m1": "fail1", "m2": "ok2", "m3": "fail3"}, got)
}

type pollerBundle struct {
	client  *sqs.Client
	created *sqsqueue.CreatedQueue
	q       *sqsqueue.Queue
	stub    *clock.Stub
	ctx     context.Context
}

func setupPoller(t *testing.T) *pollerBundle {
	t.Helper()
	client := testClient(t)
	created := testQueue(t, client, 0)
	stub := clock.NewStub(time.Now())
	return &pollerBundle{
		client: client, created: created, stub: stub, ctx: context.Background(),
		q: sqsqueue.New(client, created.QueueURL, sqsqueue.WithClock(stub)),
	}
}

func (b *pollerBundle) send(t *testing.T, bodies ...string) {
	t.Helper()
	msgs := make([]queue.Message, len(bodies))
	for i, s := range bodies {
		msgs[i] = queue.Message{Body: []byte(s)}
	}
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: msgs}))
}

// recorder is a Lambda handler that records its events and answers with
// respond.
type recorder struct {
	mu      sync.Mutex
	events  []events.SQSEvent
	respond func(events.SQSEvent) (events.SQSEventResponse, error)
}

func (r *recorder) handle(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	return r.respond(ev)
}

func failIf(match func(body string) bool) func(events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if match(r.Body) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
}

func TestPoller(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name            string
		respond         func(events.SQSEvent) (events.SQSEventResponse, error)
		wantRedelivered []string
	}{
		{"AllSucceed", failIf(func(string) bool { return false }), nil},
		{"PartialBatch", failIf(func(b string) bool { return strings.HasPrefix(b, "fail") }), []string{"fail2", "fail4"}},
		{"HandlerErrorKeepsAll", func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("crash")
		},
			[]string{"fail2", "fail4", "ok1", "ok3", "ok5"}},
		{"UnknownIdentifierKeepsAll", func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "nope"}}}, nil
		}, []string{"fail2", "fail4", "ok1", "ok3", "ok5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupPoller(t)
			b.send(t, "ok1", "fail2", "ok3", "fail4", "ok5")
			rec := &recorder{respond: tt.respond}
			p := sqsqueue.NewPoller(b.client, b.created.QueueURL, rec.handle, &sqsqueue.PollerConfig{Wait: time.Second, VisibilityTimeout: time.Second, Region: "eu-west-1"})
			n, err := p.Poll(b.ctx)
			require.NoError(t, err)
			require.Equal(t, 5, n)
			for _, r := range rec.events[0].Records {
				require.Equal(t, "aws:sqs", r.EventSource)
				require.True(t, strings.HasPrefix(r.EventSourceARN, "arn:aws:sqs:eu-west-1:"), r.EventSourceARN)
				require.True(t, strings.HasSuffix(r.EventSourceARN, ":"+b.created.QueueURL[strings.LastIndex(b.created.QueueURL, "/")+1:]), r.EventSourceARN)
				require.Equal(t, "eu-west-1", r.AWSRegion)
				require.Equal(t, "1", r.Attributes["ApproximateReceiveCount"])
				require.NotEmpty(t, r.MessageId)
				require.NotEmpty(t, r.ReceiptHandle)
			}

			time.Sleep(1500 * time.Millisecond) // past the visibility timeout
			var again []string
			for {
				n, err := p.Poll(b.ctx)
				require.NoError(t, err)
				if n == 0 {
					break
				}
				for _, r := range rec.events[len(rec.events)-1].Records {
					require.Equal(t, "2", r.Attributes["ApproximateReceiveCount"])
					again = append(again, r.Body)
				}
				if len(again) >= len(tt.wantRedelivered) {
					break
				}
			}
			if len(tt.wantRedelivered) == 0 {
				require.Empty(t, again)
			} else {
				require.ElementsMatch(t, tt.wantRedelivered, again)
			}
		})
	}
}

// TestPollerWithHandler runs the full local path: Poller -> Queue.Handler ->
// DeliveryFunc, with a binary body, a failing delivery and an early timer.
func TestPollerWithHandler(t *testing.T) {
	t.Parallel()
	b := setupPoller(t)
	require.NoError(t, b.q.MessageSend(b.ctx, &queue.MessageSendParams{Messages: []queue.Message{
		{Body: []byte{0, 0xff, 'x'}}, {Body: []byte("fail")},
	}}))
	// An early timer as SQS hands it back after a 900 s hop.
	_, err := b.client.SendMessage(b.ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(b.created.QueueURL),
		MessageBody: aws.String("timer"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			sqsqueue.AttrDue: {DataType: aws.String("Number"), StringValue: aws.String(strconv.FormatInt(b.stub.Now().Add(time.Hour).UnixMilli(), 10))},
		},
	})
	require.NoError(t, err)

	var mu sync.Mutex
	var got []string
	h := b.q.Handler(func(ctx context.Context, d *queue.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, string(d.Body))
		if string(d.Body) == "fail" {
			return errors.New("try later")
		}
		return nil
	})
	p := sqsqueue.NewPoller(b.client, b.created.QueueURL, h, &sqsqueue.PollerConfig{Wait: time.Second, VisibilityTimeout: 30 * time.Second})
	total := 0
	for total < 3 {
		n, err := p.Poll(b.ctx)
		require.NoError(t, err)
		total += n
	}
	require.ElementsMatch(t, []string{"\x00\xffx", "fail"}, got)
	// The binary message is deleted, "fail" is in flight, the timer was
	// re-sent with a delay and its early copy deleted.
	require.Equal(t, map[string]int{"visible": 0, "inflight": 1, "delayed": 1}, counts(t, b.client, b.created.QueueURL))
}

func TestPollerRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	b := setupPoller(t)
	b.send(t, "a", "b", "c")
	var mu sync.Mutex
	seen := 0
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	p := sqsqueue.NewPoller(b.client, b.created.QueueURL, func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		seen += len(ev.Records)
		if seen >= 3 {
			cancel()
		}
		return events.SQSEventResponse{}, nil
	}, &sqsqueue.PollerConfig{Wait: time.Second})
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop")
	}
	require.Equal(t, 3, seen)
	require.Equal(t, map[string]int{"visible": 0, "inflight": 0, "delayed": 0}, counts(t, b.client, b.created.QueueURL))
}
