package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

var (
	taskTokenMember          = str("taskToken", 1, 2048)
	sendTaskSuccessMembers   = []member{taskTokenMember.req(), payloadMember("output").req()}
	sendTaskFailureMembers   = []member{taskTokenMember.req(), errorMember, causeMember}
	sendTaskHeartbeatMembers = []member{taskTokenMember.req()}
)

// taskError maps the engine's errors of the SendTask operations.
func taskError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrTaskDoesNotExist):
		// A token that was never issued: AWS answers InvalidToken (the
		// conformance case test_sfn_send_task_outcome_with_no_such_token).
		return newError(errInvalidToken, "Invalid Token: 'Invalid token'")
	case errors.Is(err, engine.ErrTaskTimedOut):
		// The task timed out, was answered already, or its execution
		// stopped.
		return newError(errTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	case errors.Is(err, engine.ErrInvalidOutput):
		return newError(errInvalidOutput, "Invalid Output: '%s'", err.Error())
	}
	return fmt.Errorf("answering a task token: %w", err)
}

func (h *handler) sendTaskSuccess(ctx context.Context, r *request) (any, error) {
	output := r.str("output")
	if _, err := value.DecodeString(output); err != nil {
		return nil, newError(errInvalidOutput, "Invalid Output: '%s'", err.Error())
	}
	if err := taskError(h.eng.SendTaskSuccess(ctx, r.str("taskToken"), output)); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) sendTaskFailure(ctx context.Context, r *request) (any, error) {
	if err := taskError(h.eng.SendTaskFailure(ctx, r.str("taskToken"), r.str("error"), r.str("cause"))); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (h *handler) sendTaskHeartbeat(ctx context.Context, r *request) (any, error) {
	if err := taskError(h.eng.SendTaskHeartbeat(ctx, r.str("taskToken"))); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
