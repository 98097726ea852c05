// Package task runs the work of Task states: the Step Functions service
// integrations stepwise supports, against AWS or against local stand-ins.
//
// # Integrations
//
// A Router dispatches a Task by its Resource:
//
//	arn:aws:states:::lambda:invoke[.waitForTaskToken]        lambdatask
//	arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]   lambdatask
//	arn:aws:states:::dynamodb:putItem|getItem|updateItem|deleteItem   dynamotask
//	arn:aws:states:::aws-sdk:sesv2:sendEmail[.waitForTaskToken]       sestask
//	arn:aws:states:::sqs:sendMessage[.waitForTaskToken]      sqstask
//
// states:startExecution and activities are Known (valid in a definition) but
// run by the engine itself. For .waitForTaskToken the integration only makes
// the call; the engine then waits for SendTaskSuccess or SendTaskFailure.
//
// Each integration returns what Step Functions returns (result shapes,
// SdkHttpMetadata, error names such as Lambda.ResourceNotFoundException,
// DynamoDB.ConditionalCheckFailedException, SesV2.MessageRejectedException)
// whichever backend runs it: the AWS SDK, or
//
//   - Lambda: in-process Functions by name (Config.Functions);
//   - DynamoDB: boltdynamo, a DynamoDB subset in LocalDir/dynamodb.db;
//   - SES v2: an outbox of .eml files in LocalDir/outbox/;
//   - SQS: a JSON-lines file per queue in LocalDir/sqs/<queue>.jsonl.
//
// # Errors
//
// A service's or a function's failure is a state error (*asl.Error) that
// Retry and Catch see. A Go error is infrastructure trouble (the caller's
// context ended, the local store failed): the engine delivers the message
// again. When a request-response Task has TimeoutSeconds, the call is cut
// at that time and fails with States.Timeout.
package task

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sestask"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sqstask"
)

// Router runs Task states by resource. It is safe for concurrent use.
type Router struct {
	invokers map[kind]interp.TaskInvoker
	backends map[Service]string
	closers  []io.Closer
	logger   *slog.Logger

	localDynamoDB *boltdynamo.DB
	outbox        *sestask.Outbox
	localSQS      *sqstask.Local
}

var _ interp.TaskInvoker = (*Router)(nil)

// Invoke runs req through the integration of its resource.
func (r *Router) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	k := classify(req.Resource)
	inv, ok := r.invokers[k]
	if !ok {
		why := "is not a resource stepwise supports"
		if k == kindEngine {
			why = "is run by the engine, not by the task router"
		}
		return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: fmt.Sprintf("The resource '%s' %s", req.Resource, why)}, nil
	}
	if req.TimeoutSeconds <= 0 {
		return inv.Invoke(ctx, req)
	}
	tctx, cancel := context.WithTimeout(ctx, time.Duration(req.TimeoutSeconds)*time.Second)
	defer cancel()
	res, serr, err := inv.Invoke(tctx, req)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		r.logger.InfoContext(ctx, "task timed out", "state_name", req.State, "resource", req.Resource,
			"timeout_seconds", req.TimeoutSeconds)
		return nil, &asl.Error{Name: asl.StatesTimeout, Cause: ""}, nil
	}
	return res, serr, err
}

// Backend reports how the router runs a service: "aws" or "local".
func (r *Router) Backend(s Service) string { return r.backends[s] }

// LocalDynamoDB is the local DynamoDB, or nil when DynamoDB is AWS. Use it
// to create tables (CreateTable) before executions use them.
func (r *Router) LocalDynamoDB() *boltdynamo.DB { return r.localDynamoDB }

// Outbox is the local SES outbox, or nil when SES is AWS.
func (r *Router) Outbox() *sestask.Outbox { return r.outbox }

// LocalSQS is the local SQS, or nil when SQS is AWS. Use it to create
// queues and read what was sent.
func (r *Router) LocalSQS() *sqstask.Local { return r.localSQS }

// Close releases the local stand-ins' files.
func (r *Router) Close() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
