package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// The execution record of a message. Most of it never changes once the
// execution starts (its state machine and revision, its context object,
// its parent), so the engine keeps it in memory: a worker reads an
// execution's record on its first message and then only its status,
// at most once per Config.StatusTTL, instead of on every message. That
// first read is eventually consistent (half the read units on DynamoDB)
// unless the message is the execution's first: any other comes after a
// step, well after the record was written (a miss reads consistently).
//
// The status matters twice: a stopped execution takes no more steps,
// and it calls nothing. The second is exact: a step reads the status
// again right before a task call, a child execution's start or an
// activity (invokeTask). The first is exact for the root thread, whose
// last step Stop and the execution's end commit (any later step of the
// root fails its fence), so the root's messages never read the status.
// The other threads look at it on every statusEvery-th step message
// (and on their other messages: timers, ends of their children), where
// it may lag by StatusTTL (and the store's replication, the refresh
// being an eventually consistent read) on another worker than the one
// that stopped it: so a thread of a stopped execution takes at most
// statusEvery more steps without side effect (Pass, Choice, Wait), plus
// what StatusTTL lets through; the history ends at the execution's end
// event all the same (history.go). Checking on every step cost a read
// per step of a branch or iteration while the execution ran longer than
// StatusTTL: 0.5-1 read unit a transition, as much as 10-15% of a
// transition's price, to stop a thread a few steps earlier.

// execInfo is what the engine knows of an execution.
type execInfo struct {
	rec     *store.Execution // without Output, Error and Cause
	xd      execData         // with Exec.Input decoded from rec.Input
	checked time.Time        // when rec.Status was read
}

// statusEvery: a thread other than the root looks at its execution's
// status on one step message in statusEvery.
const statusEvery = 16

// maxCachedExecutions bounds the engine's cache of execution records.
const maxCachedExecutions = 4096

// Freshness of the status that execution returns.
const (
	statusAny   = iota // as last read: the caller is fenced otherwise
	statusTTL          // read less than StatusTTL ago
	statusFresh        // read now
)

// execution returns the record of execution arn, from memory unless its
// status must be fresher than it is.
func (e *Engine) execution(ctx context.Context, arn string, want int) (*execInfo, error) {
	return e.executionRead(ctx, arn, want, false)
}

// executionRead is execution; settled says the execution has taken a
// step already, so that a first read of its record on this worker may be
// eventually consistent (at half the read units), and consistent only if
// that misses it.
func (e *Engine) executionRead(ctx context.Context, arn string, want int, settled bool) (*execInfo, error) {
	now := e.now()
	e.mu.Lock()
	x, ok := e.execs[arn]
	e.mu.Unlock()
	if ok && (x.rec.Status != store.StatusRunning || want == statusAny || want == statusTTL && now.Sub(x.checked) < e.statusTTL) {
		return x, nil
	}
	// A refresh of a status read before may lag a little; the first read
	// may not (an execution just started must be found).
	eventual := ok && want == statusTTL || !ok && settled && want != statusFresh
	rec, err := e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn, Eventual: eventual})
	if errors.Is(err, store.ErrNotFound) && eventual && !ok {
		rec, err = e.store.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
	}
	if err != nil {
		return nil, fmt.Errorf("loading execution %s: %w", arn, err)
	}
	if ok && x.rec.Status == rec.Status {
		// Only the status may have changed: keep the decoded rest.
		e.mu.Lock()
		x = &execInfo{rec: x.rec, xd: x.xd, checked: now}
		e.execs[arn] = x
		e.mu.Unlock()
		return x, nil
	}
	x = &execInfo{checked: now}
	if err := json.Unmarshal(rec.Data, &x.xd); err != nil {
		return nil, fmt.Errorf("decoding execution %s: %w", arn, err)
	}
	_, sm, err := e.machine(ctx, rec.StateMachineARN, x.xd.Revision)
	if err != nil {
		return nil, err
	}
	x.xd.Exec = &interp.Execution{ARN: rec.ARN, Name: rec.Name, StateMachineARN: rec.StateMachineARN, StateMachineName: sm.Name,
		RoleARN: sm.RoleARN, StartTime: rec.StartedAt, Type: sm.Type}
	// The input, with UseNumber.
	if v, err := value.DecodeString(rec.Input); err == nil {
		x.xd.Exec.Input = v
	}
	rec.Output, rec.Error, rec.Cause = "", "", ""
	x.rec = rec
	if e.statusTTL > 0 || rec.Status != store.StatusRunning {
		e.mu.Lock()
		if len(e.execs) >= maxCachedExecutions {
			clear(e.execs)
		}
		e.execs[arn] = x
		e.mu.Unlock()
	}
	return x, nil
}

// forget drops what the engine knows of an execution (it stopped).
func (e *Engine) forget(arn string) {
	e.mu.Lock()
	delete(e.execs, arn)
	e.mu.Unlock()
}
