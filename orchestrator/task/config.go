package task

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
	"github.com/stepwise-dev/stepwise/orchestrator/task/dynamotask"
	"github.com/stepwise-dev/stepwise/orchestrator/task/lambdatask"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sestask"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sqstask"
)

// Service names a service the router integrates with.
type Service string

// The services, named as in AWS_ENDPOINT_URL_<SERVICE> (lower case).
const (
	ServiceLambda   Service = "lambda"
	ServiceDynamoDB Service = "dynamodb"
	ServiceSESv2    Service = "sesv2"
	ServiceSQS      Service = "sqs"
)

// Services are all the services, in a fixed order.
var Services = []Service{ServiceLambda, ServiceDynamoDB, ServiceSESv2, ServiceSQS}

// Function is a Lambda function run in-process (see lambdatask.Function).
type Function = lambdatask.Function

// FunctionError is a function error with an explicit errorType.
type FunctionError = lambdatask.FunctionError

// FromHandler turns a handler as aws-lambda-go's lambda.Start takes it
// (e.g. the method value h.Handle of functions/process's
// contactform.Handler) into a Function.
func FromHandler(handlerFunc any) Function { return lambdatask.FromHandler(handlerFunc) }

// Config configures a Router.
type Config struct {
	// AWS is the configuration of the AWS SDK clients. Nil: every service
	// uses its local stand-in.
	AWS *aws.Config
	// Local lists services that use their local stand-in even though AWS
	// is set.
	Local []Service
	// LocalDir is the data directory of the local stand-ins (created when
	// missing): dynamodb.db, outbox/, sqs/. Required when DynamoDB, SES or
	// SQS is local.
	LocalDir string
	// Functions are the in-process Lambda functions by function name, run
	// when Lambda is local: a FunctionName or function ARN resource names
	// one by its name part (arn:aws:lambda:us-east-1:123456789012:function:NAME).
	Functions map[string]Function
	// AutoCreate makes the local DynamoDB create a table, and the local
	// SQS a queue, on first use (see boltdynamo.Options.AutoCreate); without
	// it they must be created first, as on AWS.
	AutoCreate bool
	// Emulators says that AWS's endpoints are local emulators: the Lambda
	// runtime interface emulator (sam local), whose function error replies
	// differ from Lambda's (lambdatask.EmulatorCompat), and DynamoDB Local,
	// whose error replies lack a CRC32 header.
	Emulators bool
	// Region and AccountID form the ARNs the local stand-ins report
	// (defaults us-east-1, 123456789012).
	Region, AccountID string
	// Logger receives the router's logs; nil uses slog.Default().
	Logger *slog.Logger
	// NowFunc returns the current time for the local stand-ins; nil uses
	// time.Now.
	NowFunc func() time.Time
}

func (c *Config) isLocal(s Service) bool {
	return c.AWS == nil || slices.Contains(c.Local, s)
}

func (c *Config) validate() error {
	var errs []error
	for _, s := range c.Local {
		if !slices.Contains(Services, s) {
			errs = append(errs, fmt.Errorf("Config.Local: unknown service %q (want one of %v)", s, Services))
		}
	}
	if c.LocalDir == "" && (c.isLocal(ServiceDynamoDB) || c.isLocal(ServiceSESv2) || c.isLocal(ServiceSQS)) {
		errs = append(errs, errors.New("Config.LocalDir is required when DynamoDB, SES or SQS is local"))
	}
	if c.AWS != nil && c.AWS.Region == "" {
		errs = append(errs, errors.New("Config.AWS has no region"))
	}
	return errors.Join(errs...)
}

// New returns a Router for cfg. Close it to release the local files.
func New(cfg *Config) (*Router, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("configuring the task router: %w", err)
	}
	r := &Router{invokers: map[kind]interp.TaskInvoker{}, backends: map[Service]string{}, logger: cfg.Logger}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	if cfg.LocalDir != "" {
		if err := os.MkdirAll(cfg.LocalDir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", cfg.LocalDir, err)
		}
	}
	for _, s := range Services {
		r.backends[s] = "aws"
		if cfg.isLocal(s) {
			r.backends[s] = "local"
		}
	}

	if cfg.isLocal(ServiceLambda) {
		r.invokers[kindLambda] = lambdatask.New(lambdatask.NewLocal(cfg.Functions, lambdatask.LocalOptions{
			Region: cfg.Region, AccountID: cfg.AccountID, Logger: r.logger, NowFunc: cfg.NowFunc}))
	} else {
		var opts []func(*lambda.Options)
		if cfg.Emulators {
			opts = append(opts, lambdatask.EmulatorCompat)
		}
		r.invokers[kindLambda] = lambdatask.New(lambda.NewFromConfig(*cfg.AWS, opts...))
	}

	if cfg.isLocal(ServiceDynamoDB) {
		db, err := boltdynamo.Open(filepath.Join(cfg.LocalDir, "dynamodb.db"),
			boltdynamo.Options{AutoCreate: cfg.AutoCreate, NowFunc: cfg.NowFunc})
		if err != nil {
			return nil, fmt.Errorf("opening the local DynamoDB: %w", err)
		}
		r.closers = append(r.closers, db)
		r.localDynamoDB = db
		r.invokers[kindDynamoDB] = dynamotask.New(db)
	} else {
		r.invokers[kindDynamoDB] = dynamotask.New(dynamodb.NewFromConfig(*cfg.AWS, func(o *dynamodb.Options) {
			o.DisableValidateResponseChecksum = cfg.Emulators
		}))
	}

	if cfg.isLocal(ServiceSESv2) {
		o, err := sestask.NewOutbox(filepath.Join(cfg.LocalDir, "outbox"), sestask.OutboxOptions{NowFunc: cfg.NowFunc})
		if err != nil {
			_ = r.Close()
			return nil, err
		}
		r.outbox = o
		r.invokers[kindSESv2] = sestask.New(o)
	} else {
		r.invokers[kindSESv2] = sestask.New(sesv2.NewFromConfig(*cfg.AWS))
	}

	if cfg.isLocal(ServiceSQS) {
		q, err := sqstask.NewLocal(filepath.Join(cfg.LocalDir, "sqs"), sqstask.LocalOptions{AutoCreate: cfg.AutoCreate, NowFunc: cfg.NowFunc})
		if err != nil {
			_ = r.Close()
			return nil, err
		}
		r.localSQS = q
		r.invokers[kindSQS] = sqstask.New(q)
	} else {
		r.invokers[kindSQS] = sqstask.New(sqs.NewFromConfig(*cfg.AWS))
	}
	return r, nil
}
