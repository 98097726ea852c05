// Command worker is the SQS consumer Lambda: it advances one state of one
// thread per message through the engine, checkpointing to DynamoDB, and
// reports failed messages with ReportBatchItemFailures so one bad message
// never fails the others. Task states call Lambda, DynamoDB, SES v2 and SQS
// through the AWS SDK (orchestrator/task).
//
// Environment: TABLE_NAME (the stepwise table), QUEUE_URL (the step queue),
// ACCOUNT_ID (the account in ARNs), LOG_LEVEL (DEBUG, INFO, WARN, ERROR).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/stepwise-dev/stepwise/orchestrator/app"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
)

func main() {
	log := app.NewLogger(os.Getenv("LOG_LEVEL"))
	table, queueURL := os.Getenv("TABLE_NAME"), os.Getenv("QUEUE_URL")
	if table == "" || queueURL == "" {
		log.Error("TABLE_NAME and QUEUE_URL must be set")
		os.Exit(1)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	tasks, err := task.New(&task.Config{AWS: &cfg, Logger: log, Region: cfg.Region, AccountID: os.Getenv("ACCOUNT_ID"),
		Emulators: emulated()})
	if err != nil {
		log.Error("creating the task integrations", "error", err)
		os.Exit(1)
	}
	rt, err := app.Open(ctx, &app.Options{TableName: table, QueueURL: queueURL, AWS: &cfg, Tasks: tasks,
		Region: cfg.Region, AccountID: os.Getenv("ACCOUNT_ID"), Logger: log})
	if err != nil {
		log.Error("creating engine", "error", err)
		os.Exit(1)
	}
	q, ok := rt.Queue.(*sqsqueue.Queue)
	if !ok {
		log.Error("the worker needs an SQS queue")
		os.Exit(1)
	}
	// The records of a batch are handled at the same time: the invocation
	// lasts about as long as its slowest record, and the ends of one
	// fan-out's children in the batch are one step of their parent.
	h := q.ConcurrentHandler(func(ctx context.Context, d *queue.Delivery) error {
		return rt.Engine.HandleMessage(ctx, d.Body, d.ReceiveCount)
	}, batchConcurrency)
	// The messages a batch's steps send are sent together at the end (one
	// SendMessageBatch per ten instead of one request per message); if
	// that fails the whole batch is retried, and the steps' outboxes make
	// the repeat harmless.
	lambda.Start(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		bctx, batch := rt.Engine.BatchSends(ctx)
		resp, err := h(bctx, ev)
		if err == nil {
			err = batch.Flush(ctx)
		}
		return resp, err
	})
}

// batchConcurrency is how many records of a batch are handled at once:
// all of them (the event source mapping's BatchSize is 10).
const batchConcurrency = 10

// emulated says that the services are local emulators (the runtime
// interface emulator, DynamoDB Local), as under `sam local` or in the
// end-to-end tests: an AWS_ENDPOINT_URL is set. Their quirks (the
// emulator's error replies without X-Amz-Function-Error) are accepted.
func emulated() bool {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_DYNAMODB"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}
