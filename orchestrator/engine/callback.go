package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ErrInvalidOutput is returned by SendTaskSuccess for output that is not JSON.
var ErrInvalidOutput = errors.New("invalid task output")

// SendTaskSuccess resumes the thread waiting on token with output. The
// resume is a message fenced by the token, so a token answered twice
// resumes the thread once. It returns ErrTaskDoesNotExist for a token it
// never issued and ErrTaskTimedOut for a task that is closed.
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	if _, err := value.DecodeString(output); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidOutput, err)
	}
	return e.callback(ctx, token, &message{Kind: kindCallback, Output: json.RawMessage(output)})
}

// SendTaskFailure resumes the thread waiting on token with an error.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return e.callback(ctx, token, &message{Kind: kindCallback, Failed: true, Error: errName, Cause: cause})
}

// SendTaskHeartbeat tells the engine that the task of token is alive: with
// HeartbeatSeconds, it pushes the heartbeat deadline (one small commit of
// the thread's checkpoint, skipped when the deadline would move by less
// than a second). Without HeartbeatSeconds it only checks the token.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	for attempt := 0; ; attempt++ {
		w, err := e.waiting(ctx, token)
		if err != nil {
			return err
		}
		if w.cp.Wait == nil || w.cp.Wait.Heartbeat == 0 {
			return nil
		}
		now := e.now().UTC()
		due := now.Add(time.Duration(w.cp.Wait.Heartbeat) * time.Second)
		if due.Sub(w.cp.Wait.HeartbeatDue) < time.Second {
			return nil
		}
		w.cp.Wait.HeartbeatDue = due
		err = w.commitQuiet(ctx, e, nil)
		if errors.Is(err, store.ErrConflict) && attempt < 10 {
			continue // the thread moved: check again
		}
		return err
	}
}

// waitingThread is a thread found waiting on a task token.
type waitingThread struct {
	token *store.Token
	th    *store.Thread
	cp    *checkpoint
}

// waiting returns the thread that waits on token, ErrTaskDoesNotExist if
// the engine never issued it (or only the engine answers it), or
// ErrTaskTimedOut if its task is closed.
func (e *Engine) waiting(ctx context.Context, token string) (*waitingThread, error) {
	t, err := e.store.TokenGet(ctx, &store.TokenGetParams{Token: token})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrTaskDoesNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("loading task token: %w", err)
	}
	if decodeTokenData(t.Data).Internal {
		return nil, ErrTaskDoesNotExist
	}
	rec, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: t.ExecutionARN})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrTaskTimedOut
	}
	if err != nil {
		return nil, fmt.Errorf("loading the execution of a task token: %w", err)
	}
	if rec.Status != store.StatusRunning {
		return nil, ErrTaskTimedOut
	}
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: t.ExecutionARN, ThreadID: t.ThreadID})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrTaskTimedOut
	}
	if err != nil {
		return nil, fmt.Errorf("loading the thread of a task token: %w", err)
	}
	cp, err := decodeCheckpoint(th.Data)
	if err != nil {
		return nil, err
	}
	if cp.Stopped || cp.Thread.Phase != interp.PhaseTask || cp.Thread.TaskToken != token {
		return nil, ErrTaskTimedOut
	}
	return &waitingThread{token: t, th: th, cp: cp}, nil
}

// commitQuiet commits a change of a waiting thread's checkpoint (and
// events) that does not step it: Seq advances, the outbox stays.
func (w *waitingThread) commitQuiet(ctx context.Context, e *Engine, events []*interp.Event) error {
	now := e.now().UTC()
	if now.UnixNano() <= w.cp.Time {
		now = time.Unix(0, w.cp.Time+1).UTC()
	}
	w.cp.OutboxSeq = w.cp.outboxSeq(w.th.Seq)
	w.cp.Time = now.UnixNano()
	for _, ev := range events {
		ev.Timestamp = now
	}
	writes := eventWrites(w.th.ThreadID, w.th.Seq+1, now, events, w.cp.ForkGens > 0, "")
	data, err := w.cp.encode()
	if err != nil {
		return err
	}
	err = e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN: w.th.ExecutionARN,
		Threads:      []store.ThreadWrite{{ThreadID: w.th.ThreadID, ExpectSeq: w.th.Seq, Seq: w.th.Seq + 1, Data: data, Outbox: w.th.Outbox}},
		Events:       writes,
	})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("updating thread %q of %s: %w", w.th.ThreadID, w.th.ExecutionARN, err)
	}
	return err
}

// answeredSuffix marks the record of a task token's answer.
const answeredSuffix = "#answered"

func (e *Engine) callback(ctx context.Context, token string, m *message) error {
	w, err := e.waiting(ctx, token)
	if err != nil {
		return err
	}
	m.Exec, m.Thread, m.Seq, m.Token = w.token.ExecutionARN, w.token.ThreadID, w.th.Seq, token
	// Close the task now, not when the worker takes the answer: a second,
	// different answer gets TaskTimedOut, as on AWS. The same answer again
	// (a client's retry after a lost reply) is sent again.
	sum := sha256.Sum256(m.encode())
	claim := store.Token{Token: token + answeredSuffix, ExecutionARN: w.token.ExecutionARN, ThreadID: w.token.ThreadID,
		Seq: w.th.Seq, Data: sum[:]}
	err = e.store.Commit(ctx, &store.CommitParams{ExecutionARN: w.token.ExecutionARN, TokensPut: []store.Token{claim}})
	if errors.Is(err, store.ErrConflict) {
		prev, gerr := e.store.TokenGet(ctx, &store.TokenGetParams{Token: claim.Token})
		if gerr != nil || !bytes.Equal(prev.Data, claim.Data) {
			return ErrTaskTimedOut
		}
	} else if err != nil {
		return fmt.Errorf("closing the task of a token: %w", err)
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: m.encode()}}}); err != nil {
		return fmt.Errorf("sending task callback: %w", err)
	}
	return nil
}

// StopParams are the parameters of Stop.
type StopParams struct {
	ExecutionARN string
	Error        string
	Cause        string
}

// Stop aborts a running execution: one commit of the execution's status
// and of a last step of its root thread, which records ExecutionAborted
// and fences out any step of the root that was under way. Its other
// threads stop at their next message other than a step, or within 16
// steps (plus what Config.StatusTTL lets through on another worker);
// none calls a task or starts anything after Stop returns.
func (e *Engine) Stop(ctx context.Context, p *StopParams) (*store.Execution, error) {
	d := map[string]any{}
	if p.Error != "" {
		d["error"] = p.Error
	}
	if p.Cause != "" {
		d["cause"] = p.Cause
	}
	rec, err := e.stop(ctx, p.ExecutionARN, store.StatusAborted, p.Error, p.Cause, "ExecutionAborted", "executionAbortedEventDetails", d)
	if errors.Is(err, store.ErrConflict) {
		rec, gerr := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: p.ExecutionARN})
		if gerr != nil {
			return nil, fmt.Errorf("stopping %s: %w", p.ExecutionARN, gerr)
		}
		// A Stop that committed may have failed to tell the parent: tell
		// it again (an answer the parent has is dropped there).
		if err := e.notifyParentOf(ctx, rec); err != nil {
			return rec, err
		}
		return rec, fmt.Errorf("stopping %s: %w", p.ExecutionARN, ErrNotRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("stopping %s: %w", p.ExecutionARN, err)
	}
	if err := e.notifyParentOf(ctx, rec); err != nil {
		return rec, err
	}
	return rec, nil
}

// stop ends a running execution with status (ABORTED, TIMED_OUT) and an
// event of type typ: the execution's update and a step of the root thread
// that records the event, in one commit. It returns the stopped record,
// or store.ErrConflict if the execution is not running.
func (e *Engine) stop(ctx context.Context, arn, status, errName, cause, typ, detailsKey string, details map[string]any) (*store.Execution, error) {
	for attempt := 0; attempt < 20; attempt++ {
		th, cp, started, err := e.rootNow(ctx, arn)
		if err != nil {
			return nil, err
		}
		if cp != nil && rootEnded(rootThread, cp) {
			// The root ended; its record may not say so yet.
			if err := e.finish(ctx, arn, cp); err != nil {
				return nil, err
			}
			return nil, store.ErrConflict
		}
		now := e.now().UTC()
		if cp != nil && now.UnixNano() <= cp.Time {
			now = time.Unix(0, cp.Time+1).UTC()
		}
		ev := &interp.Event{Timestamp: now, Type: typ, DetailsKey: detailsKey, Details: details}
		p := &store.CommitParams{ExecutionARN: arn,
			ExecutionUpdate: &store.ExecutionUpdate{Status: status, Error: errName, Cause: cause, StoppedAt: now}}
		if cp == nil {
			p.Events = eventWrites("~", 0, now, []*interp.Event{ev}, true, "")
		} else {
			cp.Events++
			ev.ID = cp.Events
			cp.Stopped, cp.Time = true, now.UnixNano()
			data, err := cp.encode()
			if err != nil {
				return nil, err
			}
			events := []*interp.Event{ev}
			if started != nil {
				events = []*interp.Event{started, ev}
			}
			p.Threads = []store.ThreadWrite{{ThreadID: rootThread, ExpectSeq: th.Seq, Seq: th.Seq + 1, Data: data}}
			p.Events = eventWrites(rootThread, th.Seq+1, now, events, cp.ForkGens > 0, "")
		}
		err = e.store.Commit(ctx, p)
		if errors.Is(err, store.ErrConflict) {
			rec, gerr := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
			if gerr != nil {
				return nil, gerr
			}
			if rec.Status != store.StatusRunning {
				e.forget(arn)
				return nil, store.ErrConflict
			}
			continue // the root thread took a step meanwhile
		}
		if err != nil {
			return nil, err
		}
		e.forget(arn)
		return e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
	}
	return nil, fmt.Errorf("stopping %s: the root thread kept moving", arn)
}

// rootNow returns the root thread of execution arn and its checkpoint;
// before its first step, the checkpoint that follows from the record
// (at store.NoSeq, not stored) and the ExecutionStarted event that the step
// leaving it records. An EXPRESS execution has no root thread: cp is
// nil.
func (e *Engine) rootNow(ctx context.Context, arn string) (th *store.Thread, cp *checkpoint, started *interp.Event, err error) {
	th, err = e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: rootThread})
	if err == nil {
		cp, err = decodeCheckpoint(th.Data)
		return th, cp, nil, err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, err
	}
	x, err := e.execution(ctx, arn, statusFresh)
	if err != nil {
		return nil, nil, nil, err
	}
	if x.xd.Express {
		return nil, nil, nil, nil
	}
	m, _, err := e.machine(ctx, x.rec.StateMachineARN, x.xd.Revision)
	if err != nil {
		return nil, nil, nil, err
	}
	if cp, err = rootFirst(m, x.rec); err != nil {
		return nil, nil, nil, err
	}
	th = &store.Thread{ExecutionARN: arn, ThreadID: rootThread, Seq: store.NoSeq}
	return th, cp, startedEvent(x.rec, x.xd.Exec.RoleARN), nil
}
