// Package sqsqueue is the queue.Queue on Amazon SQS (aws-sdk-go-v2, JSON
// protocol), and the Poller that stands in for Lambda's SQS event source
// mapping when the worker runs outside Lambda.
//
// # Bodies
//
// SQS accepts only some Unicode characters in a body. A body that is UTF-8
// of those characters (and has no carriage return) is sent as it is, so
// JSON messages stay readable in the console; any other body is sent as
// standard base64 with the message attribute stepwise.encoding = "base64",
// and an empty body as "-" with stepwise.encoding = "empty". Bodies up to
// MaxBody bytes are accepted.
//
// # Delays
//
// SQS delays a message by at most 900 s. A longer Delay is sent as 900 s
// with the due time in the attribute stepwise.due (Unix milliseconds). A
// message received before it is due is sent again with the remaining delay
// (at most 900 s again) and the received copy is deleted, so MessageReceive
// and Handler only ever pass on due messages. A one-year timer costs about
// 35,000 such hops (two requests each). The re-sent copy carries the first
// message ID in stepwise.id, which becomes queue.Delivery.ID.
//
// # Requests per message
//
// Sending, receiving and deleting use the batch calls, ten messages to a
// request, so a message costs 0.3 requests when traffic comes in batches of
// ten (TestRequestsPerMessage) and 3 when it comes one at a time.
package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// sqsAPI is the part of *sqs.Client that Queue and Poller use; tests may
// fake it.
type sqsAPI interface {
	SendMessageBatch(ctx context.Context, params *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	ReceiveMessage(ctx context.Context, params *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, params *sqs.DeleteMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibility(ctx context.Context, params *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ sqsAPI = (*sqs.Client)(nil)

// SQS limits that shape the requests.
const (
	maxBatch       = 10
	maxBatchBytes  = 256 * 1024
	maxWait        = 20 * time.Second
	maxVisibility  = 12 * time.Hour
	attrNamesMatch = "stepwise.*"
)

// Queue is one SQS queue. It is safe for concurrent use.
type Queue struct {
	client   sqsAPI
	queueURL string
	clock    clock.Clock
}

var _ queue.Queue = (*Queue)(nil)

// Option configures a Queue.
type Option func(*Queue)

// WithClock sets the clock that due times are computed and compared on;
// the default is the wall clock.
func WithClock(c clock.Clock) Option { return func(q *Queue) { q.clock = clock.OrReal(c) } }

// New returns the queue at queueURL; client is usually an *sqs.Client.
func New(client sqsAPI, queueURL string, opts ...Option) *Queue {
	q := &Queue{client: client, queueURL: queueURL, clock: clock.Real}
	for _, o := range opts {
		o(q)
	}
	return q
}

// QueueURL returns the queue's URL.
func (q *Queue) QueueURL() string { return q.queueURL }

// MessageSend sends the messages with SendMessageBatch, ten (and at most
// 256 KiB) to a request. A body over MaxBody fails the whole call with
// queue.ErrTooLarge before anything is sent.
func (q *Queue) MessageSend(ctx context.Context, params *queue.MessageSendParams) error {
	now := q.clock.Now()
	entries := make([]entry, len(params.Messages))
	for i, m := range params.Messages {
		if len(m.Body) > MaxBody {
			return fmt.Errorf("sending message #%d of %d bytes (at most %d): %w", i, len(m.Body), MaxBody, queue.ErrTooLarge)
		}
		body, enc := encodeBody(m.Body)
		entries[i] = newEntry(i, body, enc, now, m.Delay, time.Time{}, "")
	}
	return q.sendEntries(ctx, entries)
}

// sendEntries sends entries in batches and joins the per-entry failures
// into one *queue.BatchError.
func (q *Queue) sendEntries(ctx context.Context, entries []entry) error {
	var failures []queue.BatchFailure
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && n < maxBatch && (n == 0 || size+entries[n].size <= maxBatchBytes) {
			size += entries[n].size
			n++
		}
		batch := entries[:n]
		entries = entries[n:]
		in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.queueURL), Entries: make([]types.SendMessageBatchRequestEntry, len(batch))}
		for i, e := range batch {
			in.Entries[i] = types.SendMessageBatchRequestEntry{
				Id:                aws.String(strconv.Itoa(i)),
				MessageBody:       aws.String(e.body),
				DelaySeconds:      delaySeconds(e.delay),
				MessageAttributes: e.attrs,
			}
		}
		out, err := q.client.SendMessageBatch(ctx, in)
		if err != nil {
			return fmt.Errorf("sending messages to %s: %w", q.queueURL, mapError(err))
		}
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			if i < 0 || i >= len(batch) {
				i = 0
			}
			failures = append(failures, queue.BatchFailure{Index: batch[i].index, Code: aws.ToString(f.Code), Message: aws.ToString(f.Message)})
		}
	}
	if len(failures) > 0 {
		return &queue.BatchError{Op: "sending", Failures: failures}
	}
	return nil
}

// MessageReceive receives up to min(MaxMessages, 10) messages with one
// ReceiveMessage call (Wait capped at 20 s, rounded up to seconds). Messages
// that are not due yet are sent again and deleted, not returned; if that
// fails they stay in flight and come back after their visibility timeout.
// A message whose body cannot be decoded is left in flight (it ends in the
// dead-letter queue after maxReceiveCount) and not returned.
func (q *Queue) MessageReceive(ctx context.Context, params *queue.MessageReceiveParams) ([]*queue.Delivery, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q.queueURL),
		MaxNumberOfMessages:         int32(min(max(params.MaxMessages, 1), maxBatch)),
		WaitTimeSeconds:             delaySeconds(min(params.Wait, maxWait)),
		MessageAttributeNames:       []string{attrNamesMatch},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	}
	if params.VisibilityTimeout > 0 {
		in.VisibilityTimeout = delaySeconds(min(params.VisibilityTimeout, maxVisibility))
	}
	out, err := q.client.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("receiving messages from %s: %w", q.queueURL, mapError(err))
	}
	ws := make([]wire, 0, len(out.Messages))
	for _, m := range out.Messages {
		w, err := wireFromSDK(m)
		if err != nil {
			continue
		}
		ws = append(ws, w)
	}
	due, early := q.split(ws)
	if len(early) > 0 {
		_, _ = q.redelay(ctx, early, true) // failures come back after the visibility timeout
	}
	out2 := make([]*queue.Delivery, 0, len(due))
	for _, w := range due {
		body, err := decodeBody(w.body, w.encoding)
		if err != nil {
			continue
		}
		out2 = append(out2, &queue.Delivery{ID: w.id(), Body: body, ReceiptHandle: w.receipt, ReceiveCount: w.receiveCount})
	}
	return out2, nil
}

func wireFromSDK(m types.Message) (wire, error) {
	w := wire{
		messageID: aws.ToString(m.MessageId),
		receipt:   aws.ToString(m.ReceiptHandle),
		body:      aws.ToString(m.Body),
	}
	w.receiveCount, _ = strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	if a, ok := m.MessageAttributes[AttrEncoding]; ok {
		w.encoding = aws.ToString(a.StringValue)
	}
	if a, ok := m.MessageAttributes[AttrID]; ok {
		w.firstID = aws.ToString(a.StringValue)
	}
	if a, ok := m.MessageAttributes[AttrDue]; ok {
		due, err := parseDue(aws.ToString(a.StringValue))
		if err != nil {
			return w, err
		}
		w.due = due
	}
	return w, nil
}

// split separates the messages that are due from those that are early.
func (q *Queue) split(ws []wire) (due, early []wire) {
	now := q.clock.Now()
	for _, w := range ws {
		if !w.due.IsZero() && w.due.After(now) {
			early = append(early, w)
		} else {
			due = append(due, w)
		}
	}
	return due, early
}

// redelay sends early messages again with their remaining delay and, if
// deleteOriginals, deletes the received copies (a Lambda event source
// mapping deletes them itself). It returns the receipt handles of the
// messages it re-sent, so that a caller can tell which ones failed.
func (q *Queue) redelay(ctx context.Context, early []wire, deleteOriginals bool) (map[string]bool, error) {
	now := q.clock.Now()
	entries := make([]entry, len(early))
	for i, w := range early {
		entries[i] = newEntry(i, w.body, w.encoding, now, w.due.Sub(now), w.due, w.id())
	}
	done := make(map[string]bool, len(early))
	sendErr := q.sendEntries(ctx, entries)
	var be *queue.BatchError
	if sendErr != nil && !errors.As(sendErr, &be) {
		return done, fmt.Errorf("re-delaying messages: %w", sendErr)
	}
	failed := map[int]bool{}
	if be != nil {
		for _, f := range be.Failures {
			failed[f.Index] = true
		}
	}
	handles := make([]string, 0, len(early))
	for i, w := range early {
		if !failed[i] {
			handles = append(handles, w.receipt)
		}
	}
	for _, h := range handles {
		done[h] = true
	}
	// A failed delete leaves a duplicate that is re-delayed again later;
	// the engine's fence makes the duplicate harmless.
	var delErr error
	if deleteOriginals {
		delErr = q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: handles})
	}
	if sendErr != nil {
		return done, fmt.Errorf("re-delaying messages: %w", sendErr)
	}
	if delErr != nil {
		return done, fmt.Errorf("deleting re-delayed messages: %w", delErr)
	}
	return done, nil
}

// MessageDelete deletes with DeleteMessageBatch, ten to a request.
func (q *Queue) MessageDelete(ctx context.Context, params *queue.MessageDeleteParams) error {
	var failures []queue.BatchFailure
	handles := params.ReceiptHandles
	for start := 0; start < len(handles); start += maxBatch {
		batch := handles[start:min(start+maxBatch, len(handles))]
		in := &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.queueURL), Entries: make([]types.DeleteMessageBatchRequestEntry, len(batch))}
		for i, h := range batch {
			in.Entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(h)}
		}
		out, err := q.client.DeleteMessageBatch(ctx, in)
		if err != nil {
			return fmt.Errorf("deleting messages from %s: %w", q.queueURL, mapError(err))
		}
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			failures = append(failures, queue.BatchFailure{Index: start + i, Code: aws.ToString(f.Code), Message: aws.ToString(f.Message)})
		}
	}
	if len(failures) > 0 {
		return &queue.BatchError{Op: "deleting", Failures: failures}
	}
	return nil
}

// MessageRetry sets the delivery's visibility timeout to params.Delay
// (rounded up to seconds, at most 12 hours) with ChangeMessageVisibility.
// A message that is no longer in flight is left alone.
func (q *Queue) MessageRetry(ctx context.Context, params *queue.MessageRetryParams) error {
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(q.queueURL),
		ReceiptHandle:     aws.String(params.ReceiptHandle),
		VisibilityTimeout: delaySeconds(min(params.Delay, maxVisibility)),
	})
	var notInFlight *types.MessageNotInflight
	if errors.As(err, &notInFlight) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("changing message visibility in %s: %w", q.queueURL, mapError(err))
	}
	return nil
}

// mapError adds queue.ErrNotFound to SQS's QueueDoesNotExist.
func mapError(err error) error {
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		return fmt.Errorf("%w: %w", queue.ErrNotFound, err)
	}
	return err
}
