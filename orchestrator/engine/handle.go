package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Stats counts what HandleMessage did, for tests and benchmarks.
type Stats struct {
	Steps      int // commits of a step
	Duplicates int // messages dropped as duplicates or stale
	Conflicts  int // commits that lost a race
	Resent     int // outboxes sent again
}

// HandleMessage handles one queue message. A nil error means the message
// can be acknowledged (including when it was a duplicate); an error means
// it must be delivered again. receiveCount is the delivery's attempt (1 on
// the first delivery): a message delivered again after its handler died
// may have committed without sending, so only then is a duplicate's
// outbox sent again (re-sending on every duplicate would chain duplicates
// along the whole execution).
func (e *Engine) HandleMessage(ctx context.Context, body []byte, receiveCount int) error {
	_, err := e.handle(ctx, body, receiveCount)
	return err
}

// handle is HandleMessage returning what happened.
func (e *Engine) handle(ctx context.Context, body []byte, receiveCount int) (string, error) {
	msg, err := decodeMessage(body)
	if err != nil {
		// A message we cannot read will never be readable: drop it.
		e.log.ErrorContext(ctx, "dropping unreadable message", "error", err)
		return "bad", nil
	}
	if msg.Kind == kindChild && receiveCount <= 1 {
		return e.handleChildEnd(ctx, msg) // with its siblings' (join.go)
	}
	return e.handleRetrying(ctx, msg, receiveCount > 1)
}

var (
	errRetry = errors.New("retry")
	// errStopped: the execution stopped while the step ran, before a
	// side effect; the step is dropped.
	errStopped = errors.New("execution stopped")
)

// maxCarried bounds the checkpoint a message carries (message.CP).
const maxCarried = 32 * 1024

func (e *Engine) handleOnce(ctx context.Context, msg *message, redelivered bool) (string, error) {
	want := statusTTL
	switch {
	case msg.Kind == kindExecEnd || msg.Kind == kindExpress:
		want = statusFresh
	case msg.Thread == rootThread:
		want = statusAny // the root is fenced by the commits that end it
	case msg.Kind == kindStep && (msg.Seq+2)%statusEvery != 0:
		// Only every statusEvery-th step of a thread (the step that
		// writes Seq statusEvery-1, 2*statusEvery-1, ...) looks at the
		// status; a step that calls anything reads it anyway.
		want = statusAny
	}
	// Every message but the root's first comes after a step: the record
	// was written well before.
	settled := msg.Thread != rootThread || msg.Seq != store.NoSeq
	x, err := e.executionRead(ctx, msg.Exec, want, settled)
	if errors.Is(err, store.ErrNotFound) {
		return "gone", nil
	}
	if err != nil {
		return "", err
	}
	if x.rec.Status != store.StatusRunning {
		if x.xd.Parent != nil && (redelivered || msg.Kind == kindExecEnd || msg.Kind == kindExpress) {
			// The end may have committed without telling the parent (the
			// worker died before sending): tell it again, harmlessly.
			if err := e.notifyParent(ctx, x.rec, x.xd.Parent); err != nil {
				return "", err
			}
		}
		return "stopped", nil
	}
	if msg.Kind == kindExecEnd {
		return e.timeOut(ctx, x)
	}
	m, _, err := e.machine(ctx, x.rec.StateMachineARN, x.xd.Revision)
	if err != nil {
		return "", err
	}
	if msg.Kind == kindExpress {
		xd := x.xd
		return e.runExpressMessage(ctx, m, x.rec, &xd)
	}
	if msg.Kind == kindAbort {
		return e.abortThread(ctx, m, x, msg, redelivered)
	}
	s := new(step)
	th, cp, carried, err := e.loadThread(ctx, m, x, msg, redelivered, &s.thread)
	if err != nil || th == nil {
		return "gone", err
	}
	if err := e.crash("loaded"); err != nil {
		return "", err
	}
	if redelivered && rootEnded(msg.Thread, cp) {
		// The step that ended the root may have died before the record
		// said so (whatever this message was, it was handled by then).
		if err := e.finish(ctx, msg.Exec, cp); err != nil {
			return "", err
		}
	}
	if redelivered && quietEnded(cp) {
		// The step that ended a child of a quiet fork may have died before
		// it looked at its siblings.
		if err := e.quietEnd(ctx, msg.Exec, msg.Thread, cp); err != nil {
			return "", err
		}
	}
	if cp.Stopped {
		if cp.Aborted && redelivered {
			// The step that recorded the abort may have died before
			// telling the parent.
			if err := e.resend(ctx, msg.Exec, msg.Thread, th, cp); err != nil {
				return "", err
			}
		}
		return "stopped", nil
	}
	s.e, s.m, s.ex, s.rec, s.parent, s.msg, s.th, s.cp, s.now = e, m, x.xd.Exec, x.rec, x.xd.Parent, msg, th, cp, e.stepTime(cp, msg)
	s.carried = carried
	if msg.Thread == rootThread && th.Seq == store.NoSeq {
		// The root's first step records the execution's start.
		s.emit(startedEvent(x.rec, x.xd.Exec.RoleARN))
	}
	switch msg.Kind {
	case kindChild, kindLaunch:
		// These messages are not fenced by a sequence number: their effect
		// is idempotent (a bitmap, a launch count). When one turns out to
		// be a duplicate, the commit it made may not have been followed
		// by its send: send the thread's outbox again (harmless if it was).
		var res string
		if msg.Kind == kindChild {
			res, err = s.child()
		} else if cp.Fork == nil || cp.Fork.Gen != msg.Gen || cp.Thread.Phase != interp.PhaseChildren {
			res = "duplicate"
		} else {
			res, err = "step", s.launch()
		}
		if err != nil {
			return "", err
		}
		if res == "duplicate" {
			if !redelivered {
				return res, nil
			}
			if err := e.resend(ctx, msg.Exec, msg.Thread, th, cp); err != nil {
				return "", err
			}
			return res, nil
		}
		if s.joined {
			if err := s.joinResults(ctx); err != nil {
				return "", err
			}
		}
		return s.commit(ctx, false)
	}
	if msg.tokenFenced() {
		return e.handleAnswer(ctx, s, redelivered)
	}
	if msg.Seq < th.Seq {
		if redelivered && msg.Seq == cp.outboxSeq(th.Seq)-1 {
			if err := e.resend(ctx, msg.Exec, msg.Thread, th, cp); err != nil {
				return "", err
			}
			return "resent", nil
		}
		return "duplicate", nil
	}
	if msg.Seq > th.Seq {
		e.log.WarnContext(ctx, "message ahead of its checkpoint", "execution_arn", msg.Exec, "thread", msg.Thread, "seq", msg.Seq, "checkpoint_seq", th.Seq)
		return "duplicate", nil
	}
	var in interp.Input
	switch msg.Kind {
	case kindStep:
		if cp.Thread.Phase != interp.PhaseEnter {
			return "stale", nil
		}
		in = interp.Input{Kind: interp.Enter}
	case kindTimer:
		if cp.Thread.Phase != interp.PhaseTimer {
			return "stale", nil
		}
		in = interp.Input{Kind: interp.TimerFired}
	case kindTimeout:
		// A timeout message of an older engine, fenced by Seq.
		if cp.Thread.Phase != interp.PhaseTask || cp.Thread.TaskToken == "" {
			return "stale", nil
		}
		in = interp.Input{Kind: interp.TaskDone, Err: &asl.Error{Name: asl.StatesTimeout}}
		s.consume()
	default:
		e.log.ErrorContext(ctx, "dropping message of unknown kind", "kind", msg.Kind)
		return "bad", nil
	}
	if err := s.run(ctx, in); errors.Is(err, errStopped) {
		return "stopped", nil
	} else if err != nil {
		return "", err
	}
	if err := e.crash("invoked"); err != nil {
		return "", err
	}
	return s.commit(ctx, true)
}

// loadThread returns the thread a message acts on and its checkpoint. A
// first delivery of a step or timer message whose checkpoint it carries
// uses that when the step has no side effect (carried is then true): the
// commit is fenced by the step's Seq, so a duplicate fails there instead
// of at a read. A child's first message finds no thread; its checkpoint is
// the one it carries or its parent's spec. A nil thread (and nil error)
// means the message has nothing to act on. A thread that is not read is
// written in carriedTh and returned.
func (e *Engine) loadThread(ctx context.Context, m *interp.Machine, x *execInfo, msg *message, redelivered bool, carriedTh *store.Thread) (*store.Thread, *checkpoint, bool, error) {
	var early *checkpoint // decoded from msg.CP, not used
	if msg.CP != nil && !redelivered && (msg.Kind == kindStep || msg.Kind == kindTimer) {
		cp, err := e.checkpointOf(msg.Exec, msg.Thread, msg.CP)
		if err == nil && sideEffectFree(m, cp, msg.Kind) {
			*carriedTh = store.Thread{ExecutionARN: msg.Exec, ThreadID: msg.Thread, Seq: msg.Seq, Data: msg.CP}
			return carriedTh, cp, true, nil
		}
		early = cp
	}
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: msg.Exec, ThreadID: msg.Thread})
	if errors.Is(err, store.ErrNotFound) && msg.Thread == rootThread {
		if msg.Seq != store.NoSeq || msg.Kind != kindStep {
			return nil, nil, false, nil
		}
		// The root's first step: its checkpoint follows from the record.
		cp := early
		if cp == nil {
			if cp, err = rootFirst(m, x.rec); err != nil {
				return nil, nil, false, err
			}
		}
		return &store.Thread{ExecutionARN: msg.Exec, ThreadID: msg.Thread, Seq: store.NoSeq}, cp, false, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		if msg.Seq != store.NoSeq || msg.Kind != kindStep || msg.Parent == "" {
			return nil, nil, false, nil
		}
		// A child's first step.
		var cp *checkpoint
		if msg.CP != nil {
			cp, err = decodeCheckpoint(msg.CP)
		} else {
			cp, err = e.childFromParent(ctx, msg)
		}
		if err != nil || cp == nil {
			return nil, nil, false, err
		}
		return &store.Thread{ExecutionARN: msg.Exec, ThreadID: msg.Thread, Seq: store.NoSeq}, cp, false, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("loading thread %q of %s: %w", msg.Thread, msg.Exec, err)
	}
	cp := early
	if cp == nil || !bytes.Equal(th.Data, msg.CP) {
		if cp, err = e.checkpointOf(msg.Exec, msg.Thread, th.Data); err != nil {
			return nil, nil, false, err
		}
	}
	if err := e.loadBase(ctx, msg.Exec, cp); err != nil {
		return nil, nil, false, err
	}
	return th, cp, false, nil
}

// sideEffectFree reports whether handling a message of kind at checkpoint
// cp calls nothing outside the engine: entering a Pass, Choice, Succeed,
// Fail or Wait state, a Parallel or an inline Map (whose children start
// from the step's outbox, after its commit), or a Wait's timer.
func sideEffectFree(m *interp.Machine, cp *checkpoint, kind string) bool {
	if cp.Base != "" || cp.Stopped || cp.Thread.Status != interp.Running {
		return false
	}
	_, st, err := m.Lookup(cp.Thread.Machine, cp.Thread.State)
	if err != nil {
		return false
	}
	switch {
	case kind == kindStep && cp.Thread.Phase == interp.PhaseEnter:
		switch st.Type {
		case asl.TypePass, asl.TypeChoice, asl.TypeSucceed, asl.TypeFail, asl.TypeWait, asl.TypeParallel:
			return true
		case asl.TypeMap:
			return st.ItemReader == nil
		}
	case kind == kindTimer && cp.Thread.Phase == interp.PhaseTimer:
		return st.Type == asl.TypeWait
	}
	return false
}

// stepTime is the time of a step: now, but after the thread's last step
// and after the step of the message's sender (a parent that launched the
// thread, a child that ended), whatever the clocks of the machines that
// ran them said. History orders events by it.
func (e *Engine) stepTime(cp *checkpoint, msg *message) time.Time {
	now := e.now().UTC()
	floor := max(cp.Time, msg.At)
	if now.UnixNano() <= floor {
		return time.Unix(0, floor+1).UTC()
	}
	return now
}

// handleAnswer handles a message that answers the task the thread waits
// for: a callback, a timeout, a heartbeat check or a child execution's
// end. It is fenced by the task token: any other token, or a thread no
// longer waiting, makes it stale. Its commit is not fenced by Seq (a
// heartbeat may have advanced it meanwhile): a conflict reads again.
func (e *Engine) handleAnswer(ctx context.Context, s *step, redelivered bool) (string, error) {
	msg, cp := s.msg, s.cp
	if cp.Thread.Phase != interp.PhaseTask || cp.Thread.TaskToken != msg.Token {
		if redelivered && cp.Consumed == msg.Token && len(s.th.Outbox) > 0 {
			// This answer was committed; its sends may not have been.
			if err := e.resend(ctx, msg.Exec, msg.Thread, s.th, cp); err != nil {
				return "", err
			}
			return "resent", nil
		}
		return "stale", nil
	}
	in := interp.Input{Kind: interp.TaskDone}
	switch msg.Kind {
	case kindTimeout:
		in.Err = &asl.Error{Name: asl.StatesTimeout}
	case kindHeartbeat:
		w := cp.Wait
		if w == nil || w.Heartbeat == 0 {
			return "stale", nil
		}
		if s.now.Before(w.HeartbeatDue) {
			// A heartbeat pushed the deadline: check again then.
			next := &message{Kind: kindHeartbeat, Exec: msg.Exec, Thread: msg.Thread, Token: msg.Token}
			if err := e.sendMessages(ctx, []queue.Message{{Body: next.encode(), Delay: w.HeartbeatDue.Sub(s.now)}}); err != nil {
				return "", fmt.Errorf("re-arming the heartbeat timer of %s thread %q: %w", msg.Exec, msg.Thread, err)
			}
			return "rearmed", nil
		}
		in.Err = &asl.Error{Name: asl.StatesHeartbeatTimeout}
	case kindChildExec:
		res, terr, err := s.childExecResult(ctx)
		if err != nil {
			return "", err
		}
		if res == nil && terr == nil {
			return "stale", nil // the child still runs: a stray message
		}
		in.Result, in.Err = res, terr
	case kindCallback:
		if msg.Failed {
			in.Err = &asl.Error{Name: msg.Error, Cause: msg.Cause}
			break
		}
		v, err := value.Decode(msg.Output)
		if err != nil {
			in.Err = &asl.Error{Name: asl.StatesRuntime, Cause: "The task output is not valid JSON"}
		} else {
			in.Result = v
		}
	}
	s.consume()
	if err := s.run(ctx, in); errors.Is(err, errStopped) {
		return "stopped", nil
	} else if err != nil {
		return "", err
	}
	if err := e.crash("invoked"); err != nil {
		return "", err
	}
	return s.commit(ctx, false)
}

// step accumulates one message's work: the interpreter's steps, the
// writes of the commit and the messages to send after it.
type step struct {
	e      *Engine
	m      *interp.Machine
	ex     *interp.Execution
	rec    *store.Execution
	parent *parentLink
	msg    *message
	th     *store.Thread
	cp     *checkpoint
	now    time.Time
	// carried: the checkpoint came with the message, not from the store.
	carried bool

	events []*interp.Event
	// eventData[i] is lean events[i]'s data, written when it was emitted
	// (a task may change the value it was given); pieces of dataBuf.
	// lastPiece is the last lean event's, of lastData, while no task has
	// been called since: a state's output is often its input.
	eventData     [][]byte
	dataBuf       []byte
	lastData      any
	lastPiece     []byte
	outbox        []outgoing
	putTokens     []store.Token
	deleteTokens  []string
	activityTasks []store.ActivityTask
	activityDone  []store.ActivityTaskDelete
	// ended: the root thread ends with this step; once it is committed,
	// the execution's record is updated (finish).
	ended  bool
	base   *store.ThreadWrite // a fork's base thread, written first
	joined bool               // the children are all done: join them
	// allJoin: the join follows a quiet fork's report that all its
	// children succeeded.
	allJoin bool
	// quiet: a child of a quiet fork succeeds with this step; once it is
	// committed, it looks at its siblings (quietEnd).
	quiet bool

	// Room for what a step usually has, so that it is part of the step's
	// one allocation instead of many: the interpreter's Env (made once,
	// see env), the thread when it came with the message, the first
	// events and messages, the commit's and the send's parameters. None
	// of it outlives the step in the engine or serves another step; the
	// store and the queue may keep what they are given.
	envv         interp.Env
	thread       store.Thread
	eventArr     [2]*interp.Event
	eventDataArr [2][]byte
	outArr       [1]outgoing
	msgArr       [1]message
	msgsUsed     int
	entryArr     [1][]byte
	sendArr      [1]queue.Message
	writeArr     [3]store.EventWrite
	threadArr    [1]store.ThreadWrite
	params       store.CommitParams
	sendParams   queue.MessageSendParams
}

// outgoing is a message the step sends after its commit.
type outgoing struct {
	m     *message
	delay time.Duration
}

// env returns the interpreter's Env for the step: one for the whole step
// (it keeps its scratch between the interpreter's calls), its fields as
// the step's are now.
func (s *step) env() *interp.Env {
	env := &s.envv
	if env.Emit == nil {
		env.Emit = s.emit
		env.LeanEvents = true
	}
	env.Exec, env.Now, env.IDs, env.Rand = s.ex, s.now, &s.cp.Events, s.e.rand
	return env
}

// newMessage returns a zero message for the step to send: the first is
// part of the step.
func (s *step) newMessage() *message {
	if s.msgsUsed < len(s.msgArr) {
		s.msgsUsed++
		return &s.msgArr[s.msgsUsed-1]
	}
	return new(message)
}

// sendNext sends the thread's next message of kind (kindStep, kindTimer),
// after delay.
func (s *step) sendNext(kind string, delay time.Duration) {
	m := s.newMessage()
	m.Kind, m.Exec, m.Thread, m.Seq = kind, s.msg.Exec, s.msg.Thread, s.th.Seq+1
	s.send(m, delay)
}

// emit collects an event of the step. A lean event's data is written now,
// as the interpreter would have written it into Details.
func (s *step) emit(ev *interp.Event) {
	if s.events == nil {
		s.events = s.eventArr[:0]
	}
	if ev.Lean {
		if s.eventData == nil {
			s.eventData = s.eventDataArr[:0]
		}
		for len(s.eventData) < len(s.events) {
			s.eventData = append(s.eventData, nil)
		}
		if s.lastPiece == nil || !value.Identical(ev.Data, s.lastData) {
			start := len(s.dataBuf)
			s.dataBuf = value.AppendQuoted(s.dataBuf, ev.Data, true)
			s.lastPiece = s.dataBuf[start:len(s.dataBuf):len(s.dataBuf)]
		}
		s.lastData = ev.Data
		s.eventData = append(s.eventData, s.lastPiece)
	}
	s.events = append(s.events, ev)
}

// calling forgets the last lean event's data: a task about to be called
// may change the value it is given.
func (s *step) calling() {
	s.lastData, s.lastPiece = nil, nil
}

func (s *step) send(m *message, delay time.Duration) {
	if s.outbox == nil {
		s.outbox = s.outArr[:0]
	}
	s.outbox = append(s.outbox, outgoing{m: m, delay: delay})
}

// run steps the interpreter until the thread must wait for a message.
func (s *step) run(ctx context.Context, in interp.Input) error {
	th := &s.cp.Thread
	env := s.env()
	for {
		eff, err := interp.Step(s.m, th, in, env)
		if err != nil {
			return err
		}
		switch eff.Kind {
		case interp.Continue:
			// One state per message: the next state is the next message.
			s.sendNext(kindStep, 0)
			return nil
		case interp.Sleep:
			s.sendNext(kindTimer, eff.Due.Sub(s.now))
			return nil
		case interp.Invoke:
			s.calling()
			w, res, terr, err := s.invokeTask(ctx, eff.Task)
			if err != nil {
				return err
			}
			if w != nil {
				return s.wait(w, eff.Task)
			}
			in = interp.Input{Kind: interp.TaskDone, Result: res, Err: terr}
		case interp.Fork:
			return s.fork(eff.Fork)
		case interp.Done:
			s.done()
			return nil
		}
	}
}

// invokeTask runs a Task state's work. The engine itself handles
// states:startExecution and activities; the rest goes to the configured
// integrations. A non-nil taskWait means the thread must wait for a task
// token (a callback, an activity worker, a child execution). Before any
// of it, the execution is read again: a stopped execution calls nothing.
func (s *step) invokeTask(ctx context.Context, req *interp.TaskRequest) (*taskWait, any, *asl.Error, error) {
	x, err := s.e.execution(ctx, s.msg.Exec, statusFresh)
	if err != nil {
		return nil, nil, nil, err
	}
	if x.rec.Status != store.StatusRunning {
		return nil, nil, nil, errStopped
	}
	switch {
	case isStartExecution(req.Resource):
		return s.startExecutionTask(ctx, req)
	case isActivity(req.Resource):
		return s.activityTask(ctx, req)
	}
	res, terr, err := s.e.invoke(ctx, req)
	if err != nil || terr != nil || req.TaskToken == "" {
		return nil, res, terr, err
	}
	return &taskWait{Token: req.TaskToken, response: res}, nil, nil, nil
}

// invoke calls the configured integrations.
func (e *Engine) invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if e.tasks == nil {
		return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: "no task integration is configured for " + req.Resource}, nil
	}
	return e.tasks.Invoke(ctx, req)
}

// wait makes the thread wait for w's token: the token record, the
// TimeoutSeconds timer and the heartbeat timer, all in this step's commit.
func (s *step) wait(w *taskWait, req *interp.TaskRequest) error {
	// TaskSubmitted: the integration took the request; its outcome comes
	// with the token.
	if err := interp.Submitted(s.m, &s.cp.Thread, w.response, s.env()); err != nil {
		return err
	}
	s.cp.Thread.TaskToken = w.Token
	var data []byte
	if w.internal {
		data, _ = json.Marshal(&tokenData{Internal: true})
	}
	s.putTokens = append(s.putTokens, store.Token{Token: w.Token, ExecutionARN: s.msg.Exec,
		ThreadID: s.msg.Thread, Seq: s.th.Seq + 1, Data: data})
	if req.TimeoutSeconds > 0 {
		s.send(&message{Kind: kindTimeout, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1, Token: w.Token},
			time.Duration(req.TimeoutSeconds)*time.Second)
	}
	if req.HeartbeatSeconds > 0 {
		w.Heartbeat = req.HeartbeatSeconds
		w.HeartbeatDue = s.now.Add(time.Duration(req.HeartbeatSeconds) * time.Second)
		s.send(&message{Kind: kindHeartbeat, Exec: s.msg.Exec, Thread: s.msg.Thread, Token: w.Token},
			time.Duration(req.HeartbeatSeconds)*time.Second)
	}
	s.cp.Wait = w
	return nil
}

// consume ends the thread's wait for its task token: the answer is being
// committed. The token record stays, so that a late SendTask* gets
// TaskTimedOut; an activity task no worker took is removed.
func (s *step) consume() {
	s.cp.Consumed = s.cp.Thread.TaskToken
	if w := s.cp.Wait; w != nil && w.Activity != "" && !w.Started {
		s.activityDone = append(s.activityDone, store.ActivityTaskDelete{ActivityARN: w.Activity, Key: w.ActivityKey})
	}
	s.cp.Wait = nil
}

// done records the end of the thread: the execution's for the root, a
// message to the parent for a child (whose result is this step's
// checkpoint, which the parent reads at its join).
func (s *step) done() {
	th := &s.cp.Thread
	if s.msg.Thread == rootThread {
		// The record says so right after the commit (finish).
		s.ended = true
		if m := parentMessage(s.msg.Exec, s.parent); m != nil {
			s.send(m, 0)
		}
		return
	}
	if s.cp.Siblings > 0 && th.Status == interp.Succeeded {
		s.quiet = true
		return
	}
	m := endMessage(s.msg.Exec, s.cp, s.now.UnixNano())
	m.Failed = th.Status != interp.Succeeded
	s.send(m, 0)
}

// endMessage is the message that tells a child's parent it ended with
// checkpoint cp, at (Unix nanoseconds).
func endMessage(exec string, cp *checkpoint, at int64) *message {
	return &message{Kind: kindChild, Exec: exec, Thread: cp.Parent, Index: cp.Index, Gen: cp.Gen, Events: cp.Events,
		Last: cp.Thread.LastEventID, At: at}
}

// after turns the effect of a parent's join into messages.
func (s *step) after(eff interp.Effect) error {
	switch eff.Kind {
	case interp.Continue:
		s.sendNext(kindStep, 0)
	case interp.Sleep:
		s.sendNext(kindTimer, eff.Due.Sub(s.now))
	case interp.Done:
		s.done()
	case interp.Fork:
		return s.fork(eff.Fork)
	}
	return nil
}

// commit writes the step in one conditional write and sends its outbox.
// fenced says the message carried the sequence it acts on: a conflict then
// means another delivery already did the work. Otherwise (child, launch)
// a conflict asks for a fresh read and another try.
func (s *step) commit(ctx context.Context, fenced bool) (string, error) {
	seq := s.th.Seq + 1
	events := s.writeArr[:0]
	if len(s.events) > len(s.writeArr) {
		events = make([]store.EventWrite, 0, len(s.events))
	}
	events = appendEventWrites(events, s.msg.Thread, seq, s.now, s.events, s.eventData, s.cp.ForkGens > 0, s.cp.PrevThread)
	if len(s.events) > 0 {
		s.cp.PrevThread = "" // the events followed it
	}
	s.cp.OutboxSeq = 0 // this commit writes the outbox
	s.cp.Time = s.now.UnixNano()
	data, err := s.cp.encode()
	if err != nil {
		return "", err
	}
	outbox, msgs := s.entryArr[:0], s.sendArr[:0]
	if n := len(s.outbox); n > len(s.entryArr) {
		outbox, msgs = make([][]byte, 0, n), make([]queue.Message, 0, n)
	}
	for _, o := range s.outbox {
		if o.m.Thread == s.msg.Thread && o.m.Seq == seq && (o.m.Kind == kindStep || o.m.Kind == kindTimer) && len(data) <= maxCarried {
			o.m.CP = data // the next step of this thread may skip reading it
		}
		// The outbox keeps the message without its checkpoint; the
		// message sent carries it.
		entry, body := encodeOutboxAndBody(o.m, o.delay, s.now)
		outbox = append(outbox, entry)
		msgs = append(msgs, queue.Message{Body: body, Delay: o.delay})
	}
	if s.base != nil {
		if err := s.e.store.Commit(ctx, &store.CommitParams{ExecutionARN: s.msg.Exec, Threads: []store.ThreadWrite{*s.base}}); err != nil {
			return "", fmt.Errorf("writing the base of a fork of %s thread %q: %w", s.msg.Exec, s.msg.Thread, err)
		}
	}
	s.threadArr[0] = store.ThreadWrite{ThreadID: s.msg.Thread, ExpectSeq: s.th.Seq, Seq: seq, Data: data, Outbox: outbox}
	s.params = store.CommitParams{
		ExecutionARN:        s.msg.Exec,
		Threads:             s.threadArr[:1],
		Events:              events,
		TokensPut:           s.putTokens,
		TokensDelete:        s.deleteTokens,
		ActivityTasks:       s.activityTasks,
		ActivityTasksDelete: s.activityDone,
	}
	err = s.e.store.Commit(ctx, &s.params)
	if errors.Is(err, store.ErrConflict) {
		if fenced {
			return "conflict", nil
		}
		return "", errRetry
	}
	if err != nil {
		return "", fmt.Errorf("committing step of %s thread %q: %w", s.msg.Exec, s.msg.Thread, err)
	}
	if !s.ended {
		s.e.keepCheckpoint(s.msg.Exec, s.msg.Thread, data, s.cp)
	}
	for _, t := range s.activityTasks {
		s.e.wakeActivity(t.ActivityARN)
	}
	if err := s.e.crash("committed"); err != nil {
		return "", err
	}
	if s.ended {
		// Before the outbox: a parent told of the end reads the record.
		if err := s.e.finish(ctx, s.msg.Exec, s.cp); err != nil {
			return "", err
		}
		if err := s.e.crash("finished"); err != nil {
			return "", err
		}
	}
	if err := s.e.sendMessagesWith(ctx, msgs, &s.sendParams); err != nil {
		// Committed: the outbox is re-sent when the message comes back.
		return "", fmt.Errorf("sending outbox of %s thread %q: %w", s.msg.Exec, s.msg.Thread, err)
	}
	if s.quiet {
		if err := s.e.quietEnd(ctx, s.msg.Exec, s.msg.Thread, s.cp); err != nil {
			return "", err
		}
	}
	if err := s.e.crash("sent"); err != nil {
		return "", err
	}
	return "step", nil
}

// outboxEntry is a message as kept in a checkpoint's outbox.
type outboxEntry struct {
	Body  json.RawMessage `json:"b"`
	Delay time.Duration   `json:"d,omitempty"`
	// At is when a delayed message is due: a resend waits only for what
	// is left of the delay.
	At time.Time `json:"at,omitzero"`
}

func encodeOutbox(m queue.Message) []byte {
	b, _ := json.Marshal(&outboxEntry{Body: m.Body, Delay: m.Delay})
	return b
}

// encodeOutboxAt encodes m, sent at now, for an outbox: an outboxEntry,
// written by hand (m.Body is compact JSON: a message's encoding).
func encodeOutboxAt(m queue.Message, now time.Time) []byte {
	b := make([]byte, 0, len(m.Body)+64)
	b = append(b, `{"b":`...)
	b = append(b, m.Body...)
	return appendOutboxEnd(b, m.Delay, now)
}

// appendOutboxEnd ends an outbox entry whose body b holds: its delay.
func appendOutboxEnd(b []byte, delay time.Duration, now time.Time) []byte {
	if delay > 0 {
		b = append(b, `,"d":`...)
		b = strconv.AppendInt(b, int64(delay), 10)
		at, _ := now.Add(delay).MarshalJSON()
		b = append(b, `,"at":`...)
		b = append(b, at...)
	}
	return append(b, '}')
}

// encodeOutboxAndBody writes m, sent at now after delay, as its thread's
// outbox keeps it (encodeOutboxAt of its lean encoding) and as it is sent
// (carrying its checkpoint if it has one), in one buffer.
func encodeOutboxAndBody(m *message, delay time.Duration, now time.Time) (entry, body []byte) {
	var scratch [256]byte
	lean := appendLeanMessage(scratch[:0], m)
	// The entry's head and end (at most 64 bytes with a delay), the
	// body's carried checkpoint and its length.
	n := 2*len(lean) + len(`{"b":}`)
	if delay > 0 {
		n += 64
	}
	if m.CP != nil {
		n += len(m.CP) + len(`,"cl":,"cp":`) + 20
	}
	b := make([]byte, 0, n)
	b = append(b, `{"b":`...)
	b = append(b, lean...)
	b = appendOutboxEnd(b, delay, now)
	entry = b[:len(b):len(b)]
	start := len(b)
	b = append(b, lean...)
	if m.CP != nil {
		b = appendCarried(b, m.CP)
	}
	return entry, b[start:len(b):len(b)]
}

// decodeOutbox returns the messages of an outbox, with what is left of
// their delays at now.
func decodeOutbox(outbox [][]byte, now time.Time) []queue.Message {
	msgs := make([]queue.Message, 0, len(outbox))
	for _, b := range outbox {
		var oe outboxEntry
		if err := json.Unmarshal(b, &oe); err != nil {
			continue
		}
		if len(oe.Body) == 0 {
			// A bare message body (the first outbox of a thread).
			oe = outboxEntry{Body: b}
		}
		if !oe.At.IsZero() {
			oe.Delay = max(oe.At.Sub(now), 0)
		}
		msgs = append(msgs, queue.Message{Body: oe.Body, Delay: oe.Delay})
	}
	return msgs
}

// sendNow sends messages.
func (e *Engine) sendNow(ctx context.Context, msgs []queue.Message) error {
	if err := e.sendMessages(ctx, msgs); err != nil {
		return fmt.Errorf("sending messages: %w", err)
	}
	return nil
}

// resend sends a thread's outbox again, and the first messages of the
// children it launched that have not ended.
func (e *Engine) resend(ctx context.Context, exec, thread string, th *store.Thread, cp *checkpoint) error {
	msgs := decodeOutbox(th.Outbox, e.now())
	msgs = append(msgs, e.pendingStarts(exec, thread, cp)...)
	if err := e.sendMessages(ctx, msgs); err != nil {
		return fmt.Errorf("re-sending outbox: %w", err)
	}
	return nil
}

// timeOut ends an execution whose TimeoutSeconds passed.
func (e *Engine) timeOut(ctx context.Context, x *execInfo) (string, error) {
	rec, err := e.stop(ctx, x.rec.ARN, store.StatusTimedOut, asl.StatesTimeout, "The execution timed out.",
		"ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": asl.StatesTimeout, "cause": "The execution timed out."})
	if errors.Is(err, store.ErrConflict) {
		return "stopped", nil
	}
	if err != nil {
		return "", fmt.Errorf("timing out %s: %w", x.rec.ARN, err)
	}
	if err := e.crash("committed"); err != nil {
		return "", err
	}
	if x.xd.Parent != nil {
		if err := e.notifyParent(ctx, rec, x.xd.Parent); err != nil {
			return "", err
		}
	}
	return "timedout", nil
}

// rootEnded reports whether cp, a checkpoint of thread, is the root's
// last, written by the step that ended it (not by Stop or a timeout, which
// update the record in the same commit).
func rootEnded(thread string, cp *checkpoint) bool {
	return thread == rootThread && !cp.Stopped && cp.Thread.Status != interp.Running
}

// finish updates the record of execution arn, whose root thread ended
// with checkpoint cp (committed), to say how it ended. The root's last
// step and the record are two plain writes instead of one transaction (at
// half the write units); until the record is updated the execution reads
// as RUNNING, and whoever finds the root ended first (its step, the
// redelivery of its message, Stop, the execution's timeout, ResumeAll)
// updates it. A record no longer RUNNING is left as it is.
func (e *Engine) finish(ctx context.Context, arn string, cp *checkpoint) error {
	th := &cp.Thread
	u := &store.ExecutionUpdate{StoppedAt: time.Unix(0, cp.Time).UTC()}
	if th.Status == interp.Succeeded {
		u.Status = store.StatusSucceeded
		b, _ := value.Encode(th.Output)
		u.Output = string(b)
	} else {
		u.Status = store.StatusFailed
		if th.Error != nil {
			u.Error, u.Cause = th.Error.Name, th.Error.Cause
		}
	}
	err := e.store.Commit(ctx, &store.CommitParams{ExecutionARN: arn, ExecutionUpdate: u})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("recording the end of %s: %w", arn, err)
	}
	e.forget(arn)
	return nil
}
