package engine

import (
	"context"
	"sync"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// SendBatch collects the messages that HandleMessage sends for the
// messages of one batch of deliveries, so that they go out in as few
// requests as the queue allows (SQS: 10 messages a request) instead of
// one request per message handled. A worker that handles a batch (a
// Lambda function fed by SQS) wraps its handler:
//
//	ctx, batch := eng.BatchSends(ctx)
//	resp, err := handle(ctx, records) // HandleMessage per record
//	if err == nil {
//		err = batch.Flush(ctx)
//	}
//	return resp, err // an error keeps the whole batch in the queue
//
// The guarantees stay: a message is acknowledged only once its step's
// sends are sent, because the batch is acknowledged after Flush; if Flush
// fails, the whole batch comes back, and each message whose step
// committed finds it committed and sends its outbox again.
type SendBatch struct {
	e    *Engine
	mu   sync.Mutex
	msgs []queue.Message
}

type sendBatchKey struct{}

// BatchSends returns a context under which HandleMessage adds the
// messages it sends to the returned batch instead of sending them.
func (e *Engine) BatchSends(ctx context.Context) (context.Context, *SendBatch) {
	b := &SendBatch{e: e}
	return context.WithValue(ctx, sendBatchKey{}, b), b
}

// Flush sends the collected messages, and empties the batch.
func (b *SendBatch) Flush(ctx context.Context) error {
	b.mu.Lock()
	msgs := b.msgs
	b.msgs = nil
	b.mu.Unlock()
	if len(msgs) == 0 {
		return nil
	}
	return b.e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs})
}

// Len returns how many messages wait to be sent.
func (b *SendBatch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// sendMessages sends msgs, or adds them to the context's batch.
func (e *Engine) sendMessages(ctx context.Context, msgs []queue.Message) error {
	return e.sendMessagesWith(ctx, msgs, nil)
}

// sendMessagesWith is sendMessages with the send's parameters in p (nil:
// new ones).
func (e *Engine) sendMessagesWith(ctx context.Context, msgs []queue.Message, p *queue.MessageSendParams) error {
	if len(msgs) == 0 {
		return nil
	}
	if b, ok := ctx.Value(sendBatchKey{}).(*SendBatch); ok {
		b.mu.Lock()
		b.msgs = append(b.msgs, msgs...)
		b.mu.Unlock()
		return nil
	}
	if p == nil {
		p = new(queue.MessageSendParams)
	}
	*p = queue.MessageSendParams{Messages: msgs}
	return e.queue.MessageSend(ctx, p)
}
