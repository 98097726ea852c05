package engine_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

// TestFaultInjectionDynamoDB runs the fault-injection workload with the
// checkpoints in DynamoDB (DynamoDB Local in `make test`): the same
// duplicates, reordering and crashes, the same zero mismatches.
//
// -stepwise.fault-dynamo-n sets the executions of each workflow (1).
func TestFaultInjectionDynamoDB(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB is not set: skipping the engine on DynamoDB")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	require.NoError(t, err)
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("stepwise-engine-%d", time.Now().UnixNano())
	require.NoError(t, dynamostore.CreateTable(ctx, client, table))
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	st := dynamostore.New(client, table)
	h := newHarnessOn(t, st, 99, 0.2, 0.1, 0.5)
	execs := runAll(t, h, *faultDynamoN)
	mism := checkResults(t, h, execs)
	mism += checkEventCounts(t, h.eng, execs)
	total := 0
	for _, a := range execs {
		total += len(a)
	}
	ops := st.Stats().Operations
	t.Logf("fault injection on DynamoDB: executions=%d injected_crashes=%d duplicate_deliveries=%d mismatches=%d transact_writes=%d",
		total, h.crashes, h.dups, mism, ops["TransactWriteItems"].Requests)
	require.Zero(t, mism)
}

var faultDynamoN = flag.Int("stepwise.fault-dynamo-n", 1, "TestFaultInjectionDynamoDB: executions of each workflow")
