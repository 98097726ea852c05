package interp

import (
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// Execution is what every thread of one execution shares: the data of the
// context object's Execution and StateMachine parts. It never changes after
// the execution starts.
type Execution struct {
	ARN              string    `json:"arn"`
	Name             string    `json:"name"`
	StateMachineARN  string    `json:"stateMachineArn"`
	StateMachineName string    `json:"stateMachineName"`
	RoleARN          string    `json:"roleArn"`
	StartTime        time.Time `json:"startTime"`
	Input            any       `json:"input"`
	Type             string    `json:"type"` // STANDARD or EXPRESS
}

// Status is where a thread is.
type Status string

// Thread statuses.
const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	// Aborted: stopped by Abort because a sibling failed.
	Aborted Status = "ABORTED"
)

// Phase says what a running thread waits for.
type Phase string

// Phases of a running thread.
const (
	PhaseEnter    Phase = ""         // about to enter State
	PhaseTask     Phase = "task"     // a task was invoked; waits for its result
	PhaseTimer    Phase = "timer"    // a Wait state or a retry backoff; waits for the timer
	PhaseChildren Phase = "children" // Parallel or Map; waits for its children
)

// Thread is the checkpoint of one thread: the root of an execution, one
// Parallel branch or one Map iteration. Step updates it in place; the
// engine serialises it between steps (it is JSON).
type Thread struct {
	ID string `json:"id"`
	// Machine says which (nested) state machine the thread runs: "" for
	// the top level, else a path of "State#branch" parts separated by "/"
	// (a Map's processor is "Map#0").
	Machine string `json:"machine,omitempty"`
	Status  Status `json:"status"`
	Phase   Phase  `json:"phase,omitempty"`
	State   string `json:"state"` // the current state
	// Started is set by the first step.
	Started bool `json:"started,omitempty"`

	Input any            `json:"input"`          // the current state's raw input
	Vars  map[string]any `json:"vars,omitempty"` // variables in scope

	EnteredEventID int64     `json:"enteredEventId,omitempty"`
	EnteredTime    time.Time `json:"enteredTime"`
	LastEventID    int64     `json:"lastEventId,omitempty"`

	// Retry bookkeeping of the current state.
	Retries    []int `json:"retries,omitempty"`
	RetryCount int   `json:"retryCount,omitempty"`
	// TaskInput is the effective input of the current Task, Parallel or
	// Map (after InputPath/Parameters or Arguments), kept for retries.
	TaskInput any `json:"taskInput,omitempty"`
	// TaskToken is the token of the current .waitForTaskToken task.
	TaskToken string `json:"taskToken,omitempty"`
	// Timeout and Heartbeat are the current task's, in seconds (0: none).
	Timeout   int64 `json:"timeout,omitempty"`
	Heartbeat int64 `json:"heartbeat,omitempty"`
	// Due is when the current timer fires.
	Due time.Time `json:"due"`

	// Map iteration context ($$.Map.Item).
	HasItem   bool `json:"hasItem,omitempty"`
	ItemIndex int  `json:"itemIndex,omitempty"`
	ItemValue any  `json:"itemValue,omitempty"`

	// Set when the thread ends.
	Output any        `json:"output,omitempty"`
	Error  *asl.Error `json:"error,omitempty"`

	// sized is the last state output that passed the payload limit: a
	// state that passes it on unchanged (Choice, a plain Pass) need not
	// walk it again. Values are never changed in place.
	sized any
}

// ChildResult is how one child thread ended.
type ChildResult struct {
	Output any        `json:"output,omitempty"`
	Error  *asl.Error `json:"error,omitempty"`
}
