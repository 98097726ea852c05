// Package poller runs a function over the messages of any queue.Queue: the
// worker loop of the embedded mode (memqueue), and a stand-in for Lambda's
// event source mapping over any implementation. It receives a batch, calls
// the function for each delivery (up to Concurrency at a time), deletes the
// ones that succeeded in one call and leaves the failed ones to come back:
// after the visibility timeout, or after RetryDelayFunc's delay.
//
// sqsqueue.Poller is the SQS-specific counterpart that hands the raw
// records to a Lambda handler as an events.SQSEvent.
package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// Func processes one delivery; an error leaves it in the queue.
type Func func(ctx context.Context, d *queue.Delivery) error

// Config configures a Poller. The zero value is usable.
type Config struct {
	// BatchSize is the most deliveries per receive; zero means 10.
	BatchSize int
	// Wait is the long-poll time of each receive; zero means 20 s.
	Wait time.Duration
	// VisibilityTimeout of received messages; zero means the queue's.
	VisibilityTimeout time.Duration
	// Concurrency is how many deliveries of a batch run at once; zero
	// means 1 (in order).
	Concurrency int
	// RetryDelayFunc, when set, makes a failed delivery visible again after
	// the delay it returns (MessageRetry) instead of after its visibility
	// timeout.
	RetryDelayFunc func(d *queue.Delivery, err error) time.Duration
	// Logger reports failures; nil discards.
	Logger *slog.Logger
}

// Poller feeds a Func from a queue.
type Poller struct {
	q   queue.Queue
	fn  Func
	cfg Config
}

// New returns a Poller of q for fn; cfg may be nil.
func New(q queue.Queue, fn Func, cfg *Config) *Poller {
	p := &Poller{q: q, fn: fn}
	if cfg != nil {
		p.cfg = *cfg
	}
	if p.cfg.BatchSize <= 0 {
		p.cfg.BatchSize = 10
	}
	if p.cfg.Wait <= 0 {
		p.cfg.Wait = 20 * time.Second
	}
	if p.cfg.Concurrency <= 0 {
		p.cfg.Concurrency = 1
	}
	if p.cfg.Logger == nil {
		p.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return p
}

// Run polls until ctx is done and then returns nil. It returns early only
// for queue.ErrNotFound; other errors are logged and retried after a second.
func (p *Poller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		_, err := p.Poll(ctx)
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, queue.ErrNotFound):
			return err
		default:
			p.cfg.Logger.WarnContext(ctx, "polling queue", slog.Any("error", err))
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}
	}
	return nil
}

// Poll runs one round: a receive, the Func for each delivery, one delete of
// the successes (even if ctx ends meanwhile) and the retries of the
// failures. It returns the number of deliveries received.
func (p *Poller) Poll(ctx context.Context) (int, error) {
	ds, err := p.q.MessageReceive(ctx, &queue.MessageReceiveParams{
		MaxMessages: p.cfg.BatchSize, Wait: p.cfg.Wait, VisibilityTimeout: p.cfg.VisibilityTimeout,
	})
	if err != nil {
		return 0, fmt.Errorf("receiving: %w", err)
	}
	if len(ds) == 0 {
		return 0, nil
	}
	errs := make([]error, len(ds))
	if p.cfg.Concurrency == 1 || len(ds) == 1 {
		for i, d := range ds {
			errs[i] = p.fn(ctx, d)
		}
	} else {
		sem := make(chan struct{}, p.cfg.Concurrency)
		var wg sync.WaitGroup
		for i, d := range ds {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				errs[i] = p.fn(ctx, d)
			})
		}
		wg.Wait()
	}
	ackCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var done []string
	var problems []error
	for i, d := range ds {
		if errs[i] == nil {
			done = append(done, d.ReceiptHandle)
			continue
		}
		p.cfg.Logger.InfoContext(ctx, "delivery failed", slog.String("message_id", d.ID), slog.Int("receive_count", d.ReceiveCount), slog.Any("error", errs[i]))
		if p.cfg.RetryDelayFunc != nil {
			delay := p.cfg.RetryDelayFunc(d, errs[i])
			if err := p.q.MessageRetry(ackCtx, &queue.MessageRetryParams{ReceiptHandle: d.ReceiptHandle, Delay: delay}); err != nil {
				problems = append(problems, fmt.Errorf("retrying message %s: %w", d.ID, err))
			}
		}
	}
	if len(done) > 0 {
		if err := p.q.MessageDelete(ackCtx, &queue.MessageDeleteParams{ReceiptHandles: done}); err != nil {
			problems = append(problems, fmt.Errorf("deleting: %w", err))
		}
	}
	return len(ds), errors.Join(problems...)
}
