package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// failingSends fails the next n sends, as a network failure after the
// start's commit would.
type failingSends struct {
	queue.Queue
	n int
}

func (f *failingSends) MessageSend(ctx context.Context, p *queue.MessageSendParams) error {
	if f.n > 0 {
		f.n--
		return errors.New("injected send failure")
	}
	return f.Queue.MessageSend(ctx, p)
}

// TestStartAgainResendsFirstMessage: a StartExecution whose first message
// was lost after the commit is repaired by the client's retry with the
// same name and input, as the API's idempotency promises.
func TestStartAgainResendsFirstMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 11, 0, 0, 0)
	ctx := context.Background()
	q := &failingSends{Queue: h.q, n: 1}
	eng, err := engine.New(&engine.Config{Store: h.st, Queue: q, Tasks: h.tasks, NowFunc: h.clk.Now, Clock: h.clk, ActivityPollTimeout: -1})
	require.NoError(t, err)
	h.eng = eng
	arn := createMachine(t, h.st, "p", workflows["pass-chain"].def)
	_, err = eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "x", Input: `{}`})
	require.Error(t, err, "the send failed after the commit")

	rec, err := eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "x", Input: `{}`})
	require.NoError(t, err)
	h.pump(ctx, func() bool { return h.execution(ctx, rec.ARN).Status != store.StatusRunning })
	require.Equal(t, store.StatusSucceeded, h.execution(ctx, rec.ARN).Status)
}
