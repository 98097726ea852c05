package dynamostore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

var _ store.Store = (*Store)(nil)

// dynamoAPI is the part of the DynamoDB client the store uses.
type dynamoAPI interface {
	GetItem(ctx context.Context, params *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, params *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, params *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, params *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, params *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, params *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Attribute names.
const (
	attrPK         = "pk"
	attrSK         = "sk"
	attrGSI1PK     = "gsi1pk"
	attrGSI1SK     = "gsi1sk"
	attrTTL        = "ttl"
	attrARN        = "arn"
	attrName       = "name"
	attrSMARN      = "smArn"
	attrRevision   = "rev"
	attrStatus     = "status"
	attrStarted    = "started"
	attrStopped    = "stopped"
	attrType       = "type"
	attrCreated    = "created"
	attrUpdated    = "updated"
	attrDefinition = "def"
	attrRoleARN    = "role"
	attrDeleted    = "deleted"
	attrInput      = "input"
	attrOutput     = "output"
	attrError      = "error"
	attrCause      = "cause"
	attrData       = "data"
	attrSeq        = "seq"
	attrOutbox     = "outbox"
	attrThreadID   = "thread"
	// attrStep holds a step item's checkpoint, outbox and events
	// (step.go); attrEvent a history event stored in an item of its own;
	// attrOutSeparate says the execution's result is in its O item.
	attrStep        = "d"
	attrEvent       = "e"
	attrOutSeparate = "outsep"

	indexGSI1 = "gsi1"
)

// projected are the non-key attributes the GSI holds.
var projected = []string{attrARN, attrName, attrSMARN, attrRevision, attrStatus, attrStarted, attrStopped, attrType, attrCreated, attrUpdated}

// Store is a store.Store in one DynamoDB table.
type Store struct {
	api   dynamoAPI
	table *string
	stats *statsCounter
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a store on table, which must have the layout CreateTable
// creates.
func New(client *dynamodb.Client, table string) *Store {
	return newStore(client, table)
}

func newStore(api dynamoAPI, table string) *Store {
	stats := &statsCounter{}
	return &Store{api: &countingAPI{next: api, stats: stats}, table: aws.String(table), stats: stats, sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Key prefixes (those of an execution's items are in keys.go).
const (
	prefixSM     = "SM#"
	prefixAct    = "ACT#"
	prefixToken  = "TOKEN#"
	skMeta       = "META"
	skToken      = "TOKEN"
	skRevision   = "REV#"
	gsiExecs     = "EXECS#"
	gsiSMs       = "SMS"
	gsiActs      = "ACTS"
	timeLayout   = "2006-01-02T15:04:05.000000000Z"
	numberDigits = 20
)

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func bin(v []byte) types.AttributeValue   { return &types.AttributeValueMemberB{Value: v} }
func boolean(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }
func tm(t time.Time) types.AttributeValue { return sv(formatTime(t)) }
func pad(i int64) string                  { return fmt.Sprintf("%0*d", numberDigits, i) }
func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: sv(pk), attrSK: sv(sk)}
}

// formatTime formats t in UTC at fixed width, so that it sorts.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// item reads typed attributes of one item, remembering the first error.
type item struct {
	m   map[string]types.AttributeValue
	err error
}

func (it *item) str(name string) string {
	switch v := it.m[name].(type) {
	case nil:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	default:
		it.fail(name)
		return ""
	}
}

func (it *item) num(name string) int64 {
	switch v := it.m[name].(type) {
	case nil:
		return 0
	case *types.AttributeValueMemberN:
		i, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			it.fail(name)
		}
		return i
	default:
		it.fail(name)
		return 0
	}
}

func (it *item) bytes(name string) []byte {
	switch v := it.m[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberB:
		if len(v.Value) == 0 {
			return nil
		}
		return v.Value
	default:
		it.fail(name)
		return nil
	}
}

func (it *item) bool(name string) bool {
	switch v := it.m[name].(type) {
	case nil:
		return false
	case *types.AttributeValueMemberBOOL:
		return v.Value
	default:
		it.fail(name)
		return false
	}
}

func (it *item) time(name string) time.Time {
	v := it.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		it.fail(name)
	}
	return t
}

func (it *item) list(name string) [][]byte {
	switch v := it.m[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberL:
		out := make([][]byte, 0, len(v.Value))
		for _, e := range v.Value {
			b, ok := e.(*types.AttributeValueMemberB)
			if !ok {
				it.fail(name)
				return nil
			}
			out = append(out, b.Value)
		}
		return out
	default:
		it.fail(name)
		return nil
	}
}

func (it *item) fail(name string) {
	if it.err == nil {
		it.err = fmt.Errorf("decoding attribute %q of item %v/%v: unexpected type or value", name, it.m[attrPK], it.m[attrSK])
	}
}

// putStr sets m[name] to v unless v is empty.
func putStr(m map[string]types.AttributeValue, name, v string) {
	if v != "" {
		m[name] = sv(v)
	}
}

// putBytes sets m[name] to v unless v is empty.
func putBytes(m map[string]types.AttributeValue, name string, v []byte) {
	if len(v) > 0 {
		m[name] = bin(v)
	}
}

// putTime sets m[name] to t unless t is zero.
func putTime(m map[string]types.AttributeValue, name string, t time.Time) {
	if !t.IsZero() {
		m[name] = tm(t)
	}
}

// encodeToken encodes a LastEvaluatedKey of string attributes as a page
// token.
func encodeToken(key map[string]types.AttributeValue) (string, error) {
	m := make(map[string]string, len(key))
	for k, v := range key {
		sv, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("encoding page token: attribute %q is not a string", k)
		}
		m[k] = sv.Value
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encoding page token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeToken decodes what encodeToken encoded.
func decodeToken(token string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, errors.New("invalid page token")
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, errors.New("invalid page token")
	}
	key := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		key[k] = sv(v)
	}
	return key, nil
}

// pageSize returns the page size for a requested limit: 100 by default,
// at most max.
func pageSize(limit, max int) int {
	switch {
	case limit <= 0:
		return 100
	case limit > max:
		return max
	}
	return limit
}

// isConditionFailed reports whether err is a failed condition of a
// single-item write.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
