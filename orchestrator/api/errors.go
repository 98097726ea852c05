package api

import (
	"fmt"
	"net/http"
)

// Error is an error of the Step Functions API: the HTTP status, the error
// name (the "__type" of the reply and its X-Amzn-ErrorType header) and the
// message.
type Error struct {
	Status  int
	Type    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return e.Type + ": " + e.Message }

func newError(typ, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Error names of the Step Functions API (and of the AWS JSON protocol).
const (
	errActivityDoesNotExist         = "ActivityDoesNotExist"
	errConflict                     = "ConflictException"
	errExecutionAlreadyExists       = "ExecutionAlreadyExists"
	errExecutionDoesNotExist        = "ExecutionDoesNotExist"
	errInternalFailure              = "InternalFailure"
	errInvalidArn                   = "InvalidArn"
	errInvalidDefinition            = "InvalidDefinition"
	errInvalidExecutionInput        = "InvalidExecutionInput"
	errInvalidName                  = "InvalidName"
	errInvalidOutput                = "InvalidOutput"
	errInvalidToken                 = "InvalidToken"
	errMissingRequiredParameter     = "MissingRequiredParameter"
	errRequestEntityTooLarge        = "RequestEntityTooLargeException"
	errResourceNotFound             = "ResourceNotFound"
	errSerialization                = "SerializationException"
	errStateMachineAlreadyExists    = "StateMachineAlreadyExists"
	errStateMachineDoesNotExist     = "StateMachineDoesNotExist"
	errStateMachineTypeNotSupported = "StateMachineTypeNotSupported"
	errTaskTimedOut                 = "TaskTimedOut"
	errUnknownOperation             = "UnknownOperationException"
	errValidation                   = "ValidationException"
)

func invalidARN(format string, args ...any) *Error {
	return newError(errInvalidArn, "Invalid Arn: '%s'", fmt.Sprintf(format, args...))
}

func stateMachineDoesNotExist(arn string) *Error {
	return newError(errStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
}

func executionDoesNotExist(arn string) *Error {
	return newError(errExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
}

func activityDoesNotExist(arn string) *Error {
	return newError(errActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
}

func invalidName(name string) *Error {
	return newError(errInvalidName, "Invalid Name: '%s'", name)
}

func invalidToken() *Error {
	return newError(errInvalidToken, "Invalid Token: 'Invalid token'")
}

func typeNotSupported() *Error {
	return newError(errStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
}

func invalidInput(detail string) *Error {
	return newError(errInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", detail)
}
