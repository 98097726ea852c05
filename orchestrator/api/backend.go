package api

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// backend is what the API needs of *engine.Engine.
type backend interface {
	Start(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
	Stop(ctx context.Context, p *engine.StopParams) (*store.Execution, error)
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
	History(ctx context.Context, executionARN string) ([]*interp.Event, error)
	Store() store.Store
}

// syncStarter runs an EXPRESS execution to its end in-process
// (StartSyncExecution).
type syncStarter interface {
	StartSync(ctx context.Context, p *engine.StartParams) (*store.Execution, error)
}

// activityPoller hands out activity tasks (GetActivityTask): a token and
// the task's input, or an empty token when none came within ctx or 60 s.
type activityPoller interface {
	GetActivityTask(ctx context.Context, activityARN, workerName string) (token, input string, err error)
}

// errNoStartSync is returned when the engine cannot run express executions.
var errNoStartSync = errors.New("api: the engine does not implement StartSync")

// activityPollTimeout is how long GetActivityTask waits for a task.
const activityPollTimeout = 60 * time.Second

// historyPage returns one page of an execution's history (GetExecutionHistory).
// next is "" on the last page.
//
// TODO(engine.HistoryPage): page in the store through the engine once it
// has HistoryPage; until then the whole history is read and sliced, with
// the offset as the token.
func (h *handler) historyPage(ctx context.Context, executionARN string, max int, token string, reverse bool) (events []*interp.Event, next string, err error) {
	all, err := h.eng.History(ctx, executionARN)
	if err != nil {
		return nil, "", err
	}
	start := 0
	if token != "" {
		n, perr := strconv.Atoi(token)
		if perr != nil || n < 0 || n > len(all) {
			return nil, "", invalidToken()
		}
		start = n
	}
	if reverse {
		rev := make([]*interp.Event, len(all))
		for i, ev := range all {
			rev[len(all)-1-i] = ev
		}
		all = rev
	}
	end := min(start+max, len(all))
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}
