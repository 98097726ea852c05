package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// History returns an execution's whole history with Step Functions event
// ids: events in the order they happened, numbered from 1, each
// previousEventId pointing at the thread's previous event (or, for a
// thread's first event, the event before it).
func (e *Engine) History(ctx context.Context, executionARN string) ([]*interp.Event, error) {
	var stored []storedEvent
	after := ""
	for {
		page, err := e.store.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: executionARN, StartAfter: after, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("reading history of %s: %w", executionARN, err)
		}
		for _, ev := range page.Events {
			var se storedEvent
			dec := json.NewDecoder(bytes.NewReader(ev.Data))
			dec.UseNumber()
			if err := dec.Decode(&se); err != nil {
				return nil, fmt.Errorf("decoding history event %s: %w", ev.Key, err)
			}
			stored = append(stored, se)
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
