package engine_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// BenchmarkHandlePass measures the engine's handling of one message that
// enters a Pass state in the middle of a long chain, as a worker does it:
// receive the message, HandleMessage, delete it. One op is one
// transition, so -benchmem's allocs/op and B/op are per transition. The
// store is boltstore without fsync (NoSync) and the queue memqueue, so
// the numbers are the engine's CPU and allocations plus the embedded
// store's and queue's, not the disk's. Executions run one at a time; the
// first and last messages of each (ExecutionStarted, the end) run with
// the timer stopped.
func BenchmarkHandlePass(b *testing.B) {
	const states = 1002 // 1,000 timed transitions per execution
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), &boltstore.Options{NoSync: true})
	require.NoError(b, err)
	defer st.Close()
	q := memqueue.New(&memqueue.Config{VisibilityTimeout: time.Minute})
	eng, err := engine.New(&engine.Config{Store: st, Queue: q, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(b, err)
	smARN := "arn:aws:states:us-east-1:123456789012:stateMachine:handle"
	_, err = st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: smARN, Name: "handle",
		Definition: benchPassChain(states), Type: "STANDARD", RoleARN: "arn:aws:iam::123456789012:role/r"})
	require.NoError(b, err)

	recv := &queue.MessageReceiveParams{MaxMessages: 1}
	// handleOne receives the next message, handles it and deletes it.
	handleOne := func() {
		ds, err := q.MessageReceive(ctx, recv)
		if err != nil || len(ds) != 1 {
			b.Fatalf("receiving: %d messages, %v", len(ds), err)
		}
		d := ds[0]
		if err := eng.HandleMessage(ctx, d.Body, d.ReceiveCount); err != nil {
			b.Fatal(err)
		}
		if err := q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}); err != nil {
			b.Fatal(err)
		}
	}
	// startExec starts an execution and handles its first message (the
	// first state's entry, after ExecutionStarted).
	execs := 0
	startExec := func() string {
		ex, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: smARN, Name: fmt.Sprintf("h%d", execs), Input: `{"n":1}`})
		require.NoError(b, err)
		execs++
		handleOne()
		return ex.ARN
	}
	// endExec handles the last state's message and checks the end.
	endExec := func(arn string) {
		handleOne()
		ex, err := st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
		require.NoError(b, err)
		require.Equal(b, store.StatusSucceeded, ex.Status)
	}

	// Warm up: the machine's parse, the caches, the store's buffers.
	arn := startExec()
	for range 100 {
		handleOne()
	}
	left := states - 2 - 100
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if left == 0 {
			b.StopTimer()
			endExec(arn)
			arn = startExec()
			left = states - 2
			b.StartTimer()
		}
		handleOne()
		left--
	}
	b.StopTimer()
}

// benchPassChain returns a definition of n Pass states in a chain.
func benchPassChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}
