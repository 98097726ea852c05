package store

import "time"

// Execution statuses, as in Step Functions.
const (
	// StatusRunning is the status of an execution that has not stopped.
	StatusRunning = "RUNNING"
	// StatusSucceeded is the status of an execution that succeeded.
	StatusSucceeded = "SUCCEEDED"
	// StatusFailed is the status of an execution that failed.
	StatusFailed = "FAILED"
	// StatusTimedOut is the status of an execution that timed out.
	StatusTimedOut = "TIMED_OUT"
	// StatusAborted is the status of an execution that was stopped.
	StatusAborted = "ABORTED"
)

// Execution is one run of a state machine.
type Execution struct {
	// ARN identifies the execution; it is the key.
	ARN string
	// StateMachineARN is the state machine it runs.
	StateMachineARN string
	// StateMachineRevision is the revision of the definition it runs.
	StateMachineRevision int64
	// Name is the execution's name, unique per state machine.
	Name string
	// Status is one of the Status constants.
	Status string
	// Input is the execution input, a JSON text.
	Input string
	// Output is the execution output, a JSON text, once SUCCEEDED.
	Output string
	// Error is the error name once FAILED, TIMED_OUT or ABORTED.
	Error string
	// Cause is the error cause.
	Cause string
	// StartedAt is when the execution started.
	StartedAt time.Time
	// StoppedAt is when it stopped; zero while RUNNING.
	StoppedAt time.Time
	// Data is opaque to the store, for the engine.
	Data []byte
}

// ExecutionGetParams are the parameters of Store.ExecutionGet.
type ExecutionGetParams struct {
	// ARN is the execution's ARN.
	ARN string
	// Eventual allows a read that may miss the writes of about the last
	// second (DynamoDB: an eventually consistent read, at half the read
	// units). Implementations may read consistently anyway.
	Eventual bool
}

// ExecutionListParams are the parameters of Store.ExecutionList.
type ExecutionListParams struct {
	// StateMachineARN selects the state machine whose executions to list.
	StateMachineARN string
	// Status, when not empty, keeps only executions with this status.
	Status string
	// MaxResults bounds the page size; 0 means 100.
	MaxResults int
	// NextToken continues a previous listing; empty starts from the newest.
	NextToken string
}

// ExecutionListResult is one page of executions, newest StartedAt first
// (ties broken by ARN, descending).
type ExecutionListResult struct {
	// Executions are summaries: Input, Output, Error, Cause and Data are
	// left empty; read them with ExecutionGet.
	Executions []*Execution
	// NextToken continues the listing; empty when there is no more. A page
	// may hold fewer than MaxResults executions even when NextToken is not
	// empty.
	NextToken string
}

// ExecutionUpdate is the change of a running execution within a Commit. It
// applies only while the stored status is RUNNING; otherwise the Commit
// fails with ErrConflict.
type ExecutionUpdate struct {
	// Status is the new status; StatusRunning keeps it running (to update
	// Data alone).
	Status string
	// Output replaces the output.
	Output string
	// Error replaces the error name.
	Error string
	// Cause replaces the cause.
	Cause string
	// StoppedAt replaces the stop time.
	StoppedAt time.Time
	// Data replaces the engine's data unless nil.
	Data []byte
}
