package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// backend is what the API needs of *engine.Engine.
type backend interface {
	Start(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
	StartSync(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
	Stop(ctx context.Context, p *engine.StopParams) (*store.Execution, error)
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
	GetActivityTask(ctx context.Context, activityARN, workerName string) (token, input string, err error)
	HistoryPage(ctx context.Context, p *engine.HistoryPageParams) (*engine.HistoryPageResult, error)
	Store() store.Store
}

// historyPage returns one page of an execution's history
// (GetExecutionHistory), read a page at a time from the store by the
// engine; next is "" on the last page.
func (h *handler) historyPage(ctx context.Context, executionARN string, max int, token string, reverse bool) (events []*interp.Event, next string, err error) {
	page, err := h.eng.HistoryPage(ctx, &engine.HistoryPageParams{ExecutionARN: executionARN, MaxResults: max, NextToken: token, Reverse: reverse})
	switch {
	case errors.Is(err, engine.ErrInvalidToken):
		return nil, "", invalidToken()
	case errors.Is(err, store.ErrNotFound):
		return nil, "", executionDoesNotExist(executionARN)
	case err != nil:
		return nil, "", fmt.Errorf("reading the history of %s: %w", executionARN, err)
	}
	return page.Events, page.NextToken, nil
}
