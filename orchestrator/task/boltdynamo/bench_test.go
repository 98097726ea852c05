package boltdynamo_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
)

// BenchmarkConditionalPut measures the contact form's Store: a put of a
// new item with attribute_not_exists(pk), one bbolt transaction each.
func BenchmarkConditionalPut(b *testing.B) {
	db, err := boltdynamo.Open(filepath.Join(b.TempDir(), "d.db"), boltdynamo.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateTable("contacts", boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S"}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("contacts"),
			Item: map[string]types.AttributeValue{
				"pk":      &types.AttributeValueMemberS{Value: "CONTACT#" + strconv.Itoa(i)},
				"name":    &types.AttributeValueMemberS{Value: "Ada Lovelace"},
				"message": &types.AttributeValueMemberS{Value: "Hello, I would like to know more."},
			},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateCounter measures a conditional update expression on one
// hot item.
func BenchmarkUpdateCounter(b *testing.B) {
	db, err := boltdynamo.Open(filepath.Join(b.TempDir(), "d.db"), boltdynamo.Options{AutoCreate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String("counters"),
		Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "c"}},
		UpdateExpression:          aws.String("SET #n = if_not_exists(#n, :zero) + :one"),
		ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames:  map[string]string{"#n": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": &types.AttributeValueMemberN{Value: "0"}, ":one": &types.AttributeValueMemberN{Value: "1"}, ":max": &types.AttributeValueMemberN{Value: "1e30"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.UpdateItem(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
