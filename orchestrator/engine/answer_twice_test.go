package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// TestAnswerTwice: the first answer to a task token closes the task at
// once; a different second answer gets TaskTimedOut even before a worker
// has taken the first, and the same answer again (a retry) is accepted.
func TestAnswerTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 5, 0, 0, 0)
	ctx := context.Background()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}`
	arn := createMachine(t, h.st, "cb", def)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "a", Input: `{}`})
	require.NoError(t, err)
	h.drain(ctx)
	tokens := h.tasks.pending()
	require.Len(t, tokens, 1)
	tok := tokens[0]

	require.NoError(t, h.eng.SendTaskSuccess(ctx, tok, `{"n":1}`))
	require.NoError(t, h.eng.SendTaskSuccess(ctx, tok, `{"n":1}`), "the same answer again is a retry")
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, tok, `{"n":2}`), engine.ErrTaskTimedOut)
	require.ErrorIs(t, h.eng.SendTaskFailure(ctx, tok, "E", "c"), engine.ErrTaskTimedOut)
	h.drain(ctx)
	got := h.execution(ctx, rec.ARN)
	require.Equal(t, store.StatusSucceeded, got.Status)
	require.JSONEq(t, `{"n":1}`, got.Output)
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, tok, `{"n":1}`), engine.ErrTaskTimedOut)
}
