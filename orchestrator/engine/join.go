package engine

import (
	"context"
	"errors"
	"sync"
)

// Batched joins.
//
// Every end of a child is a step of its parent thread, fenced by the
// parent's Seq. When many children end at once (a wide Map: thousands of
// iterations of one Pass state), their messages race for the parent's
// next Seq: one commit wins, the others read again and retry, and a
// completion costs a read and a write per lost race (11 lost races per
// iteration were measured on a 10,000-item Map with 32 workers, and
// DynamoDB bills a refused conditional write like one that succeeds).
//
// So the first deliveries of child-end messages for one parent that are
// handled at the same time in one process (serve's workers; the records
// of one Lambda batch, which the worker handles concurrently) join a
// group: one of them leads and handles them all in one step of the parent,
// as if each were a step of its own (step.child), in one commit; the
// others wait for its result and share it (an error leaves all of them to
// be delivered again, and each is then handled on its own). A group shares
// the context's send batch (BatchSends), so that its sends are flushed
// before any of its messages is acknowledged. Redeliveries are never
// grouped: a redelivered duplicate must re-send its thread's outbox.
type joiner struct {
	mu     sync.Mutex
	queues map[joinKey]*joinQueue
	// groups maps the lead message of a group being handled to the
	// group's messages (the lead first).
	groups sync.Map // *message -> []*message
}

type joinKey struct {
	exec, thread string
	batch        *SendBatch
}

// joinQueue is the child-end messages of one parent waiting for a leader.
type joinQueue struct {
	pending []*joinWaiter
	running bool
}

type joinWaiter struct {
	msg  *message
	done chan joinResult
}

type joinResult struct {
	res  string
	err  error
	lead bool // the waiter is to lead the next group
}

// maxJoinGroup bounds a group: its commit holds every member's effects.
const maxJoinGroup = 64

// groupOf returns the messages of the group that msg leads, or nil.
func (j *joiner) groupOf(msg *message) []*message {
	if g, ok := j.groups.Load(msg); ok {
		return g.([]*message)
	}
	return nil
}

// handleChildEnd handles the first delivery of a child-end message, with
// those of its siblings that are handled at the same time.
func (e *Engine) handleChildEnd(ctx context.Context, msg *message) (string, error) {
	batch, _ := ctx.Value(sendBatchKey{}).(*SendBatch)
	k := joinKey{exec: msg.Exec, thread: msg.Thread, batch: batch}
	w := &joinWaiter{msg: msg, done: make(chan joinResult, 1)}
	j := &e.joins
	j.mu.Lock()
	if j.queues == nil {
		j.queues = map[joinKey]*joinQueue{}
	}
	q := j.queues[k]
	if q == nil {
		q = &joinQueue{}
		j.queues[k] = q
	}
	q.pending = append(q.pending, w)
	lead := !q.running
	q.running = true
	j.mu.Unlock()
	if !lead {
		r := <-w.done
		if !r.lead {
			return r.res, r.err
		}
	}
	// Lead one group: the waiting messages, this one among them.
	j.mu.Lock()
	n := min(len(q.pending), maxJoinGroup)
	group := q.pending[:n:n]
	q.pending = q.pending[n:]
	j.mu.Unlock()
	res, err := e.handleGroup(ctx, group)
	var own joinResult
	for _, g := range group {
		if g == w {
			own = joinResult{res: res, err: err}
			continue
		}
		g.done <- joinResult{res: res, err: err}
	}
	j.mu.Lock()
	if len(q.pending) == 0 {
		q.running = false
		delete(j.queues, k)
	} else {
		// The next group is led by its first message's handler, so that
		// no handler keeps working for others.
		q.pending[0].done <- joinResult{lead: true}
	}
	j.mu.Unlock()
	return own.res, own.err
}

// handleGroup handles a group's messages in one step of their parent,
// read again and reapplied when the commit loses a race.
func (e *Engine) handleGroup(ctx context.Context, group []*joinWaiter) (string, error) {
	if len(group) == 1 {
		return e.handleRetrying(ctx, group[0].msg, false)
	}
	// The lead is a copy, so that the step's time follows every member's
	// sender.
	lead := *group[0].msg
	msgs := make([]*message, len(group))
	for i, g := range group {
		msgs[i] = g.msg
		lead.At = max(lead.At, g.msg.At)
	}
	msgs[0] = &lead
	e.joins.groups.Store(&lead, msgs)
	defer e.joins.groups.Delete(&lead)
	return e.handleRetrying(ctx, &lead, false)
}

// handleRetrying handles a message, read again and reapplied when its
// commit loses a race on an unfenced thread (a parent).
func (e *Engine) handleRetrying(ctx context.Context, msg *message, redelivered bool) (string, error) {
	for attempt := 0; ; attempt++ {
		res, err := e.handleOnce(ctx, msg, redelivered)
		if errors.Is(err, errRetry) && attempt < 20 {
			msg.CP = nil // read the thread again
			continue
		}
		return res, err
	}
}
