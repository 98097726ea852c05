package boltdynamo_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestConcurrentConditionalPuts(t *testing.T) {
	t.Parallel()
	db, err := boltdynamo.Open(filepath.Join(t.TempDir(), "d.db"), boltdynamo.Options{})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.CreateTable("contacts", boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S"}))

	const writers = 16
	var wg sync.WaitGroup
	results := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
				TableName: aws.String("contacts"), Item: map[string]types.AttributeValue{"pk": s("same")},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	won, lost := 0, 0
	for err := range results {
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			won++
		case errors.As(err, &ccf):
			lost++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	require.Equal(t, 1, won, "exactly one conditional put wins")
	require.Equal(t, writers-1, lost)
}

func TestPersistenceAndTables(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.db")
	ctx := context.Background()
	db, err := boltdynamo.Open(path, boltdynamo.Options{AutoCreate: true})
	require.NoError(t, err)

	// AutoCreate: the key comes from the item's pk and sk.
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("auto"),
		Item: map[string]types.AttributeValue{"pk": s("a"), "sk": &types.AttributeValueMemberN{Value: "1"}, "v": s("x")}})
	require.NoError(t, err)
	// ... or from the Key of an update.
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("byKey"),
		Key: map[string]types.AttributeValue{"orderId": s("o1")}, UpdateExpression: aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("y")}})
	require.NoError(t, err)
	// A read of a table never written is empty.
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("never"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	require.NoError(t, err)
	require.Nil(t, got.Item)
	// Without a key to infer, the table is not made.
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nokey"), Item: map[string]types.AttributeValue{"x": s("a")}})
	var rnf *types.ResourceNotFoundException
	require.ErrorAs(t, err, &rnf)
	require.NoError(t, db.Close())

	db, err = boltdynamo.Open(path, boltdynamo.Options{})
	require.NoError(t, err)
	defer db.Close()
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("auto"),
		Key: map[string]types.AttributeValue{"pk": s("a"), "sk": &types.AttributeValueMemberN{Value: "1.0"}}})
	require.NoError(t, err)
	require.Equal(t, s("x"), got.Item["v"], "items survive a reopen")
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("byKey"), Key: map[string]types.AttributeValue{"orderId": s("o1")}})
	require.NoError(t, err)
	require.Equal(t, s("y"), got.Item["v"])
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("never"), Key: map[string]types.AttributeValue{"pk": s("a")}})
	require.ErrorAs(t, err, &rnf, "without AutoCreate an unknown table is ResourceNotFoundException")

	require.NoError(t, db.CreateTable("auto", boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S", SortKey: "sk", SortKeyType: "N"}),
		"creating a table again with the same key is harmless")
	var inUse *types.ResourceInUseException
	require.ErrorAs(t, db.CreateTable("auto", boltdynamo.KeySchema{PartitionKey: "id", PartitionKeyType: "S"}), &inUse)
	require.Error(t, db.CreateTable("x", boltdynamo.KeySchema{PartitionKey: "id", PartitionKeyType: "S"}), "names are 3 to 255 characters")
	require.Error(t, db.CreateTable("okname", boltdynamo.KeySchema{PartitionKey: "id", PartitionKeyType: "BOOL"}))
}

func TestReturnValuesOnConditionCheckFailure(t *testing.T) {
	t.Parallel()
	db, err := boltdynamo.Open(filepath.Join(t.TempDir(), "d.db"), boltdynamo.Options{AutoCreate: true})
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	item := map[string]types.AttributeValue{"pk": s("a"), "v": s("1")}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t1x"), Item: item})
	require.NoError(t, err)
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t1x"), Key: map[string]types.AttributeValue{"pk": s("a")},
		ConditionExpression: aws.String("attribute_not_exists(v)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	require.Equal(t, item, ccf.Item)
}
