package dynamostore_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
	"github.com/stepwise-dev/stepwise/orchestrator/store/storetest"
)

// testClient returns a client for the DynamoDB endpoint in
// AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local in `make test`), or skips.
func testClient(t testing.TB) *dynamodb.Client {
	t.Helper()
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB is not set: skipping the DynamoDB tests")
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	require.NoError(t, err)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// DynamoDB Local's error replies lack the X-Amz-Crc32 header.
		o.DisableValidateResponseChecksum = true
	})
}

var tableSeq atomic.Int64

// testTable creates a fresh table, deleted in t.Cleanup.
func testTable(t testing.TB, client *dynamodb.Client) string {
	t.Helper()
	name := fmt.Sprintf("stepwise-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	require.NoError(t, dynamostore.CreateTable(context.Background(), client, name))
	t.Cleanup(func() {
		_, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		require.NoError(t, err)
	})
	return name
}

func TestStore(t *testing.T) {
	t.Parallel()
	client := testClient(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return dynamostore.New(client, testTable(t, client))
	})
}
