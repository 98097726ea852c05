package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var (
	startExecutionMembers = []member{
		arnMember("stateMachineArn").req(), nameMember, payloadMember("input"), traceHeader,
	}
	startSyncExecutionMembers = []member{
		arnMember("stateMachineArn").req(), nameMember, payloadMember("input"), traceHeader, includedData,
	}
	describeExecutionMembers = []member{arnMember("executionArn").req(), includedData}
	listExecutionsMembers    = []member{
		arnMember("stateMachineArn"),
		enum("statusFilter", "SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"),
		maxResultsPage, str("nextToken", 1, 3096), str("mapRunArn", 1, 2000),
		enum("redriveFilter", "REDRIVEN", "NOT_REDRIVEN"),
	}
	stopExecutionMembers = []member{arnMember("executionArn").req(), errorMember, causeMember}
)

// dataDetails is the inputDetails / outputDetails of an execution.
type dataDetails struct {
	Included bool `json:"included"`
}

type executionOutput struct {
	ExecutionARN    string       `json:"executionArn"`
	StateMachineARN string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	StartDate       json.Number  `json:"startDate"`
	StopDate        json.Number  `json:"stopDate,omitempty"`
	Input           *string      `json:"input,omitempty"`
	InputDetails    *dataDetails `json:"inputDetails,omitempty"`
	Output          *string      `json:"output,omitempty"`
	OutputDetails   *dataDetails `json:"outputDetails,omitempty"`
	Error           string       `json:"error,omitempty"`
	Cause           string       `json:"cause,omitempty"`
	RedriveCount    *int         `json:"redriveCount,omitempty"`
	BillingDetails  *billing     `json:"billingDetails,omitempty"`
}

type billing struct {
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
}

type executionItem struct {
	ExecutionARN    string      `json:"executionArn"`
	StateMachineARN string      `json:"stateMachineArn"`
	Name            string      `json:"name"`
	Status          string      `json:"status"`
	StartDate       json.Number `json:"startDate"`
	StopDate        json.Number `json:"stopDate,omitempty"`
	RedriveCount    int         `json:"redriveCount"`
}

// executionInput returns the input of StartExecution and
// StartSyncExecution: "{}" when absent, InvalidExecutionInput when it is
// empty or not JSON.
func executionInput(r *request) (string, *Error) {
	if !r.has("input") {
		return "{}", nil
	}
	in := r.str("input")
	if strings.TrimSpace(in) == "" {
		return "", invalidInput("Invalid execution input.")
	}
	if _, err := value.DecodeString(in); err != nil {
		return "", invalidInput(err.Error())
	}
	return in, nil
}

// startParams checks what StartExecution and StartSyncExecution share and
// returns the state machine.
func (h *handler) startParams(ctx context.Context, r *request) (*engine.StartParams, *store.StateMachine, error) {
	smARN := r.str("stateMachineArn")
	if _, err := parseARN(smARN, resStateMachine); err != nil {
		return nil, nil, err
	}
	name := r.str("name")
	if r.has("name") && !validName(name) {
		return nil, nil, invalidName(name)
	}
	in, ierr := executionInput(r)
	if ierr != nil {
		return nil, nil, ierr
	}
	sm, err := h.getStateMachine(ctx, smARN)
	if err != nil {
		return nil, nil, err
	}
	return &engine.StartParams{StateMachineARN: smARN, Name: name, Input: in}, sm, nil
}

// startError maps the engine's errors of Start and StartSync.
func startError(p *engine.StartParams, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return stateMachineDoesNotExist(p.StateMachineARN)
	case errors.Is(err, store.ErrAlreadyExists):
		return newError(errExecutionAlreadyExists, "Execution Already Exists: '%s'", engine.ExecutionARN(p.StateMachineARN, p.Name))
	case errors.Is(err, engine.ErrInvalidName):
		return invalidName(p.Name)
	case errors.Is(err, engine.ErrStateMachineTypeNotSupported):
		return typeNotSupported()
	case errors.Is(err, engine.ErrInvalidInput):
		msg := err.Error()
		if i := strings.Index(msg, engine.ErrInvalidInput.Error()+": "); i >= 0 {
			msg = msg[i+len(engine.ErrInvalidInput.Error())+2:]
		}
		return invalidInput(msg)
	}
	return err
}

func (h *handler) startExecution(ctx context.Context, r *request) (any, error) {
	p, _, err := h.startParams(ctx, r)
	if err != nil {
		return nil, err
	}
	rec, err := h.eng.Start(ctx, p)
	if err != nil {
		return nil, startError(p, err)
	}
	if rec.Status != store.StatusRunning {
		// StartExecution is idempotent only while the execution runs.
		return nil, newError(errExecutionAlreadyExists, "Execution Already Exists: '%s'", rec.ARN)
	}
	h.log.InfoContext(ctx, "execution started", "executionArn", rec.ARN)
	return map[string]any{"executionArn": rec.ARN, "startDate": epoch(rec.StartedAt)}, nil
}

func (h *handler) startSyncExecution(ctx context.Context, r *request) (any, error) {
	p, sm, err := h.startParams(ctx, r)
	if err != nil {
		return nil, err
	}
	if sm.Type != store.TypeExpress {
		return nil, typeNotSupported()
	}
	if p.Name == "" {
		p.Name = newUUID()
	}
	rec, err := h.eng.StartSync(ctx, p)
	if err != nil {
		return nil, startError(p, err)
	}
	arn := rec.ARN
	if !strings.Contains(arn, ":"+resExpress+":") {
		arn = expressExecutionARN(p.StateMachineARN, p.Name, newUUID())
	}
	h.log.InfoContext(ctx, "express execution ended", "executionArn", arn, "status", rec.Status)
	out := describe(rec, r.str("includedData") != "METADATA_ONLY")
	out.ExecutionARN, out.RedriveCount = arn, nil
	ms := rec.StoppedAt.Sub(rec.StartedAt).Milliseconds()
	out.BillingDetails = &billing{BilledDurationInMilliseconds: max(100, (ms+99)/100*100), BilledMemoryUsedInMB: 64}
	return out, nil
}

// describe is the DescribeExecution shape of an execution; withData
// includes its input and output.
func describe(rec *store.Execution, withData bool) *executionOutput {
	zero := 0
	out := &executionOutput{
		ExecutionARN: rec.ARN, StateMachineARN: rec.StateMachineARN, Name: rec.Name, Status: rec.Status,
		StartDate: epoch(rec.StartedAt), StopDate: epoch(rec.StoppedAt), Error: rec.Error, Cause: rec.Cause,
		RedriveCount: &zero,
	}
	if rec.Status == store.StatusRunning {
		out.StopDate = ""
	}
	out.InputDetails = &dataDetails{Included: withData}
	if withData {
		in := rec.Input
		out.Input = &in
	}
	if rec.Status == store.StatusSucceeded {
		out.OutputDetails = &dataDetails{Included: withData}
		if withData {
			o := rec.Output
			out.Output = &o
		}
	}
	return out
}

// getExecution returns an execution, or ExecutionDoesNotExist (InvalidArn
// for an ARN that is not a standard execution's).
func (h *handler) getExecution(ctx context.Context, arn string) (*store.Execution, error) {
	if _, err := parseARN(arn, resExecution); err != nil {
		return nil, err
	}
	rec, err := h.eng.Store().ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, executionDoesNotExist(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("reading execution %s: %w", arn, err)
	}
	return rec, nil
}

func (h *handler) describeExecution(ctx context.Context, r *request) (any, error) {
	rec, err := h.getExecution(ctx, r.str("executionArn"))
	if err != nil {
		return nil, err
	}
	return describe(rec, r.str("includedData") != "METADATA_ONLY"), nil
}

func (h *handler) describeStateMachineForExecution(ctx context.Context, r *request) (any, error) {
	rec, err := h.getExecution(ctx, r.str("executionArn"))
	if err != nil {
		return nil, err
	}
	sm, err := h.eng.Store().StateMachineGet(ctx, &store.StateMachineGetParams{ARN: rec.StateMachineARN, Revision: rec.StateMachineRevision})
	if errors.Is(err, store.ErrNotFound) {
		return nil, stateMachineDoesNotExist(rec.StateMachineARN)
	}
	if err != nil {
		return nil, fmt.Errorf("reading state machine %s revision %d: %w", rec.StateMachineARN, rec.StateMachineRevision, err)
	}
	updated := sm.UpdatedAt
	if updated.IsZero() {
		updated = sm.CreatedAt
	}
	return &stateMachineOutput{
		StateMachineARN: sm.ARN, Name: sm.Name, Definition: sm.Definition, RoleARN: sm.RoleARN,
		UpdateDate: epoch(updated), LoggingConfiguration: loggingOff, TracingConfiguration: tracingOff,
		RevisionID: revisionID(sm),
	}, nil
}

func (h *handler) listExecutions(ctx context.Context, r *request) (any, error) {
	if r.has("mapRunArn") {
		return nil, newError(errResourceNotFound, "Resource not found: '%s'", r.str("mapRunArn"))
	}
	if !r.has("stateMachineArn") {
		return nil, validationError("Must provide a StateMachine ARN or MapRun ARN")
	}
	smARN := r.str("stateMachineArn")
	if _, err := parseARN(smARN, resStateMachine); err != nil {
		return nil, err
	}
	sm, err := h.getStateMachine(ctx, smARN)
	if err != nil {
		return nil, err
	}
	if sm.Type != store.TypeStandard {
		return nil, typeNotSupported()
	}
	status := r.str("statusFilter")
	scope := smARN + "|" + status + "|" + r.str("redriveFilter")
	inner, terr := unwrapToken("ex", scope, r.str("nextToken"))
	if terr != nil {
		return nil, terr
	}
	items := []executionItem{}
	out := map[string]any{}
	// stepwise never redrives: nothing is REDRIVEN or PENDING_REDRIVE.
	if status != "PENDING_REDRIVE" && r.str("redriveFilter") != "REDRIVEN" {
		page, err := h.eng.Store().ExecutionList(ctx, &store.ExecutionListParams{
			StateMachineARN: smARN, Status: status, MaxResults: pageSize(r.int("maxResults")), NextToken: inner,
		})
		if err != nil {
			return nil, fmt.Errorf("listing executions of %s: %w", smARN, err)
		}
		for _, ex := range page.Executions {
			it := executionItem{ExecutionARN: ex.ARN, StateMachineARN: ex.StateMachineARN, Name: ex.Name,
				Status: ex.Status, StartDate: epoch(ex.StartedAt)}
			if ex.Status != store.StatusRunning {
				it.StopDate = epoch(ex.StoppedAt)
			}
			items = append(items, it)
		}
		if t := wrapToken("ex", scope, page.NextToken); t != "" {
			out["nextToken"] = t
		}
	}
	out["executions"] = items
	return out, nil
}

func (h *handler) stopExecution(ctx context.Context, r *request) (any, error) {
	arn := r.str("executionArn")
	if _, err := h.getExecution(ctx, arn); err != nil {
		return nil, err
	}
	rec, err := h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: arn, Error: r.str("error"), Cause: r.str("cause")})
	switch {
	case errors.Is(err, engine.ErrNotRunning) && rec != nil:
		// Stopping an execution that has ended changes nothing.
	case errors.Is(err, store.ErrNotFound):
		return nil, executionDoesNotExist(arn)
	case err != nil:
		return nil, fmt.Errorf("stopping %s: %w", arn, err)
	default:
		h.log.InfoContext(ctx, "execution stopped", "executionArn", arn)
	}
	return map[string]any{"stopDate": epoch(rec.StoppedAt)}, nil
}
