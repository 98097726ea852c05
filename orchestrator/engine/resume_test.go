package engine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// TestResumeAfterRestart stops an engine mid-execution (a pending Wait
// timer, a pending callback, a Map whose iterations wait, an activity, a
// .sync child that waits, an execution timeout) and starts a new one on
// the same store file with an empty in-memory queue, as `stepwise serve`
// does after a restart: ResumeAll sends again what the executions wait for
// and they all finish as an in-process run does.
func TestResumeAfterRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepwise.db")
	st, err := boltstore.Open(path, &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	h := newHarnessOn(t, st, 1, 0, 0, 0)
	createAux(t, h.st)
	defs := map[string]struct{ def, input string }{
		"wait":     workflows["wait-year"],
		"callback": workflows["callback"],
		"activity": workflows["activity"],
		"child":    {parentDef(".sync:2", "slow-child", ""), `{"v":1}`},
		"map": {`{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}},"End":true}}}`,
			`[1,2,3,4,5]`},
		"timeout": {`{"TimeoutSeconds":600,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, `{}`},
	}
	arns := map[string]string{}
	starts := map[string]time.Time{}
	for name, w := range defs {
		arns[name] = h.startOne(ctx, name, w.def, w.input)
	}
	// Half an execution: everything waits on a timer, a token or a worker.
	h.drain(ctx)
	h.advance(ctx, 30*time.Second) // the first two iterations end, two more start
	callbackTokens := h.tasks.pending()
	require.Len(t, callbackTokens, 1)
	for name, arn := range arns {
		rec := h.execution(ctx, arn)
		require.Equal(t, store.StatusRunning, rec.Status, name)
		starts[name] = rec.StartedAt
	}

	// Restart: the queue and its messages are gone; the file stays.
	require.NoError(t, st.Close())
	st2, err := boltstore.Open(path, &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st2.Close() })
	h2 := newHarnessOn(t, st2, 2, 0, 0, 0)
	h2.clk.Set(h.clk.Now())
	n, err := h2.eng.ResumeAll(ctx)
	require.NoError(t, err)
	require.Equal(t, len(defs)+1, n, "and the .sync child")
	// The callback's token survived the restart.
	require.NoError(t, h2.eng.SendTaskSuccess(ctx, callbackTokens[0], `{"answered":true}`))

	// The execution timeout fires 600 s after the start, not 600 s after
	// the restart.
	h2.advance(ctx, starts["timeout"].Add(599*time.Second).Sub(h2.clk.Now()))
	require.Equal(t, store.StatusRunning, h2.execution(ctx, arns["timeout"]).Status)
	h2.advance(ctx, time.Second)
	require.Equal(t, store.StatusTimedOut, h2.execution(ctx, arns["timeout"]).Status)
	h2.pump(ctx, func() bool {
		for _, arn := range arns {
			if h2.execution(ctx, arn).Status == store.StatusRunning {
				return false
			}
		}
		return true
	})
	for name, arn := range arns {
		rec := h2.execution(ctx, arn)
		if name == "timeout" {
			require.Equal(t, store.StatusTimedOut, rec.Status)
			require.Equal(t, starts[name].Add(600*time.Second), rec.StoppedAt)
			continue
		}
		if name == "child" {
			require.Equal(t, store.StatusSucceeded, rec.Status)
			require.Equal(t, "slow", decodeObject(t, rec.Output)["Output"])
			continue
		}
		want := reference(t, defs[name].def, defs[name].input)
		require.Equal(t, want.Status, rec.Status, name)
		require.JSONEq(t, mustJSON(t, want.Output), rec.Output, name)
	}
	// Nothing left to resume.
	n, err = h2.eng.ResumeAll(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestResumeExpress runs an EXPRESS execution again from its start when
// its message was lost.
func TestResumeExpress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 3, 0, 0, 0)
	arn := createExpress(t, h.st, "fast", workflows["pass-chain"].def)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn})
	require.NoError(t, err)
	h2 := newHarnessOn(t, h.st, 4, 0, 0, 0) // another queue: the message is lost
	n, err := h2.eng.ResumeAll(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	h2.drain(ctx)
	require.Equal(t, store.StatusSucceeded, h2.execution(ctx, rec.ARN).Status)
}

// TestResumeLostEnds: a process that dies between a root's last step and
// the record's update, or between a quiet Parallel's last branch steps
// and their report to the parent, loses nothing: after a restart (its
// queue gone), ResumeAll finishes both executions.
func TestResumeLostEnds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 14, 0, 0, 0)
	crashing := h.crashingAt("committed")
	one := h.startOne(ctx, "one", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"done","End":true}}}`, `{}`)
	par := h.startOne(ctx, "par", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}]}}}`, `{}`)
	for {
		ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
		require.NoError(t, err)
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			var m struct {
				E string `json:"e"`
				T string `json:"t"`
			}
			require.NoError(t, json.Unmarshal(d.Body, &m))
			if m.E == one || strings.Contains(m.T, "/") {
				// The root's only step, a branch's only step: committed,
				// then the process dies.
				require.ErrorContains(t, crashing.HandleMessage(ctx, d.Body, d.ReceiveCount), "injected crash")
				continue
			}
			require.NoError(t, h.eng.HandleMessage(ctx, d.Body, d.ReceiveCount))
			require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}))
		}
	}
	require.Equal(t, store.StatusRunning, h.execution(ctx, one).Status)
	require.Equal(t, store.StatusRunning, h.execution(ctx, par).Status)

	h2 := newHarnessOn(t, h.st, 15, 0, 0, 0) // a new queue: the messages are lost
	h2.clk.Set(h.clk.Now())
	n, err := h2.eng.ResumeAll(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	h2.drain(ctx)
	rec := h2.execution(ctx, one)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `"done"`, rec.Output)
	rec = h2.execution(ctx, par)
	require.Equal(t, store.StatusSucceeded, rec.Status)
	require.JSONEq(t, `["a","b"]`, rec.Output)
}
