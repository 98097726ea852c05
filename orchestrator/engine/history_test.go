package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// countingStore counts the history events a store returns.
type countingStore struct {
	store.Store
	events atomic.Int64
}

func (c *countingStore) HistoryList(ctx context.Context, p *store.HistoryListParams) (*store.HistoryListResult, error) {
	res, err := c.Store.HistoryList(ctx, p)
	if err == nil {
		c.events.Add(int64(len(res.Events)))
	}
	return res, err
}

// pages reads a whole history page by page.
func pages(t *testing.T, eng *engine.Engine, arn string, size int, reverse bool) []*interp.Event {
	t.Helper()
	var all []*interp.Event
	p := &engine.HistoryPageParams{ExecutionARN: arn, MaxResults: size, Reverse: reverse}
	for n := 0; ; n++ {
		require.Less(t, n, 100000)
		res, err := eng.HistoryPage(context.Background(), p)
		require.NoError(t, err)
		require.LessOrEqual(t, len(res.Events), size)
		if res.NextToken != "" {
			require.Len(t, res.Events, size, "a page before the last is full")
		}
		all = append(all, res.Events...)
		if res.NextToken == "" {
			return all
		}
		p.NextToken = res.NextToken
	}
}

func eventsJSON(t *testing.T, evs []*interp.Event) []string {
	t.Helper()
	out := make([]string, len(evs))
	for i, ev := range evs {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		out[i] = string(b)
	}
	return out
}

// TestHistoryPages checks that pages of every size, forward and reverse,
// give History's events, on the histories of the fault-injection
// workflows (threads interleaved by fan-outs, duplicates and crashes).
func TestHistoryPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := boltstore.Open("", &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	cs := &countingStore{Store: st}
	h := newHarnessOn(t, cs, 3, 0.2, 0.1, 0.5)
	execs := runAll(t, h, 1)
	checked := 0
	for name, arns := range execs {
		for _, arn := range arns {
			hist, err := h.eng.History(ctx, arn)
			require.NoError(t, err)
			want := eventsJSON(t, hist)
			reversed := slices.Clone(want)
			slices.Reverse(reversed)
			for _, size := range []int{1, 4, 1000} {
				require.Equal(t, want, eventsJSON(t, pages(t, h.eng, arn, size, false)), "%s forward, pages of %d", name, size)
				require.Equal(t, reversed, eventsJSON(t, pages(t, h.eng, arn, size, true)), "%s reverse, pages of %d", name, size)
			}
			checked++
		}
	}
	require.Equal(t, len(workflows), checked)
}

// TestHistoryPageReadsLittle checks that a forward page reads about its
// own events, not the history before it.
func TestHistoryPageReadsLittle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := boltstore.Open("", &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	cs := &countingStore{Store: st}
	h := newHarnessOn(t, cs, 4, 0, 0, 0)
	// A long sequential history: 2 + 3 x 200 + 2 events.
	arn := h.startOne(ctx, "loop", `{"StartAt":"Init","States":{"Init":{"Type":"Pass","Result":{"i":0},"Next":"Inc"},
		"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":100,"Next":"Inc"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`, `{}`)
	h.drain(ctx)
	require.Equal(t, store.StatusSucceeded, h.execution(ctx, arn).Status)
	hist, err := h.eng.History(ctx, arn)
	require.NoError(t, err)
	require.Greater(t, len(hist), 400)

	p := &engine.HistoryPageParams{ExecutionARN: arn, MaxResults: 10}
	for page := 0; ; page++ {
		before := cs.events.Load()
		res, err := h.eng.HistoryPage(ctx, p)
		require.NoError(t, err)
		read := cs.events.Load() - before
		require.LessOrEqual(t, read, int64(2*10+2), "page %d read %d events", page, read)
		if res.NextToken == "" {
			break
		}
		p.NextToken = res.NextToken
	}
	// Reverse: the first page counts the history once, the next do not.
	before := cs.events.Load()
	res, err := h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: arn, MaxResults: 10, Reverse: true})
	require.NoError(t, err)
	require.Equal(t, int64(len(hist)), res.Events[0].ID)
	require.GreaterOrEqual(t, cs.events.Load()-before, int64(len(hist)))
	before = cs.events.Load()
	_, err = h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: arn, MaxResults: 10, Reverse: true, NextToken: res.NextToken})
	require.NoError(t, err)
	require.LessOrEqual(t, cs.events.Load()-before, int64(2*10+2))
}

func TestHistoryPageErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 5, 0, 0, 0)
	a := h.startOne(ctx, "a", workflows["pass-chain"].def, `{}`)
	h.drain(ctx)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: createMachine(t, h.st, "b", workflows["pass-chain"].def), Input: `{}`})
	require.NoError(t, err)
	h.drain(ctx)
	first, err := h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: a, MaxResults: 2})
	require.NoError(t, err)
	require.NotEmpty(t, first.NextToken)
	for name, p := range map[string]*engine.HistoryPageParams{
		"Garbage":          {ExecutionARN: a, NextToken: "not a token"},
		"Base64NotJSON":    {ExecutionARN: a, NextToken: "aGVsbG8"},
		"OtherExecution":   {ExecutionARN: rec.ARN, NextToken: first.NextToken},
		"OtherDirection":   {ExecutionARN: a, NextToken: first.NextToken, Reverse: true},
		"EmptyJSONObject":  {ExecutionARN: a, NextToken: "e30"},
		"NegativeID":       {ExecutionARN: a, NextToken: "eyJrIjoieCIsImkiOi0xfQ"},
		"TruncatedTokenOK": {ExecutionARN: a, NextToken: first.NextToken[:len(first.NextToken)-3]},
	} {
		_, err := h.eng.HistoryPage(ctx, p)
		require.ErrorIs(t, err, engine.ErrInvalidToken, name)
	}
	_, err = h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: a + "-missing"})
	require.ErrorIs(t, err, store.ErrNotFound)
	// MaxResults: 0 is 100, more than 1000 is 1000.
	res, err := h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: a, MaxResults: 5000})
	require.NoError(t, err)
	require.Empty(t, res.NextToken)
}

// TestHistoryPagesOfOldEvents pages a history whose events were written
// before events carried their predecessor's key: a page then finds the
// predecessors by reading from the start, and still numbers as History.
func TestHistoryPagesOfOldEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 6, 0, 0, 0)
	arn := h.startOne(ctx, "old", workflows["wait-year"].def, `{}`)
	// Events as an older engine wrote them: no "pk", no "v"; a second
	// thread interleaved with the root.
	var writes []store.EventWrite
	for i := int64(2); i <= 12; i++ {
		thread := "root"
		local := i
		if i%3 == 0 {
			thread, local = "root/1.0", i/3
		}
		prev := local - 1
		ev := fmt.Sprintf(`{"thread":%q,"event":{"id":%d,"previousEventId":%d,"timestamp":1767225600,"type":"PassStateEntered","stateEnteredEventDetails":{"name":"P"}}}`, thread, local, prev)
		writes = append(writes, store.EventWrite{Key: fmt.Sprintf("%019d#%s#%010d", int64(1767225601000000000)+i, thread, local), Data: []byte(ev)})
	}
	require.NoError(t, h.st.Commit(ctx, &store.CommitParams{ExecutionARN: arn, Events: writes}))
	hist, err := h.eng.History(ctx, arn)
	require.NoError(t, err)
	require.Len(t, hist, 12)
	want := eventsJSON(t, hist)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	for _, size := range []int{1, 2, 5} {
		require.Equal(t, want, eventsJSON(t, pages(t, h.eng, arn, size, false)), "forward, pages of %d", size)
		require.Equal(t, reversed, eventsJSON(t, pages(t, h.eng, arn, size, true)), "reverse, pages of %d", size)
	}
}
