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
	if exRec.Status != store.StatusRunning {
		return "stopped", nil
	}
	var xd execData
	if err := json.Unmarshal(exRec.Data, &xd); err != nil {
		return "", fmt.Errorf("decoding execution %s: %w", msg.Exec, err)
	}
	// Re-decode the input with UseNumber.
	if v, err := value.DecodeString(exRec.Input); err == nil {
		xd.Exec.Input = v
	}
	if msg.Kind == kindExecEnd {
		return e.timeOut(ctx, exRec)
	}
	m, _, err := e.machine(ctx, exRec.StateMachineARN, xd.Revision)
	if err != nil {
		return "", err
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
	s := &step{e: e, m: m, ex: xd.Exec, rec: exRec, msg: msg, th: th, cp: cp, now: e.now().UTC()}
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
	if msg.Seq < th.Seq {
		if redelivered && msg.Seq == th.Seq-1 && len(th.Outbox) > 0 {
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
	case kindCallback, kindTimeout:
		if cp.Thread.Phase != interp.PhaseTask || cp.Thread.TaskToken == "" || (msg.Kind == kindCallback && cp.Thread.TaskToken != msg.Token) {
			return "stale", nil
		}
		in = interp.Input{Kind: interp.TaskDone}
		switch {
		case msg.Kind == kindTimeout:
			in.Err = &asl.Error{Name: asl.StatesTimeout}
		case msg.Failed:
			in.Err = &asl.Error{Name: msg.Error, Cause: msg.Cause}
		default:
			v, err := value.Decode(msg.Output)
			if err != nil {
				in.Err = &asl.Error{Name: asl.StatesRuntime, Cause: "The task output is not valid JSON"}
			} else {
				in.Result = v
			}
		}
		s.deleteTokens = append(s.deleteTokens, cp.Thread.TaskToken)
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

// step accumulates one message's work: the interpreter's steps, the
// writes of the commit and the messages to send after it.
type step struct {
	e   *Engine
	m   *interp.Machine
	ex  *interp.Execution
	rec *store.Execution
	msg *message
	th  *store.Thread
	cp  *checkpoint
	now time.Time

	events       []*interp.Event
	outbox       []queue.Message
	newThreads   []store.ThreadWrite
	childResults []store.ChildResultWrite
	putTokens    []store.Token
	deleteTokens []string
	execUpdate   *store.ExecutionUpdate
	joined       bool // the children are all done: join them
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
			res, terr, err := s.invoke(ctx, eff.Task)
			if err != nil {
				return err
			}
			if eff.Task.TaskToken != "" && terr == nil {
				// Wait for the callback: the token resumes this thread at
				// the next sequence number.
				s.putTokens = append(s.putTokens, store.Token{Token: eff.Task.TaskToken, ExecutionARN: s.msg.Exec,
					ThreadID: s.msg.Thread, Seq: s.th.Seq + 1})
				if eff.Task.TimeoutSeconds > 0 {
					s.send(&message{Kind: kindTimeout, Exec: s.msg.Exec, Thread: s.msg.Thread, Seq: s.th.Seq + 1},
						time.Duration(eff.Task.TimeoutSeconds)*time.Second)
				}
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

func (s *step) invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if s.e.tasks == nil {
		return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: "no task integration is configured for " + req.Resource}, nil
	}
	return s.e.tasks.Invoke(ctx, req)
}

// fork records the children and launches the first of them.
func (s *step) fork(f *interp.ForkRequest) {
	gen := 1
	if s.cp.Fork != nil {
		gen = s.cp.Fork.Gen + 1
	}
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
		ccp := &checkpoint{Thread: *c, Parent: s.msg.Thread, Index: i, Gen: f.Gen}
		ccp.Thread.LastEventID = 0
		data, _ := ccp.encode()
		first := &message{Kind: kindStep, Exec: s.msg.Exec, Thread: c.ID, Seq: 1}
		s.newThreads = append(s.newThreads, store.ThreadWrite{ThreadID: c.ID, ExpectSeq: store.NoSeq, Seq: 1, Data: data,
			Outbox: [][]byte{first.encode()}})
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
	data, err := s.cp.encode()
	if err != nil {
		return "", err
	}
	outbox := make([][]byte, len(s.outbox), len(s.outbox)+8)
	for i, m := range s.outbox {
		outbox[i] = encodeOutbox(m)
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
		ExecutionARN:    s.msg.Exec,
		ExecutionUpdate: s.execUpdate,
		Threads:         threads,
		Events:          eventWrites(s.msg.Thread, s.now, s.events),
		TokensPut:       s.putTokens,
		TokensDelete:    s.deleteTokens,
		ChildResults:    crs,
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
		m := &message{Kind: kindStep, Exec: s.msg.Exec, Thread: childID(s.msg.Thread, f.Gen, i), Seq: 1}
		out = append(out, encodeOutbox(queue.Message{Body: m.encode()}))
	}
	return out
}

// outboxEntry is a message as kept in a checkpoint's outbox.
type outboxEntry struct {
	Body  json.RawMessage `json:"b"`
	Delay time.Duration   `json:"d,omitempty"`
}

func encodeOutbox(m queue.Message) []byte {
	b, _ := json.Marshal(&outboxEntry{Body: m.Body, Delay: m.Delay})
	return b
}

// resend sends a checkpoint's outbox again.
func (e *Engine) resend(ctx context.Context, outbox [][]byte) error {
	msgs := make([]queue.Message, 0, len(outbox))
	for _, b := range outbox {
		var oe outboxEntry
		if err := json.Unmarshal(b, &oe); err != nil {
			continue
		}
		msgs = append(msgs, queue.Message{Body: oe.Body, Delay: oe.Delay})
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := e.queue.MessageSend(ctx, &queue.MessageSendParams{Messages: msgs}); err != nil {
		return fmt.Errorf("re-sending outbox: %w", err)
	}
	return nil
}

// timeOut ends an execution whose TimeoutSeconds passed.
func (e *Engine) timeOut(ctx context.Context, rec *store.Execution) (string, error) {
	now := e.now().UTC()
	ev := &interp.Event{ID: 0, Timestamp: now, Type: "ExecutionTimedOut", DetailsKey: "executionTimedOutEventDetails",
		Details: map[string]any{"error": asl.StatesTimeout, "cause": "The execution timed out."}}
	err := e.store.Commit(ctx, &store.CommitParams{
		ExecutionARN:    rec.ARN,
		ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusTimedOut, Error: asl.StatesTimeout, Cause: "The execution timed out.", StoppedAt: now},
		Events:          eventWrites("~", now, []*interp.Event{ev}),
	})
	if errors.Is(err, store.ErrConflict) {
		return "stopped", nil
	}
	if err != nil {
		return "", fmt.Errorf("timing out %s: %w", rec.ARN, err)
	}
	return "timedout", nil
}
