package engine_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// referenceHistory runs a workflow with the in-process runner and returns
// its history.
func referenceHistory(t *testing.T, def, input string) []*interp.Event {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	in, err := value.DecodeString(input)
	require.NoError(t, err)
	var evs []*interp.Event
	_, err = interp.Run(context.Background(), interp.NewMachine(sm), &interp.Execution{ARN: "arn", Input: in, StartTime: time.Unix(0, 0)},
		interp.RunOptions{Tasks: callbackAnswerer{&fakeTasks{tokens: map[string]bool{}}}, Emit: func(ev *interp.Event) { evs = append(evs, ev) }})
	require.NoError(t, err)
	return evs
}

// idLines renders a history as "id previousEventId type" lines.
func idLines(evs []*interp.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%d %d %s", ev.ID, ev.PreviousEventID, ev.Type)
	}
	return out
}

// fanOut are the workflows whose threads the engine and interp.Run
// interleave differently (the engine's history is in the time order of
// the steps, the harness's clock stands still); their events are compared
// as counts of each type and of each (type, type it follows) pair.
var fanOut = map[string]bool{"parallel": true, "map-then-parallel": true, "parallel-retried": true,
	"parallel-fails": true, "map-window": true, "map-tolerated": true, "nested": true,
	"parallel-aborts": true, "map-aborts": true, "map-wide": true}

// engineOnly are the events that the engine records and interp.Run cannot:
// an activity worker's ActivityStarted, and the TaskSubmitted of a .sync
// child execution that then fails (interp.Run's invoker answers for the
// whole task).
var engineOnly = map[string][]string{"activity": {"ActivityStarted"}, "child-sync-fails": {"TaskSubmitted"}}

// TestHistoryMatchesInProcessRun checks that the engine's history of each
// workflow has the ids, previousEventIds and types of interp.Run's (and so
// of AWS's), read whole and a page at a time; for fan-outs, the same
// number of events of each type.
func TestHistoryMatchesInProcessRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 5, 0, 0, 0)
	execs := runAll(t, h, 1)
	names := make([]string, 0, len(execs))
	for name := range execs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w := workflows[name]
		ref := referenceHistory(t, w.def, w.input)
		got, err := h.eng.History(context.Background(), execs[name][0])
		require.NoError(t, err)
		require.Equal(t, idLines(got), idLines(pages(t, h.eng, execs[name][0], 7, false)), name)
		if fanOut[name] || engineOnly[name] != nil {
			want := typeCounts(ref)
			for _, typ := range engineOnly[name] {
				want[typ]++
			}
			require.Equal(t, want, typeCounts(got), "%s: event types", name)
			checkAbortsFirst(t, name, got)
			if engineOnly[name] == nil {
				require.Equal(t, prevTypeCounts(ref), prevTypeCounts(got), "%s: what each event type follows", name)
			}
			continue
		}
		if !assertLines(t, idLines(ref), idLines(got)) {
			t.Errorf("%s: history differs from interp.Run's", name)
		}
	}
}

// checkAbortsFirst checks that the aborts of a failed fan-out's siblings
// come before the fan-out's failure, as in interp.Run's history.
func checkAbortsFirst(t *testing.T, name string, evs []*interp.Event) {
	t.Helper()
	lastAbort, firstFailed := -1, len(evs)
	for i, ev := range evs {
		switch {
		case strings.HasSuffix(ev.Type, "Aborted"):
			lastAbort = i
		case (ev.Type == "ParallelStateFailed" || ev.Type == "MapStateFailed") && i < firstFailed:
			firstFailed = i
		}
	}
	require.Less(t, lastAbort, firstFailed, "%s: an abort after the fan-out failed:\n%s", name, strings.Join(idLines(evs), "\n"))
}

// prevTypeCounts counts the pairs (type, type of the event its
// previousEventId names): what the links of a history are, whatever order
// the threads' events interleave in.
func prevTypeCounts(evs []*interp.Event) map[string]int {
	byID := map[int64]string{0: "-"}
	out := map[string]int{}
	for _, ev := range evs {
		byID[ev.ID] = ev.Type
		out[ev.Type+" <- "+byID[ev.PreviousEventID]]++
	}
	return out
}

func typeCounts(evs []*interp.Event) map[string]int {
	out := map[string]int{}
	for _, ev := range evs {
		out[ev.Type]++
	}
	return out
}

func assertLines(t *testing.T, want, got []string) bool {
	t.Helper()
	if len(want) == len(got) {
		same := true
		for i := range want {
			if want[i] != got[i] {
				same = false
			}
		}
		if same {
			return true
		}
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		mark := "  "
		if w != g {
			mark = "!!"
		}
		t.Logf("%s %-40s %s", mark, w, g)
	}
	return false
}
