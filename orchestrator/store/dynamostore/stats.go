package dynamostore

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Stats are counters of the DynamoDB requests a Store made since New.
type Stats struct {
	// Operations maps a DynamoDB operation name ("TransactWriteItems",
	// "GetItem", ...) to its counters.
	Operations map[string]OperationStats
}

// OperationStats count the requests of one DynamoDB operation.
type OperationStats struct {
	// Requests is the number of calls, including failed ones; the SDK's
	// own retries of one call are not counted.
	Requests int64
	// Errors is the number of calls that returned an error.
	Errors int64
	// ReadCapacityUnits is the total RCU DynamoDB reported.
	ReadCapacityUnits float64
	// WriteCapacityUnits is the total WCU DynamoDB reported. DynamoDB
	// Local under-reports transactions (it charges one item, not each).
	WriteCapacityUnits float64
	// EstimatedWriteUnits is the WCU computed from the items sent, by
	// DynamoDB's rules (1 WCU per started KB of each item, twice that in a
	// transaction). Updates and deletes are counted as if the item were
	// the size of the attributes sent (at least 1 KB): a lower bound.
	EstimatedWriteUnits float64
}

// Stats returns the request counters since New.
func (s *Store) Stats() Stats {
	return s.stats.snapshot()
}

type statsCounter struct {
	mu  sync.Mutex
	ops map[string]OperationStats
}

func (c *statsCounter) add(op string, err error, estimatedWCU float64, consumed ...*types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = make(map[string]OperationStats)
	}
	st := c.ops[op]
	st.Requests++
	if err != nil {
		st.Errors++
	} else {
		st.EstimatedWriteUnits += estimatedWCU
	}
	for _, cc := range consumed {
		if cc == nil {
			continue
		}
		if cc.ReadCapacityUnits != nil {
			st.ReadCapacityUnits += *cc.ReadCapacityUnits
		}
		if cc.WriteCapacityUnits != nil {
			st.WriteCapacityUnits += *cc.WriteCapacityUnits
		}
		if cc.ReadCapacityUnits == nil && cc.WriteCapacityUnits == nil && cc.CapacityUnits != nil {
			if op == "GetItem" || op == "Query" {
				st.ReadCapacityUnits += *cc.CapacityUnits
			} else {
				st.WriteCapacityUnits += *cc.CapacityUnits
			}
		}
	}
	c.ops[op] = st
}

func (c *statsCounter) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Operations: maps.Clone(c.ops)}
}

// countingAPI asks for the consumed capacity on every request and counts
// it.
type countingAPI struct {
	next  dynamoAPI
	stats *statsCounter
}

func (a *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.GetItem(ctx, in, opts...)
	var cc *types.ConsumedCapacity
	if out != nil {
		cc = out.ConsumedCapacity
	}
	a.stats.add("GetItem", err, 0, cc)
	return out, err
}

func (a *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.PutItem(ctx, in, opts...)
	var cc *types.ConsumedCapacity
	if out != nil {
		cc = out.ConsumedCapacity
	}
	a.stats.add("PutItem", err, writeUnits(itemSize(in.Item)), cc)
	return out, err
}

func (a *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.UpdateItem(ctx, in, opts...)
	var cc *types.ConsumedCapacity
	if out != nil {
		cc = out.ConsumedCapacity
	}
	a.stats.add("UpdateItem", err, writeUnits(itemSize(in.Key)+valuesSize(in.ExpressionAttributeValues)), cc)
	return out, err
}

func (a *countingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.DeleteItem(ctx, in, opts...)
	var cc *types.ConsumedCapacity
	if out != nil {
		cc = out.ConsumedCapacity
	}
	a.stats.add("DeleteItem", err, writeUnits(itemSize(in.Key)), cc)
	return out, err
}

func (a *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.Query(ctx, in, opts...)
	var cc *types.ConsumedCapacity
	if out != nil {
		cc = out.ConsumedCapacity
	}
	a.stats.add("Query", err, 0, cc)
	return out, err
}

func (a *countingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := a.next.TransactWriteItems(ctx, in, opts...)
	var cc []*types.ConsumedCapacity
	if out != nil {
		for i := range out.ConsumedCapacity {
			cc = append(cc, &out.ConsumedCapacity[i])
		}
	}
	a.stats.add("TransactWriteItems", err, transactionUnits(in), cc...)
	return out, err
}

// writeUnits returns the WCU of writing an item of size bytes.
func writeUnits(size int) float64 {
	return float64((size + 1023) / 1024)
}

// transactionUnits estimates the WCU of a transaction: twice the units of
// each item.
func transactionUnits(in *dynamodb.TransactWriteItemsInput) float64 {
	total := 0.0
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			total += 2 * writeUnits(itemSize(it.Put.Item))
		case it.Update != nil:
			total += 2 * writeUnits(itemSize(it.Update.Key)+valuesSize(it.Update.ExpressionAttributeValues))
		case it.Delete != nil:
			total += 2 * writeUnits(itemSize(it.Delete.Key))
		case it.ConditionCheck != nil:
			total += 2 * writeUnits(itemSize(it.ConditionCheck.Key))
		}
	}
	return total
}

// itemSize is DynamoDB's size of an item: names plus values.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for name, v := range m {
		n += len(name) + valueSize(v)
	}
	return n
}

// valuesSize is the size of expression values, counted like attributes
// with one-byte names.
func valuesSize(m map[string]types.AttributeValue) int {
	n := 0
	for _, v := range m {
		n += 1 + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(v.Value)+1)/2 + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	default:
		return 0
	}
}
