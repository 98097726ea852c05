package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ResumeAll sends again what every unfinished execution waits for, and
// returns how many executions it resumed. `stepwise serve` calls it at
// start: its in-process queue lost every message with the last process,
// while the store kept the checkpoints and their outboxes.
//
// For each RUNNING execution of each state machine: the execution's
// timeout, and for each of its live threads (the root, and the children
// of every Parallel and Map still waiting for them, recursively) the
// thread's outbox, with what is left of each delay: the next step, a
// Wait's or a retry's timer, a waiting task's TimeoutSeconds and
// heartbeat timers, a child's end for its parent. A thread waiting for a
// child execution (.sync) whose child has ended is told so. An EXPRESS
// execution is run again from its start. A task token keeps waiting in the
// store for its SendTask*, and an activity task for its worker. Sending a
// message twice is harmless: every message is fenced.
//
// Executions of a state machine that was deleted are not found (the
// store lists executions per state machine).
func (e *Engine) ResumeAll(ctx context.Context) (int, error) {
	n := 0
	smToken := ""
	for {
		sms, err := e.store.StateMachineList(ctx, &store.StateMachineListParams{MaxResults: 1000, NextToken: smToken})
		if err != nil {
			return n, fmt.Errorf("resuming: listing state machines: %w", err)
		}
		for _, sm := range sms.StateMachines {
			execToken := ""
			for {
				page, err := e.store.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: sm.ARN,
					Status: store.StatusRunning, MaxResults: 1000, NextToken: execToken})
				if err != nil {
					return n, fmt.Errorf("resuming: listing executions of %s: %w", sm.ARN, err)
				}
				for _, ex := range page.Executions {
					if ex.Status != store.StatusRunning {
						continue
					}
					if err := e.resumeExecution(ctx, ex.ARN); err != nil {
						return n, err
					}
					n++
				}
				if page.NextToken == "" {
					break
				}
				execToken = page.NextToken
			}
		}
		if sms.NextToken == "" {
			return n, nil
		}
		smToken = sms.NextToken
	}
}

// resumeExecution sends again what one running execution waits for.
func (e *Engine) resumeExecution(ctx context.Context, arn string) error {
	rec, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
	if err != nil {
		return fmt.Errorf("resuming %s: %w", arn, err)
	}
	if rec.Status != store.StatusRunning {
		return nil
	}
	var xd execData
	if err := json.Unmarshal(rec.Data, &xd); err != nil {
		return fmt.Errorf("resuming %s: decoding: %w", arn, err)
	}
	if xd.Express {
		return e.sendNow(ctx, []queue.Message{{Body: (&message{Kind: kindExpress, Exec: arn}).encode()}})
	}
	m, _, err := e.machine(ctx, rec.StateMachineARN, xd.Revision)
	if err != nil {
		return fmt.Errorf("resuming %s: %w", arn, err)
	}
	now := e.now()
	var msgs []queue.Message
	if m.Def.TimeoutSeconds > 0 {
		due := rec.StartedAt.Add(time.Duration(m.Def.TimeoutSeconds) * time.Second)
		msgs = append(msgs, queue.Message{Body: (&message{Kind: kindExecEnd, Exec: arn}).encode(), Delay: max(due.Sub(now), 0)})
	}
	// Live threads, and the message that starts each child that may not
	// have started (its first message lost with the process).
	type live struct {
		id    string
		start *message
	}
	// The root's first message, if it has taken no step.
	threads := []live{{id: rootThread, start: &message{Kind: kindStep, Exec: arn, Thread: rootThread, Seq: store.NoSeq}}}
	for len(threads) > 0 {
		t := threads[len(threads)-1]
		threads = threads[:len(threads)-1]
		th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: t.id})
		if errors.Is(err, store.ErrNotFound) {
			if t.start != nil {
				msgs = append(msgs, queue.Message{Body: t.start.encode()})
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("resuming %s thread %q: %w", arn, t.id, err)
		}
		cp, err := decodeCheckpoint(th.Data)
		if err != nil {
			return fmt.Errorf("resuming %s thread %q: %w", arn, t.id, err)
		}
		if cp.Stopped {
			continue
		}
		if rootEnded(t.id, cp) {
			if err := e.finish(ctx, arn, cp); err != nil {
				return err
			}
		}
		if quietEnded(cp) {
			if err := e.quietEnd(ctx, arn, t.id, cp); err != nil {
				return err
			}
		}
		msgs = append(msgs, decodeOutbox(th.Outbox, now)...)
		if w := cp.Wait; w != nil && w.ChildExec != "" && cp.Thread.Phase == interp.PhaseTask {
			child, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: w.ChildExec})
			if err == nil && child.Status != store.StatusRunning {
				msgs = append(msgs, queue.Message{Body: (&message{Kind: kindChildExec, Exec: arn, Thread: t.id, Token: w.Token, ChildExec: w.ChildExec}).encode()})
			}
		}
		if f := cp.Fork; f != nil && (cp.Base != "" || cp.Thread.Phase == interp.PhaseChildren) {
			for i := 0; i < f.Launched; i++ {
				if !f.done(i) {
					start, _ := e.startMessage(arn, t.id, f, i, cp.Time, false)
					threads = append(threads, live{id: childID(t.id, f.Gen, i), start: start})
				}
			}
		}
		if len(msgs) >= 100 {
			if err := e.sendNow(ctx, msgs); err != nil {
				return fmt.Errorf("resuming %s: %w", arn, err)
			}
			msgs = msgs[:0]
		}
	}
	if err := e.sendNow(ctx, msgs); err != nil {
		return fmt.Errorf("resuming %s: %w", arn, err)
	}
	return nil
}
