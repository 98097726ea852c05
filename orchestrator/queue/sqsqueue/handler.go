package sqsqueue

import (
	"context"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// Handler is the signature of a Lambda function fed by an SQS event source
// mapping with ReportBatchItemFailures: the records listed in
// BatchItemFailures stay in the queue, the others are deleted, and an error
// keeps the whole batch.
type Handler func(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error)

// DeliveryFunc processes one due message; an error leaves the message in
// the queue to be delivered again.
type DeliveryFunc func(ctx context.Context, d *queue.Delivery) error

// Handler returns a Lambda Handler over this queue's messages, for
// lambda.Start in the worker and for a Poller. For each record in order it
// re-sends the records that are not due yet (reporting them as done, so the
// event source mapping deletes the early copy), decodes the others and calls
// fn. Records that cannot be decoded or re-sent, and those for which fn
// fails, are returned in BatchItemFailures. The Delivery's ReceiptHandle is
// the record's, usable with MessageRetry.
func (q *Queue) Handler(fn DeliveryFunc) Handler {
	return q.ConcurrentHandler(fn, 1)
}

// ConcurrentHandler is Handler with up to n due records handled at the
// same time (n < 1 means 1): the invocation lasts about as long as its
// slowest record instead of the sum of them. BatchItemFailures lists the
// failed records in the batch's order.
func (q *Queue) ConcurrentHandler(fn DeliveryFunc, n int) Handler {
	n = max(n, 1)
	return func(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		fail := func(id string) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
		}
		ws := make([]wire, 0, len(event.Records))
		for _, r := range event.Records {
			w, err := wireFromEvent(r)
			if err != nil {
				fail(r.MessageId)
				continue
			}
			ws = append(ws, w)
		}
		due, early := q.split(ws)
		if len(early) > 0 {
			done, _ := q.redelay(ctx, early, false)
			for _, w := range early {
				if !done[w.receipt] {
					fail(w.messageID)
				}
			}
		}
		failed := make([]bool, len(due))
		sem := make(chan struct{}, n)
		var wg sync.WaitGroup
		for i, w := range due {
			body, err := decodeBody(w.body, w.encoding)
			if err != nil {
				failed[i] = true
				continue
			}
			d := &queue.Delivery{ID: w.id(), Body: body, ReceiptHandle: w.receipt, ReceiveCount: w.receiveCount}
			if n == 1 {
				failed[i] = fn(ctx, d) != nil
				continue
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				failed[i] = fn(ctx, d) != nil
			})
		}
		wg.Wait()
		for i, w := range due {
			if failed[i] {
				fail(w.messageID)
			}
		}
		return resp, nil
	}
}

func wireFromEvent(r events.SQSMessage) (wire, error) {
	w := wire{messageID: r.MessageId, receipt: r.ReceiptHandle, body: r.Body}
	w.receiveCount, _ = strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
	str := func(name string) string {
		if a, ok := r.MessageAttributes[name]; ok && a.StringValue != nil {
			return *a.StringValue
		}
		return ""
	}
	w.encoding = str(AttrEncoding)
	w.firstID = str(AttrID)
	due, err := parseDue(str(AttrDue))
	if err != nil {
		return w, err
	}
	w.due = due
	return w, nil
}
