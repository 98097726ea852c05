// Package engine is the durable runtime: the only code that talks to the
// store, the queue and the task integrations. It advances one state of one
// thread per message, through the pure interpreter, and commits each step
// with one conditional write fenced by the thread's sequence number.
//
// # Messages
//
// A message names an execution, a thread and the sequence number the
// thread must be at. A message whose sequence is older than the checkpoint
// is a duplicate (SQS delivers at least once): if it is the one that
// produced the checkpoint, its outbox is sent again (a crash between the
// commit and the send loses nothing), and it is acknowledged. Two
// deliveries racing on one step: exactly one commit wins; the loser gets
// store.ErrConflict and is acknowledged without effect.
//
// A step is one commit of one thread: its checkpoint at Seq+1, its
// history events and its outbox, which a store may write as one item
// (dynamostore: one conditional PutItem). The message of a thread's next
// step carries the checkpoint it was committed with: on a first delivery
// of a step without side effect (Pass, Choice, Succeed, Fail, a Wait and
// its timer) the worker takes it from there instead of reading it, and
// the commit's fence rejects a duplicate all the same. Steps that call
// anything read the checkpoint first, so that a duplicate calls nothing.
// The execution's record is read once per worker and its status at most
// once per Config.StatusTTL, by one step in 16 of a thread other than
// the root (execinfo.go); Stop fences the root thread.
//
// # Start and end
//
// Start writes the execution's record alone (dynamostore: one PutItem and
// its index entry). The root thread's first checkpoint is not written: it
// follows from the record (rootStart), at store.NoSeq like a child's, and
// the first message carries it; the root's first step writes Seq 0 with
// ExecutionStarted among its events, so a history read before it shows
// the record's ExecutionStarted alone. The root's last step is a plain
// commit too, and the record's update (status, output, stop date) follows
// it (finish): the two were one transaction, billed at twice the units of
// each item. A worker that dies between them leaves the record RUNNING
// over an ended root; whoever next finds the root ended updates it: the
// redelivery of the step's message, Stop and the execution's timeout
// (which then have nothing to stop), ResumeAll. A parent told of a child
// execution's end reads the record, so the update comes before the
// outbox.
//
// # Fan-out
//
// Parallel branches and Map iterations are threads with their own
// checkpoints. The parent's step that launches children sends each its
// first message with its first checkpoint, and the child's first commit
// creates it (fork.go), so the parent writes one small item whatever it
// launches; a large fork's thread and child specs are written once, in a
// base thread, and its later steps hold only the bookkeeping. A child's
// end is its last checkpoint, announced to the parent with a message; the
// parent keeps a bitmap of the children done, launches the next child
// when MaxConcurrency is a window (an inline Map's is at most 40, as on
// AWS), and joins when all are done or the failures exceed the
// tolerance, reading the children's results from their last checkpoints.
// Each completion costs the parent a small commit of its bitmap; the
// completions that one process handles at the same time share one
// (batched joins, join.go), and a parent commit that loses a race to a
// sibling's completion in another process is retried from a fresh read.
// A Parallel of at most 8 branches is quiet instead (fork.Quiet,
// quietEnd): a branch that succeeds sends nothing and reads its
// siblings' checkpoints after its commit, and the one that finds them all
// succeeded tells the parent, which joins; so the parent takes two steps,
// its fork and its join, and each branch's end is recorded once, by the
// branch's own last step. A failure reports at once as above.
// Children are launched in batches of at most LaunchBatch threads per
// step.
//
// # Waiting tasks
//
// A thread that waits for a task token (.waitForTaskToken, an activity, a
// child execution of states:startExecution.sync) is answered by messages
// fenced by that token rather than by Seq: SendTaskSuccess and
// SendTaskFailure, the TimeoutSeconds timer, the HeartbeatSeconds timer
// and a child's end. A heartbeat and an activity's ActivityStarted commit
// the waiting thread's checkpoint (the heartbeat deadline, the event) and
// advance its Seq without replacing its outbox. A heartbeat timer that
// finds the deadline pushed sends itself again for the new deadline. Token
// records stay after their task closes, so that a late SendTask* gets
// ErrTaskTimedOut, as on AWS.
//
// # Child executions and activities
//
// states:startExecution is handled here, not by the task integrations:
// the child is created (named after the task's idempotency key unless the
// parameters name it) with a link to the parent thread, and its first
// message goes in the parent's outbox, so that it cannot end before the
// parent waits. Its end, with .sync or .sync:2, sends the parent a message
// from its terminal commit's outbox. An activity task is a store record
// written with its token; GetActivityTask claims it for one worker.
//
// # Express
//
// An EXPRESS execution runs in one process through interp.Run: StartSync
// returns its end and stores nothing; Start stores the execution record
// and sends one message whose handler runs it from the start (again, after
// a crash: at least once) and records its end.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Config configures an Engine.
type Config struct {
	// Store persists executions, checkpoints and history. Required.
	Store store.Store
	// Queue carries the step messages. Required.
	Queue queue.Queue
	// Tasks runs Task states. Nil fails every Task state with
	// States.TaskFailed.
	Tasks interp.TaskInvoker
	// Logger receives the engine's logs; nil uses slog.Default().
	Logger *slog.Logger
	// NowFunc returns the current time; nil uses time.Now.
	NowFunc func() time.Time
	// Rand is the source of randomness; nil uses crypto/rand.
	Rand io.Reader
	// Region and AccountID form ARNs (defaults us-east-1, 123456789012).
	Region    string
	AccountID string
	// LaunchBatch is how many children one commit creates (default 40;
	// at most 90 to stay under a DynamoDB transaction's 100 items).
	LaunchBatch int
	// FaultFunc, when set, is called at each point of handling a message
	// ("loaded", "invoked", "committed", "sent"); a non-nil error makes the
	// handling stop there as if the worker died. For fault-injection tests.
	FaultFunc func(point string) error
	// Clock makes the timers of the engine's own waits (GetActivityTask's
	// polling); nil uses the wall clock. NowFunc, when nil, is Clock.Now.
	Clock clock.Clock
	// ExpressTimeout bounds an EXPRESS execution (default 5 minutes, as
	// AWS).
	ExpressTimeout time.Duration
	// ActivityPollTimeout is how long GetActivityTask waits for a task
	// (default 60 seconds, as AWS); negative makes it look once and not
	// wait.
	ActivityPollTimeout time.Duration
	// StatusTTL is how long the engine trusts an execution's status that
	// it read as RUNNING before reading it again for a step without side
	// effect (default 1 second; negative reads it whenever it looks),
	// which a thread other than the root does on one step message in 16
	// and on its other messages. A step that calls a task or starts
	// anything always reads it first. See execinfo.go.
	StatusTTL time.Duration
}

func (c *Config) validate() error {
	if c.Store == nil {
		return errors.New("engine: Config.Store is required")
	}
	if c.Queue == nil {
		return errors.New("engine: Config.Queue is required")
	}
	if c.LaunchBatch < 0 || c.LaunchBatch > 90 {
		return fmt.Errorf("engine: Config.LaunchBatch must be between 1 and 90, not %d", c.LaunchBatch)
	}
	return nil
}

// Engine runs executions durably.
type Engine struct {
	store  store.Store
	queue  queue.Queue
	tasks  interp.TaskInvoker
	log    *slog.Logger
	now    func() time.Time
	rand   io.Reader
	region string
	acct   string
	batch  int
	fault  func(point string) error
	clock  clock.Clock

	expressTimeout time.Duration
	activityPoll   time.Duration
	activities     activityWaiters
	statusTTL      time.Duration
	joins          joiner // child ends handled together (join.go)

	mu       sync.Mutex
	machines map[machineKey]cachedMachine
	execs    map[string]*execInfo // execution ARN -> record
	bases    map[string]*baseData // execution ARN + NUL + base thread -> base
	// cps holds the checkpoint each thread's last step committed in this
	// process, decoded, for its next step (checkpointOf).
	cps map[threadKey]cachedCheckpoint
}

// machineKey names a revision of a state machine.
type machineKey struct {
	arn      string
	revision int64
}

// New returns an Engine.
func New(cfg *Config) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{store: cfg.Store, queue: cfg.Queue, tasks: cfg.Tasks, log: cfg.Logger, now: cfg.NowFunc,
		rand: cfg.Rand, region: cfg.Region, acct: cfg.AccountID, batch: cfg.LaunchBatch, fault: cfg.FaultFunc, machines: map[machineKey]cachedMachine{},
		clock: clock.OrReal(cfg.Clock), expressTimeout: cfg.ExpressTimeout, activityPoll: cfg.ActivityPollTimeout,
		statusTTL: cfg.StatusTTL, execs: map[string]*execInfo{}, bases: map[string]*baseData{}, cps: map[threadKey]cachedCheckpoint{}}
	if e.statusTTL == 0 {
		e.statusTTL = time.Second
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = e.clock.Now
	}
	if e.expressTimeout <= 0 {
		e.expressTimeout = 5 * time.Minute
	}
	if e.activityPoll == 0 {
		e.activityPoll = 60 * time.Second
	}
	if e.region == "" {
		e.region = "us-east-1"
	}
	if e.acct == "" {
		e.acct = "123456789012"
	}
	if e.batch == 0 {
		e.batch = 40
	}
	return e, nil
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.store }

type cachedMachine struct {
	m  *interp.Machine
	sm *store.StateMachine
}

// machine returns the parsed definition of a state machine revision,
// cached for the life of the engine (a warm Lambda parses once).
func (e *Engine) machine(ctx context.Context, arn string, revision int64) (*interp.Machine, *store.StateMachine, error) {
	key := machineKey{arn, revision}
	e.mu.Lock()
	c, ok := e.machines[key]
	e.mu.Unlock()
	if ok {
		return c.m, c.sm, nil
	}
	sm, err := e.store.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: arn, Revision: revision})
	if err != nil {
		return nil, nil, fmt.Errorf("loading state machine %s: %w", arn, err)
	}
	def, err := asl.ParseWithOptions([]byte(sm.Definition), asl.ParseOptions{Type: sm.Type})
	if err != nil {
		return nil, nil, fmt.Errorf("parsing state machine %s: %w", arn, err)
	}
	m := interp.NewMachine(def)
	e.mu.Lock()
	e.machines[key] = cachedMachine{m: m, sm: sm}
	e.mu.Unlock()
	return m, sm, nil
}

// crash reports an injected fault at point.
func (e *Engine) crash(point string) error {
	if e.fault == nil {
		return nil
	}
	return e.fault(point)
}
