package interp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
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

// Run runs a whole execution in-process. Parallel branches and Map
// iterations run interleaved as on AWS: every child of a fan-out starts
// (within MaxConcurrency, at most 40 for a Map) before the first one
// advances, the running threads then take one step each in turn, a Wait
// or a retry backoff lets the others run until its (virtual) time, and a
// failure beyond the tolerance aborts the siblings still running (see
// Abort). Task states run through opts.Tasks.
func Run(ctx context.Context, m *Machine, ex *Execution, opts RunOptions) (*Result, error) {
	var ids int64
	x := &runner{m: m, opts: opts, env: &Env{Exec: ex, Now: ex.StartTime, IDs: &ids, Emit: opts.Emit, Rand: opts.Rand, MaxPayload: opts.MaxPayload}}
	if m.Def.TimeoutSeconds > 0 {
		x.deadline = ex.StartTime.Add(time.Duration(m.Def.TimeoutSeconds) * time.Second)
	}
	root := &Thread{ID: "", Status: Running, State: m.Def.StartAt, Input: ex.Input}
	input := ex.Input
	// The first state's event has previousEventId 0 in AWS's histories.
	x.env.emitAside(root, "ExecutionStarted", "executionStartedEventDetails", func() map[string]any {
		return map[string]any{"input": payload(input), "inputDetails": map[string]any{"truncated": false}, "roleArn": ex.RoleARN}
	})
	root.Started = true
	err := x.run(ctx, root)
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

// inlineMapConcurrency is how many iterations of an inline Map run at
// once at most (the Step Functions developer guide, "Inline mode").
const inlineMapConcurrency = 40

// runner schedules the threads of one execution.
type runner struct {
	m        *Machine
	opts     RunOptions
	env      *Env
	deadline time.Time

	ready    []*job // to step in the next round, in order
	sleepers []*job // waiting for a timer
}

// job is one thread in the runner.
type job struct {
	th    *Thread
	in    Input     // what the next step gets
	due   time.Time // when sleeping: when the timer fires
	group *fanout   // the fan-out the thread is a child of (nil: the root)
	index int       // its index there
	slot  int       // its place in group.running
	fork  *fanout   // while the thread waits for its children
	dead  bool      // ended or aborted: skip it
}

// fanout is one Parallel or Map waiting for its children.
type fanout struct {
	parent   *job
	req      *ForkRequest
	window   int    // children running at once at most
	next     int    // next child to start
	running  []*job // started, not ended (any order)
	free     []*job // jobs of ended children, for the next ones
	results  []ChildResult
	ended    []bool
	nEnded   int
	failed   int
	exceeded bool  // failed beyond the tolerance: abort at the end of the round
	lastID   int64 // the last event of the child that ended last
}

// run runs root to its end.
func (x *runner) run(ctx context.Context, root *Thread) error {
	x.ready = []*job{{th: root, in: Input{Kind: Enter}}}
	var spare []*job
	for root.Status == Running {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(x.ready) == 0 {
			if err := x.wake(ctx); err != nil {
				return err
			}
			continue
		}
		// One round: every ready thread takes one step, as if they ran
		// at the same time; a failure stops the siblings after the round.
		round := x.ready
		x.ready = spare[:0]
		var failed []*fanout
		for _, j := range round {
			if j.dead {
				continue
			}
			f, err := x.step(ctx, j)
			if err != nil {
				return err
			}
			if f != nil {
				failed = append(failed, f)
			}
		}
		for _, f := range failed {
			if err := x.stop(f); err != nil {
				return err
			}
		}
		clear(round)
		spare = round
	}
	return nil
}

// wake advances the clock to the earliest timer and readies the threads
// that are due, in the order of their due times.
func (x *runner) wake(ctx context.Context) error {
	live := x.sleepers[:0]
	for _, j := range x.sleepers {
		if !j.dead {
			live = append(live, j)
		}
	}
	x.sleepers = live
	if len(live) == 0 {
		return errors.New("running the execution: no thread can advance")
	}
	sort.SliceStable(live, func(a, b int) bool { return live[a].due.Before(live[b].due) })
	if err := x.advance(ctx, live[0].due); err != nil {
		return err
	}
	n := 0
	for n < len(live) && !live[n].due.After(x.env.Now) {
		live[n].in = Input{Kind: TimerFired}
		x.ready = append(x.ready, live[n])
		n++
	}
	x.sleepers = append(x.sleepers[:0], live[n:]...)
	return nil
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

// step advances one thread by one step and files it by the effect. It
// returns the fan-out whose failure tolerance the step exceeded, if any.
func (x *runner) step(ctx context.Context, j *job) (*fanout, error) {
	th := j.th
	eff, err := Step(x.m, th, j.in, x.env)
	if err != nil {
		return nil, err
	}
	switch eff.Kind {
	case Continue:
		j.in = Input{Kind: Enter}
		x.ready = append(x.ready, j)
	case Sleep:
		j.due = eff.Due
		x.sleepers = append(x.sleepers, j)
	case Invoke:
		if x.opts.Tasks == nil {
			return nil, fmt.Errorf("running state %q: no task invoker for resource %s", eff.Task.State, eff.Task.Resource)
		}
		res, terr, err := x.opts.Tasks.Invoke(ctx, eff.Task)
		if err != nil {
			return nil, fmt.Errorf("invoking task of state %q: %w", eff.Task.State, err)
		}
		if terr == nil && Submits(eff.Task.Resource) {
			// The invoker answers for the whole wait; the integration's
			// own response is not seen in-process.
			if err := Submitted(x.m, th, nil, x.env); err != nil {
				return nil, err
			}
		}
		// The result is handled at the thread's next turn: the others
		// run while the task does.
		j.in = Input{Kind: TaskDone, Result: res, Err: terr}
		x.ready = append(x.ready, j)
	case Fork:
		x.fork(j, eff.Fork)
	case Done:
		j.dead = true
		if j.group != nil {
			return x.ended(j), nil
		}
	}
	return nil, nil
}

// fork starts the children of j's Parallel or Map.
func (x *runner) fork(j *job, req *ForkRequest) {
	f := &fanout{parent: j, req: req, window: len(req.Children),
		results: make([]ChildResult, len(req.Children)), ended: make([]bool, len(req.Children))}
	if req.Map {
		f.window = inlineMapConcurrency
		if req.MaxConcurrency > 0 && req.MaxConcurrency < f.window {
			f.window = req.MaxConcurrency
		}
	}
	j.fork = f
	if len(req.Children) == 0 {
		x.join(f)
		return
	}
	for f.next < len(req.Children) && len(f.running) < f.window {
		x.launch(f, j.th.LastEventID)
	}
}

// launch starts the next child of f; its first event follows prev.
func (x *runner) launch(f *fanout, prev int64) {
	c := f.req.Children[f.next]
	c.LastEventID = prev
	begin(x.m, c, x.env)
	var cj *job
	if n := len(f.free); n > 0 {
		cj, f.free = f.free[n-1], f.free[:n-1]
	} else {
		cj = new(job)
	}
	*cj = job{th: c, in: Input{Kind: Enter}, group: f, index: f.next, slot: len(f.running)}
	f.next++
	f.running = append(f.running, cj)
	x.ready = append(x.ready, cj)
}

// ended records the end of a child and starts the next one in its place.
// It returns f when the child's failure exceeds the tolerance.
func (x *runner) ended(j *job) *fanout {
	f := j.group
	f.remove(j)
	th := j.th
	f.ended[j.index] = true
	f.nEnded++
	f.lastID = *x.env.IDs // the child's last event, emitted by the step that ended it
	if th.Status == Succeeded {
		f.results[j.index] = ChildResult{Output: th.Output}
	} else {
		f.results[j.index] = ChildResult{Error: th.Error}
		f.failed++
		if !f.exceeded && f.req.Exceeded(f.failed, len(f.req.Children)) {
			f.exceeded = true
			return f
		}
	}
	if f.exceeded {
		return nil
	}
	// j is in no queue any more: the next child can reuse it.
	*j = job{}
	f.free = append(f.free, j)
	if f.next < len(f.req.Children) {
		// The next child takes the ended one's place, after its last
		// state event (AWS's MapIterationStarted follows it).
		x.launch(f, th.LastEventID)
		return nil
	}
	if f.nEnded == len(f.req.Children) {
		x.join(f)
	}
	return nil
}

func (f *fanout) remove(j *job) {
	last := len(f.running) - 1
	f.running[j.slot] = f.running[last]
	f.running[j.slot].slot = j.slot
	f.running[last] = nil
	f.running = f.running[:last]
}

// abortRunning aborts the running children of f, in index order.
func (x *runner) abortRunning(f *fanout) error {
	sort.Slice(f.running, func(a, b int) bool { return f.running[a].index < f.running[b].index })
	for _, c := range f.running {
		if err := x.abort(c); err != nil {
			return err
		}
	}
	f.running = nil
	return nil
}

// stop aborts the children of f still running and hands the parent the
// children that ended.
func (x *runner) stop(f *fanout) error {
	if err := x.abortRunning(f); err != nil {
		return err
	}
	x.join(f)
	return nil
}

// abort stops a running thread and, first, its own children.
func (x *runner) abort(j *job) error {
	if j.fork != nil {
		if err := x.abortRunning(j.fork); err != nil {
			return err
		}
		j.fork = nil
	}
	j.dead = true
	return Abort(x.m, j.th, x.env)
}

// join readies the parent of f with the results of its children: all of
// them, or those that ended (in order) when a failure stopped the rest.
func (x *runner) join(f *fanout) {
	p := f.parent
	p.fork = nil
	results := f.results
	if f.nEnded < len(f.results) {
		results = make([]ChildResult, 0, f.nEnded)
		for i, ok := range f.ended {
			if ok {
				results = append(results, f.results[i])
			}
		}
	}
	// The parent's next event follows its children's: the last state
	// event of the failure it reports (the first in order, as
	// childrenDone takes it), or the last event of the child that ended
	// last.
	last := f.lastID
	if f.exceeded {
		for i, ok := range f.ended {
			if ok && f.results[i].Error != nil {
				last = f.req.Children[i].LastEventID
				break
			}
		}
	}
	if last > p.th.LastEventID {
		p.th.LastEventID = last
	}
	p.in = Input{Kind: ChildrenDone, Children: results}
	x.ready = append(x.ready, p)
}
