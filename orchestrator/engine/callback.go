package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// ErrInvalidOutput is returned by SendTaskSuccess for output that is not JSON.
var ErrInvalidOutput = errors.New("invalid task output")

// SendTaskSuccess resumes the thread waiting on token with output. The
// resume is a message fenced like any step, so a token answered twice
// resumes the thread once.
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

// SendTaskHeartbeat checks that token is still waited on.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	_, err := e.token(ctx, token)
	return err
}

func (e *Engine) token(ctx context.Context, token string) (*store.Token, error) {
	t, err := e.store.TokenGet(ctx, &store.TokenGetParams{Token: token})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrTaskDoesNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("loading task token: %w", err)
	}
	return t, nil
}

func (e *Engine) callback(ctx context.Context, token string, m *message) error {
	t, err := e.token(ctx, token)
	if err != nil {
		return err
	}
	m.Exec, m.Thread, m.Seq, m.Token = t.ExecutionARN, t.ThreadID, t.Seq, token
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

// Stop aborts a running execution: every thread stops at its next message.
func (e *Engine) Stop(ctx context.Context, p *StopParams) (*store.Execution, error) {
	now := e.now().UTC()
	d := map[string]any{}
	if p.Error != "" {
		d["error"] = p.Error
	}
	if p.Cause != "" {
		d["cause"] = p.Cause
	}
	ev := &interp.Event{Timestamp: now, Type: "ExecutionAborted", DetailsKey: "executionAbortedEventDetails", Details: d}
	err := e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:    p.ExecutionARN,
		ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusAborted, Error: p.Error, Cause: p.Cause, StoppedAt: now},
		Events:          eventWrites("~", now, []*interp.Event{ev}),
	})
	if errors.Is(err, store.ErrConflict) {
		rec, gerr := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: p.ExecutionARN})
		if gerr != nil {
			return nil, fmt.Errorf("stopping %s: %w", p.ExecutionARN, gerr)
		}
		return rec, fmt.Errorf("stopping %s: %w", p.ExecutionARN, ErrNotRunning)
	}
	if err != nil {
		return nil, fmt.Errorf("stopping %s: %w", p.ExecutionARN, err)
	}
	return e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: p.ExecutionARN})
}

// Resume re-sends the outbox of every thread of a running execution, so
// that an execution whose messages were lost (a local process killed
// before sending) continues. Sending twice is harmless: steps are fenced.
func (e *Engine) Resume(ctx context.Context, executionARN string, threadIDs []string) error {
	for _, id := range threadIDs {
		th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: executionARN, ThreadID: id})
		if err != nil {
			return fmt.Errorf("resuming %s thread %q: %w", executionARN, id, err)
		}
		if err := e.resend(ctx, th.Outbox); err != nil {
			return err
		}
	}
	return nil
}

var _ = asl.StatesTimeout
