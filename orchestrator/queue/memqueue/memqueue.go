// Package memqueue is an in-process queue.Queue for the embedded mode and
// for tests: delays, visibility timeouts, redelivery and an optional
// dead-letter queue, all measured on a clock.Clock that tests can stub.
//
// Messages live in memory only: they are lost when the process ends. Every
// operation takes one mutex; a send, a receive and a delete cost a few
// microseconds (BenchmarkSendReceiveDelete).
package memqueue

import (
	"container/heap"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// DefaultVisibilityTimeout is the visibility timeout when neither the Config
// nor the receive call sets one (SQS's default too).
const DefaultVisibilityTimeout = 30 * time.Second

// Config configures a Queue. The zero value is usable.
type Config struct {
	// Clock measures delays and timeouts; nil means clock.Real.
	Clock clock.Clock
	// VisibilityTimeout is the default time a received message stays hidden;
	// zero means DefaultVisibilityTimeout.
	VisibilityTimeout time.Duration
	// MaxReceives, when positive, moves a message that has been received
	// this many times without being deleted to DeadLetter (or drops it if
	// DeadLetter is nil) instead of delivering it again, like SQS's
	// maxReceiveCount.
	MaxReceives int
	// DeadLetter receives the messages that reach MaxReceives.
	DeadLetter *Queue
}

// Queue is an in-process queue. It is safe for concurrent use.
type Queue struct {
	clock      clock.Clock
	visibility time.Duration
	maxRecv    int
	deadLetter *Queue

	mu       sync.Mutex
	ready    []*message // visible messages, FIFO from readyHead
	readyAt  int
	pending  pendingHeap         // delayed and in-flight messages by visibleAt
	inflight map[string]*message // by receipt handle
	lastID   uint64
	lastRcpt uint64
	seq      uint64
	// waiters are the receivers blocked waiting for a message, oldest
	// first. A send wakes as many as it made messages visible, not all
	// of them: with many idle workers, waking every one for each message
	// cost more CPU than handling the message.
	waiters []*waiter
}

var _ queue.Queue = (*Queue)(nil)

type message struct {
	id        string
	body      []byte
	received  int
	receipt   string // current receipt handle while in flight
	visibleAt time.Time
	seq       uint64 // tie-break so equal times keep send order
	index     int    // position in pending, -1 when not there
}

// New returns an empty queue; cfg may be nil.
func New(cfg *Config) *Queue {
	if cfg == nil {
		cfg = &Config{}
	}
	vt := cfg.VisibilityTimeout
	if vt <= 0 {
		vt = DefaultVisibilityTimeout
	}
	return &Queue{
		clock:      clock.OrReal(cfg.Clock),
		visibility: vt,
		maxRecv:    cfg.MaxReceives,
		deadLetter: cfg.DeadLetter,
		inflight:   make(map[string]*message),
	}
}

// Stats counts the messages in a queue.
type Stats struct {
	// Visible messages can be received now.
	Visible int
	// Delayed messages wait for their Delay or a retry delay.
	Delayed int
	// InFlight messages were received and not yet deleted.
	InFlight int
}

// Stats returns the current counts.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.promoteLocked(q.clock.Now())
	s := Stats{Visible: len(q.ready) - q.readyAt, InFlight: len(q.inflight)}
	s.Delayed = len(q.pending) - s.InFlight
	return s
}

// MessageSend enqueues the messages; it fails only if ctx is done.
func (q *Queue) MessageSend(ctx context.Context, params *queue.MessageSendParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for _, m := range params.Messages {
		q.lastID++
		q.addLocked(now, &message{
			id:   strconv.FormatUint(q.lastID, 10),
			body: append([]byte(nil), m.Body...),
		}, m.Delay)
	}
	// A delayed message may be due before the waiters' timers: one waiter
	// wakes to set its timer again.
	q.wakeLocked(len(params.Messages))
	return nil
}

// addLocked makes m visible after delay.
func (q *Queue) addLocked(now time.Time, m *message, delay time.Duration) {
	q.seq++
	m.seq = q.seq
	m.index = -1
	if delay <= 0 {
		q.ready = append(q.ready, m)
		return
	}
	m.visibleAt = now.Add(delay)
	heap.Push(&q.pending, m)
}

// waiter is one blocked MessageReceive.
type waiter struct {
	ch chan struct{} // receives one wake-up; buffered
}

// wakeLocked wakes up to n waiters, oldest first.
func (q *Queue) wakeLocked(n int) {
	for ; n > 0 && len(q.waiters) > 0; n-- {
		w := q.waiters[0]
		q.waiters[0] = nil
		q.waiters = q.waiters[1:]
		w.ch <- struct{}{}
	}
}

// unwaitLocked removes w from the waiters if it is still there and
// reports whether it was woken.
func (q *Queue) unwaitLocked(w *waiter) bool {
	for i, o := range q.waiters {
		if o == w {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			return false
		}
	}
	select {
	case <-w.ch:
	default:
	}
	return true
}

// promoteLocked moves the messages whose time has come to ready, ending the
// flight of the in-flight ones.
func (q *Queue) promoteLocked(now time.Time) {
	for len(q.pending) > 0 && !q.pending[0].visibleAt.After(now) {
		m := heap.Pop(&q.pending).(*message)
		if m.receipt != "" {
			delete(q.inflight, m.receipt)
			m.receipt = ""
		}
		q.ready = append(q.ready, m)
	}
}

// MessageReceive returns up to params.MaxMessages visible messages, waiting
// up to params.Wait (on the queue's clock) for the first.
func (q *Queue) MessageReceive(ctx context.Context, params *queue.MessageReceiveParams) ([]*queue.Delivery, error) {
	max := max(params.MaxMessages, 1)
	vt := params.VisibilityTimeout
	if vt <= 0 {
		vt = q.visibility
	}
	var deadline time.Time
	var w *waiter
	for {
		if err := ctx.Err(); err != nil {
			// A wake-up meant for this receiver goes to another.
			q.mu.Lock()
			if q.readyAt < len(q.ready) {
				q.wakeLocked(1)
			}
			q.mu.Unlock()
			return nil, err
		}
		q.mu.Lock()
		now := q.clock.Now()
		if deadline.IsZero() {
			deadline = now.Add(params.Wait)
		}
		q.promoteLocked(now)
		if q.readyAt < len(q.ready) {
			out, dead := q.takeLocked(now, max, vt)
			if q.readyAt < len(q.ready) {
				q.wakeLocked(1) // more for the next waiter
			}
			q.mu.Unlock()
			if len(dead) > 0 && q.deadLetter != nil {
				q.deadLetter.adopt(dead)
			}
			if len(out) > 0 {
				return out, nil
			}
			continue // all were dead-lettered: look again
		}
		if !now.Before(deadline) {
			q.mu.Unlock()
			return nil, nil
		}
		next := deadline
		if len(q.pending) > 0 && q.pending[0].visibleAt.Before(next) {
			next = q.pending[0].visibleAt
		}
		if w == nil {
			w = &waiter{ch: make(chan struct{}, 1)}
		}
		q.waiters = append(q.waiters, w)
		q.mu.Unlock()

		timer := q.clock.NewTimer(next.Sub(now))
		select {
		case <-w.ch:
		case <-timer.C():
		case <-ctx.Done():
		}
		timer.Stop()
		q.mu.Lock()
		q.unwaitLocked(w)
		q.mu.Unlock()
	}
}

// takeLocked delivers up to max ready messages and returns those that
// reached MaxReceives separately.
func (q *Queue) takeLocked(now time.Time, max int, vt time.Duration) (out []*queue.Delivery, dead []*message) {
	out = make([]*queue.Delivery, 0, min(max, len(q.ready)-q.readyAt))
	for len(out) < max && q.readyAt < len(q.ready) {
		m := q.ready[q.readyAt]
		q.ready[q.readyAt] = nil
		q.readyAt++
		if q.maxRecv > 0 && m.received >= q.maxRecv {
			dead = append(dead, m)
			continue
		}
		m.received++
		q.lastRcpt++
		m.receipt = m.id + "." + strconv.FormatUint(q.lastRcpt, 10)
		m.visibleAt = now.Add(vt)
		q.seq++
		m.seq = q.seq
		heap.Push(&q.pending, m)
		q.inflight[m.receipt] = m
		out = append(out, &queue.Delivery{ID: m.id, Body: m.body, ReceiptHandle: m.receipt, ReceiveCount: m.received})
	}
	if q.readyAt == len(q.ready) {
		q.ready = q.ready[:0]
		q.readyAt = 0
	} else if q.readyAt > 1024 && q.readyAt > len(q.ready)/2 {
		n := copy(q.ready, q.ready[q.readyAt:])
		clear(q.ready[n:])
		q.ready = q.ready[:n]
		q.readyAt = 0
	}
	return out, dead
}

// adopt takes dead-lettered messages from another queue, keeping their IDs
// and bodies and starting their receive counts again.
func (q *Queue) adopt(ms []*message) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range ms {
		m.received = 0
		m.receipt = ""
		q.addLocked(time.Time{}, m, 0)
	}
	q.wakeLocked(len(ms))
}

// MessageDelete removes the deliveries' messages. Unknown or stale receipt
// handles (the message was deleted or delivered again since) are ignored.
func (q *Queue) MessageDelete(ctx context.Context, params *queue.MessageDeleteParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range params.ReceiptHandles {
		m, ok := q.inflight[r]
		if !ok {
			continue
		}
		delete(q.inflight, r)
		m.receipt = ""
		heap.Remove(&q.pending, m.index)
	}
	return nil
}

// MessageRetry makes a delivery's message visible again after params.Delay.
// A receipt handle that is no longer in flight is ignored.
func (q *Queue) MessageRetry(ctx context.Context, params *queue.MessageRetryParams) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.inflight[params.ReceiptHandle]
	if !ok {
		return nil
	}
	m.visibleAt = q.clock.Now().Add(max(params.Delay, 0))
	heap.Fix(&q.pending, m.index)
	q.wakeLocked(1)
	return nil
}

// pendingHeap orders messages by visibleAt, then by seq.
type pendingHeap []*message

func (h pendingHeap) Len() int { return len(h) }

func (h pendingHeap) Less(i, j int) bool {
	if c := h[i].visibleAt.Compare(h[j].visibleAt); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}

func (h pendingHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *pendingHeap) Push(x any) {
	m := x.(*message)
	m.index = len(*h)
	*h = append(*h, m)
}

func (h *pendingHeap) Pop() any {
	old := *h
	n := len(old)
	m := old[n-1]
	old[n-1] = nil
	m.index = -1
	*h = old[:n-1]
	return m
}
