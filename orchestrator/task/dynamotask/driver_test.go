package dynamotask_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
	"github.com/stepwise-dev/stepwise/orchestrator/task/dynamotask"
)

// backend is one DynamoDB under the driver suite. newTable makes a fresh
// table keyed by pk (a string) and, when sortKey, sk (a number).
type backend struct {
	client   dynamotask.Client
	newTable func(t *testing.T, sortKey bool) string
}

var tableSeq atomic.Int64

func tableName() string {
	return fmt.Sprintf("dynamotask-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
}

func boltBackend(t *testing.T) backend {
	db, err := boltdynamo.Open(filepath.Join(t.TempDir(), "dynamodb.db"), boltdynamo.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return backend{client: db, newTable: func(t *testing.T, sortKey bool) string {
		name := tableName()
		k := boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S"}
		if sortKey {
			k.SortKey, k.SortKeyType = "sk", "N"
		}
		require.NoError(t, db.CreateTable(name, k))
		return name
	}}
}

func awsBackend(t *testing.T) backend {
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	require.NoError(t, err)
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true // DynamoDB Local's error replies lack X-Amz-Crc32
	})
	return backend{client: client, newTable: func(t *testing.T, sortKey bool) string {
		name := tableName()
		in := &dynamodb.CreateTableInput{
			TableName:            aws.String(name),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}
		if sortKey {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeN})
			in.KeySchema = append(in.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange})
		}
		_, err := client.CreateTable(context.Background(), in)
		require.NoError(t, err)
		t.Cleanup(func() {
			_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		})
		return name
	}}
}

func TestBolt(t *testing.T) {
	t.Parallel()
	runDriver(t, boltBackend)
}

func TestDynamoDBLocal(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB is not set: skipping the DynamoDB driver tests against DynamoDB Local (scripts/localaws.sh starts it)")
	}
	runDriver(t, awsBackend)
}

// step is one Task invocation: action, Arguments ($T is the table name),
// and the result without its HTTP metadata, or the error name and the
// message of the cause (the part before " (Service: ...").
type step struct {
	action string
	args   string
	want   string
	err    string
	msg    string
	ignore string // a result member not compared
}

type driverCase struct {
	name    string
	sortKey bool
	steps   []step
}

const item1 = `{"pk": {"S": "a"}, "n": {"N": "1.50"}, "s": {"S": "héllo"}, "b": {"BOOL": true}, "z": {"NULL": true},
	"l": {"L": [{"S": "x"}, {"N": "2"}]}, "m": {"M": {"x": {"N": "1"}, "y": {"S": "why"}}},
	"ss": {"SS": ["r", "g"]}, "ns": {"NS": ["3", "1"]}, "bin": {"B": "AAE="}}`

// Sets read back sorted, as DynamoDB Local returns them.

const item1Stored = `{"Item":{"b":{"BOOL":true},"bin":{"B":"AAE="},"l":{"L":[{"S":"x"},{"N":"2"}]},"m":{"M":{"x":{"N":"1"},"y":{"S":"why"}}},` +
	`"n":{"N":"1.5"},"ns":{"NS":["1","3"]},"pk":{"S":"a"},"s":{"S":"héllo"},"ss":{"SS":["g","r"]},"z":{"NULL":true}}}`

func put(item string) step {
	return step{action: "putItem", args: `{"TableName": "$T", "Item": ` + item + `}`, want: `{}`}
}

func get(key string, want string) step {
	return step{action: "getItem", args: `{"TableName": "$T", "Key": ` + key + `, "ConsistentRead": true}`, want: want}
}

const keyA = `{"pk": {"S": "a"}}`

var driverCases = []driverCase{
	{name: "put and get", steps: []step{put(item1), get(keyA, item1Stored), get(`{"pk": {"S": "missing"}}`, `{}`)}},
	{name: "numbers are canonical", steps: []step{
		put(`{"pk": {"S": "a"}, "a": {"N": "01"}, "b": {"N": "1E2"}, "c": {"N": "-0.00100"}, "d": {"N": "+5"}, "e": {"N": "1e-5"}, "f": {"NS": ["1.0", "20"]}}`),
		get(keyA, `{"Item":{"a":{"N":"1"},"b":{"N":"100"},"c":{"N":"-0.001"},"d":{"N":"5"},"e":{"N":"0.00001"},"f":{"NS":["1","20"]},"pk":{"S":"a"}}}`),
	}},
	{name: "conditional put makes a redelivery harmless", steps: []step{
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "v": {"N": "1"}}, "ConditionExpression": "attribute_not_exists(pk)"}`, want: `{}`},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "v": {"N": "2"}}, "ConditionExpression": "attribute_not_exists(pk)"}`,
			err: "DynamoDB.ConditionalCheckFailedException", msg: "The conditional request failed"},
		get(keyA, `{"Item":{"pk":{"S":"a"},"v":{"N":"1"}}}`),
	}},
	{name: "put returns the old item", steps: []step{
		put(`{"pk": {"S": "a"}, "v": {"N": "1"}}`),
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "v": {"N": "2"}}, "ReturnValues": "ALL_OLD"}`,
			want: `{"Attributes":{"pk":{"S":"a"},"v":{"N":"1"}}}`},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "b"}}, "ReturnValues": "ALL_OLD"}`, want: `{}`},
	}},
	{name: "conditions", steps: []step{
		put(item1),
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "v": {"N": "1"}},
			"ConditionExpression": "attribute_exists(pk) AND #n BETWEEN :lo AND :hi AND begins_with(s, :h) AND contains(ss, :r) AND contains(l, :x) AND size(s) = :five AND attribute_type(m, :M) AND NOT (b <> :t) AND (n IN (:one, :lo) OR z = :t) AND absent <> :one AND m.x < :two AND l[1] >= :two",
			"ExpressionAttributeNames": {"#n": "n"},
			"ExpressionAttributeValues": {":lo": {"N": "1.5"}, ":hi": {"N": "2"}, ":h": {"S": "hé"}, ":r": {"S": "r"}, ":x": {"S": "x"},
				":five": {"N": "5"}, ":M": {"S": "M"}, ":t": {"BOOL": true}, ":one": {"N": "1"}, ":two": {"N": "2"}}}`, want: `{}`},
		get(keyA, `{"Item":{"pk":{"S":"a"},"v":{"N":"1"}}}`),
	}},
	{name: "a false condition", steps: []step{
		put(item1),
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "n > :n OR absent = :n", "ExpressionAttributeValues": {":n": {"N": "1.5"}}}`,
			err: "DynamoDB.ConditionalCheckFailedException", msg: "The conditional request failed"},
	}},
	{name: "update expressions", steps: []step{
		put(item1),
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}},
			"UpdateExpression": "SET n = n + :one, m.x = :ten, l = list_append(l, :l), c = if_not_exists(c, :one), d = if_not_exists(n, :ten) REMOVE s, m.y ADD cnt :one, ss :more DELETE ns :three",
			"ExpressionAttributeValues": {":one": {"N": "1"}, ":ten": {"N": "10"}, ":l": {"L": [{"BOOL": false}]}, ":more": {"SS": ["b"]}, ":three": {"NS": ["3"]}},
			"ReturnValues": "ALL_NEW"}`,
			want: `{"Attributes":{"b":{"BOOL":true},"bin":{"B":"AAE="},"c":{"N":"1"},"cnt":{"N":"1"},"d":{"N":"1.5"},` +
				`"l":{"L":[{"S":"x"},{"N":"2"},{"BOOL":false}]},"m":{"M":{"x":{"N":"10"}}},"n":{"N":"2.5"},"ns":{"NS":["1"]},` +
				`"pk":{"S":"a"},"ss":{"SS":["b","g","r"]},"z":{"NULL":true}}}`},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET n = n - :one DELETE ns :ns",
			"ExpressionAttributeValues": {":one": {"N": "1"}, ":ns": {"NS": ["1"]}}, "ReturnValues": "UPDATED_OLD"}`,
			want: `{"Attributes":{"n":{"N":"2.5"},"ns":{"NS":["1"]}}}`},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET n = :v",
			"ExpressionAttributeValues": {":v": {"S": "text"}}, "ReturnValues": "UPDATED_NEW"}`,
			want: `{"Attributes":{"n":{"S":"text"}}}`},
	}},
	{name: "update creates a missing item", steps: []step{
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "new"}}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"N": "7"}}, "ReturnValues": "ALL_OLD"}`,
			want: `{}`},
		get(`{"pk": {"S": "new"}}`, `{"Item":{"pk":{"S":"new"},"v":{"N":"7"}}}`),
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "other"}}, "UpdateExpression": "REMOVE v"}`, want: `{}`},
		get(`{"pk": {"S": "other"}}`, `{"Item":{"pk":{"S":"other"}}}`),
	}},
	{name: "conditional update", steps: []step{
		put(`{"pk": {"S": "a"}, "version": {"N": "1"}}`),
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET version = :new", "ConditionExpression": "version = :old",
			"ExpressionAttributeValues": {":old": {"N": "2"}, ":new": {"N": "3"}}}`, err: "DynamoDB.ConditionalCheckFailedException", msg: "The conditional request failed"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET version = :new", "ConditionExpression": "version = :old",
			"ExpressionAttributeValues": {":old": {"N": "1"}, ":new": {"N": "2"}}, "ReturnValues": "UPDATED_NEW"}`, want: `{"Attributes":{"version":{"N":"2"}}}`},
	}},
	{name: "delete", steps: []step{
		put(`{"pk": {"S": "a"}, "v": {"N": "1"}}`),
		{action: "deleteItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "v = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}`,
			err: "DynamoDB.ConditionalCheckFailedException", msg: "The conditional request failed"},
		{action: "deleteItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "ReturnValues": "ALL_OLD"}`, want: `{"Attributes":{"pk":{"S":"a"},"v":{"N":"1"}}}`},
		get(keyA, `{}`),
		// DynamoDB Local answers this one with ConsumedCapacity though none was asked for.
		{action: "deleteItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}}`, want: `{}`, ignore: "ConsumedCapacity"},
	}},
	{name: "projection", steps: []step{
		put(item1),
		{action: "getItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "#n, m.y, ss, nothing", "ExpressionAttributeNames": {"#n": "n"}}`,
			want: `{"Item":{"m":{"M":{"y":{"S":"why"}}},"n":{"N":"1.5"},"ss":{"SS":["g","r"]}}}`},
	}},
	{name: "composite key", sortKey: true, steps: []step{
		put(`{"pk": {"S": "a"}, "sk": {"N": "1.0"}, "v": {"S": "one"}}`),
		put(`{"pk": {"S": "a"}, "sk": {"N": "2"}, "v": {"S": "two"}}`),
		get(`{"pk": {"S": "a"}, "sk": {"N": "1"}}`, `{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"one"}}}`),
		get(`{"pk": {"S": "a"}, "sk": {"N": "2.00"}}`, `{"Item":{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"S":"two"}}}`),
		{action: "getItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}}`, err: "DynamoDB.AmazonDynamoDBException"},
	}},
	{name: "validation errors", steps: []step{
		put(item1),
		{action: "putItem", args: `{"TableName": "$T-missing", "Item": {"pk": {"S": "a"}}}`, err: "DynamoDB.ResourceNotFoundException"},
		{action: "putItem", args: `{"TableName": "${ContactsTableName}", "Item": {"pk": {"S": "a"}}}`, err: "DynamoDB.AmazonDynamoDBException"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"id": {"S": "a"}}}`, err: "DynamoDB.AmazonDynamoDBException"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"N": "1"}}}`, err: "DynamoDB.AmazonDynamoDBException"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": ""}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "n": {"N": "one"}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "A value provided cannot be converted into a number"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "n": {"N": "123456789012345678901234567890123456789"}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "DynamoDB only supports precision up to 38 digits"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "s": {"SS": []}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "One or more parameter values were invalid: An string set  may not be empty"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}, "s": {"SS": ["x", "x"]}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "One or more parameter values were invalid: Input collection [x, x] contains duplicates"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ReturnValues": "ALL_NEW"}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "Return values set to invalid value"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_exists(name)"}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_exists(pk)", "ExpressionAttributeValues": {":unused": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ExpressionAttributeValues": {":v": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "v = :nope"}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "#nope = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "v < :b", "ExpressionAttributeValues": {":b": {"BOOL": true}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET q = = :x", "ExpressionAttributeValues": {":x": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: `Invalid UpdateExpression: Syntax error; token: "=", near: "= = :x"`},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET pk = :x", "ExpressionAttributeValues": {":x": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET m = :x, m.y = :x", "ExpressionAttributeValues": {":x": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, y]"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET a = :x SET b = :x", "ExpressionAttributeValues": {":x": {"S": "x"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET q = s + :x", "ExpressionAttributeValues": {":x": {"N": "1"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "An operand in the update expression has an incorrect data type"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET q = nothing + :x", "ExpressionAttributeValues": {":x": {"N": "1"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "The provided expression refers to an attribute that does not exist in the item"},
		{action: "updateItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET nothing.x = :x", "ExpressionAttributeValues": {":x": {"N": "1"}}}`,
			err: "DynamoDB.AmazonDynamoDBException", msg: "The document path provided in the update expression is invalid for update"},
		{action: "getItem", args: `{"TableName": "$T", "Key": {"pk": {"S": "a"}, "x": {"S": "b"}}}`, err: "DynamoDB.AmazonDynamoDBException"},
		get(keyA, item1Stored),
	}},
	{name: "arguments the integration refuses", steps: []step{
		{action: "putItem", args: `{"TableName": "$T"}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"},
		{action: "getItem", args: `{}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; Value null at 'key' failed to satisfy constraint: Member must not be null"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a", "N": "1"}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {}}}`, err: "DynamoDB.AmazonDynamoDBException",
			msg: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"S": "a"}}, "Condition": "x"}`, err: "States.Runtime"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": "a"}}`, err: "States.Runtime"},
		{action: "putItem", args: `{"TableName": "$T", "Item": {"pk": {"T": "a"}}}`, err: "States.Runtime"},
	}},
}

func runDriver(t *testing.T, newBackend func(t *testing.T) backend) {
	for _, c := range driverCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			table := b.newTable(t, c.sortKey)
			in := dynamotask.New(b.client)
			for i, s := range c.steps {
				args, err := value.DecodeString(strings.ReplaceAll(s.args, "$T", table))
				require.NoError(t, err, "step %d", i)
				got, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{State: "S",
					Resource: "arn:aws:states:::dynamodb:" + s.action, Input: args})
				require.NoError(t, err, "step %d", i)
				if s.err != "" {
					require.NotNil(t, serr, "step %d: got %v, want %s", i, got, s.err)
					require.Equal(t, s.err, serr.Name, "step %d: cause %s", i, serr.Cause)
					if s.err != "States.Runtime" {
						require.Regexp(t, ` \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: \w+; Request ID: [\w-]+; Proxy: null\)$`, serr.Cause, "step %d", i)
					}
					if s.msg != "" {
						msg, _, _ := strings.Cut(serr.Cause, " (Service: AmazonDynamoDBv2;")
						require.Equal(t, s.msg, msg, "step %d", i)
					}
					continue
				}
				require.Nil(t, serr, "step %d", i)
				res := got.(map[string]any)
				meta := res["SdkHttpMetadata"].(map[string]any)
				require.Equal(t, json.Number("200"), meta["HttpStatusCode"], "step %d", i)
				require.Equal(t, "application/x-amz-json-1.0", meta["HttpHeaders"].(map[string]any)["Content-Type"], "step %d", i)
				require.NotEmpty(t, res["SdkResponseMetadata"].(map[string]any)["RequestId"], "step %d", i)
				delete(res, "SdkHttpMetadata")
				delete(res, "SdkResponseMetadata")
				delete(res, s.ignore)
				require.JSONEq(t, s.want, value.MustString(res), "step %d", i)
			}
		})
	}
}
