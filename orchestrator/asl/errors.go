package asl

import (
	"errors"
	"fmt"
)

// Predefined error names of the States Language.
const (
	StatesALL                             = "States.ALL"
	StatesTimeout                         = "States.Timeout"
	StatesHeartbeatTimeout                = "States.HeartbeatTimeout"
	StatesTaskFailed                      = "States.TaskFailed"
	StatesPermissions                     = "States.Permissions"
	StatesRuntime                         = "States.Runtime"
	StatesResultPathMatchFailure          = "States.ResultPathMatchFailure"
	StatesParameterPathFailure            = "States.ParameterPathFailure"
	StatesIntrinsicFailure                = "States.IntrinsicFailure"
	StatesQueryEvaluationError            = "States.QueryEvaluationError"
	StatesExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	StatesDataLimitExceeded               = "States.DataLimitExceeded"
	StatesBranchFailed                    = "States.BranchFailed"
	StatesNoChoiceMatched                 = "States.NoChoiceMatched"
	StatesItemReaderFailed                = "States.ItemReaderFailed"
	StatesResultWriterFailed              = "States.ResultWriterFailed"
)

// Error is a state-machine error: it has a name that Retry and Catch match
// and a cause. It is JSON-serialisable because it lives in checkpoints and
// history.
type Error struct {
	Name  string `json:"Error"`
	Cause string `json:"Cause"`
	// NoCause is set when AWS reports no cause at all (a Fail state
	// without Cause), as opposed to an empty one.
	NoCause bool `json:"-"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// Errorf returns an *Error with a formatted cause.
func Errorf(name, format string, args ...any) *Error {
	return &Error{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// Matches reports whether a Retrier's or Catcher's ErrorEquals list
// matches the error name, with AWS's rules: States.ALL matches every error
// except States.DataLimitExceeded and States.Runtime, and States.TaskFailed
// matches every error except States.Timeout (and the terminal ones), as
// the Step Functions developer guide says.
func Matches(errorEquals []string, name string) bool {
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == StatesALL:
			// The developer guide says States.ALL does not catch
			// States.DataLimitExceeded, but AWS does catch it (recorded in
			// the conformance cases); it never catches States.Runtime.
			if name != StatesRuntime {
				return true
			}
		case e == StatesTaskFailed:
			if name != StatesTimeout && name != StatesRuntime {
				return true
			}
		}
	}
	return false
}

// ValidationError is one problem of a definition: AWS's diagnostic code,
// a message and the JSON location (a JSON Pointer such as /States/Wait/Seconds).
type ValidationError struct {
	Code     string // SCHEMA_VALIDATION_FAILED, MISSING_TRANSITION_TARGET, ...
	Message  string
	Location string
}

// Error implements error, in AWS's form: "CODE: message at /location".
func (e *ValidationError) Error() string {
	if e.Location == "" {
		return e.Code + ": " + e.Message
	}
	return e.Code + ": " + e.Message + " at " + e.Location
}

// ValidationErrors returns the *ValidationError values joined in err.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		var ve *ValidationError
		if v, ok := e.(*ValidationError); ok {
			out = append(out, v)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if errors.As(e, &ve) {
			out = append(out, ve)
		}
	}
	walk(err)
	return out
}
