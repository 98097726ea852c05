package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
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

// TestHistoryPageReadsLittle checks that a page of an execution that
// never forked reads about its own events, forward and backward, not the
// history around it; a forked execution's pages read its whole history.
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

	for _, reverse := range []bool{false, true} {
		p := &engine.HistoryPageParams{ExecutionARN: arn, MaxResults: 10, Reverse: reverse}
		var got []*interp.Event
		for page := 0; ; page++ {
			before := cs.events.Load()
			res, err := h.eng.HistoryPage(ctx, p)
			require.NoError(t, err)
			read := cs.events.Load() - before
			require.LessOrEqual(t, read, int64(10+1), "page %d read %d events", page, read)
			got = append(got, res.Events...)
			if res.NextToken == "" {
				break
			}
			p.NextToken = res.NextToken
		}
		want := slices.Clone(hist)
		if reverse {
			slices.Reverse(want)
		}
		require.Equal(t, eventsJSON(t, want), eventsJSON(t, got), "reverse %v", reverse)
	}

	// A forked execution: a page after the fork reads the whole history.
	par := h.startOne(ctx, "par", workflows["parallel"].def, `{}`)
	h.pump(ctx, func() bool { return h.execution(ctx, par).Status != store.StatusRunning })
	phist, err := h.eng.History(ctx, par)
	require.NoError(t, err)
	before := cs.events.Load()
	_, err = h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: par, MaxResults: 2, Reverse: true})
	require.NoError(t, err)
	require.GreaterOrEqual(t, cs.events.Load()-before, int64(len(phist)))
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

// TestHistoryEndsAtTheEnd: a worker whose record of the execution says
// RUNNING (it read it less than Config.StatusTTL ago) may commit a step
// of a branch after a sibling's failure ended the execution; the history
// ends at ExecutionFailed all the same, in History and in every page.
func TestHistoryEndsAtTheEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 8, 0, 0, 0)
	arn := h.startOne(ctx, "late", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Fail","Error":"Boom"}}},
		{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}],"End":true}}}`, `{}`)
	// A second worker, which reads the execution as RUNNING now and
	// trusts that for an hour.
	late, err := engine.New(&engine.Config{Store: h.st, Queue: h.q, NowFunc: h.clk.Now, Clock: h.clk, StatusTTL: time.Hour})
	require.NoError(t, err)
	var held [][]byte
	for len(held) == 0 {
		ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
		require.NoError(t, err)
		require.NotEmpty(t, ds)
		for _, d := range ds {
			var m struct {
				T string `json:"t"`
			}
			require.NoError(t, json.Unmarshal(d.Body, &m))
			if m.T == "root/1.1" {
				// Branch A's first step: the late worker takes it and keeps
				// its next message.
				require.NoError(t, late.HandleMessage(ctx, d.Body, d.ReceiveCount))
				require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}))
				next, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
				require.NoError(t, err)
				for _, n := range next {
					if strings.Contains(string(n.Body), `"root/1.1"`) {
						held = append(held, n.Body)
						require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{n.ReceiptHandle}}))
					} else {
						require.NoError(t, h.q.MessageRetry(ctx, &queue.MessageRetryParams{ReceiptHandle: n.ReceiptHandle}))
					}
				}
				continue
			}
			require.NoError(t, h.eng.HandleMessage(ctx, d.Body, d.ReceiveCount))
			require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}))
		}
	}
	h.advance(ctx, 2*time.Second) // branch W fails: the execution fails
	require.Equal(t, store.StatusFailed, h.execution(ctx, arn).Status)
	h.clk.Advance(time.Millisecond)
	for _, body := range held {
		require.NoError(t, late.HandleMessage(ctx, body, 1)) // B's step, after the end
	}
	th, err := h.st.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: "root/1.1"})
	require.NoError(t, err)
	require.Contains(t, string(th.Data), `"state":"B"`, "the late worker took B's step")
	hist, err := h.eng.History(ctx, arn)
	require.NoError(t, err)
	require.Equal(t, "ExecutionFailed", hist[len(hist)-1].Type)
	for _, ev := range hist {
		require.NotEqual(t, "B", ev.Details["name"], "a step after the end is in the history")
	}
	want := eventsJSON(t, hist)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	for _, size := range []int{1, 3} {
		require.Equal(t, want, eventsJSON(t, pages(t, h.eng, arn, size, false)), "forward, pages of %d", size)
		require.Equal(t, reversed, eventsJSON(t, pages(t, h.eng, arn, size, true)), "reverse, pages of %d", size)
	}
}
