// Command worker is the SQS consumer Lambda: it advances one state of one
// thread per message through the engine, checkpointing to DynamoDB, and
// reports failed messages with ReportBatchItemFailures so one bad message
// never fails the others. Task states call Lambda, DynamoDB, SES v2 and SQS
// through the AWS SDK (orchestrator/task).
//
// Environment: TABLE_NAME (the stepwise table), QUEUE_URL (the step queue).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	table, queueURL := os.Getenv("TABLE_NAME"), os.Getenv("QUEUE_URL")
	if table == "" || queueURL == "" {
		log.Error("TABLE_NAME and QUEUE_URL must be set")
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	q := sqsqueue.New(sqs.NewFromConfig(cfg), queueURL)
	tasks, err := task.New(&task.Config{AWS: &cfg, Logger: log})
	if err != nil {
		log.Error("creating the task integrations", "error", err)
		os.Exit(1)
	}
	eng, err := engine.New(&engine.Config{
		Store:  dynamostore.New(dynamodb.NewFromConfig(cfg), table),
		Queue:  q,
		Tasks:  tasks,
		Logger: log,
	})
	if err != nil {
		log.Error("creating engine", "error", err)
		os.Exit(1)
	}
	lambda.Start(q.Handler(func(ctx context.Context, d *queue.Delivery) error {
		return eng.HandleMessage(ctx, d.Body, d.ReceiveCount)
	}))
}
