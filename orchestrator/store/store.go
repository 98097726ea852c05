package store

import (
	"context"
	"errors"
)

// Sentinel errors returned by every Store implementation, possibly wrapped.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrAlreadyExists means a record that must be new exists already: a
	// state machine or activity name in use, or an execution name reused.
	ErrAlreadyExists = errors.New("store: already exists")

	// ErrConflict means a condition of a Commit or update failed: a thread's
	// stored sequence is not the expected one (another delivery already
	// advanced it), the execution is no longer RUNNING, a child result or a
	// task token exists already, or a state machine's revision moved.
	// Nothing of the failed write is visible.
	ErrConflict = errors.New("store: conflict")

	// ErrTooLarge means a commit or record exceeds MaxCommitItems,
	// MaxCommitBytes or MaxRecordBytes. Nothing is written.
	ErrTooLarge = errors.New("store: too large")

	// ErrNotImplemented means the implementation lacks the capability.
	ErrNotImplemented = errors.New("store: not implemented")
)

// Limits shared by every implementation; they are those of a DynamoDB
// transaction (100 items, 4 MB) and item (400 KB), less room for keys and
// attribute names.
const (
	// MaxCommitItems is the largest number of items one Commit may write
	// or delete (CommitParams.Items): threads + events + tokens put and
	// deleted + child results + activity tasks put and deleted + 2 for an
	// execution created or updated (dynamostore keeps its results in a
	// second item).
	MaxCommitItems = 100

	// MaxRecordBytes is the largest payload of one record: a thread's Data
	// plus its Outbox, an event's Data, a token's Data, a child result's
	// Data, an activity task's Input plus Data, an execution's Input plus
	// Data, or its Output plus Error plus Cause.
	MaxRecordBytes = 384 * 1024

	// MaxCommitBytes is the largest total payload of one Commit, counted as
	// for MaxRecordBytes. With 100 items of keys at MaxKeyBytes it stays
	// under DynamoDB's 4,000,000-byte transaction limit.
	MaxCommitBytes = 3584 * 1024

	// MaxKeyBytes is the longest execution ARN, thread ID, event key, task
	// token, parent thread ID, activity ARN or activity task key a Commit
	// accepts (DynamoDB keys are at most
	// 2048 bytes for the partition and 1024 for the sort key).
	MaxKeyBytes = 1000
)

// Store persists state machines, activities and executions. Methods are
// safe for concurrent use. Gets and HistoryList and ChildResultList are
// strongly consistent: they see every write that returned before the read
// started. The other List methods may lag behind recent writes (DynamoDB
// reads them from an eventually consistent index).
type Store interface {
	// StateMachineCreate creates a state machine at revision 1, or
	// ErrAlreadyExists if its ARN is in use.
	StateMachineCreate(ctx context.Context, params *StateMachineCreateParams) (*StateMachine, error)
	// StateMachineGet returns the latest revision of a state machine, or a
	// given one, or ErrNotFound.
	StateMachineGet(ctx context.Context, params *StateMachineGetParams) (*StateMachine, error)
	// StateMachineList lists state machines by ARN, one page at a time.
	StateMachineList(ctx context.Context, params *StateMachineListParams) (*StateMachineListResult, error)
	// StateMachineUpdate writes a new revision, or ErrNotFound, or
	// ErrConflict if ExpectRevision is set and differs.
	StateMachineUpdate(ctx context.Context, params *StateMachineUpdateParams) (*StateMachine, error)
	// StateMachineDelete deletes a state machine, or ErrNotFound.
	StateMachineDelete(ctx context.Context, params *StateMachineDeleteParams) error

	// ActivityCreate creates an activity, or ErrAlreadyExists.
	ActivityCreate(ctx context.Context, params *ActivityCreateParams) (*Activity, error)
	// ActivityGet returns an activity, or ErrNotFound.
	ActivityGet(ctx context.Context, params *ActivityGetParams) (*Activity, error)
	// ActivityList lists activities by ARN, one page at a time.
	ActivityList(ctx context.Context, params *ActivityListParams) (*ActivityListResult, error)
	// ActivityDelete deletes an activity, or ErrNotFound.
	ActivityDelete(ctx context.Context, params *ActivityDeleteParams) error

	// ExecutionGet returns an execution, or ErrNotFound.
	ExecutionGet(ctx context.Context, params *ExecutionGetParams) (*Execution, error)
	// ExecutionList lists the executions of a state machine, newest first.
	ExecutionList(ctx context.Context, params *ExecutionListParams) (*ExecutionListResult, error)

	// ThreadGet returns a thread's checkpoint, or ErrNotFound.
	ThreadGet(ctx context.Context, params *ThreadGetParams) (*Thread, error)

	// HistoryList returns an execution's history events in key order, or
	// in reverse.
	HistoryList(ctx context.Context, params *HistoryListParams) (*HistoryListResult, error)

	// TokenGet returns a task token, or ErrNotFound.
	TokenGet(ctx context.Context, params *TokenGetParams) (*Token, error)

	// ChildResultList returns the recorded child results of a parent
	// thread in Index order.
	ChildResultList(ctx context.Context, params *ChildResultListParams) (*ChildResultListResult, error)

	// ActivityTaskClaim removes the waiting task of an activity with the
	// smallest Key and returns it, or ErrNotFound when none waits. Of
	// concurrent claimers, each task goes to exactly one.
	ActivityTaskClaim(ctx context.Context, params *ActivityTaskClaimParams) (*ActivityTask, error)

	// Commit writes everything in params atomically, or nothing. See
	// CommitParams for the conditions and the errors.
	Commit(ctx context.Context, params *CommitParams) error
}
