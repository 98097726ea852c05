package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Activities: a Task whose Resource is an activity ARN
// (arn:aws:states:<region>:<account>:activity:<name>) waits for a worker.
// The step that enters it stores a waiting activity task (its input and a
// new task token) in the same commit as the token; GetActivityTask claims
// the oldest waiting task of the activity, records ActivityStarted and
// hands the token and input to the worker, who answers with SendTask*.

func isActivity(resource string) bool {
	return strings.HasPrefix(resource, "arn:") && strings.Contains(resource, ":activity:")
}

// activityTask schedules an activity task: a token the worker will
// answer, and the waiting task for GetActivityTask.
func (s *step) activityTask(ctx context.Context, req *interp.TaskRequest) (*taskWait, any, *asl.Error, error) {
	_, err := s.e.store.ActivityGet(ctx, &store.ActivityGetParams{ARN: req.Resource})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, &asl.Error{Name: asl.StatesRuntime, Cause: fmt.Sprintf("Activity Does Not Exist: '%s'", req.Resource)}, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading activity %s: %w", req.Resource, err)
	}
	input, err := value.Encode(req.Input)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encoding the input of activity %s: %w", req.Resource, err)
	}
	token := newTaskToken(s.e.rand)
	key := fmt.Sprintf("%019d#%s", s.now.UnixNano(), token[:32])
	s.activityTasks = append(s.activityTasks, store.ActivityTask{ActivityARN: req.Resource, Key: key, Token: token,
		ExecutionARN: s.msg.Exec, ThreadID: s.msg.Thread, Input: string(input)})
	return &taskWait{Token: token, Activity: req.Resource, ActivityKey: key}, nil, nil, nil
}

// GetActivityTask waits for a task of the activity (at most
// Config.ActivityPollTimeout, 60 seconds, or until ctx is done), hands it
// to workerName and records ActivityStarted. It returns the task's token
// and input, or two empty strings when no task came. It returns
// ErrActivityDoesNotExist for an unknown activity. A task is handed to
// exactly one caller; one whose execution stopped or whose task timed out
// meanwhile is skipped.
func (e *Engine) GetActivityTask(ctx context.Context, activityARN, workerName string) (token, input string, err error) {
	if _, err := e.store.ActivityGet(ctx, &store.ActivityGetParams{ARN: activityARN}); errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("%w: %s", ErrActivityDoesNotExist, activityARN)
	} else if err != nil {
		return "", "", fmt.Errorf("loading activity %s: %w", activityARN, err)
	}
	var deadline clock.Timer
	if e.activityPoll > 0 {
		deadline = e.clock.NewTimer(e.activityPoll)
		defer deadline.Stop()
	}
	backoff := 50 * time.Millisecond
	for {
		wake := e.activities.wait(activityARN)
		task, err := e.store.ActivityTaskClaim(ctx, &store.ActivityTaskClaimParams{ActivityARN: activityARN})
		switch {
		case err == nil:
			ok, err := e.activityStarted(ctx, task, workerName)
			if err != nil {
				return "", "", err
			}
			if ok {
				return task.Token, task.Input, nil
			}
			continue // a task nobody waits for any more
		case !errors.Is(err, store.ErrNotFound):
			return "", "", err
		}
		if deadline == nil {
			return "", "", nil
		}
		pause := e.clock.NewTimer(backoff)
		select {
		case <-wake:
		case <-pause.C():
		case <-deadline.C():
			pause.Stop()
			return "", "", nil
		case <-ctx.Done():
			pause.Stop()
			return "", "", nil
		}
		pause.Stop()
		backoff = min(2*backoff, time.Second)
	}
}

// activityStarted records that a worker took task: ActivityStarted in the
// history, and the heartbeat deadline counted from now. It reports false
// when the thread no longer waits for the task.
func (e *Engine) activityStarted(ctx context.Context, task *store.ActivityTask, workerName string) (bool, error) {
	for attempt := 0; ; attempt++ {
		w, err := e.waiting(ctx, task.Token)
		if errors.Is(err, ErrTaskTimedOut) || errors.Is(err, ErrTaskDoesNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		now := e.now().UTC()
		cp := w.cp
		details := map[string]any{}
		if workerName != "" {
			details["workerName"] = workerName
		}
		cp.Events++
		ev := &interp.Event{ID: cp.Events, PreviousEventID: cp.Thread.LastEventID, Timestamp: now, Type: "ActivityStarted",
			DetailsKey: "activityStartedEventDetails", Details: details}
		cp.Thread.LastEventID = cp.Events
		if cp.Wait != nil {
			cp.Wait.Started = true
			if cp.Wait.Heartbeat > 0 {
				cp.Wait.HeartbeatDue = now.Add(time.Duration(cp.Wait.Heartbeat) * time.Second)
			}
		}
		err = w.commitQuiet(ctx, e, []*interp.Event{ev})
		if errors.Is(err, store.ErrConflict) && attempt < 10 {
			continue
		}
		if err != nil {
			return false, err
		}
		return true, nil
	}
}

// activityWaiters wakes the GetActivityTask calls of this process when a
// task of their activity is scheduled here (the embedded mode); pollers of
// other processes find it at their next poll.
type activityWaiters struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

// wait returns a channel closed at the next wake of arn.
func (a *activityWaiters) wait(arn string) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ch == nil {
		a.ch = map[string]chan struct{}{}
	}
	c, ok := a.ch[arn]
	if !ok {
		c = make(chan struct{})
		a.ch[arn] = c
	}
	return c
}

// wakeActivity wakes the pollers of arn.
func (e *Engine) wakeActivity(arn string) {
	a := &e.activities
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.ch[arn]; ok {
		close(c)
		delete(a.ch, arn)
	}
}
