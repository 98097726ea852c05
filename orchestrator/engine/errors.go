package engine

import "errors"

// More sentinel errors of the engine's API, mapped by the API to Step
// Functions error types (see also ErrInvalidInput, ErrInvalidName,
// ErrNotRunning, ErrTaskDoesNotExist and ErrInvalidOutput).
var (
	// ErrInvalidToken: a HistoryPage NextToken that this engine did not
	// give for this execution and direction (API error InvalidToken).
	ErrInvalidToken = errors.New("invalid token")
	// ErrStateMachineTypeNotSupported: StartSync on a STANDARD state
	// machine (API error StateMachineTypeNotSupported).
	ErrStateMachineTypeNotSupported = errors.New("state machine type not supported")
	// ErrTaskTimedOut: SendTaskSuccess, SendTaskFailure or
	// SendTaskHeartbeat with the token of a task that is closed: it timed
	// out, was answered already, or its execution stopped (API error
	// TaskTimedOut, "The task token has either expired or the task
	// associated with the token has already been closed").
	ErrTaskTimedOut = errors.New("task timed out")
	// ErrActivityDoesNotExist: GetActivityTask on an activity that does
	// not exist (API error ActivityDoesNotExist).
	ErrActivityDoesNotExist = errors.New("activity does not exist")
)
