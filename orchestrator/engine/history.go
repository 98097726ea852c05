package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Event ids. The store keeps an execution's events under keys that sort
// in the order things happened (time, thread, the thread's local id); the
// Step Functions id of an event is its rank in that order, from 1, and its
// previousEventId is the id of the thread's previous event (or, for a
// thread's first event, after a join, and for ExecutionTimedOut and
// ExecutionAborted, the event just before it). Each stored event carries
// its predecessor's key (storedEvent.PrevKey), so that a page can name it
// by counting the keys between it and the page: a forward page never reads
// the pages before it.

// History returns an execution's whole history with Step Functions event
// ids: events in the order they happened, numbered from 1, each
// previousEventId pointing at the thread's previous event (or, for a
// thread's first event, the event before it). HistoryPage returns the
// same events a page at a time.
func (e *Engine) History(ctx context.Context, executionARN string) ([]*interp.Event, error) {
	var stored []storedEvent
	after := ""
	for {
		page, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: executionARN, StartAfter: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("reading history of %s: %w", executionARN, err)
		}
		for _, ev := range page.Events {
			se, err := decodeStoredEvent(ev)
			if err != nil {
				return nil, err
			}
			stored = append(stored, *se)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	type key struct {
		thread string
		id     int64
	}
	global := make(map[key]int64, len(stored))
	out := make([]*interp.Event, len(stored))
	for i, se := range stored {
		id := int64(i + 1)
		ev := *se.Event
		prev := id - 1
		if g, ok := global[key{se.Thread, ev.PreviousEventID}]; ok && ev.PreviousEventID > 0 {
			prev = g
		}
		global[key{se.Thread, ev.ID}] = id
		ev.ID, ev.PreviousEventID = id, prev
		out[i] = &ev
	}
	return out, nil
}

func decodeStoredEvent(ev store.Event) (*storedEvent, error) {
	var se storedEvent
	dec := json.NewDecoder(bytes.NewReader(ev.Data))
	dec.UseNumber()
	if err := dec.Decode(&se); err != nil || se.Event == nil {
		return nil, fmt.Errorf("decoding history event %s: %v", ev.Key, err)
	}
	se.key = ev.Key
	return &se, nil
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
// What it reads: a forward page reads its own events (one more, to know
// whether another page follows) and, when an event's thread-predecessor
// is on an earlier page, the keys from the oldest such predecessor up to
// the page: usually nothing, since most events follow their predecessor
// closely. The first reverse page must know how many events there are,
// so it reads the keys of the whole history once (in DynamoDB, a Query of
// the execution's events: read units for their whole size); the pages
// after it carry the count in their token. No counter is written on the
// execution's hot path: a count per execution would be one more item in
// every commit (2 more write units a transition) and a hot key that every
// child of a Map writes to.
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
	after := ""
	if tok != nil {
		after = tok.Key
	}
	page, more, err := e.readEvents(ctx, p.ExecutionARN, after, p.Reverse, limit)
	if err != nil {
		return nil, err
	}
	res := &HistoryPageResult{}
	if len(page) == 0 {
		if tok == nil {
			if _, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: p.ExecutionARN}); err != nil {
				return nil, fmt.Errorf("reading history of %s: %w", p.ExecutionARN, err)
			}
		}
		return res, nil
	}
	// Ids: forward from the token's, or back from the token's or the count.
	ids := make([]int64, len(page))
	switch {
	case !p.Reverse:
		first := int64(1)
		if tok != nil {
			first = tok.ID + 1
		}
		for i := range page {
			ids[i] = first + int64(i)
		}
	default:
		last := int64(0)
		if tok != nil {
			last = tok.ID - 1
		} else {
			n, err := e.countEvents(ctx, p.ExecutionARN)
			if err != nil {
				return nil, err
			}
			last = n
		}
		for i := range page {
			ids[i] = last - int64(i)
		}
	}
	// Predecessors: on the page, or before it (found by counting).
	type tkey struct {
		thread string
		id     int64
	}
	onPage := make(map[tkey]int, len(page)) // (thread, local id) -> index in page
	byKey := make(map[string]int64, len(page))
	for i, se := range page {
		onPage[tkey{se.Thread, se.Event.ID}] = i
		byKey[se.key] = ids[i]
	}
	oldest := page[0] // the page's event with the smallest key
	if p.Reverse {
		oldest = page[len(page)-1]
	}
	lookup := ""                 // smallest predecessor key before the page
	fromStart := false           // an event without a key hint needs the history from its start
	before := map[string]int64{} // key -> id, before the page
	if tok != nil && !p.Reverse {
		before[tok.Key] = tok.ID // the last event of the page before
	}
	for _, se := range page {
		prev := se.Event.PreviousEventID
		if prev <= 0 {
			continue
		}
		if j, ok := onPage[tkey{se.Thread, prev}]; ok && page[j].key < se.key {
			continue
		}
		if _, ok := before[se.PrevKey]; ok {
			continue
		}
		switch {
		case se.PrevKey != "" && se.PrevKey < oldest.key:
			if lookup == "" || se.PrevKey < lookup {
				lookup = se.PrevKey
			}
		case se.PrevKey == "" && se.V == 0:
			fromStart = true
		}
	}
	var beforeLocal map[tkey]int64 // (thread, local id) -> id, when read from the start
	if lookup != "" || fromStart {
		oldestID := ids[0]
		if p.Reverse {
			oldestID = ids[len(ids)-1]
		}
		keys, evs, err := e.readBetween(ctx, p.ExecutionARN, lookup, fromStart, oldest.key)
		if err != nil {
			return nil, err
		}
		beforeLocal = map[tkey]int64{}
		for i, k := range keys {
			id := oldestID - int64(len(keys)-i)
			before[k] = id
			if evs != nil {
				beforeLocal[tkey{evs[i].Thread, evs[i].Event.ID}] = id
			}
		}
	}
	for i, se := range page {
		ev := *se.Event
		id := ids[i]
		prev := id - 1
		if p := ev.PreviousEventID; p > 0 {
			if j, ok := onPage[tkey{se.Thread, p}]; ok && page[j].key < se.key {
				prev = ids[j]
			} else if g, ok := before[se.PrevKey]; ok && se.PrevKey != "" {
				prev = g
			} else if g, ok := beforeLocal[tkey{se.Thread, p}]; ok && se.V == 0 {
				prev = g
			} else if g, ok := byKey[se.PrevKey]; ok && se.PrevKey != "" && se.PrevKey < se.key {
				prev = g
			}
		}
		ev.ID, ev.PreviousEventID = id, prev
		res.Events = append(res.Events, &ev)
	}
	if more {
		last := page[len(page)-1]
		res.NextToken = (&pageToken{Key: last.key, ID: ids[len(ids)-1], Reverse: p.Reverse, Exec: execHash(p.ExecutionARN)}).encode()
	}
	return res, nil
}

// readEvents reads up to limit events after key after (before it when
// reverse), and reports whether more follow.
func (e *Engine) readEvents(ctx context.Context, arn, after string, reverse bool, limit int) ([]*storedEvent, bool, error) {
	var out []*storedEvent
	for {
		res, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: arn, StartAfter: after, Limit: min(limit+1-len(out), 1000), Reverse: reverse})
		if err != nil {
			return nil, false, fmt.Errorf("reading history of %s: %w", arn, err)
		}
		for _, ev := range res.Events {
			se, err := decodeStoredEvent(ev)
			if err != nil {
				return nil, false, err
			}
			out = append(out, se)
		}
		if len(out) > limit {
			return out[:limit], true, nil
		}
		if res.Next == "" {
			return out, false, nil
		}
		after = res.Next
	}
}

// countEvents counts an execution's events.
func (e *Engine) countEvents(ctx context.Context, arn string) (int64, error) {
	n := int64(0)
	after := ""
	for {
		res, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: arn, StartAfter: after, Limit: 1000})
		if err != nil {
			return 0, fmt.Errorf("counting the history of %s: %w", arn, err)
		}
		n += int64(len(res.Events))
		if res.Next == "" {
			return n, nil
		}
		after = res.Next
	}
}

// readBetween returns the keys from first (included) to bound (excluded)
// in order; from the start of the history when fromStart, with the events
// themselves (to find predecessors by thread and local id).
func (e *Engine) readBetween(ctx context.Context, arn, first string, fromStart bool, bound string) ([]string, []*storedEvent, error) {
	var keys []string
	var evs []*storedEvent
	after := ""
	if !fromStart {
		keys = append(keys, first)
		after = first
	}
	// Predecessors are usually close: read a few keys first, then more.
	for limit := 8; ; limit = min(4*limit, 1000) {
		res, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: arn, StartAfter: after, Limit: limit})
		if err != nil {
			return nil, nil, fmt.Errorf("reading history of %s: %w", arn, err)
		}
		for _, ev := range res.Events {
			if ev.Key >= bound {
				return keys, evs, nil
			}
			keys = append(keys, ev.Key)
			if fromStart {
				se, err := decodeStoredEvent(ev)
				if err != nil {
					return nil, nil, err
				}
				evs = append(evs, se)
			}
		}
		if res.Next == "" {
			return keys, evs, nil
		}
		after = res.Next
	}
}
