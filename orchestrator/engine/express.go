package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// expressARN returns the ARN of an EXPRESS execution, which AWS makes
// unique with a UUID: arn:aws:states:<region>:<account>:express:<state
// machine>:<name>:<uuid>.
func expressARN(stateMachineARN, name, id string) string {
	return strings.Replace(stateMachineARN, ":stateMachine:", ":express:", 1) + ":" + name + ":" + id
}

// StartSync runs an execution of an EXPRESS state machine in this process
// from start to end, without checkpoints or history, and returns how it
// ended (StartSyncExecution): Status SUCCEEDED with Output, or FAILED or
// TIMED_OUT with Error and Cause, and StartedAt and StoppedAt. It runs at
// most Config.ExpressTimeout (5 minutes) and then returns TIMED_OUT with
// States.Timeout. It returns ErrStateMachineTypeNotSupported for a STANDARD
// state machine, ErrInvalidName and ErrInvalidInput for bad parameters, and
// ctx's error if ctx ends first. Nothing is stored.
func (e *Engine) StartSync(ctx context.Context, p *StartParams) (*store.Execution, error) {
	sm, err := e.store.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: p.StateMachineARN})
	if err != nil {
		return nil, fmt.Errorf("starting execution: %w", err)
	}
	if sm.Type != store.TypeExpress {
		return nil, fmt.Errorf("starting a synchronous execution of %s: %w", sm.ARN, ErrStateMachineTypeNotSupported)
	}
	m, _, err := e.machine(ctx, sm.ARN, sm.Revision)
	if err != nil {
		return nil, err
	}
	name, in, input, err := e.checkStart(p)
	if err != nil {
		return nil, err
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	arn := expressARN(sm.ARN, name, newUUID(e.rand))
	ex := &interp.Execution{ARN: arn, Name: name, StateMachineARN: sm.ARN, StateMachineName: sm.Name,
		RoleARN: sm.RoleARN, StartTime: now, Input: input, Type: sm.Type}
	rec := &store.Execution{ARN: arn, StateMachineARN: sm.ARN, StateMachineRevision: sm.Revision, Name: name,
		Status: store.StatusRunning, Input: in, StartedAt: now}
	if err := e.runExpress(ctx, m, ex, rec, e.expressTimeout); err != nil {
		return nil, err
	}
	return rec, nil
}

// runExpress runs an EXPRESS execution in-process for at most limit and
// sets rec's status, output, error, cause and stop time. Wait states
// really wait. It returns an error only when ctx ends first or a task
// integration fails for good (an infrastructure failure).
func (e *Engine) runExpress(ctx context.Context, m *interp.Machine, ex *interp.Execution, rec *store.Execution, limit time.Duration) error {
	res := &interp.Result{Status: store.StatusTimedOut, Error: &asl.Error{Name: asl.StatesTimeout, Cause: "The execution timed out."}}
	if limit > 0 {
		rctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		r, err := interp.Run(rctx, m, ex, interp.RunOptions{Tasks: expressTasks{e}, Rand: e.rand, RealTime: true})
		switch {
		case err == nil:
			res = r
		case ctx.Err() != nil:
			return fmt.Errorf("running %s: %w", ex.ARN, ctx.Err())
		case rctx.Err() == nil:
			return fmt.Errorf("running %s: %w", ex.ARN, err)
		}
	}
	rec.Status = res.Status
	rec.StoppedAt = e.now().UTC().Truncate(time.Millisecond)
	if res.End.After(rec.StoppedAt) && res.End.Sub(rec.StartedAt) < limit {
		rec.StoppedAt = res.End.UTC().Truncate(time.Millisecond)
	}
	if res.Status == store.StatusSucceeded {
		b, err := value.Encode(res.Output)
		if err != nil {
			return fmt.Errorf("encoding the output of %s: %w", ex.ARN, err)
		}
		rec.Output = string(b)
	} else if res.Error != nil {
		rec.Error, rec.Cause = res.Error.Name, res.Error.Cause
	}
	return nil
}

// expressTasks runs the Task states of an EXPRESS execution: a
// request-response states:startExecution starts its child at once, the
// rest goes to the task integrations. (An EXPRESS state machine cannot use
// .sync, .waitForTaskToken or activities.)
type expressTasks struct{ e *Engine }

func (x expressTasks) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if pattern, ok := startExecutionPattern(req.Resource); ok && pattern == patternRequestResponse {
		rec, msgs, terr, err := x.e.startChild(ctx, req, &parentLink{Exec: req.Execution.ARN})
		if err != nil || terr != nil {
			return nil, terr, err
		}
		if err := x.e.sendNow(ctx, msgs); err != nil {
			return nil, nil, err
		}
		return startExecutionOutput(rec, x.e.rand), nil, nil
	}
	if isActivity(req.Resource) || req.TaskToken != "" {
		return nil, &asl.Error{Name: asl.StatesRuntime, Cause: "EXPRESS state machines do not support activities, .sync or .waitForTaskToken: " + req.Resource}, nil
	}
	return x.e.invoke(ctx, req)
}

// runExpressMessage runs an EXPRESS execution started with Start, from its
// one message: at least once (a crash runs it again from the start), at
// most ExpressTimeout after its start, and records how it ended.
func (e *Engine) runExpressMessage(ctx context.Context, m *interp.Machine, rec *store.Execution, xd *execData) (string, error) {
	if err := e.crash("loaded"); err != nil {
		return "", err
	}
	limit := rec.StartedAt.Add(e.expressTimeout).Sub(e.now())
	out := *rec
	if err := e.runExpress(ctx, m, xd.Exec, &out, limit); err != nil {
		return "", err
	}
	if err := e.crash("invoked"); err != nil {
		return "", err
	}
	err := e.store.Commit(ctx, &store.CommitParams{ExecutionARN: rec.ARN, ExecutionUpdate: &store.ExecutionUpdate{
		Status: out.Status, Output: out.Output, Error: out.Error, Cause: out.Cause, StoppedAt: out.StoppedAt}})
	if errors.Is(err, store.ErrConflict) {
		return "stopped", nil // another delivery finished it first
	}
	if err != nil {
		return "", fmt.Errorf("recording the end of %s: %w", rec.ARN, err)
	}
	if err := e.crash("committed"); err != nil {
		return "", err
	}
	if err := e.notifyParent(ctx, &out, xd.Parent); err != nil {
		return "", err
	}
	return "step", nil
}
