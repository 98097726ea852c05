// Package boltdynamo is a small DynamoDB on a bbolt file: the PutItem,
// GetItem, UpdateItem and DeleteItem operations of the DynamoDB API with
// the SDK's own input, output and error types, so that the Step Functions
// DynamoDB integration runs unchanged against it or against DynamoDB.
//
// # What it does
//
//   - Items are stored by their primary key (a partition key and an optional
//     sort key, of type S, N or B); numbers are kept in DynamoDB's
//     canonical form ("1.50" reads back as "1.5") with its 38-digit precision
//     and range.
//   - Condition expressions: comparisons (= <> < <= > >=), BETWEEN, IN,
//     attribute_exists, attribute_not_exists, attribute_type, begins_with,
//     contains, size, AND, OR, NOT and parentheses.
//   - Update expressions: SET (with + and -, if_not_exists, list_append),
//     REMOVE, ADD (numbers and sets) and DELETE (sets), on nested paths.
//   - Projection expressions on GetItem; ReturnValues on every write.
//   - #name and :value placeholders, reserved words, unused placeholders and
//     the other checks DynamoDB makes, with its error messages.
//   - Each operation is one bbolt transaction, so a conditional write is
//     atomic.
//
// # What it does not
//
// Queries, scans, batches, transactions, indexes, TTL, streams and the
// legacy parameters (Expected, AttributeUpdates, AttributesToGet with
// ProjectionExpression) are not supported; consumed capacity is reported as
// one unit.
package boltdynamo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	bolt "go.etcd.io/bbolt"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/ddbjson"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
)

// Options configure a DB.
type Options struct {
	// AutoCreate creates a table the first time an operation names it,
	// with the key of that operation's Key, or for PutItem the item's pk
	// (and sk) or else id attribute. Without it an unknown table is
	// ResourceNotFoundException, as on AWS.
	AutoCreate bool
	// NowFunc returns the current time (the Date of the response metadata);
	// nil uses time.Now.
	NowFunc func() time.Time
}

// KeySchema is a table's primary key: the partition key's name and type
// (S, N or B) and, for a composite key, the sort key's.
type KeySchema struct {
	PartitionKey     string `json:"partitionKey"`
	PartitionKeyType string `json:"partitionKeyType"`
	SortKey          string `json:"sortKey,omitempty"`
	SortKeyType      string `json:"sortKeyType,omitempty"`
}

func (k KeySchema) names() []string {
	if k.SortKey == "" {
		return []string{k.PartitionKey}
	}
	return []string{k.PartitionKey, k.SortKey}
}

func (k KeySchema) typeOf(name string) string {
	if name == k.SortKey {
		return k.SortKeyType
	}
	return k.PartitionKeyType
}

// DB is a set of tables in one bbolt file.
type DB struct {
	db   *bolt.DB
	opts Options
}

var tablesBucket = []byte("tables")

// Open opens (or creates) the file at path.
func Open(path string, opts Options) (*DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(tablesBucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialising %s: %w", path, err)
	}
	if opts.NowFunc == nil {
		opts.NowFunc = time.Now
	}
	return &DB{db: db, opts: opts}, nil
}

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }

var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// checkTableName applies DynamoDB's rules for table names.
func checkTableName(name *string) error {
	if name == nil {
		return validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null")
	}
	if len(*name) < 3 || len(*name) > 255 {
		return validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must have length between 3 and 255", *name)
	}
	if !tableName.MatchString(*name) {
		return validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", *name)
	}
	return nil
}

// CreateTable creates a table; creating one that exists with the same key
// does nothing.
func (d *DB) CreateTable(name string, key KeySchema) error {
	if err := checkTableName(&name); err != nil {
		return err
	}
	if key.PartitionKey == "" || !keyType(key.PartitionKeyType) || (key.SortKey != "" && !keyType(key.SortKeyType)) {
		return fmt.Errorf("creating table %s: a key needs a partition key name and types S, N or B", name)
	}
	return d.db.Update(func(tx *bolt.Tx) error {
		existing, err := schemaOf(tx, name)
		if err != nil {
			return err
		}
		if existing != nil {
			if *existing != key {
				return awserr.Service(&types.ResourceInUseException{Message: aws.String("Table already exists: " + name)},
					http.StatusBadRequest, localid.New())
			}
			return nil
		}
		return putSchema(tx, name, key)
	})
}

func keyType(t string) bool { return t == "S" || t == "N" || t == "B" }

func schemaOf(tx *bolt.Tx, table string) (*KeySchema, error) {
	b := tx.Bucket(tablesBucket).Get([]byte(table))
	if b == nil {
		return nil, nil
	}
	var k KeySchema
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("reading the key of table %s: %w", table, err)
	}
	return &k, nil
}

func putSchema(tx *bolt.Tx, table string, k KeySchema) error {
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := tx.Bucket(tablesBucket).Put([]byte(table), b); err != nil {
		return err
	}
	_, err = tx.CreateBucketIfNotExists(itemsBucket(table))
	return err
}

func itemsBucket(table string) []byte { return []byte("t:" + table) }

// table returns a table's key, creating the table when AutoCreate allows
// it (infer names the key attributes of the operation at hand).
func (d *DB) table(tx *bolt.Tx, name *string, infer func() (KeySchema, bool)) (*KeySchema, error) {
	if err := checkTableName(name); err != nil {
		return nil, err
	}
	k, err := schemaOf(tx, *name)
	if err != nil || k != nil {
		return k, err
	}
	if d.opts.AutoCreate && tx.Writable() {
		if key, ok := infer(); ok {
			return &key, putSchema(tx, *name, key)
		}
	}
	return nil, awserr.Service(&types.ResourceNotFoundException{Message: aws.String("Requested resource not found")},
		http.StatusBadRequest, localid.New())
}

// inferFromKey makes a key schema from a Key (names sorted: without
// queries, which is the partition key does not matter).
func inferFromKey(key map[string]types.AttributeValue) func() (KeySchema, bool) {
	return func() (KeySchema, bool) {
		names := ddbjson.Keys(key)
		if len(names) == 0 || len(names) > 2 {
			return KeySchema{}, false
		}
		k := KeySchema{PartitionKey: names[0], PartitionKeyType: typeName(key[names[0]])}
		if len(names) == 2 {
			k.SortKey, k.SortKeyType = names[1], typeName(key[names[1]])
		}
		return k, keyType(k.PartitionKeyType) && (k.SortKey == "" || keyType(k.SortKeyType))
	}
}

// inferFromItem picks an item's key by convention: pk (and sk), else id.
func inferFromItem(item map[string]types.AttributeValue) func() (KeySchema, bool) {
	return func() (KeySchema, bool) {
		for _, pair := range [][2]string{{"pk", "sk"}, {"PK", "SK"}, {"id", ""}} {
			if v, ok := item[pair[0]]; ok {
				k := KeySchema{PartitionKey: pair[0], PartitionKeyType: typeName(v)}
				if s, ok := item[pair[1]]; ok && pair[1] != "" {
					k.SortKey, k.SortKeyType = pair[1], typeName(s)
				}
				return k, keyType(k.PartitionKeyType) && (k.SortKey == "" || keyType(k.SortKeyType))
			}
		}
		return KeySchema{}, false
	}
}

// keyBytes encodes the key attributes of item, checking them as DynamoDB
// does for an Item (fromItem) or a Key.
func keyBytes(k *KeySchema, item map[string]types.AttributeValue, fromItem bool) ([]byte, error) {
	if !fromItem && len(item) != len(k.names()) {
		return nil, validation("The provided key element does not match the schema")
	}
	var buf bytes.Buffer
	for _, name := range k.names() {
		v, ok := item[name]
		if !ok {
			if fromItem {
				return nil, validation("One or more parameter values were invalid: Missing the key %s in the item", name)
			}
			return nil, validation("The provided key element does not match the schema")
		}
		if t := typeName(v); t != k.typeOf(name) {
			if fromItem {
				return nil, validation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", name, k.typeOf(name), t)
			}
			return nil, validation("The provided key element does not match the schema")
		}
		var raw []byte
		switch a := v.(type) {
		case *types.AttributeValueMemberS:
			if a.Value == "" {
				return nil, validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", name)
			}
			raw = []byte(a.Value)
		case *types.AttributeValueMemberN:
			raw = []byte(a.Value) // already canonical (clean)
		case *types.AttributeValueMemberB:
			if len(a.Value) == 0 {
				return nil, validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: %s", name)
			}
			raw = a.Value
		}
		fmt.Fprintf(&buf, "%d:", len(raw))
		buf.Write(raw)
	}
	return buf.Bytes(), nil
}

func loadItem(b *bolt.Bucket, key []byte) (map[string]types.AttributeValue, error) {
	data := b.Get(key)
	if data == nil {
		return nil, nil
	}
	v, err := value.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("reading an item: %w", err)
	}
	return ddbjson.Map("", v)
}

func storeItem(b *bolt.Bucket, key []byte, item map[string]types.AttributeValue) error {
	data, err := value.Encode(ddbjson.MapToJSON(item))
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// request holds the expression parts common to the operations.
type request struct {
	op         string // PutItem, ...
	names      map[string]string
	values     map[string]types.AttributeValue
	usedNames  map[string]bool
	usedValues map[string]bool
}

func newRequest(op string, names map[string]string, values map[string]types.AttributeValue) (*request, error) {
	var clean map[string]types.AttributeValue
	if values != nil {
		var err error
		if clean, err = cleanMap(values); err != nil {
			return nil, err
		}
	}
	return &request{op: op, names: names, values: clean, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

func (r *request) parser(kind, src string) (*parser, error) {
	return newParser(kind, src, r.names, r.values, r.usedNames, r.usedValues)
}

// condition parses an optional condition expression.
func (r *request) condition(src *string) (condition, error) {
	if src == nil {
		return nil, nil
	}
	p, err := r.parser("ConditionExpression", *src)
	if err != nil {
		return nil, err
	}
	return p.parseCondition()
}

// checkUsed reports placeholders given but not used, and placeholders
// given without any expression (nulls names the absent expressions).
func (r *request) checkUsed(anyExpression bool, nulls string) error {
	if !anyExpression {
		if r.names != nil {
			return validation("ExpressionAttributeNames can only be specified when using expressions: %s", nulls)
		}
		if r.values != nil {
			return validation("ExpressionAttributeValues can only be specified when using expressions: %s", nulls)
		}
		return nil
	}
	if r.names != nil && len(r.names) == 0 {
		return validation("ExpressionAttributeNames must not be empty")
	}
	if r.values != nil && len(r.values) == 0 {
		return validation("ExpressionAttributeValues must not be empty")
	}
	if unused := unusedKeys(r.names, r.usedNames); unused != "" {
		return validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", unused)
	}
	if unused := unusedKeys(r.values, r.usedValues); unused != "" {
		return validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", unused)
	}
	return nil
}

func unusedKeys[V any](m map[string]V, used map[string]bool) string {
	var out []string
	for k := range m {
		if !used[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func conditionFailed(item map[string]types.AttributeValue, returnOld types.ReturnValuesOnConditionCheckFailure) error {
	e := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	if returnOld == types.ReturnValuesOnConditionCheckFailureAllOld && item != nil {
		e.Item = item
	}
	return awserr.Service(e, http.StatusBadRequest, localid.New())
}

func unsupported(op, param string) error {
	return validation("%s: the legacy parameter %s is not supported by stepwise's local DynamoDB; use expressions", op, param)
}

func checkItemSize(item map[string]types.AttributeValue) error {
	if itemSize(item) > MaxItemSize {
		return validation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

func consumed(table *string, rc types.ReturnConsumedCapacity) *types.ConsumedCapacity {
	if rc != types.ReturnConsumedCapacityTotal && rc != types.ReturnConsumedCapacityIndexes {
		return nil
	}
	return &types.ConsumedCapacity{TableName: table, CapacityUnits: aws.Float64(1)}
}

// respond records the response metadata of an output.
func (d *DB) respond(md *middleware.Metadata, out any) {
	body, _ := json.Marshal(out)
	requestID := localid.New()
	httpmeta.SetResponse(md, httpmeta.LocalResponse("application/x-amz-json-1.0", body, d.opts.NowFunc(), requestID, true), requestID)
}

func checkContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("calling the local DynamoDB: %w", err)
	}
	return nil
}
