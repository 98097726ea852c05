package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var (
	createStateMachineMembers = []member{
		nameMember.req(), definitionField.req(), arnMember("roleArn").req(), typeMember,
		structure("loggingConfiguration"), list("tags"), structure("tracingConfiguration"), boolean("publish"),
		str("versionDescription", noLimit, 256).secret(), structure("encryptionConfiguration"),
	}
	describeStateMachineMembers = []member{arnMember("stateMachineArn").req(), includedData}
	listMembers                 = []member{maxResultsPage, nextTokenMember}
	updateStateMachineMembers   = []member{
		arnMember("stateMachineArn").req(), definitionField, arnMember("roleArn"),
		structure("loggingConfiguration"), structure("tracingConfiguration"), boolean("publish"),
		str("versionDescription", noLimit, 256).secret(), structure("encryptionConfiguration"),
	}
	deleteStateMachineMembers = []member{arnMember("stateMachineArn").req()}
	validateDefinitionMembers = []member{
		definitionField.req(), typeMember, enum("severity", "ERROR", "WARNING"), integer("maxResults", 0, 100),
	}
)

// loggingConfiguration and tracingConfiguration are what stepwise reports:
// it sends no logs to CloudWatch and no traces to X-Ray.
type loggingConfiguration struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
}

type tracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

var (
	loggingOff = &loggingConfiguration{Level: "OFF"}
	tracingOff = &tracingConfiguration{}
)

type stateMachineOutput struct {
	StateMachineARN      string                `json:"stateMachineArn"`
	Name                 string                `json:"name"`
	Status               string                `json:"status,omitempty"`
	Definition           string                `json:"definition"`
	RoleARN              string                `json:"roleArn"`
	Type                 string                `json:"type,omitempty"`
	CreationDate         json.Number           `json:"creationDate,omitempty"`
	UpdateDate           json.Number           `json:"updateDate,omitempty"`
	LoggingConfiguration *loggingConfiguration `json:"loggingConfiguration"`
	TracingConfiguration *tracingConfiguration `json:"tracingConfiguration"`
	RevisionID           string                `json:"revisionId,omitempty"`
}

type stateMachineItem struct {
	StateMachineARN string      `json:"stateMachineArn"`
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	CreationDate    json.Number `json:"creationDate"`
}

// revisionID is the revisionId of a state machine revision: none for the
// first (AWS gives one only after an update), then a UUID-shaped digest of
// the ARN and the revision number, stable across calls and processes.
func revisionID(sm *store.StateMachine) string {
	if sm.Revision <= 1 {
		return ""
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", sm.ARN, sm.Revision)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// parseDefinition validates a definition as AWS would for a state machine
// of type typ; it returns every problem.
func (h *handler) parseDefinition(definition, typ string) []*asl.ValidationError {
	_, err := asl.ParseWithOptions([]byte(definition), asl.ParseOptions{Type: typ, KnownResource: h.known})
	if err == nil {
		return nil
	}
	ves := asl.ValidationErrors(err)
	if len(ves) == 0 {
		ves = []*asl.ValidationError{{Code: asl.CodeSchemaValidationFailed, Message: err.Error()}}
	}
	return ves
}

// invalidDefinition is AWS's InvalidDefinition error, naming every problem
// and its location.
func invalidDefinition(ves []*asl.ValidationError) *Error {
	parts := make([]string, len(ves))
	for i, ve := range ves {
		parts[i] = ve.Error()
	}
	return newError(errInvalidDefinition, "Invalid State Machine Definition: '%s'", strings.Join(parts, ", "))
}

// checkRoleARN answers InvalidArn for a role that is not an ARN.
func checkRoleARN(role string) *Error {
	if !strings.HasPrefix(role, "arn:") {
		return invalidARN("Invalid ARN prefix: %s", role)
	}
	return nil
}

// checkVersioning refuses what needs state machine versions, which
// stepwise does not keep.
func checkVersioning(r *request) *Error {
	if r.bool("publish", false) {
		return newError(errValidation, "stepwise does not support state machine versions: publish must be false")
	}
	if r.has("versionDescription") {
		return newError(errValidation, "Version description can only be set when publish is true")
	}
	return nil
}

func (h *handler) createStateMachine(ctx context.Context, r *request) (any, error) {
	if err := checkVersioning(r); err != nil {
		return nil, err
	}
	name, definition, role := r.str("name"), r.str("definition"), r.str("roleArn")
	if !validName(name) {
		return nil, invalidName(name)
	}
	if err := checkRoleARN(role); err != nil {
		return nil, err
	}
	typ := r.str("type")
	if typ == "" {
		typ = store.TypeStandard
	}
	if ves := h.parseDefinition(definition, typ); ves != nil {
		return nil, invalidDefinition(ves)
	}
	arn := h.stateMachineARN(name)
	sm, err := h.eng.Store().StateMachineCreate(ctx, &store.StateMachineCreateParams{
		ARN: arn, Name: name, Definition: definition, Type: typ, RoleARN: role, CreatedAt: h.now().UTC(),
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		// CreateStateMachine is idempotent: the same name, definition and
		// type return the existing state machine.
		old, gerr := h.eng.Store().StateMachineGet(ctx, &store.StateMachineGetParams{ARN: arn})
		if gerr == nil && old.Definition == definition && old.Type == typ {
			return map[string]any{"stateMachineArn": old.ARN, "creationDate": epoch(old.CreatedAt)}, nil
		}
		return nil, newError(errStateMachineAlreadyExists, "State Machine Already Exists: '%s'", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("creating state machine %s: %w", arn, err)
	}
	h.log.InfoContext(ctx, "state machine created", "stateMachineArn", sm.ARN, "type", sm.Type)
	return map[string]any{"stateMachineArn": sm.ARN, "creationDate": epoch(sm.CreatedAt)}, nil
}

// getStateMachine returns a state machine's latest revision, or
// StateMachineDoesNotExist.
func (h *handler) getStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	sm, err := h.eng.Store().StateMachineGet(ctx, &store.StateMachineGetParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, stateMachineDoesNotExist(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("reading state machine %s: %w", arn, err)
	}
	return sm, nil
}

func (h *handler) describeStateMachine(ctx context.Context, r *request) (any, error) {
	arn := r.str("stateMachineArn")
	if _, err := parseARN(arn, resStateMachine); err != nil {
		return nil, err
	}
	sm, err := h.getStateMachine(ctx, arn)
	if err != nil {
		return nil, err
	}
	return &stateMachineOutput{
		StateMachineARN: sm.ARN, Name: sm.Name, Status: "ACTIVE", Definition: sm.Definition, RoleARN: sm.RoleARN,
		Type: sm.Type, CreationDate: epoch(sm.CreatedAt), LoggingConfiguration: loggingOff,
		TracingConfiguration: tracingOff, RevisionID: revisionID(sm),
	}, nil
}

// pageSize is maxResults with AWS's default: 0 means 100.
func pageSize(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}

func (h *handler) listStateMachines(ctx context.Context, r *request) (any, error) {
	inner, terr := unwrapToken("sm", "", r.str("nextToken"))
	if terr != nil {
		return nil, terr
	}
	page, err := h.eng.Store().StateMachineList(ctx, &store.StateMachineListParams{MaxResults: pageSize(r.int("maxResults")), NextToken: inner})
	if err != nil {
		return nil, fmt.Errorf("listing state machines: %w", err)
	}
	items := make([]stateMachineItem, 0, len(page.StateMachines))
	for _, sm := range page.StateMachines {
		items = append(items, stateMachineItem{StateMachineARN: sm.ARN, Name: sm.Name, Type: sm.Type, CreationDate: epoch(sm.CreatedAt)})
	}
	out := map[string]any{"stateMachines": items}
	if t := wrapToken("sm", "", page.NextToken); t != "" {
		out["nextToken"] = t
	}
	return out, nil
}

func (h *handler) updateStateMachine(ctx context.Context, r *request) (any, error) {
	arn := r.str("stateMachineArn")
	if _, err := parseARN(arn, resStateMachine); err != nil {
		return nil, err
	}
	cur, err := h.getStateMachine(ctx, arn)
	if err != nil {
		return nil, err
	}
	if !r.has("definition") && !r.has("roleArn") && !r.has("loggingConfiguration") && !r.has("tracingConfiguration") {
		return nil, newError(errMissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	if err := checkVersioning(r); err != nil {
		return nil, err
	}
	p := &store.StateMachineUpdateParams{ARN: arn, ExpectRevision: cur.Revision, UpdatedAt: h.now().UTC()}
	if r.has("definition") {
		def := r.str("definition")
		if ves := h.parseDefinition(def, cur.Type); ves != nil {
			return nil, invalidDefinition(ves)
		}
		if def != cur.Definition {
			p.Definition = &def
		}
	}
	if r.has("roleArn") {
		role := r.str("roleArn")
		if err := checkRoleARN(role); err != nil {
			return nil, err
		}
		if role != cur.RoleARN {
			p.RoleARN = &role
		}
	}
	if p.Definition == nil && p.RoleARN == nil {
		// Nothing changes: no new revision, as AWS does.
		return updateOutput(cur), nil
	}
	sm, err := h.eng.Store().StateMachineUpdate(ctx, p)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, stateMachineDoesNotExist(arn)
	case errors.Is(err, store.ErrConflict):
		return nil, newError(errConflict, "State machine %s was updated concurrently; retry the update", arn)
	case err != nil:
		return nil, fmt.Errorf("updating state machine %s: %w", arn, err)
	}
	h.log.InfoContext(ctx, "state machine updated", "stateMachineArn", sm.ARN, "revision", sm.Revision)
	return updateOutput(sm), nil
}

func updateOutput(sm *store.StateMachine) map[string]any {
	out := map[string]any{"updateDate": epoch(sm.UpdatedAt)}
	if id := revisionID(sm); id != "" {
		out["revisionId"] = id
	}
	return out
}

func (h *handler) deleteStateMachine(ctx context.Context, r *request) (any, error) {
	arn := r.str("stateMachineArn")
	if _, err := parseARN(arn, resStateMachine); err != nil {
		return nil, err
	}
	err := h.eng.Store().StateMachineDelete(ctx, &store.StateMachineDeleteParams{ARN: arn})
	if err != nil && !errors.Is(err, store.ErrNotFound) { // deleting twice succeeds, as on AWS
		return nil, fmt.Errorf("deleting state machine %s: %w", arn, err)
	}
	if err == nil {
		h.log.InfoContext(ctx, "state machine deleted", "stateMachineArn", arn)
	}
	return struct{}{}, nil
}

type diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

func (h *handler) validateStateMachineDefinition(_ context.Context, r *request) (any, error) {
	typ := r.str("type")
	if typ == "" {
		typ = store.TypeStandard
	}
	ves := h.parseDefinition(r.str("definition"), typ)
	max := r.int("maxResults")
	if max == 0 {
		max = 100
	}
	diags := make([]diagnostic, 0, len(ves))
	for _, ve := range ves {
		diags = append(diags, diagnostic{Severity: "ERROR", Code: ve.Code, Message: ve.Message, Location: ve.Location})
	}
	result := "OK"
	if len(diags) > 0 {
		result = "FAIL"
	}
	truncated := len(diags) > max
	if truncated {
		diags = diags[:max]
	}
	return map[string]any{"result": result, "diagnostics": diags, "truncated": truncated}, nil
}
