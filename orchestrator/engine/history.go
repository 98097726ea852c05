package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// History. A step's events are stored with the step, keyed by (thread,
// Seq, index) (store.StepEventKey), each with the time of its step. The
// store lists them in key order, thread by thread; the history is the
// events in time order (ties: thread, Seq, index), numbered from 1. Each
// event's previousEventId is the id of its thread's event that the
// interpreter named (events are numbered per thread when they are
// written), or an event of another thread that the step named
// (storedEvent.PrevThread): a child's first event follows its parent's
// ...StateStarted or, in a Map's window, the last state event of the
// sibling it replaces; a parent's first event after its join follows the
// last event of the child that ended last, or the last state event of the
// failed child it reports, as in interp.Run. Otherwise (events stored
// before these references, the end of a stopped execution) it is the id
// just before the event's step. The root's ExecutionStarted and first
// state event have previousEventId 0, as on AWS (executions started
// before this rule stored 1 for the latter, and keep it). Events of threads
// that outlived the execution's end (a branch still running when a
// sibling's failure ended it, a step that read the execution as running
// just before it was stopped) are not part of it.
//
// While an execution has only its root thread, key order is time order
// and the thread's own numbers are the history's: HistoryPage then reads
// just its page. Once it has forked, a page is cut from the whole
// history, read and sorted (reading an execution's history costs its
// size in read units either way; a forked execution pays it per page).

// storedEvent is a history event as stored.
type storedEvent struct {
	// At is the time of the step, in Unix nanoseconds (the event's own
	// timestamp has milliseconds).
	At    int64         `json:"n"`
	Event *interp.Event `json:"e"`
	// Forked says the thread had forked before this event: its own event
	// numbers skip the ones its children used, so they are the history's
	// ids no more.
	Forked bool `json:"f,omitempty"`
	// PrevThread, on a child thread's first event, names the thread whose
	// event Event.PreviousEventID is (a local id of that thread).
	PrevThread string `json:"pt,omitempty"`

	key    string // the store key
	thread string
	seq    int64
	index  int
}

// eventWrites turns the events of the step that writes thread at seq,
// at now, into store writes; forked says the thread has forked.
func eventWrites(thread string, seq int64, now time.Time, events []*interp.Event, forked bool, prevThread string) []store.EventWrite {
	return appendEventWrites(make([]store.EventWrite, 0, len(events)), thread, seq, now, events, nil, forked, prevThread)
}

// appendEventWrites is eventWrites appending to out; data[i], when
// there, is lean events[i]'s data written (appendStoredEventData). The
// events are written into one buffer, each write a piece of it.
func appendEventWrites(out []store.EventWrite, thread string, seq int64, now time.Time, events []*interp.Event, data [][]byte, forked bool, prevThread string) []store.EventWrite {
	if len(events) == 0 {
		return out
	}
	size := 0
	for i, ev := range events {
		// What a lean event of entering or leaving a state takes, short
		// ids aside; others have a details map to write.
		size += 192 + len(ev.Type) + len(ev.StateName) + len(prevThread)
		if i < len(data) {
			size += len(data[i])
		}
		if !ev.Lean && ev.DetailsKey != "" {
			size += 128
		}
	}
	buf := make([]byte, 0, size)
	var ends [8]int
	offs := ends[:0]
	at := now.UnixNano()
	for i, ev := range events {
		pt := ""
		if prevThread != "" && ev.PreviousEventID == events[0].PreviousEventID {
			// The step's first events follow an event of prevThread (a
			// child's first, a parent's failure after its join).
			pt = prevThread
		} else {
			prevThread = ""
		}
		var d []byte
		if i < len(data) {
			d = data[i]
		}
		buf = appendStoredEventData(buf, at, ev, d, forked, pt)
		offs = append(offs, len(buf))
	}
	start := 0
	for i, end := range offs {
		out = append(out, store.EventWrite{Key: store.StepEventKey(thread, seq, i), Data: buf[start:end:end]})
		start = end
	}
	return out
}

func decodeStoredEvent(ev store.Event) (*storedEvent, error) {
	var se storedEvent
	if err := decodeJSON(ev.Data, &se); err != nil || se.Event == nil {
		return nil, fmt.Errorf("decoding history event %s: %v", ev.Key, err)
	}
	step, index, ok := store.ParseStepEventKey(ev.Key)
	if !ok {
		return nil, fmt.Errorf("decoding history event %s: not a step's event key", ev.Key)
	}
	se.thread, se.seq, _ = store.SplitStepKey(step)
	se.key, se.index = ev.Key, index
	return &se, nil
}

// numbered is an event of the history with its Step Functions id.
type numbered struct {
	key   string
	event *interp.Event
}

// History returns an execution's whole history with Step Functions event
// ids: events in the order they happened, numbered from 1, each
// previousEventId pointing at the thread's previous event (or, for a
// thread's first event, the event before it). HistoryPage returns the
// same events a page at a time.
func (e *Engine) History(ctx context.Context, executionARN string) ([]*interp.Event, error) {
	all, err := e.history(ctx, executionARN)
	if err != nil {
		return nil, err
	}
	out := make([]*interp.Event, len(all))
	for i, n := range all {
		out[i] = n.event
	}
	return out, nil
}

// history reads, orders and numbers an execution's whole history.
func (e *Engine) history(ctx context.Context, arn string) ([]numbered, error) {
	var stored []*storedEvent
	after := ""
	for {
		page, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: arn, StartAfter: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("reading history of %s: %w", arn, err)
		}
		for _, ev := range page.Events {
			se, err := decodeStoredEvent(ev)
			if err != nil {
				return nil, err
			}
			stored = append(stored, se)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(stored) == 0 {
		ev, err := e.startedOnly(ctx, arn)
		if err != nil || ev == nil {
			return nil, err
		}
		return []numbered{{key: store.StepEventKey(rootThread, 0, 0), event: ev}}, nil
	}
	sort.Slice(stored, func(i, j int) bool {
		a, b := stored[i], stored[j]
		switch {
		case a.At != b.At:
			return a.At < b.At
		case a.thread != b.thread:
			return a.thread < b.thread
		case a.seq != b.seq:
			return a.seq < b.seq
		}
		return a.index < b.index
	})
	for i, se := range stored {
		if isExecutionEnd(se.Event.Type) {
			stored = stored[:i+1]
			break
		}
	}
	type local struct {
		thread string
		id     int64
	}
	global := make(map[local]int64, len(stored))
	out := make([]numbered, len(stored))
	stepFirst := int64(0) // id of the first event of the current step
	for i, se := range stored {
		id := int64(i + 1)
		ev := *se.Event
		if i == 0 || se.index == 0 || stored[i-1].thread != se.thread || stored[i-1].seq != se.seq {
			stepFirst = id
		}
		// An event that follows no event of its thread (a child's first
		// without PrevThread, a parent's after its join) follows the one
		// before its step: the last of the children that ended.
		prev := stepFirst - 1
		prevThread := se.thread
		if se.PrevThread != "" {
			prevThread = se.PrevThread
		}
		if g, ok := global[local{prevThread, ev.PreviousEventID}]; ok && ev.PreviousEventID > 0 {
			prev = g
		} else if se.thread == rootThread && ev.PreviousEventID == 0 {
			prev = 0 // ExecutionStarted, and the first state's event
		}
		global[local{se.thread, ev.ID}] = id
		ev.ID, ev.PreviousEventID = id, prev
		out[i] = numbered{key: se.key, event: &ev}
	}
	return out, nil
}

// isExecutionEnd reports whether an event type ends an execution.
func isExecutionEnd(typ string) bool {
	switch typ {
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut":
		return true
	}
	return false
}

// HistoryPageParams are the parameters of HistoryPage
// (GetExecutionHistory).
type HistoryPageParams struct {
	ExecutionARN string
	// MaxResults is the page size: 0 means 100; more than 1000 means 1000.
	MaxResults int
	// NextToken continues a previous page; empty starts at the first
	// event (the last one when Reverse).
	NextToken string
	// Reverse lists the events from the last one back.
	Reverse bool
}

// HistoryPageResult is one page of an execution's history.
type HistoryPageResult struct {
	// Events are in order (reverse order when Reverse), with the ids and
	// previousEventIds History gives.
	Events []*interp.Event
	// NextToken continues the listing; empty when there is no more.
	NextToken string
}

// pageToken is the state of a listing between pages: the key of the last
// event returned and its id.
type pageToken struct {
	Key     string `json:"k"`
	ID      int64  `json:"i"`
	Reverse bool   `json:"r,omitempty"`
	// Exec is a hash of the execution's ARN: a token works only for the
	// execution it came from.
	Exec uint32 `json:"x"`
}

func execHash(arn string) uint32 {
	h := sha256.Sum256([]byte(arn))
	return binary.BigEndian.Uint32(h[:4])
}

func (t *pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePageToken(s, arn string, reverse bool) (*pageToken, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: not a token of this API", ErrInvalidToken)
	}
	var t pageToken
	if err := json.Unmarshal(b, &t); err != nil || t.Key == "" || t.ID < 1 {
		return nil, fmt.Errorf("%w: not a token of this API", ErrInvalidToken)
	}
	if t.Exec != execHash(arn) {
		return nil, fmt.Errorf("%w: the token is for another execution", ErrInvalidToken)
	}
	if t.Reverse != reverse {
		return nil, fmt.Errorf("%w: the token is for the other order (reverseOrder)", ErrInvalidToken)
	}
	return &t, nil
}

// HistoryPage returns one page of an execution's history, numbered as
// History numbers it (GetExecutionHistory with maxResults, nextToken and
// reverseOrder). A bad NextToken is ErrInvalidToken; an execution that
// does not exist, store.ErrNotFound.
//
// What it reads: while the events it lists are the root thread's and
// numbered without a gap (an execution that never forked, or the part
// before its first fork), its page and one event more; otherwise the
// whole history (see the package's History notes).
func (e *Engine) HistoryPage(ctx context.Context, p *HistoryPageParams) (*HistoryPageResult, error) {
	limit := p.MaxResults
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var tok *pageToken
	if p.NextToken != "" {
		t, err := decodePageToken(p.NextToken, p.ExecutionARN, p.Reverse)
		if err != nil {
			return nil, err
		}
		tok = t
	}
	res, ok, err := e.rootPage(ctx, p, tok, limit)
	if err != nil {
		return nil, err
	}
	if !ok {
		if res, err = e.sortedPage(ctx, p, tok, limit); err != nil {
			return nil, err
		}
	}
	if len(res.Events) == 0 && tok == nil {
		ev, err := e.startedOnly(ctx, p.ExecutionARN)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			res.Events = append(res.Events, ev)
		}
	}
	return res, nil
}

// startedOnly returns the history of an execution that has stored no
// event: a STANDARD execution before its first step has its
// ExecutionStarted event (which that step records), an EXPRESS one none.
// An execution that does not exist is store.ErrNotFound.
func (e *Engine) startedOnly(ctx context.Context, arn string) (*interp.Event, error) {
	x, err := e.execution(ctx, arn, statusFresh)
	if err != nil {
		return nil, fmt.Errorf("reading history of %s: %w", arn, err)
	}
	if x.xd.Express {
		return nil, nil
	}
	return startedEvent(x.rec, x.xd.Exec.RoleARN), nil
}

// rootPage reads a page by key and returns it if every event on it is
// the root thread's and their own numbers are the history's ids: the
// first is the one after (before) the token's, and they follow without a
// gap (the first of a reverse listing is the last event of all). ok is
// false otherwise.
func (e *Engine) rootPage(ctx context.Context, p *HistoryPageParams, tok *pageToken, limit int) (*HistoryPageResult, bool, error) {
	params := &store.HistoryListParams{ExecutionARN: p.ExecutionARN, Limit: limit + 1, Reverse: p.Reverse}
	if tok != nil {
		step, _, ok := store.ParseStepEventKey(tok.Key)
		if !ok {
			return nil, false, nil
		}
		if thread, _, _ := store.SplitStepKey(step); thread != rootThread {
			return nil, false, nil
		}
		params.StartAfter = tok.Key
	}
	page, err := e.store.HistoryList(ctx, params)
	if err != nil {
		return nil, false, fmt.Errorf("reading history of %s: %w", p.ExecutionARN, err)
	}
	res := &HistoryPageResult{}
	next := int64(1)
	step := int64(1)
	if p.Reverse {
		step = -1
	}
	if tok != nil {
		next = tok.ID + step
	}
	var last *storedEvent
	for i, ev := range page.Events {
		if i == limit {
			// One more event than the page: another page follows.
			res.NextToken = (&pageToken{Key: last.key, ID: last.Event.ID, Reverse: p.Reverse, Exec: execHash(p.ExecutionARN)}).encode()
			break
		}
		se, err := decodeStoredEvent(ev)
		if err != nil {
			return nil, false, err
		}
		if se.thread != rootThread || se.Forked {
			return nil, false, nil
		}
		if i == 0 && p.Reverse && tok == nil {
			next = se.Event.ID
		}
		if se.Event.ID != next || next < 1 {
			return nil, false, nil
		}
		ev := *se.Event
		if ev.PreviousEventID < 0 {
			ev.PreviousEventID = ev.ID - 1
		}
		res.Events = append(res.Events, &ev)
		last = se
		next += step
	}
	if len(res.Events) == 0 && tok != nil {
		return nil, false, nil // the history may go on in time order
	}
	if len(res.Events) > 0 && res.NextToken == "" && page.Next != "" {
		// The store's page was short: more may follow.
		res.NextToken = (&pageToken{Key: last.key, ID: last.Event.ID, Reverse: p.Reverse, Exec: execHash(p.ExecutionARN)}).encode()
	}
	return res, true, nil
}

// sortedPage cuts a page out of the whole history.
func (e *Engine) sortedPage(ctx context.Context, p *HistoryPageParams, tok *pageToken, limit int) (*HistoryPageResult, error) {
	all, err := e.history(ctx, p.ExecutionARN)
	if err != nil {
		return nil, err
	}
	res := &HistoryPageResult{}
	pos := 0 // index of the page's first event
	switch {
	case tok == nil && p.Reverse:
		pos = len(all) - 1
	case tok != nil:
		pos = int(tok.ID) - 1 // the token's event, if the history has not changed
		for i, n := range all {
			if n.key == tok.Key {
				pos = i
				break
			}
		}
		if p.Reverse {
			pos--
		} else {
			pos++
		}
	}
	for i := pos; i >= 0 && i < len(all) && len(res.Events) < limit; {
		res.Events = append(res.Events, all[i].event)
		if len(res.Events) == limit {
			more := i+1 < len(all)
			if p.Reverse {
				more = i > 0
			}
			if more {
				res.NextToken = (&pageToken{Key: all[i].key, ID: all[i].event.ID, Reverse: p.Reverse, Exec: execHash(p.ExecutionARN)}).encode()
			}
		}
		if p.Reverse {
			i--
		} else {
			i++
		}
	}
	return res, nil
}

// decodeJSON decodes b into v with json.Number for numbers.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
