// Package app wires stepwise's runtime together the same way in every
// process: the API and worker Lambdas, and `stepwise serve`. It picks the
// store and the queue (DynamoDB and SQS when configured, the embedded
// store and an in-process queue otherwise), builds the engine, and
// registers the app's state machines.
//
// The choice follows the AWS SDK's own settings, so that the code that runs
// in Lambda is the code that runs on a laptop pointed at local servers:
//
//   - DynamoDB when TableName is set (TABLE_NAME in Lambda) or
//     AWS_ENDPOINT_URL_DYNAMODB is set; otherwise boltstore in DataDir.
//   - SQS when QueueURL is set (QUEUE_URL) or AWS_ENDPOINT_URL_SQS is set;
//     otherwise memqueue, which lives in memory: Runtime.Resume re-sends
//     what unfinished executions wait for after a restart.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// Defaults for names the environment does not give.
const (
	DefaultTableName = "stepwise"
	DefaultQueueName = "stepwise-steps"
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Options configure Open.
type Options struct {
	// DataDir holds the embedded store (DataDir/stepwise.db); required
	// unless both the store and the queue are AWS.
	DataDir string
	// TableName is the DynamoDB table; empty uses AWS_ENDPOINT_URL_DYNAMODB
	// with DefaultTableName, or the embedded store.
	TableName string
	// QueueURL is the SQS queue; empty uses AWS_ENDPOINT_URL_SQS with a
	// queue named DefaultQueueName, or the in-process queue.
	QueueURL string
	// CreateMissing creates the table and the queue when they do not exist
	// (for local servers; in AWS the template creates them).
	CreateMissing bool
	// AWS is the SDK configuration; nil loads the default one when needed.
	AWS *aws.Config
	// Tasks runs Task states.
	Tasks interp.TaskInvoker
	// Region and AccountID form ARNs; empty uses the defaults.
	Region, AccountID string
	// Logger; nil uses slog.Default().
	Logger *slog.Logger
	// NoSync turns off fsync in the embedded store (tests only).
	NoSync bool
}

// Runtime is an opened engine with its store and queue.
type Runtime struct {
	Engine *engine.Engine
	Store  store.Store
	Queue  queue.Queue
	// StoreKind and QueueKind say what was chosen: "dynamodb" or
	// "embedded", "sqs" or "memory".
	StoreKind, QueueKind string
	// Where says where the data is: a file path, a table name, a queue URL.
	StoreWhere, QueueWhere string
	Region, AccountID      string

	closers []func() error
}

// Open builds the runtime that opts and the environment describe.
func Open(ctx context.Context, opts *Options) (*Runtime, error) {
	o := *opts
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Region == "" {
		o.Region = firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), DefaultRegion)
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	r := &Runtime{Region: o.Region, AccountID: o.AccountID}
	useDynamo := o.TableName != "" || os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != ""
	useSQS := o.QueueURL != "" || os.Getenv("AWS_ENDPOINT_URL_SQS") != ""
	if (useDynamo || useSQS) && o.AWS == nil {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.Region))
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		o.AWS = &cfg
	}
	if err := r.openStore(ctx, &o, useDynamo); err != nil {
		return nil, err
	}
	if err := r.openQueue(ctx, &o, useSQS); err != nil {
		_ = r.Close()
		return nil, err
	}
	eng, err := engine.New(&engine.Config{Store: r.Store, Queue: r.Queue, Tasks: o.Tasks, Logger: o.Logger,
		Region: o.Region, AccountID: o.AccountID})
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	r.Engine = eng
	return r, nil
}

func (r *Runtime) openStore(ctx context.Context, o *Options, useDynamo bool) error {
	if !useDynamo {
		if o.DataDir == "" {
			return errors.New("app: DataDir is required for the embedded store")
		}
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return fmt.Errorf("creating the data folder: %w", err)
		}
		path := filepath.Join(o.DataDir, "stepwise.db")
		st, err := boltstore.Open(path, &boltstore.Options{NoSync: o.NoSync})
		if err != nil {
			return fmt.Errorf("opening the embedded store %s: %w", path, err)
		}
		r.Store, r.StoreKind, r.StoreWhere = st, "embedded", path
		r.closers = append(r.closers, st.Close)
		return nil
	}
	table := firstNonEmpty(o.TableName, DefaultTableName)
	client := dynamodb.NewFromConfig(*o.AWS)
	if o.CreateMissing {
		_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		var nf *dbtypes.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			if err := dynamostore.CreateTable(ctx, client, table); err != nil {
				return fmt.Errorf("creating DynamoDB table %s: %w", table, err)
			}
		case err != nil:
			return fmt.Errorf("describing DynamoDB table %s: %w", table, err)
		}
	}
	r.Store, r.StoreKind, r.StoreWhere = dynamostore.New(client, table), "dynamodb", table
	return nil
}

func (r *Runtime) openQueue(ctx context.Context, o *Options, useSQS bool) error {
	if !useSQS {
		q := memqueue.New(&memqueue.Config{VisibilityTimeout: 30 * time.Second})
		r.Queue, r.QueueKind, r.QueueWhere = q, "memory", "in-process"
		return nil
	}
	client := sqs.NewFromConfig(*o.AWS)
	url := o.QueueURL
	if url == "" {
		out, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(DefaultQueueName)})
		switch {
		case err == nil:
			url = aws.ToString(out.QueueUrl)
		case o.CreateMissing:
			created, cerr := sqsqueue.CreateQueue(ctx, client, &sqsqueue.CreateQueueParams{Name: DefaultQueueName,
				VisibilityTimeout: 60 * time.Second, MaxReceives: 10})
			if cerr != nil {
				return fmt.Errorf("creating SQS queue %s: %w", DefaultQueueName, cerr)
			}
			url = created.QueueURL
		default:
			return fmt.Errorf("finding SQS queue %s: %w", DefaultQueueName, err)
		}
	}
	r.Queue, r.QueueKind, r.QueueWhere = sqsqueue.New(client, url), "sqs", url
	return nil
}

// Close releases the store.
func (r *Runtime) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	r.closers = nil
	return errors.Join(errs...)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// NewLogger returns a JSON logger on stdout (what Lambda sends to CloudWatch)
// at level: DEBUG, INFO (the default), WARN or ERROR.
func NewLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil || level == "" {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: l}))
}
