package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

var historyMembers = []member{
	arnMember("executionArn").req(), maxResultsPage, boolean("reverseOrder"), nextTokenMember,
	boolean("includeExecutionData"),
}

// executionDataKeys are the event details that hold execution data, left
// out when includeExecutionData is false.
var executionDataKeys = []string{"input", "output"}

func (h *handler) getExecutionHistory(ctx context.Context, r *request) (any, error) {
	arn := r.str("executionArn")
	if _, err := h.getExecution(ctx, arn); err != nil {
		return nil, err
	}
	reverse := r.bool("reverseOrder", false)
	scope := arn + "|" + strconv.FormatBool(reverse)
	inner, terr := unwrapToken("h", scope, r.str("nextToken"))
	if terr != nil {
		return nil, terr
	}
	events, next, err := h.historyPage(ctx, arn, pageSize(r.int("maxResults")), inner, reverse)
	var ae *Error
	if errors.As(err, &ae) {
		return nil, ae
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", arn, err)
	}
	if !r.bool("includeExecutionData", true) {
		events = withoutData(events)
	}
	if events == nil {
		events = []*interp.Event{}
	}
	out := map[string]any{"events": events}
	if t := wrapToken("h", scope, next); t != "" {
		out["nextToken"] = t
	}
	return out, nil
}

// withoutData returns copies of events without execution data.
func withoutData(events []*interp.Event) []*interp.Event {
	out := make([]*interp.Event, len(events))
	for i, ev := range events {
		c := *ev
		if ev.Details != nil {
			c.Details = make(map[string]any, len(ev.Details))
			for k, v := range ev.Details {
				if !contains(executionDataKeys, k) {
					c.Details[k] = v
				}
			}
		}
		out[i] = &c
	}
	return out
}
