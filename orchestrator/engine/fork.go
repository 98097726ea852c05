package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Fan-out. A fork's children are created by their own first step: the
// parent's step sends each child it launches a message that carries the
// child's first checkpoint (built from the fork's specs), and the child's
// first commit creates its thread, fenced like any other (a thread that
// exists already makes it a duplicate). The parent's step thus writes one
// item whatever it launches. A child that ends sends its parent a kindChild
// message; the parent counts it in its bitmap, launches the next child of
// the window, and at the last one reads the children's final checkpoints
// (their results) and joins. A launch whose messages were lost (a crash
// between the parent's commit and its send) is repaired when the parent's
// message comes back: the starts of its running children are derived from
// the fork and sent again (pendingStarts), and a child that must read its
// spec reads it from its parent.

// childSpecs holds the children of a fork compactly: what they share once
// (their parent's variables, the Parallel's input), and per child what
// differs (a branch's machine and start state, a Map item and its input
// when ItemSelector changed it). The specs of 100 Map items of 30 bytes
// take about 4 KB, against 25 KB as interp.Threads.
type childSpecs struct {
	Machine string          `json:"m,omitempty"`
	State   string          `json:"s,omitempty"`
	Input   json.RawMessage `json:"i,omitempty"`
	Vars    json.RawMessage `json:"v,omitempty"`
	// Items says the children are Map iterations (HasItem, ItemIndex is
	// the child's index).
	Items bool        `json:"h,omitempty"`
	Each  []childSpec `json:"e"`
}

type childSpec struct {
	Machine string          `json:"m,omitempty"`
	State   string          `json:"s,omitempty"`
	Input   json.RawMessage `json:"i,omitempty"` // unless the shared input or the item
	Item    json.RawMessage `json:"x,omitempty"`
}

// newChildSpecs compacts the children of a ForkRequest.
func newChildSpecs(children []*interp.Thread) (*childSpecs, error) {
	cs := &childSpecs{Each: make([]childSpec, len(children))}
	if len(children) == 0 {
		return cs, nil
	}
	first := children[0]
	cs.Machine, cs.State, cs.Items = first.Machine, first.State, first.HasItem
	if len(first.Vars) > 0 {
		b, err := json.Marshal(first.Vars)
		if err != nil {
			return nil, fmt.Errorf("encoding the variables of a fork: %w", err)
		}
		cs.Vars = b
	}
	if !first.HasItem {
		b, err := value.Encode(first.Input)
		if err != nil {
			return nil, fmt.Errorf("encoding the input of a fork: %w", err)
		}
		cs.Input = b
	}
	for i, c := range children {
		sp := &cs.Each[i]
		if c.Machine != cs.Machine {
			sp.Machine = c.Machine
		}
		if c.State != cs.State {
			sp.State = c.State
		}
		in, err := value.Encode(c.Input)
		if err != nil {
			return nil, fmt.Errorf("encoding the input of child %d: %w", i, err)
		}
		if c.HasItem {
			item, err := value.Encode(c.ItemValue)
			if err != nil {
				return nil, fmt.Errorf("encoding the item of child %d: %w", i, err)
			}
			sp.Item = item
			if string(in) != string(item) {
				sp.Input = in
			}
		} else if string(in) != string(cs.Input) {
			sp.Input = in
		}
	}
	return cs, nil
}

// thread rebuilds child i of the fork of parent, generation gen.
func (cs *childSpecs) thread(parent string, gen, i int) (*interp.Thread, error) {
	if i < 0 || i >= len(cs.Each) {
		return nil, fmt.Errorf("no child %d in a fork of %d", i, len(cs.Each))
	}
	sp := cs.Each[i]
	th := &interp.Thread{ID: childID(parent, gen, i), Machine: cs.Machine, Status: interp.Running, State: cs.State,
		HasItem: cs.Items}
	if sp.Machine != "" {
		th.Machine = sp.Machine
	}
	if sp.State != "" {
		th.State = sp.State
	}
	if len(cs.Vars) > 0 {
		v, err := value.Decode(cs.Vars)
		if err != nil {
			return nil, fmt.Errorf("decoding the variables of a fork: %w", err)
		}
		th.Vars, _ = v.(map[string]any)
	}
	in := cs.Input
	if cs.Items {
		th.ItemIndex = i
		item, err := value.Decode(sp.Item)
		if err != nil {
			return nil, fmt.Errorf("decoding the item of child %d: %w", i, err)
		}
		th.ItemValue = item
		in = sp.Item
	}
	if sp.Input != nil {
		in = sp.Input
	}
	v, err := value.Decode(in)
	if err != nil {
		return nil, fmt.Errorf("decoding the input of child %d: %w", i, err)
	}
	th.Input = v
	return th, nil
}

func childID(parent string, gen, i int) string {
	return parent + "/" + strconv.Itoa(gen) + "." + strconv.Itoa(i)
}

// baseThreshold is the size of a thread and its fork's specs above which
// a fork keeps them in a base thread, written once, so that the parent's
// steps while it waits (one per child that ends) stay small.
const baseThreshold = 1536

// baseData is what a base thread holds.
type baseData struct {
	Thread interp.Thread `json:"th"`
	Specs  *childSpecs   `json:"c"`
}

// fork records the children and launches the first of them.
func (s *step) fork(f *interp.ForkRequest) error {
	// Generations count every fan-out of the thread (a second Map, a
	// retried Parallel), so that child IDs never repeat.
	gen := s.cp.ForkGens + 1
	if s.cp.Fork != nil && s.cp.Fork.Gen >= gen {
		gen = s.cp.Fork.Gen + 1
	}
	s.cp.ForkGens = gen
	specs, err := newChildSpecs(f.Children)
	if err != nil {
		return err
	}
	s.cp.Fork = &fork{Gen: gen, Specs: specs, Total: len(f.Children), Done: make([]uint64, (len(f.Children)+63)/64),
		Req:   forkLimits{MaxConcurrency: f.MaxConcurrency, TolCount: f.ToleratedFailureCount, TolPct: f.ToleratedFailurePercentage, Map: f.Map},
		Quiet: !f.Map && len(f.Children) <= quietMax}
	s.cp.Base = ""
	if len(f.Children) == 0 {
		// Nothing to wait for: join at once, in a message of its own.
		s.send(&message{Kind: kindLaunch, Exec: s.msg.Exec, Thread: s.msg.Thread, Gen: gen}, 0)
		return nil
	}
	if err := s.splitBase(); err != nil {
		return err
	}
	return s.launch()
}

// splitBase moves the thread and the specs of a large fork to a base
// thread, written before the step's commit (by an attempt of its own:
// a base of an attempt whose commit loses is never read).
func (s *step) splitBase() error {
	th, err := json.Marshal(&s.cp.Thread)
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	specs, err := json.Marshal(s.cp.Fork.Specs)
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	if len(th)+len(specs) <= baseThreshold {
		return nil
	}
	data, err := json.Marshal(&baseData{Thread: s.cp.Thread, Specs: s.cp.Fork.Specs})
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	s.cp.Base = s.msg.Thread + "~b" + strconv.Itoa(s.cp.Fork.Gen) + "." + newTaskToken(s.e.rand)[:12]
	s.base = &store.ThreadWrite{ThreadID: s.cp.Base, ExpectSeq: store.NoSeq, Seq: 0, Data: data}
	return nil
}

// loadBase fills a checkpoint's thread and fork specs from its base
// thread (immutable, so cached).
func (e *Engine) loadBase(ctx context.Context, exec string, cp *checkpoint) error {
	if cp.Base == "" {
		return nil
	}
	key := exec + "\x00" + cp.Base
	e.mu.Lock()
	b, ok := e.bases[key]
	e.mu.Unlock()
	if !ok {
		th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: exec, ThreadID: cp.Base})
		if err != nil {
			return fmt.Errorf("loading the base %q of a fork: %w", cp.Base, err)
		}
		var bd baseData
		if err := decodeJSON(th.Data, &bd); err != nil {
			return fmt.Errorf("decoding the base %q of a fork: %w", cp.Base, err)
		}
		b = &bd
		e.mu.Lock()
		if len(e.bases) >= maxCachedBases {
			clear(e.bases)
		}
		e.bases[key] = b
		e.mu.Unlock()
	}
	cp.Thread = b.Thread
	if cp.Fork != nil {
		cp.Fork.Specs = b.Specs
	}
	return nil
}

// maxCachedBases bounds the engine's cache of base threads.
const maxCachedBases = 256

// inlineMapConcurrency is how many iterations of an inline Map run at once
// at most (the Step Functions developer guide, "Inline mode"), as in
// interp.Run.
const inlineMapConcurrency = 40

// window is how many of f's children may run at once; 0: all.
func (f *fork) window() int {
	if !f.Req.Map {
		return 0
	}
	if mc := f.Req.MaxConcurrency; mc > 0 && mc < inlineMapConcurrency {
		return mc
	}
	return inlineMapConcurrency
}

// launch starts the next children, within the concurrency window and the
// step's batch, and asks for another launch if more may start now.
func (s *step) launch() error {
	f := s.cp.Fork
	if f.Total == 0 && f.NDone == 0 {
		s.join()
		return nil
	}
	if f.Aborting != nil {
		return nil // failed: no more children start
	}
	// One step launches at most a batch, also when it handles the ends
	// of several children (join.go).
	n := 0
	relaunch := false
	for _, o := range s.outbox {
		switch {
		case o.m.Kind == kindStep && o.m.Seq == store.NoSeq:
			n++
		case o.m.Kind == kindLaunch:
			relaunch = true
		}
	}
	for f.Launched < f.Total && n < s.e.batch {
		if w := f.window(); w > 0 && f.running() >= w {
			break
		}
		m, err := s.e.startMessage(s.msg.Exec, s.msg.Thread, f, f.Launched, s.now.UnixNano(), true)
		if err != nil {
			return err
		}
		if m.CP != nil {
			// The child's first event follows the fork's start, or the last
			// state event of the child whose end launches it.
			prevThread, prev := s.msg.Thread, s.cp.Thread.LastEventID
			if s.msg.Kind == kindChild && s.msg.Last > 0 {
				prevThread, prev = childID(s.msg.Thread, f.Gen, s.msg.Index), s.msg.Last
			}
			if cp, err := childCheckpoint(s.msg.Thread, f, f.Launched); err == nil {
				cp.PrevThread, cp.Thread.LastEventID = prevThread, prev
				if data, err := cp.encode(); err == nil && len(data) <= maxCarried {
					m.CP = data
				}
			}
		}
		s.send(m, 0)
		f.Launched++
		n++
	}
	if w := f.window(); !relaunch && f.Launched < f.Total && (w == 0 || f.running() < w) {
		s.send(&message{Kind: kindLaunch, Exec: s.msg.Exec, Thread: s.msg.Thread, Gen: f.Gen}, 0)
	}
	return nil
}

// startMessage is the first message of child i of fork f of parent:
// fenced by NoSeq (the child's thread must not exist), carrying the
// child's first checkpoint when withCP.
func (e *Engine) startMessage(exec, parent string, f *fork, i int, at int64, withCP bool) (*message, error) {
	m := &message{Kind: kindStep, Exec: exec, Thread: childID(parent, f.Gen, i), Seq: store.NoSeq, Parent: parent,
		Index: i, Gen: f.Gen, At: at}
	if withCP {
		cp, err := childCheckpoint(parent, f, i)
		if err != nil {
			return nil, err
		}
		data, err := cp.encode()
		if err != nil {
			return nil, err
		}
		if len(data) <= maxCarried {
			m.CP = data
		}
	}
	return m, nil
}

// childCheckpoint is the first checkpoint of child i of fork f of parent.
func childCheckpoint(parent string, f *fork, i int) (*checkpoint, error) {
	if f.Specs == nil {
		return nil, errors.New("a fork without its child specs")
	}
	th, err := f.Specs.thread(parent, f.Gen, i)
	if err != nil {
		return nil, err
	}
	cp := &checkpoint{Thread: *th, Parent: parent, Index: i, Gen: f.Gen}
	if f.Quiet {
		cp.Siblings = f.Total
	}
	return cp, nil
}

// childFromParent returns the first checkpoint of the child that msg
// starts, read from its parent's fork, or nil if the parent no longer
// waits for it.
func (e *Engine) childFromParent(ctx context.Context, msg *message) (*checkpoint, error) {
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: msg.Exec, ThreadID: msg.Parent})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the parent of thread %q: %w", msg.Thread, err)
	}
	pcp, err := decodeCheckpoint(th.Data)
	if err != nil {
		return nil, err
	}
	f := pcp.Fork
	if f == nil || f.Gen != msg.Gen || msg.Index >= f.Launched || f.done(msg.Index) {
		return nil, nil
	}
	if err := e.loadBase(ctx, msg.Exec, pcp); err != nil {
		return nil, err
	}
	return childCheckpoint(msg.Parent, f, msg.Index)
}

// maxPendingStarts bounds how many start messages of running children a
// parent sends again when its message is redelivered.
const maxPendingStarts = 1000

// pendingStarts returns the first messages of the children that were
// launched and have not ended: a commit that launched children may have
// crashed before sending their first messages. Sending a start again is
// harmless (it is fenced by NoSeq); the messages carry no checkpoint (the
// child reads its spec from this thread).
func (e *Engine) pendingStarts(exec, thread string, cp *checkpoint) []queue.Message {
	f := cp.Fork
	if f == nil || cp.Thread.Phase != interp.PhaseChildren && cp.Base == "" {
		return nil
	}
	var out []queue.Message
	for i := 0; i < f.Launched && len(out) < maxPendingStarts; i++ {
		if f.done(i) {
			continue
		}
		m, _ := e.startMessage(exec, thread, f, i, cp.Time, false)
		if f.Aborting != nil {
			m = abortMessage(exec, thread, f, i, cp.Time)
		}
		out = append(out, queue.Message{Body: m.encode()})
	}
	return out
}

// abortMessage is the message that aborts child i of fork f of parent.
func abortMessage(exec, parent string, f *fork, i int, at int64) *message {
	return &message{Kind: kindAbort, Exec: exec, Thread: childID(parent, f.Gen, i), Seq: store.NoSeq, Parent: parent,
		Index: i, Gen: f.Gen, At: at}
}

// abortChildren starts aborting the children of the thread's fork that
// still run (the others are done): the join, or the thread's own abort,
// waits until each has recorded its abort and reported to it.
func (s *step) abortChildren() {
	f := s.cp.Fork
	if f.Aborting == nil {
		f.Aborting = append([]uint64(nil), f.Done...)
	}
	for i := 0; i < f.Launched; i++ {
		if !f.done(i) {
			s.send(abortMessage(s.msg.Exec, s.msg.Thread, f, i, s.now.UnixNano()), 0)
		}
	}
}

// abortThread handles a kindAbort message: the thread's parent failed
// beyond its tolerance while the thread ran. The thread aborts its own
// running children first, then records the events interp.Abort gives
// (TaskStateAborted, WaitStateAborted, MapIterationAborted...) in one
// step fenced like the others, and tells its parent. A thread that never
// started is created stopped, so that its first message finds it so.
func (e *Engine) abortThread(ctx context.Context, m *interp.Machine, x *execInfo, msg *message, redelivered bool) (string, error) {
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: msg.Exec, ThreadID: msg.Thread})
	var cp *checkpoint
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Its first message has not come yet.
		if cp, err = e.childFromParent(ctx, msg); err != nil || cp == nil {
			return "gone", err
		}
		th = &store.Thread{ExecutionARN: msg.Exec, ThreadID: msg.Thread, Seq: store.NoSeq}
	case err != nil:
		return "", fmt.Errorf("loading thread %q of %s: %w", msg.Thread, msg.Exec, err)
	default:
		if cp, err = decodeCheckpoint(th.Data); err != nil {
			return "", err
		}
		if err := e.loadBase(ctx, msg.Exec, cp); err != nil {
			return "", err
		}
	}
	if quietEnded(cp) {
		// It succeeded without telling its parent: it tells it now.
		m := endMessage(msg.Exec, cp, cp.Time)
		if err := e.sendMessages(ctx, []queue.Message{{Body: m.encode()}}); err != nil {
			return "", fmt.Errorf("reporting the end of thread %q of %s: %w", msg.Thread, msg.Exec, err)
		}
		return "reported", nil
	}
	if cp.Stopped || cp.Aborted || cp.Thread.Status != interp.Running {
		// Done already (aborted, or ended and reported on its own).
		if redelivered && (cp.Stopped || cp.Aborted) {
			if err := e.resend(ctx, msg.Exec, msg.Thread, th, cp); err != nil {
				return "", err
			}
			return "resent", nil
		}
		return "duplicate", nil
	}
	s := &step{e: e, m: m, ex: x.xd.Exec, rec: x.rec, parent: x.xd.Parent, msg: msg, th: th, cp: cp, now: e.stepTime(cp, msg)}
	cp.Aborted = true
	if f := cp.Fork; f != nil && cp.Thread.Phase == interp.PhaseChildren && f.NDone < f.Launched {
		s.abortChildren()
	} else if err := s.finishAbort(); err != nil {
		return "", err
	}
	return s.commit(ctx, false)
}

// finishAbort records the abort of a thread whose children (if any) have
// recorded theirs, and tells its parent.
func (s *step) finishAbort() error {
	if err := interp.Abort(s.m, &s.cp.Thread, s.env()); err != nil {
		return err
	}
	s.cp.Stopped = true
	s.cp.Fork, s.cp.Base = nil, ""
	s.send(&message{Kind: kindChild, Exec: s.msg.Exec, Thread: s.cp.Parent, Index: s.cp.Index, Gen: s.cp.Gen,
		Failed: true, Events: s.cp.Events, At: s.now.UnixNano()}, 0)
	return nil
}

// child handles the end of one child in its parent, or of several: the
// message's group (join.go), one after the other, as if each were a step
// of its own, in one commit.
func (s *step) child() (string, error) {
	group := s.e.joins.groupOf(s.msg)
	if len(group) == 0 {
		return s.childOne()
	}
	lead := s.msg
	defer func() { s.msg = lead }()
	res := "duplicate"
	for _, m := range group {
		s.msg = m
		r, err := s.childOne()
		if err != nil {
			return "", err
		}
		if r != "duplicate" {
			res = r
		}
		if s.joined || s.cp.Stopped {
			// The fork is over: the others are duplicates.
			break
		}
	}
	return res, nil
}

// childOne handles the end of the child that s.msg announces.
func (s *step) childOne() (string, error) {
	f := s.cp.Fork
	if f == nil || f.Gen != s.msg.Gen || s.cp.Thread.Phase != interp.PhaseChildren || s.msg.Index >= f.Total || f.done(s.msg.Index) {
		return "duplicate", nil
	}
	if s.msg.All {
		// Every child succeeded: its sender read them all ended. (A fork
		// that is aborting hears from each of them.)
		if !f.Quiet || f.Aborting != nil || f.NFailed > 0 {
			return "duplicate", nil
		}
		for i := range f.Total {
			if !f.done(i) {
				f.setDone(i)
				f.NDone++
			}
		}
		s.joined, s.allJoin = true, true
		return "step", nil
	}
	f.setDone(s.msg.Index)
	f.NDone++
	f.ChildEvents += s.msg.Events
	if f.Aborting != nil {
		// A child aborted (or ended meanwhile): the last one ends the
		// fork, with the results of the children that ended before.
		if f.NDone < f.Launched {
			return "step", nil
		}
		if s.cp.Aborted {
			return "step", s.finishAbort()
		}
		s.joined = true
		return "step", nil
	}
	if s.msg.Failed {
		f.NFailed++
	}
	req := f.request()
	if f.NDone == f.Total {
		s.joined = true
		return "step", nil
	}
	if f.NFailed > 0 && req.Exceeded(f.NFailed, f.Total) {
		if f.NDone < f.Launched {
			// Siblings still run: they record their aborts before the
			// join (as interp.Run records them before ...StateFailed).
			s.abortChildren()
			return "step", nil
		}
		s.joined = true
		return "step", nil
	}
	return "step", s.launch()
}

func (s *step) join() {
	// A fork without children.
	th := &s.cp.Thread
	s.cp.Fork = nil
	s.cp.Base = ""
	eff, err := interp.Step(s.m, th, interp.Input{Kind: interp.ChildrenDone, Children: nil}, s.env())
	if err == nil {
		_ = s.after(eff)
	}
}

// joinConcurrency bounds the reads of children's checkpoints at a join.
const joinConcurrency = 16

// joinResults reads the final checkpoint of every child that ended and
// steps the parent with their results.
func (s *step) joinResults(ctx context.Context) error {
	f := s.cp.Fork
	results := make([]interp.ChildResult, f.Total)
	lasts := make([]int64, f.Total)  // each child's last state event
	events := make([]int64, f.Total) // each child's event counter
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range min(joinConcurrency, f.Total) {
		wg.Go(func() {
			for i := range next {
				r, last, n, err := s.e.childResult(ctx, s.msg.Exec, childID(s.msg.Thread, f.Gen, i))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				results[i], lasts[i], events[i] = r, last, n
				mu.Unlock()
			}
		})
	}
	for i := range f.Total {
		if f.ended(i) {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	failed := -1
	if f.NFailed > 0 && f.request().Exceeded(f.NFailed, f.Total) {
		for i := range f.Total {
			if f.ended(i) && results[i].Error != nil && lasts[i] > 0 {
				failed = i
				break
			}
		}
	}
	if f.NDone < f.Total || f.Aborting != nil {
		// Stopped early on failures: pass on the children that ended.
		var ended []interp.ChildResult
		for i := range results {
			if f.ended(i) {
				ended = append(ended, results[i])
			}
		}
		results = ended
	}
	if s.allJoin {
		// The children did not report their events one by one.
		f.ChildEvents = 0
		for _, n := range events {
			f.ChildEvents += n
		}
	}
	s.cp.Events += f.ChildEvents
	s.cp.Thread.LastEventID = s.cp.Events
	switch {
	case failed >= 0:
		// The failure follows the last state event of the failed child
		// it reports (the first in order), as in interp.Run.
		s.cp.PrevThread, s.cp.Thread.LastEventID = childID(s.msg.Thread, f.Gen, failed), lasts[failed]
	case s.msg.Kind == kindChild && s.msg.Events > 0:
		// The join follows the last event of the child that ended last.
		s.cp.PrevThread, s.cp.Thread.LastEventID = childID(s.msg.Thread, f.Gen, s.msg.Index), s.msg.Events
	}
	s.cp.Fork = nil
	s.cp.Base = ""
	eff, err := interp.Step(s.m, &s.cp.Thread, interp.Input{Kind: interp.ChildrenDone, Children: results}, s.env())
	if err != nil {
		return err
	}
	return s.after(eff)
}

// childResult reads how a child that ended ended: its last checkpoint.
// It returns its last state event's local id too.
func (e *Engine) childResult(ctx context.Context, exec, thread string) (res interp.ChildResult, last, events int64, err error) {
	th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: exec, ThreadID: thread})
	if err != nil {
		return res, 0, 0, fmt.Errorf("loading the result of thread %q: %w", thread, err)
	}
	cp, err := decodeCheckpoint(th.Data)
	if err != nil {
		return res, 0, 0, err
	}
	if cp.Thread.Status == interp.Running {
		return res, 0, 0, fmt.Errorf("loading the result of thread %q: it has not ended", thread)
	}
	return interp.ChildResult{Output: cp.Thread.Output, Error: cp.Thread.Error}, cp.Thread.LastEventID, cp.Events, nil
}

// quietMax is the most children a quiet fork has (fork.Quiet): each
// child that succeeds reads up to quietMax-1 siblings.
const quietMax = 8

// quietEnded reports whether cp is the last checkpoint of a child of a
// quiet fork that succeeded (and so did not report to its parent).
func quietEnded(cp *checkpoint) bool {
	return cp.Siblings > 0 && cp.Thread.Status == interp.Succeeded && !cp.Stopped && !cp.Aborted
}

// quietEnd runs after the last step of a child of a quiet fork that
// succeeded (committed, with cp): it reads its siblings' checkpoints, from
// the next one on, and stops at the first that has not succeeded; if all
// have, it tells the parent that they all did. Of siblings that end at the
// same time, the last to commit finds the others ended (the reads are
// consistent and follow its commit), so one at least tells the parent; a
// second report is a duplicate there. A failure reports at once and
// aborts the others, which report then (abortThread).
func (e *Engine) quietEnd(ctx context.Context, exec, thread string, cp *checkpoint) error {
	at := cp.Time
	for k := 1; k < cp.Siblings; k++ {
		sib := childID(cp.Parent, cp.Gen, (cp.Index+k)%cp.Siblings)
		th, err := e.store.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: exec, ThreadID: sib})
		if errors.Is(err, store.ErrNotFound) {
			return nil // not started
		}
		if err != nil {
			return fmt.Errorf("reading sibling %q of thread %q: %w", sib, thread, err)
		}
		scp, err := decodeCheckpoint(th.Data)
		if err != nil {
			return err
		}
		if !quietEnded(scp) {
			return nil
		}
		at = max(at, scp.Time)
	}
	m := endMessage(exec, cp, at)
	m.All = true
	return e.sendMessages(ctx, []queue.Message{{Body: m.encode()}})
}
