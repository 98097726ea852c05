package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// awsEnv is a DynamoDB table (DynamoDB Local) and an SQS queue (moto) of
// one test, with two sets of clients: metered ones for the code under
// measurement and plain ones for set-up and checks, which the meter does
// not see.
type awsEnv struct {
	meter    *meter
	ddb      *dynamodb.Client // metered
	sqs      *sqs.Client      // metered
	plainDDB *dynamodb.Client
	plainSQS *sqs.Client
	table    string
	queue    *sqsqueue.CreatedQueue
}

var awsEnvSeq atomic.Int64

// newAWSEnv creates the table and the queue (whose default visibility
// timeout is visibility) and deletes them when the test ends. It skips
// the test unless AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS are
// set.
func newAWSEnv(t *testing.T, name string, visibility time.Duration) *awsEnv {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" || os.Getenv("AWS_ENDPOINT_URL_SQS") == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS must be set (scripts/localaws.sh start; eval \"$(scripts/localaws.sh env)\"): skipping the engine on DynamoDB Local + SQS")
	}
	ctx := context.Background()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("x", "x", "")))
	require.NoError(t, err)
	// The HTTP client is set on each service client (not with
	// config.WithHTTPClient, which refuses a plain *http.Client when a CA
	// bundle is configured); the endpoints are plain HTTP on loopback.
	ddbOpts := func(rt http.RoundTripper) func(o *dynamodb.Options) {
		return func(o *dynamodb.Options) {
			o.HTTPClient = &http.Client{Transport: rt}
			o.DisableValidateResponseChecksum = true
		}
	}
	sqsOpts := func(rt http.RoundTripper) func(o *sqs.Options) {
		return func(o *sqs.Options) { o.HTTPClient = &http.Client{Transport: rt} }
	}
	env := &awsEnv{}
	env.plainDDB = dynamodb.NewFromConfig(cfg, ddbOpts(transport))
	env.plainSQS = sqs.NewFromConfig(cfg, sqsOpts(transport))

	unique := fmt.Sprintf("stepwise-%s-%d-%d", name, time.Now().UnixNano(), awsEnvSeq.Add(1))
	env.table = unique
	require.NoError(t, dynamostore.CreateTable(ctx, env.plainDDB, env.table))
	t.Cleanup(func() {
		_, _ = env.plainDDB.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(env.table)})
	})
	desc, err := env.plainDDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(env.table)})
	require.NoError(t, err)
	var gsi gsiSpec
	for _, ix := range desc.Table.GlobalSecondaryIndexes {
		for _, k := range ix.KeySchema {
			gsi.keys = append(gsi.keys, aws.ToString(k.AttributeName))
		}
		if ix.Projection != nil {
			gsi.projected = append(gsi.projected, ix.Projection.NonKeyAttributes...)
		}
	}
	require.NotEmpty(t, gsi.keys, "the table has no global secondary index")

	env.newQueue(t, visibility)

	env.meter = newMeter(transport, gsi)
	env.ddb = dynamodb.NewFromConfig(cfg, ddbOpts(env.meter))
	env.sqs = sqs.NewFromConfig(cfg, sqsOpts(env.meter))
	return env
}

// newQueue replaces the environment's queue with a new one, deleted when
// the test ends. A long poll that a client cancelled goes on in moto's
// server and takes the next message it sees (which then stays invisible
// for its visibility timeout), so each set of pollers gets its own queue.
func (env *awsEnv) newQueue(t *testing.T, visibility time.Duration) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", env.table, awsEnvSeq.Add(1))
	created, err := sqsqueue.CreateQueue(context.Background(), env.plainSQS, &sqsqueue.CreateQueueParams{Name: name, VisibilityTimeout: visibility})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqsqueue.DeleteQueue(context.Background(), env.plainSQS, created) })
	env.queue = created
}

// queueDepth returns the messages in the queue: visible, in flight and
// delayed.
func (env *awsEnv) queueDepth(ctx context.Context) (int, error) {
	out, err := env.plainSQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(env.queue.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed},
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range out.Attributes {
		i, _ := strconv.Atoi(v)
		n += i
	}
	return n, nil
}
