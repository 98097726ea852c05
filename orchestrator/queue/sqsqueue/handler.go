package sqsqueue

import (
	"context"
	"strconv"

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
		for _, w := range due {
			body, err := decodeBody(w.body, w.encoding)
			if err != nil {
				fail(w.messageID)
				continue
			}
			d := &queue.Delivery{ID: w.id(), Body: body, ReceiptHandle: w.receipt, ReceiveCount: w.receiveCount}
			if err := fn(ctx, d); err != nil {
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
