package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// TaskInvoker runs a Task state's work for the in-process runner.
type TaskInvoker interface {
	// Invoke returns the task's raw result, or a state-machine error. A Go
	// error is an infrastructure failure that aborts the run.
	Invoke(ctx context.Context, req *TaskRequest) (any, *asl.Error, error)
}

// RunOptions configures Run.
type RunOptions struct {
	Tasks TaskInvoker
	// Emit receives the history events; nil builds none.
	Emit func(*Event)
	// Rand is the randomness source (nil: crypto/rand).
	Rand io.Reader
	// RealTime makes Wait states and retry backoffs really wait; by default
	// time is virtual and jumps to each timer at once.
	RealTime bool
	// MaxPayload overrides the 256 KiB payload limit.
	MaxPayload int
}

// Result is how an execution ended.
type Result struct {
	Status string // SUCCEEDED, FAILED, TIMED_OUT
	Output any
	Error  *asl.Error
	// End is the (virtual) time the execution ended.
	End time.Time
}

// errTimedOut aborts a run whose execution timeout passed.
var errTimedOut = errors.New("execution timed out")

// Run runs a whole execution in-process: threads one after the other,
// children depth-first, Task states through opts.Tasks.
func Run(ctx context.Context, m *Machine, ex *Execution, opts RunOptions) (*Result, error) {
	var ids int64
	x := &runner{m: m, opts: opts, env: &Env{Exec: ex, Now: ex.StartTime, IDs: &ids, Emit: opts.Emit, Rand: opts.Rand, MaxPayload: opts.MaxPayload}}
	if m.Def.TimeoutSeconds > 0 {
		x.deadline = ex.StartTime.Add(time.Duration(m.Def.TimeoutSeconds) * time.Second)
	}
	root := &Thread{ID: "", Status: Running, State: m.Def.StartAt, Input: ex.Input}
	input := ex.Input
	x.env.emit(root, "ExecutionStarted", "executionStartedEventDetails", func() map[string]any {
		return map[string]any{"input": payload(input), "inputDetails": map[string]any{"truncated": false}, "roleArn": ex.RoleARN}
	})
	root.Started = true
	err := x.thread(ctx, root)
	if errors.Is(err, errTimedOut) {
		x.env.emit(root, "ExecutionTimedOut", "executionTimedOutEventDetails", func() map[string]any {
			return map[string]any{"error": asl.StatesTimeout, "cause": "The execution timed out."}
		})
		return &Result{Status: "TIMED_OUT", Error: &asl.Error{Name: asl.StatesTimeout, Cause: "The execution timed out."}, End: x.env.Now}, nil
	}
	if err != nil {
		return nil, err
	}
	if root.Status == Succeeded {
		return &Result{Status: "SUCCEEDED", Output: root.Output, End: x.env.Now}, nil
	}
	return &Result{Status: "FAILED", Error: root.Error, End: x.env.Now}, nil
}

type runner struct {
	m        *Machine
	opts     RunOptions
	env      *Env
	deadline time.Time
}

func (x *runner) advance(ctx context.Context, due time.Time) error {
	if !x.deadline.IsZero() && due.After(x.deadline) {
		x.env.Now = x.deadline
		return errTimedOut
	}
	if !due.After(x.env.Now) {
		return nil
	}
	if x.opts.RealTime {
		t := time.NewTimer(due.Sub(x.env.Now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	x.env.Now = due
	return nil
}

func (x *runner) thread(ctx context.Context, th *Thread) error {
	in := Input{Kind: Enter}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		eff, err := Step(x.m, th, in, x.env)
		if err != nil {
			return err
		}
		switch eff.Kind {
		case Continue:
			in = Input{Kind: Enter}
		case Done:
			return nil
		case Sleep:
			if err := x.advance(ctx, eff.Due); err != nil {
				return err
			}
			in = Input{Kind: TimerFired}
		case Invoke:
			if x.opts.Tasks == nil {
				return fmt.Errorf("running state %q: no task invoker for resource %s", eff.Task.State, eff.Task.Resource)
			}
			res, terr, err := x.opts.Tasks.Invoke(ctx, eff.Task)
			if err != nil {
				return fmt.Errorf("invoking task of state %q: %w", eff.Task.State, err)
			}
			in = Input{Kind: TaskDone, Result: res, Err: terr}
		case Fork:
			results, err := x.children(ctx, eff.Fork)
			if err != nil {
				return err
			}
			in = Input{Kind: ChildrenDone, Children: results}
			// Children's events come between the parent's; keep the chain.
			if n := *x.env.IDs; n > th.LastEventID {
				th.LastEventID = n
			}
		}
	}
}

// children runs the children one after the other, stopping at the
// failure that exceeds the tolerance.
func (x *runner) children(ctx context.Context, f *ForkRequest) ([]ChildResult, error) {
	results := make([]ChildResult, len(f.Children))
	failed := 0
	for i, c := range f.Children {
		c.LastEventID = *x.env.IDs
		if err := x.thread(ctx, c); err != nil {
			return nil, err
		}
		if c.Status == Succeeded {
			results[i] = ChildResult{Output: c.Output}
			continue
		}
		results[i] = ChildResult{Error: c.Error}
		failed++
		if f.Exceeded(failed, len(f.Children)) {
			return results[:i+1], nil
		}
	}
	return results, nil
}
