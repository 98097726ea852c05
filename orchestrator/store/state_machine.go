package store

import "time"

// Types of state machine, as in Step Functions.
const (
	// TypeStandard is a state machine whose executions are checkpointed
	// after every state.
	TypeStandard = "STANDARD"
	// TypeExpress is a state machine whose executions run in one process.
	TypeExpress = "EXPRESS"
)

// StateMachine is one revision of a state machine.
type StateMachine struct {
	// ARN identifies the state machine; it is the key.
	ARN string
	// Name is the state machine's name (the last part of its ARN).
	Name string
	// Definition is the ASL document, byte for byte as given.
	Definition string
	// Type is TypeStandard or TypeExpress.
	Type string
	// RoleARN is the IAM role executions run under.
	RoleARN string
	// Revision counts from 1 and grows by one on every update.
	Revision int64
	// CreatedAt is when the state machine was created.
	CreatedAt time.Time
	// UpdatedAt is when this revision was written.
	UpdatedAt time.Time
}

// StateMachineCreateParams are the parameters of Store.StateMachineCreate.
type StateMachineCreateParams struct {
	// ARN is the new state machine's ARN.
	ARN string
	// Name is its name.
	Name string
	// Definition is its ASL document.
	Definition string
	// Type is TypeStandard or TypeExpress.
	Type string
	// RoleARN is the IAM role executions run under.
	RoleARN string
	// CreatedAt is the creation time, from the caller's clock.
	CreatedAt time.Time
}

// StateMachineGetParams are the parameters of Store.StateMachineGet.
type StateMachineGetParams struct {
	// ARN is the state machine's ARN.
	ARN string
	// Revision selects a revision; 0 means the latest. Revisions of a
	// deleted state machine stay readable for the executions that use them.
	Revision int64
}

// StateMachineListParams are the parameters of Store.StateMachineList.
type StateMachineListParams struct {
	// MaxResults bounds the page size; 0 means 100.
	MaxResults int
	// NextToken continues a previous listing; empty starts from the first.
	NextToken string
}

// StateMachineListResult is one page of state machines, in ARN order.
type StateMachineListResult struct {
	// StateMachines holds the latest revision of each state machine, with
	// Definition and RoleARN left empty.
	StateMachines []*StateMachine
	// NextToken continues the listing; empty when there is no more.
	NextToken string
}

// StateMachineUpdateParams are the parameters of Store.StateMachineUpdate.
type StateMachineUpdateParams struct {
	// ARN is the state machine's ARN.
	ARN string
	// Definition replaces the definition unless nil.
	Definition *string
	// RoleARN replaces the role unless nil.
	RoleARN *string
	// ExpectRevision, when not 0, makes the update fail with ErrConflict
	// unless the latest revision is this one.
	ExpectRevision int64
	// UpdatedAt is the update time, from the caller's clock.
	UpdatedAt time.Time
}

// StateMachineDeleteParams are the parameters of Store.StateMachineDelete.
type StateMachineDeleteParams struct {
	// ARN is the state machine's ARN.
	ARN string
}
