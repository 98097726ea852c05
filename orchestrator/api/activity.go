package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var (
	createActivityMembers  = []member{nameMember.req(), list("tags"), structure("encryptionConfiguration")}
	activityARNMembers     = []member{arnMember("activityArn").req()}
	getActivityTaskMembers = []member{arnMember("activityArn").req(), str("workerName", 1, 80)}
	listTagsMembers        = []member{arnMember("resourceArn").req()}
)

type activityOutput struct {
	ActivityARN  string      `json:"activityArn"`
	Name         string      `json:"name,omitempty"`
	CreationDate json.Number `json:"creationDate"`
}

func (h *handler) createActivity(ctx context.Context, r *request) (any, error) {
	name := r.str("name")
	if !validName(name) {
		return nil, invalidName(name)
	}
	arn := h.activityARN(name)
	a, err := h.eng.Store().ActivityCreate(ctx, &store.ActivityCreateParams{ARN: arn, Name: name, CreatedAt: h.now().UTC()})
	if errors.Is(err, store.ErrAlreadyExists) {
		// CreateActivity is idempotent: the existing activity is returned.
		a, err = h.eng.Store().ActivityGet(ctx, &store.ActivityGetParams{ARN: arn})
	}
	if err != nil {
		return nil, fmt.Errorf("creating activity %s: %w", arn, err)
	}
	return &activityOutput{ActivityARN: a.ARN, CreationDate: epoch(a.CreatedAt)}, nil
}

// getActivity returns an activity, or ActivityDoesNotExist.
func (h *handler) getActivity(ctx context.Context, arn string) (*store.Activity, error) {
	if _, err := parseARN(arn, resActivity); err != nil {
		return nil, err
	}
	a, err := h.eng.Store().ActivityGet(ctx, &store.ActivityGetParams{ARN: arn})
	if errors.Is(err, store.ErrNotFound) {
		return nil, activityDoesNotExist(arn)
	}
	if err != nil {
		return nil, fmt.Errorf("reading activity %s: %w", arn, err)
	}
	return a, nil
}

func (h *handler) describeActivity(ctx context.Context, r *request) (any, error) {
	a, err := h.getActivity(ctx, r.str("activityArn"))
	if err != nil {
		return nil, err
	}
	return &activityOutput{ActivityARN: a.ARN, Name: a.Name, CreationDate: epoch(a.CreatedAt)}, nil
}

func (h *handler) listActivities(ctx context.Context, r *request) (any, error) {
	inner, terr := unwrapToken("act", "", r.str("nextToken"))
	if terr != nil {
		return nil, terr
	}
	page, err := h.eng.Store().ActivityList(ctx, &store.ActivityListParams{MaxResults: pageSize(r.int("maxResults")), NextToken: inner})
	if err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	items := make([]activityOutput, 0, len(page.Activities))
	for _, a := range page.Activities {
		items = append(items, activityOutput{ActivityARN: a.ARN, Name: a.Name, CreationDate: epoch(a.CreatedAt)})
	}
	out := map[string]any{"activities": items}
	if t := wrapToken("act", "", page.NextToken); t != "" {
		out["nextToken"] = t
	}
	return out, nil
}

func (h *handler) deleteActivity(ctx context.Context, r *request) (any, error) {
	arn := r.str("activityArn")
	if _, err := parseARN(arn, resActivity); err != nil {
		return nil, err
	}
	err := h.eng.Store().ActivityDelete(ctx, &store.ActivityDeleteParams{ARN: arn})
	if err != nil && !errors.Is(err, store.ErrNotFound) { // deleting twice succeeds, as on AWS
		return nil, fmt.Errorf("deleting activity %s: %w", arn, err)
	}
	return struct{}{}, nil
}

func (h *handler) getActivityTask(ctx context.Context, r *request) (any, error) {
	arn := r.str("activityArn")
	if _, err := h.getActivity(ctx, arn); err != nil {
		return nil, err
	}
	// The engine waits for a task (60 s at most, as AWS) or until the
	// request ends.
	token, input, err := h.eng.GetActivityTask(ctx, arn, r.str("workerName"))
	switch {
	case errors.Is(err, engine.ErrActivityDoesNotExist):
		return nil, activityDoesNotExist(arn)
	case err != nil && ctx.Err() == nil:
		return nil, fmt.Errorf("polling activity %s: %w", arn, err)
	}
	if token == "" {
		return struct{}{}, nil
	}
	return map[string]any{"taskToken": token, "input": input}, nil
}

func (h *handler) listTagsForResource(ctx context.Context, r *request) (any, error) {
	arn := r.str("resourceArn")
	a, perr := parseARN(arn, resStateMachine, resActivity)
	if perr != nil {
		return nil, perr
	}
	var err error
	if a.Type == resActivity {
		_, err = h.eng.Store().ActivityGet(ctx, &store.ActivityGetParams{ARN: arn})
	} else {
		_, err = h.eng.Store().StateMachineGet(ctx, &store.StateMachineGetParams{ARN: arn})
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, newError(errResourceNotFound, "Resource not found: '%s'", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", arn, err)
	}
	// stepwise keeps no tags.
	return map[string]any{"tags": []struct{}{}}, nil
}
