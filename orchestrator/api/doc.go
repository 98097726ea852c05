// Package api serves the AWS Step Functions API over HTTP, backed by the
// engine, so that the AWS CLI and the AWS SDKs work against stepwise with
// --endpoint-url.
//
// # Wire protocol
//
// The protocol is AWS JSON 1.0, as Step Functions speaks it: every call is
// POST / with Content-Type application/x-amz-json-1.0 and the header
// X-Amz-Target: AWSStepFunctions.<Operation>; the body is a JSON object with
// AWS's member names (stateMachineArn, executionArn, ...) and dates are epoch
// seconds with a fraction. The request signature (Authorization) is not
// checked: put the handler behind something that authenticates (API
// Gateway's IAM authorization in the deployed app).
//
// # Errors
//
// A failed call answers HTTP 400 (500 for an internal failure) with the
// header X-Amzn-ErrorType and the body {"__type": "<Name>", "message": "..."},
// which the SDKs turn into their typed errors (*types.ExecutionDoesNotExist,
// ...). Names and messages follow the Step Functions API reference and what
// AWS answers:
//
//   - a body that is not a JSON object, or a member of the wrong JSON type:
//     SerializationException;
//   - a missing required member, a string too long or too short, a number out
//     of range, a value outside an enumeration: ValidationException, with
//     AWS's message ("1 validation error detected: Value null at
//     'stateMachineArn' failed to satisfy constraint: Member must not be
//     null"); every violation is listed;
//   - an ARN that does not parse or names the wrong kind of resource:
//     InvalidArn ("Invalid Arn: 'Invalid ARN prefix: x'");
//   - a resource that does not exist: StateMachineDoesNotExist,
//     ExecutionDoesNotExist, ActivityDoesNotExist; a task token never
//     issued: InvalidToken, as AWS answers;
//   - an invalid definition: InvalidDefinition, listing every problem with
//     its location;
//   - an unknown X-Amz-Target: UnknownOperationException.
//
// # Operations
//
// State machines: CreateStateMachine, DescribeStateMachine,
// ListStateMachines, UpdateStateMachine, DeleteStateMachine,
// ValidateStateMachineDefinition. Executions: StartExecution,
// StartSyncExecution (EXPRESS), DescribeExecution,
// DescribeStateMachineForExecution, ListExecutions, GetExecutionHistory,
// StopExecution. Callbacks: SendTaskSuccess, SendTaskFailure,
// SendTaskHeartbeat. Activities: CreateActivity, DescribeActivity,
// ListActivities, DeleteActivity, GetActivityTask. Tags: ListTagsForResource
// (stepwise keeps no tags, so the list is empty). Versions, aliases, map runs,
// redrive, TestState and tagging answer UnknownOperationException naming the
// operation.
package api
