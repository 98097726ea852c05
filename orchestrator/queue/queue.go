// Package queue is the contract between the engine and the message queues
// that carry its work: each message says "advance thread T of execution E at
// sequence S" (or a timer fired, a task finished, a child finished). Bodies
// are opaque bytes to the queue.
//
// Delivery is at least once. A received message stays invisible to other
// receivers for a visibility timeout; if it is not deleted by then it comes
// back with its ReceiveCount incremented. The engine makes duplicates
// harmless with its checkpoint fence, so the queue never needs exactly-once.
//
// Implementations: memqueue (in-process, on a clock tests control) and
// sqsqueue (Amazon SQS). Both pass queuetest.Run.
package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors returned by every implementation, compared with errors.Is.
var (
	// ErrNotFound means the queue does not exist.
	ErrNotFound = errors.New("queue not found")
	// ErrNotImplemented means the implementation lacks the operation or
	// option; queuetest skips the cases that need it.
	ErrNotImplemented = errors.New("not implemented")
	// ErrTooLarge means a message body is over the implementation's limit.
	ErrTooLarge = errors.New("message body too large")
)

// Queue sends, receives and acknowledges messages. Implementations are safe
// for concurrent use.
type Queue interface {
	// MessageSend enqueues messages. Each becomes visible once its Delay has
	// passed, however long that is (a one-year Wait is one message). When
	// some messages of a batch fail and others do not, the error is a
	// *BatchError naming the failed ones; the others were sent.
	MessageSend(ctx context.Context, params *MessageSendParams) error

	// MessageReceive returns up to params.MaxMessages visible messages,
	// waiting up to params.Wait for the first one to appear. No message and
	// no error means the wait ended empty. Each returned message is hidden
	// from other receivers for the visibility timeout.
	MessageReceive(ctx context.Context, params *MessageReceiveParams) ([]*Delivery, error)

	// MessageDelete acknowledges delivered messages so they never come back.
	// Deleting a message that is already gone is not an error. Per-message
	// failures come back as a *BatchError.
	MessageDelete(ctx context.Context, params *MessageDeleteParams) error

	// MessageRetry makes a delivered message visible again after
	// params.Delay (zero: at once) instead of at the end of its visibility
	// timeout: a negative acknowledgement.
	MessageRetry(ctx context.Context, params *MessageRetryParams) error
}

// Message is one message to send.
type Message struct {
	// Body is opaque to the queue and comes back byte for byte.
	Body []byte
	// Delay is how long the message stays invisible after it is sent. Any
	// length is allowed; zero or less means at once.
	Delay time.Duration
}

// Delivery is one received message.
type Delivery struct {
	// ID identifies the message; it is the same on every delivery of it.
	ID string
	// Body is the Body it was sent with.
	Body []byte
	// ReceiptHandle identifies this delivery, for MessageDelete and
	// MessageRetry. It changes on every delivery.
	ReceiptHandle string
	// ReceiveCount is the attempt: 1 on the first delivery.
	ReceiveCount int
}

// MessageSendParams are the parameters of Queue.MessageSend.
type MessageSendParams struct {
	// Messages to send, in one batch. Implementations split batches that
	// are larger than their service allows.
	Messages []Message
}

// MessageReceiveParams are the parameters of Queue.MessageReceive.
type MessageReceiveParams struct {
	// MaxMessages is the most messages to return; zero means 1.
	// Implementations may return fewer (SQS: at most 10).
	MaxMessages int
	// Wait is the long-poll time: how long to wait for a first message when
	// none is visible. Zero returns at once. SQS caps it at 20 s.
	Wait time.Duration
	// VisibilityTimeout hides the returned messages for this long; zero
	// means the queue's default. SQS rounds up to whole seconds.
	VisibilityTimeout time.Duration
}

// MessageDeleteParams are the parameters of Queue.MessageDelete.
type MessageDeleteParams struct {
	// ReceiptHandles of the deliveries to acknowledge.
	ReceiptHandles []string
}

// MessageRetryParams are the parameters of Queue.MessageRetry.
type MessageRetryParams struct {
	// ReceiptHandle of the delivery to make visible again.
	ReceiptHandle string
	// Delay before the message is visible again: zero means at once. It is
	// bounded by the implementation's maximum visibility timeout (SQS: 12
	// hours); longer waits are a new message with a Delay.
	Delay time.Duration
}

// BatchError reports the messages of a batch operation that failed when
// others succeeded.
type BatchError struct {
	// Op is the operation, such as "sending" or "deleting".
	Op string
	// Failures lists the failed items.
	Failures []BatchFailure
}

// BatchFailure is one failed item of a batch operation.
type BatchFailure struct {
	// Index is the item's position in the request (Messages or
	// ReceiptHandles).
	Index int
	// Code is the service's error code, such as "InternalError".
	Code string
	// Message is the service's explanation.
	Message string
}

// Error names every failed item.
func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d messages failed:", e.Op, len(e.Failures))
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " #%d %s", f.Index, f.Code)
		if f.Message != "" {
			fmt.Fprintf(&b, " (%s)", f.Message)
		}
	}
	return b.String()
}
