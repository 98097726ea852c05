package interp

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

// InputKind says what happened to a thread.
type InputKind int

// Kinds of input to Step.
const (
	// Enter enters the thread's current state (also the first step).
	Enter InputKind = iota
	// TaskDone delivers the result or the error of the task the thread
	// waits for.
	TaskDone
	// TimerFired says the thread's timer (Wait or retry backoff) is due.
	TimerFired
	// ChildrenDone delivers the results of the thread's children (all of
	// them, or up to the failure that ended the fan-out).
	ChildrenDone
)

// Input is one event for Step.
type Input struct {
	Kind     InputKind
	Result   any           // TaskDone: the task's result
	Err      *asl.Error    // TaskDone: the task's error
	Children []ChildResult // ChildrenDone: one per child, in order (nil entries for children not run)
}

// EffectKind says what the caller must do after a step.
type EffectKind int

// Kinds of effects.
const (
	// Continue: the thread moved to its next state; step it again with Enter.
	Continue EffectKind = iota
	// Invoke: call Effect.Task, then step with TaskDone.
	Invoke
	// Sleep: step with TimerFired at Effect.Due.
	Sleep
	// Fork: run Effect.Children to their end, then step with ChildrenDone.
	Fork
	// Done: the thread ended (Thread.Status says how).
	Done
)

// Effect is what a step asks its caller to do.
type Effect struct {
	Kind EffectKind
	Task *TaskRequest
	Due  time.Time
	Fork *ForkRequest
}

// TaskRequest describes a task to invoke.
type TaskRequest struct {
	State            string
	Resource         string
	Input            any // the effective parameters
	TaskToken        string
	TimeoutSeconds   int64 // 0: none
	HeartbeatSeconds int64 // 0: none
	Attempt          int
	Credentials      any

	// Execution is the running execution (ARN, name, state machine).
	Execution *Execution
	// ThreadID is the thread that runs the task ("" or "root" for the
	// top level).
	ThreadID string
	// IdempotencyKey is the same for every delivery of this one attempt
	// and differs between attempts: integrations pass it on (Lambda
	// ClientContext, SQS deduplication id, a condition) so that a rerun
	// after a crash changes nothing.
	IdempotencyKey string
}

// ForkRequest describes the children of a Parallel or Map state.
type ForkRequest struct {
	Children []*Thread
	// MaxConcurrency bounds how many children run at once (0: no bound).
	MaxConcurrency int
	// Map only: how many failures are tolerated before the Map fails.
	ToleratedFailureCount      int64   // -1: not set
	ToleratedFailurePercentage float64 // -1: not set
	Map                        bool
}

// Exceeded reports whether failed failures out of total children exceed
// the tolerance, so that the fan-out can stop early.
func (f *ForkRequest) Exceeded(failed, total int) bool {
	if failed == 0 {
		return false
	}
	if !f.Map {
		return true
	}
	if f.ToleratedFailureCount < 0 && f.ToleratedFailurePercentage < 0 {
		return true
	}
	// With both set, exceeding either fails the Map (as AWS documents).
	if f.ToleratedFailureCount >= 0 && int64(failed) > f.ToleratedFailureCount {
		return true
	}
	if f.ToleratedFailurePercentage >= 0 && total > 0 &&
		float64(failed)*100/float64(total) > f.ToleratedFailurePercentage {
		return true
	}
	return false
}

// Step advances one thread by one event. It updates th in place and
// returns what the caller must do next. A returned error is a bug or a
// corrupt checkpoint, never a state-machine error: those end up in
// th.Error with th.Status Failed.
func Step(m *Machine, th *Thread, in Input, env *Env) (Effect, error) {
	if th.Status != Running {
		return Effect{Kind: Done}, nil
	}
	sm, st, err := m.Lookup(th.Machine, th.State)
	if err != nil {
		return Effect{}, err
	}
	r := &env.scratch
	r.m, r.sm, r.st, r.th, r.env = m, sm, st, th, env
	switch in.Kind {
	case Enter:
		return r.enter()
	case TaskDone:
		if th.Phase != PhaseTask {
			return Effect{}, fmt.Errorf("stepping thread %q: task result in phase %q", th.ID, th.Phase)
		}
		return r.taskDone(in.Result, in.Err)
	case TimerFired:
		if th.Phase != PhaseTimer {
			return Effect{}, fmt.Errorf("stepping thread %q: timer in phase %q", th.ID, th.Phase)
		}
		return r.timerFired()
	case ChildrenDone:
		if th.Phase != PhaseChildren {
			return Effect{}, fmt.Errorf("stepping thread %q: children done in phase %q", th.ID, th.Phase)
		}
		return r.childrenDone(in.Children)
	}
	return Effect{}, fmt.Errorf("stepping thread %q: unknown input kind %d", th.ID, in.Kind)
}

// run carries one step's context.
type run struct {
	m   *Machine
	sm  *asl.StateMachine
	st  *asl.State
	th  *Thread
	env *Env

	penv jsonpath.Env // see pathEnv
}

func (r *run) enter() (Effect, error) {
	th, st := r.th, r.st
	th.Retries = nil
	th.RetryCount = 0
	th.TaskInput = nil
	th.TaskToken = ""
	th.EnteredTime = r.env.Now
	begin(r.m, th, r.env)
	th.EnteredEventID = r.env.emitState(th, stateEvents[st.Type].entered, stateEnteredKey, st.Name, th.Input)
	switch st.Type {
	case asl.TypePass:
		return r.pass()
	case asl.TypeSucceed:
		return r.succeed()
	case asl.TypeFail:
		return r.fail()
	case asl.TypeChoice:
		return r.choice()
	case asl.TypeWait:
		return r.wait()
	case asl.TypeTask:
		return r.task()
	case asl.TypeParallel, asl.TypeMap:
		return r.fork()
	}
	return Effect{}, fmt.Errorf("entering state %q: unknown type %q", st.Name, st.Type)
}

// begin starts a thread once: a Map iteration's MapIterationStarted.
func begin(m *Machine, th *Thread, env *Env) {
	if th.Started {
		return
	}
	th.Started = true
	if m.isIteration(th.Machine) {
		parent, idx := m.Parent(th.Machine), th.ItemIndex
		env.emit(th, "MapIterationStarted", "mapIterationStartedEventDetails", func() map[string]any {
			return map[string]any{"name": parent.Name, "index": idx}
		})
	}
}

// Abort stops a running thread because its fan-out failed (a sibling
// branch or iteration failed beyond the tolerance). It emits what AWS
// records for a stopped thread: "<Type>StateAborted" for a Task, Wait,
// Parallel or Map state in progress, then MapIterationAborted for a Map
// iteration, and sets th.Status to Aborted. A thread waiting for its own
// children (Parallel or Map) must have them aborted first.
func Abort(m *Machine, th *Thread, env *Env) error {
	if th.Status != Running {
		return nil
	}
	_, st, err := m.Lookup(th.Machine, th.State)
	if err != nil {
		return err
	}
	if th.Phase != PhaseEnter {
		switch st.Type {
		case asl.TypeTask, asl.TypeWait, asl.TypeParallel, asl.TypeMap:
			env.emit(th, string(st.Type)+"StateAborted", "", nil)
		}
	}
	th.Status = Aborted
	th.Phase = PhaseEnter
	th.Input, th.TaskInput, th.TaskToken = nil, nil, ""
	if th.Started && m.isIteration(th.Machine) {
		parent, idx := m.Parent(th.Machine), th.ItemIndex
		env.emitAside(th, "MapIterationAborted", "mapIterationAbortedEventDetails", func() map[string]any {
			return map[string]any{"name": parent.Name, "index": idx}
		})
	}
	return nil
}

// runtimeErr builds an error raised by the interpreter itself for the
// current state, with AWS's cause prefix.
func (r *run) runtimeErr(name, cause string) *asl.Error {
	return &asl.Error{Name: name, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", r.st.Name, r.th.EnteredEventID, cause)}
}

// exit leaves the current state with output: it emits StateExited and
// moves to next, or ends the thread.
func (r *run) exit(output any, next string) (Effect, error) {
	th, st := r.th, r.st
	if !value.Identical(output, th.sized) {
		if value.SizeExceeds(output, r.maxPayload()) {
			return r.failThread(&asl.Error{Name: asl.StatesDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name)})
		}
		th.sized = output
	}
	r.env.emitState(th, stateEvents[st.Type].exited, stateExitedKey, st.Name, output)
	return r.transition(output, next)
}

func (r *run) transition(output any, next string) (Effect, error) {
	th := r.th
	th.Phase = PhaseEnter
	th.TaskInput = nil
	th.TaskToken = ""
	if next == "" {
		th.Status = Succeeded
		th.Output = output
		th.Input = nil
		r.endEvents()
		return Effect{Kind: Done}, nil
	}
	th.State = next
	th.Input = output
	return Effect{Kind: Continue}, nil
}

// endEvents emits the events of a thread's end: the execution's for the
// root, the iteration's for a Map iteration.
func (r *run) endEvents() {
	th := r.th
	switch {
	case th.Machine == "":
		if th.Status == Succeeded {
			out := th.Output
			r.env.emit(th, "ExecutionSucceeded", "executionSucceededEventDetails", func() map[string]any {
				return map[string]any{"output": payload(out), "outputDetails": map[string]any{"truncated": false}}
			})
		} else {
			e := th.Error
			r.env.emit(th, "ExecutionFailed", "executionFailedEventDetails", func() map[string]any {
				return errDetails(e)
			})
		}
	case r.m.isIteration(th.Machine):
		parent := r.m.Parent(th.Machine)
		typ, key := "MapIterationSucceeded", "mapIterationSucceededEventDetails"
		if th.Status != Succeeded {
			typ, key = "MapIterationFailed", "mapIterationFailedEventDetails"
		}
		idx := th.ItemIndex
		// As in AWS's histories, the next iteration's MapIterationStarted
		// and a MapStateFailed follow the iteration's last state event.
		r.env.emitAside(th, typ, key, func() map[string]any {
			return map[string]any{"name": parent.Name, "index": idx}
		})
	}
}

func errDetails(e *asl.Error) map[string]any {
	d := map[string]any{}
	if e == nil {
		return d
	}
	if e.Name != "" {
		d["error"] = e.Name
	}
	if !e.NoCause {
		d["cause"] = e.Cause
	}
	return d
}

// failThread ends the thread with err, without Retry or Catch.
func (r *run) failThread(err *asl.Error) (Effect, error) {
	th := r.th
	th.Status = Failed
	th.Error = err
	th.Phase = PhaseEnter
	th.Input = nil
	th.TaskInput = nil
	r.endEvents()
	return Effect{Kind: Done}, nil
}

// handleError applies the state's Retry and Catch to err, or fails the
// thread.
func (r *run) handleError(err *asl.Error) (Effect, error) {
	if eff, ok := r.retry(err); ok {
		return eff, nil
	}
	return r.catchOrFail(err)
}

// retry schedules the next attempt when a retrier of the state matches err
// and has attempts left.
func (r *run) retry(err *asl.Error) (Effect, bool) {
	th, st := r.th, r.st
	if err.Name != asl.StatesRuntime {
		// Retry: the first retrier whose ErrorEquals matches decides.
		for i, rt := range st.Retry {
			if !asl.Matches(rt.ErrorEquals, err.Name) {
				continue
			}
			if len(th.Retries) < len(st.Retry) {
				rs := make([]int, len(st.Retry))
				copy(rs, th.Retries)
				th.Retries = rs
			}
			attempt := th.Retries[i]
			if int64(attempt) >= rt.MaxAttempts {
				return Effect{}, false
			}
			th.Retries[i]++
			th.RetryCount++
			delay := float64(rt.IntervalSeconds) * math.Pow(rt.BackoffRate, float64(attempt))
			if rt.MaxDelaySeconds > 0 && delay > float64(rt.MaxDelaySeconds) {
				delay = float64(rt.MaxDelaySeconds)
			}
			if rt.JitterStrategy == "FULL" {
				delay = delay * r.random()
			}
			th.Phase = PhaseTimer
			wait := time.Duration(math.MaxInt64) // beyond ~292 years: no overflow
			if d := delay * float64(time.Second); d < float64(math.MaxInt64) {
				wait = time.Duration(d)
			}
			th.Due = r.env.Now.Add(wait)
			return Effect{Kind: Sleep, Due: th.Due}, true
		}
	}
	return Effect{}, false
}

// catchOrFail applies the state's Catch to err, or fails the thread.
func (r *run) catchOrFail(err *asl.Error) (Effect, error) {
	if err.Name != asl.StatesRuntime {
		for _, c := range r.st.Catch {
			if !asl.Matches(c.ErrorEquals, err.Name) {
				continue
			}
			return r.catch(c, err)
		}
	}
	return r.failThread(err)
}

func (r *run) catch(c *asl.Catcher, err *asl.Error) (Effect, error) {
	th, st := r.th, r.st
	errOut := map[string]any{"Error": err.Name, "Cause": err.Cause}
	if err.NoCause {
		delete(errOut, "Cause")
	}
	var output any
	var newVars map[string]any
	var e *asl.Error
	if st.QueryLanguage == asl.JSONata {
		// Without Output, a JSONata Catch passes on the error output.
		output, newVars, e = r.assignOutput(c.AssignExpr, c.Output, r.jsonataVars(th.Input, nil, false, errOut, true), errOut)
	} else {
		output, newVars, e = r.assignResultPath(c.AssignPath, c.ResultPath, th.Input, errOut)
	}
	if e != nil {
		return r.failThread(e)
	}
	r.setVars(newVars)
	return r.exit(output, c.Next)
}

// random returns a float in [0, 1) from the environment's randomness.
func (r *run) random() float64 {
	var b [8]byte
	readRand(r.env.Rand, b[:])
	u := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	return float64(u>>11) / float64(1<<53)
}

func (r *run) timerFired() (Effect, error) {
	switch r.st.Type {
	case asl.TypeWait:
		return r.exit(r.th.Input, r.next())
	case asl.TypeTask:
		// A retry evaluates the task's input again (with a new task token).
		return r.task()
	case asl.TypeParallel, asl.TypeMap:
		return r.startChildren()
	}
	return Effect{}, fmt.Errorf("timer fired in state %q of type %s", r.st.Name, r.st.Type)
}

// next is the state's transition target, "" for End.
func (r *run) next() string {
	if r.st.End {
		return ""
	}
	return r.st.Next
}

// Submitted records TaskSubmitted for a Task whose integration was called
// and whose result comes later (.waitForTaskToken, .sync): Step Functions
// records it between TaskStarted and the task's outcome, with the
// integration's response as output. A nil output (the in-process runner,
// which does not see the response) leaves output out. It records nothing
// for a thread not waiting in a Task or for resources with no TaskSubmitted
// (Lambda function ARNs, activities).
func Submitted(m *Machine, th *Thread, output any, env *Env) error {
	if th.Status != Running || th.Phase != PhaseTask {
		return nil
	}
	_, st, err := m.Lookup(th.Machine, th.State)
	if err != nil {
		return err
	}
	if !Submits(st.Resource) {
		return nil
	}
	_, rtype, res := taskKind(st.Resource)
	env.emit(th, "TaskSubmitted", "taskSubmittedEventDetails", func() map[string]any {
		d := map[string]any{"resourceType": rtype, "resource": res}
		if output != nil {
			d["output"] = payload(output)
			d["outputDetails"] = map[string]any{"truncated": false}
		}
		return d
	})
	return nil
}

// Submits reports whether a Task resource records TaskSubmitted: the
// service integrations that wait (.waitForTaskToken, .sync, .sync:2).
func Submits(resource string) bool {
	prefix, _, _ := taskKind(resource)
	return prefix == "Task" && (strings.HasSuffix(resource, ".waitForTaskToken") ||
		strings.HasSuffix(resource, ".sync") || strings.HasSuffix(resource, ".sync:2"))
}
