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
	for attempt := 0; ; attempt++ {
		res, err := e.handleOnce(ctx, msg, receiveCount > 1)
		if errors.Is(err, errRetry) && attempt < 20 {
			continue // lost a race on a parent: read again and reapply
		}
		return res, err
	}
}

var errRetry = errors.New("retry")

func (e *Engine) handleOnce(ctx context.Context, msg *message, redelivered bool) (string, error) {
	exRec, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: msg.Exec})
	if errors.Is(err, store.ErrNotFound) {
		return "gone", nil
	}
	if err != nil {
		return "", fmt.Errorf("loading execution %s: %w", msg.Exec, err)
	}
	var xd execData
	if err := json.Unmarshal(exRec.Data, &xd); err != nil {
		return "", fmt.Errorf("decoding execution %s: %w", msg.Exec, err)
	}
	if exRec.Status != store.StatusRunning {
		if xd.Parent != nil && (redelivered || msg.Kind == kindExecEnd || msg.Kind == kindExpress) {
			// The end may have committed without telling the parent (the
			// worker died before sending): tell it again, harmlessly.
			if err := e.notifyParent(ctx, exRec, xd.Parent); err != nil {
				return "", err
			}
		}
		return "stopped", nil
	}
	// Re-decode the input with UseNumber.
	if v, err := value.DecodeString(exRec.Input); err == nil {
		xd.Exec.Input = v
	}
	if msg.Kind == kindExecEnd {
		return e.timeOut(ctx, exRec, xd.Parent)
	}
	m, _, err := e.machine(ctx, exRec.StateMachineARN, xd.Revision)
	if err != nil {
		return "", err
	}
	if msg.Kind == kindExpress {
		return e.runExpressMessage(ctx, m, exRec, &xd)
	}
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: msg.Exec, ThreadID: msg.Thread})
	if errors.Is(err, store.ErrNotFound) {
		return "gone", nil
	}
	if err != nil {
		return "", fmt.Errorf("loading thread %q of %s: %w", msg.Thread, msg.Exec, err)
	}
	cp, err := decodeCheckpoint(th.Data)
	if err != nil {
		return "", err
	}
	if err := e.crash("loaded"); err != nil {
		return "", err
	}
	s := &step{e: e, m: m, ex: xd.Exec, rec: exRec, parent: xd.Parent, msg: msg, th: th, cp: cp, now: e.now().UTC()}
	switch msg.Kind {
	case kindChild, kindLaunch:
		// These messages are not fenced by a sequence number: their effect
		// is idempotent (a bitmap, a launch count). When one turns out to
		// be a duplicate, the commit it made may not have been followed
		// by its send: send the thread's outbox again (harmless if it was).
		var res string
		if msg.Kind == kindChild {
			res = s.child()
		} else if cp.Fork == nil || cp.Fork.Gen != msg.Gen || cp.Thread.Phase != interp.PhaseChildren {
			res = "duplicate"
		} else {
			s.launch()
			res = "step"
		}
		if res == "duplicate" {
			if !redelivered {
				return res, nil
			}
			if err := e.resend(ctx, th.Outbox); err != nil {
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
		if redelivered && msg.Seq == cp.outboxSeq(th.Seq)-1 && len(th.Outbox) > 0 {
			if err := e.resend(ctx, th.Outbox); err != nil {
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
	if err := s.run(ctx, in); err != nil {
		return "", err
	}
	if err := e.crash("invoked"); err != nil {
		return "", err
	}
	return s.commit(ctx, true)
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
			if err := e.resend(ctx, s.th.Outbox); err != nil {
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
			err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: next.encode(), Delay: w.HeartbeatDue.Sub(s.now)}}})
			if err != nil {
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
	if err := s.run(ctx, in); err != nil {
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

	events        []*interp.Event
	outbox        []queue.Message
	newThreads    []store.ThreadWrite
	childResults  []store.ChildResultWrite
	putTokens     []store.Token
	deleteTokens  []string
	activityTasks []store.ActivityTask
	activityDone  []store.ActivityTaskDelete
	execUpdate    *store.ExecutionUpdate
	joined        bool // the children are all done: join them
}

func (s *step) env() *interp.Env {
	return &interp.Env{Exec: s.ex, Now: s.now, IDs: &s.cp.Events, Rand: s.e.rand,
		Emit: func(ev *interp.Event) { s.events = append(s.events, ev) }}
}

func (s *step) send(m *message, delay time.Duration) {
	s.outbox = append(s.outbox, queue.Message{Body: m.encode(), Delay: delay})
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
			s.send(&message{Kind: kindStep, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1}, 0)
			return nil
		case interp.Sleep:
			s.send(&message{Kind: kindTimer, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1}, eff.Due.Sub(s.now))
			return nil
		case interp.Invoke:
			w, res, terr, err := s.invokeTask(ctx, eff.Task)
			if err != nil {
				return err
			}
			if w != nil {
				s.wait(w, eff.Task)
				return nil
			}
			in = interp.Input{Kind: interp.TaskDone, Result: res, Err: terr}
		case interp.Fork:
			s.fork(eff.Fork)
			return nil
		case interp.Done:
			s.done()
			return nil
		}
	}
}

// invokeTask runs a Task state's work. The engine itself handles
// states:startExecution and activities; the rest goes to the configured
// integrations. A non-nil taskWait means the thread must wait for a task
// token (a callback, an activity worker, a child execution).
func (s *step) invokeTask(ctx context.Context, req *interp.TaskRequest) (*taskWait, any, *asl.Error, error) {
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
	return &taskWait{Token: req.TaskToken}, nil, nil, nil
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
func (s *step) wait(w *taskWait, req *interp.TaskRequest) {
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

// fork records the children and launches the first of them.
func (s *step) fork(f *interp.ForkRequest) {
	// Generations count every fan-out of the thread (a second Map, a
	// retried Parallel), so that child IDs and result keys never repeat.
	gen := s.cp.ForkGens + 1
	if s.cp.Fork != nil && s.cp.Fork.Gen >= gen {
		gen = s.cp.Fork.Gen + 1
	}
	s.cp.ForkGens = gen
	s.cp.Fork = &fork{Gen: gen, Children: f.Children, Total: len(f.Children), Done: make([]uint64, (len(f.Children)+63)/64),
		Req: forkLimits{MaxConcurrency: f.MaxConcurrency, TolCount: f.ToleratedFailureCount, TolPct: f.ToleratedFailurePercentage, Map: f.Map}}
	if len(f.Children) == 0 {
		// Nothing to wait for: join at once, in a message of its own.
		s.send(&message{Kind: kindLaunch, Exec: s.msg.Exec, Thread: s.msg.Thread, Gen: gen}, 0)
		return
	}
	s.launch()
}

// launch creates the next children, within the concurrency window and the
// commit's size, and asks for another launch if more may start now.
func (s *step) launch() {
	f := s.cp.Fork
	if f.Total == 0 && f.NDone == 0 {
		s.join()
		return
	}
	n := 0
	for f.Launched < f.Total && n < s.e.batch {
		if f.Req.MaxConcurrency > 0 && f.running() >= f.Req.MaxConcurrency {
			break
		}
		i := f.Launched
		c := f.Children[i]
		f.Children[i] = nil
		c.ID = childID(s.msg.Thread, f.Gen, i)
		c.Started = false
		ccp := &checkpoint{Thread: *c, Parent: s.msg.Thread, Index: i, Gen: f.Gen, Keyed: true}
		ccp.Thread.LastEventID = 0
		data, _ := ccp.encode()
		first := &message{Kind: kindStep, Exec: s.msg.Exec, Thread: c.ID, Seq: 0}
		s.newThreads = append(s.newThreads, store.ThreadWrite{ThreadID: c.ID, ExpectSeq: store.NoSeq, Seq: 0, Data: data,
			Outbox: [][]byte{encodeOutbox(queue.Message{Body: first.encode()})}})
		s.send(first, 0)
		f.Launched++
		n++
	}
	if f.Launched < f.Total && (f.Req.MaxConcurrency == 0 || f.running() < f.Req.MaxConcurrency) {
		s.send(&message{Kind: kindLaunch, Exec: s.msg.Exec, Thread: s.msg.Thread, Gen: f.Gen}, 0)
	}
}

func childID(parent string, gen, i int) string {
	return parent + "/" + strconv.Itoa(gen) + "." + strconv.Itoa(i)
}

// childEnd is what a child records for its parent.
type childEnd struct {
	Output any        `json:"o,omitempty"`
	Error  *asl.Error `json:"e,omitempty"`
	Events int64      `json:"n"`
}

// done records the end of the thread: the execution's for the root, a
// child result and a message to the parent for a child.
func (s *step) done() {
	th := &s.cp.Thread
	if s.msg.Thread == rootThread {
		u := &store.ExecutionUpdate{StoppedAt: s.now}
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
		s.execUpdate = u
		if m := parentMessage(s.msg.Exec, s.parent); m != nil {
			s.send(m, 0)
		}
		return
	}
	b, _ := json.Marshal(&childEnd{Output: th.Output, Error: th.Error, Events: s.cp.Events})
	s.childResults = append(s.childResults, store.ChildResultWrite{ParentThreadID: s.cp.Parent, Index: s.cp.Index, Data: b})
	s.send(&message{Kind: kindChild, Exec: s.msg.Exec, Thread: s.cp.Parent, Index: s.cp.Index, Gen: s.cp.Gen,
		Failed: th.Status != interp.Succeeded, Events: s.cp.Events}, 0)
}

// child handles the end of one child in its parent.
func (s *step) child() string {
	f := s.cp.Fork
	if f == nil || f.Gen != s.msg.Gen || s.cp.Thread.Phase != interp.PhaseChildren || s.msg.Index >= f.Total || f.done(s.msg.Index) {
		return "duplicate"
	}
	f.setDone(s.msg.Index)
	f.NDone++
	if s.msg.Failed {
		f.NFailed++
	}
	f.ChildEvents += s.msg.Events
	req := f.request()
	if f.NDone == f.Total || (f.NFailed > 0 && req.Exceeded(f.NFailed, f.Total)) {
		s.joined = true
		return "step"
	}
	s.launch()
	return "step"
}

// childParentKey is the parent key of a fork's child results: one per
// generation, so that a retried Map never sees the last attempt's results.
func childParentKey(thread string, gen int) string { return thread + "#" + strconv.Itoa(gen) }

func (s *step) join() {
	// A fork without children.
	th := &s.cp.Thread
	s.cp.Fork = nil
	eff, err := interp.Step(s.m, th, interp.Input{Kind: interp.ChildrenDone, Children: nil}, s.env())
	if err == nil {
		s.after(eff)
	}
}

// joinResults reads every child result and steps the parent with them.
func (s *step) joinResults(ctx context.Context) error {
	f := s.cp.Fork
	results := make([]interp.ChildResult, f.Total)
	token := ""
	for {
		page, err := s.e.store.ChildResultList(ctx, &store.ChildResultListParams{ExecutionARN: s.msg.Exec,
			ParentThreadID: childParentKey(s.msg.Thread, f.Gen), NextToken: token})
		if err != nil {
			return fmt.Errorf("listing child results: %w", err)
		}
		for _, r := range page.Results {
			var ce childEnd
			dec := json.NewDecoder(bytes.NewReader(r.Data))
			dec.UseNumber()
			if err := dec.Decode(&ce); err != nil {
				return fmt.Errorf("decoding child result: %w", err)
			}
			if r.Index < len(results) {
				results[r.Index] = interp.ChildResult{Output: ce.Output, Error: ce.Error}
			}
		}
		if page.NextToken == "" {
			break
		}
		token = page.NextToken
	}
	if f.NDone < f.Total {
		// Stopped early on failures: pass on the children that ended.
		var ended []interp.ChildResult
		for i := range results {
			if f.done(i) {
				ended = append(ended, results[i])
			}
		}
		results = ended
	}
	s.cp.Events += f.ChildEvents
	s.cp.Thread.LastEventID = s.cp.Events
	s.cp.Fork = nil
	eff, err := interp.Step(s.m, &s.cp.Thread, interp.Input{Kind: interp.ChildrenDone, Children: results}, s.env())
	if err != nil {
		return err
	}
	s.after(eff)
	return nil
}

// after turns the effect of a parent's join into messages.
func (s *step) after(eff interp.Effect) {
	switch eff.Kind {
	case interp.Continue:
		s.send(&message{Kind: kindStep, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1}, 0)
	case interp.Sleep:
		s.send(&message{Kind: kindTimer, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1}, eff.Due.Sub(s.now))
	case interp.Done:
		s.done()
	case interp.Fork:
		s.fork(eff.Fork)
	}
}

// commit writes the step in one conditional write and sends its outbox.
// fenced says the message carried the sequence it acts on: a conflict then
// means another delivery already did the work. Otherwise (child, launch)
// a conflict asks for a fresh read and another try.
func (s *step) commit(ctx context.Context, fenced bool) (string, error) {
	events := eventWrites(s.msg.Thread, s.now, s.events, s.cp)
	s.cp.OutboxSeq = 0 // this commit writes the outbox
	data, err := s.cp.encode()
	if err != nil {
		return "", err
	}
	outbox := make([][]byte, len(s.outbox), len(s.outbox)+8)
	for i, m := range s.outbox {
		outbox[i] = encodeOutboxAt(m, s.now)
	}
	outbox = append(outbox, s.pendingStarts()...)
	threads := append([]store.ThreadWrite{{ThreadID: s.msg.Thread, ExpectSeq: s.th.Seq, Seq: s.th.Seq + 1, Data: data, Outbox: outbox}}, s.newThreads...)
	// Child results are keyed per fork generation.
	crs := make([]store.ChildResultWrite, len(s.childResults))
	for i, c := range s.childResults {
		c.ParentThreadID = childParentKey(c.ParentThreadID, s.cp.Gen)
		crs[i] = c
	}
	err = s.e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:        s.msg.Exec,
		ExecutionUpdate:     s.execUpdate,
		Threads:             threads,
		Events:              events,
		TokensPut:           s.putTokens,
		TokensDelete:        s.deleteTokens,
		ChildResults:        crs,
		ActivityTasks:       s.activityTasks,
		ActivityTasksDelete: s.activityDone,
	})
	if errors.Is(err, store.ErrConflict) {
		if fenced {
			return "conflict", nil
		}
		return "", errRetry
	}
	if err != nil {
		return "", fmt.Errorf("committing step of %s thread %q: %w", s.msg.Exec, s.msg.Thread, err)
	}
	for _, t := range s.activityTasks {
		s.e.wakeActivity(t.ActivityARN)
	}
	if err := s.e.crash("committed"); err != nil {
		return "", err
	}
	if len(s.outbox) > 0 {
		if err := s.e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: s.outbox}); err != nil {
			// Committed: the outbox is re-sent when the message comes back.
			return "", fmt.Errorf("sending outbox of %s thread %q: %w", s.msg.Exec, s.msg.Thread, err)
		}
	}
	if err := s.e.crash("sent"); err != nil {
		return "", err
	}
	return "step", nil
}

// maxPendingStarts bounds how many start messages of running children a
// parent keeps in its outbox.
const maxPendingStarts = 100

// pendingStarts returns the first-step messages of the children that were
// launched and have not ended, to keep in the parent's outbox: a commit
// that created children may crash before sending their first messages,
// and by the time the parent's message comes back a later commit may have
// replaced the outbox. Re-sending a start is harmless (it is fenced at
// sequence 1). Past maxPendingStarts running children a lost start is not
// recovered this way (a known gap for very wide unbounded fan-outs).
func (s *step) pendingStarts() [][]byte {
	f := s.cp.Fork
	if f == nil {
		return nil
	}
	var out [][]byte
	for i := 0; i < f.Launched && len(out) < maxPendingStarts; i++ {
		if f.done(i) {
			continue
		}
		m := &message{Kind: kindStep, Exec: s.msg.Exec, Thread: childID(s.msg.Thread, f.Gen, i), Seq: 0}
		out = append(out, encodeOutbox(queue.Message{Body: m.encode()}))
	}
	return out
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

// encodeOutboxAt encodes m, sent at now, for an outbox.
func encodeOutboxAt(m queue.Message, now time.Time) []byte {
	oe := outboxEntry{Body: m.Body, Delay: m.Delay}
	if m.Delay > 0 {
		oe.At = now.Add(m.Delay)
	}
	b, _ := json.Marshal(&oe)
	return b
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
	if len(msgs) == 0 {
		return nil
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
		return fmt.Errorf("sending messages: %w", err)
	}
	return nil
}

// resend sends a checkpoint's outbox again.
func (e *Engine) resend(ctx context.Context, outbox [][]byte) error {
	msgs := decodeOutbox(outbox, e.now())
	if len(msgs) == 0 {
		return nil
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
		return fmt.Errorf("re-sending outbox: %w", err)
	}
	return nil
}

// timeOut ends an execution whose TimeoutSeconds passed.
func (e *Engine) timeOut(ctx context.Context, rec *store.Execution, parent *parentLink) (string, error) {
	now := e.now().UTC()
	ev := &interp.Event{ID: 0, Timestamp: now, Type: "ExecutionTimedOut", DetailsKey: "executionTimedOutEventDetails",
		Details: map[string]any{"error": asl.StatesTimeout, "cause": "The execution timed out."}}
	err := e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:    rec.ARN,
		ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusTimedOut, Error: asl.StatesTimeout, Cause: "The execution timed out.", StoppedAt: now},
		Events:          eventWrites("~", now, []*interp.Event{ev}, nil),
	})
	if errors.Is(err, store.ErrConflict) {
		return "stopped", nil
	}
	if err != nil {
		return "", fmt.Errorf("timing out %s: %w", rec.ARN, err)
	}
	if err := e.crash("committed"); err != nil {
		return "", err
	}
	if parent != nil {
		rec.Status = store.StatusTimedOut
		if err := e.notifyParent(ctx, rec, parent); err != nil {
			return "", err
		}
	}
	return "timedout", nil
}
