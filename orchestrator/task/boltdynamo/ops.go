package boltdynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	bolt "go.etcd.io/bbolt"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/ddbjson"
)

// nullMembers lists the required members that are missing.
func nullMembers(table *string, other string, missing bool) error {
	var names []string
	if table == nil {
		names = append(names, "tableName")
	}
	if missing {
		names = append(names, other)
	}
	return ddbjson.MissingMembers(names...)
}

func checkReturnValues(rv types.ReturnValue, allowed ...types.ReturnValue) error {
	if rv == "" {
		return nil
	}
	for _, a := range allowed {
		if rv == a {
			return nil
		}
	}
	return validation("Return values set to invalid value")
}

// PutItem writes an item, replacing the one with the same key, if the
// condition holds.
func (d *DB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := nullMembers(in.TableName, "item", in.Item == nil); err != nil {
		return nil, err
	}
	if in.Expected != nil || in.ConditionalOperator != "" {
		return nil, unsupported("PutItem", "Expected")
	}
	if err := checkReturnValues(in.ReturnValues, types.ReturnValueNone, types.ReturnValueAllOld); err != nil {
		return nil, err
	}
	item, err := cleanMap(in.Item)
	if err != nil {
		return nil, err
	}
	req, err := newRequest("PutItem", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	cond, err := req.condition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := req.checkUsed(in.ConditionExpression != nil, "ConditionExpression is null"); err != nil {
		return nil, err
	}
	if err := checkItemSize(item); err != nil {
		return nil, err
	}
	out := &dynamodb.PutItemOutput{}
	err = d.db.Update(func(tx *bolt.Tx) error {
		k, err := d.table(tx, in.TableName, inferFromItem(item))
		if err != nil {
			return err
		}
		key, err := keyBytes(k, item, true)
		if err != nil {
			return err
		}
		b := tx.Bucket(itemsBucket(*in.TableName))
		old, err := loadItem(b, key)
		if err != nil {
			return err
		}
		if cond != nil && !cond.eval(orEmpty(old)) {
			return conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
		}
		if in.ReturnValues == types.ReturnValueAllOld && old != nil {
			out.Attributes = old
		}
		return storeItem(b, key, item)
	})
	if err != nil {
		return nil, err
	}
	out.ConsumedCapacity = consumed(in.TableName, in.ReturnConsumedCapacity)
	d.respond(&out.ResultMetadata, out)
	return out, nil
}

func orEmpty(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil {
		return map[string]types.AttributeValue{}
	}
	return item
}

// GetItem reads an item, or only the paths of a projection expression.
func (d *DB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := nullMembers(in.TableName, "key", in.Key == nil); err != nil {
		return nil, err
	}
	if in.AttributesToGet != nil && in.ProjectionExpression != nil {
		return nil, validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	keyItem, err := cleanMap(in.Key)
	if err != nil {
		return nil, err
	}
	req, err := newRequest("GetItem", in.ExpressionAttributeNames, nil)
	if err != nil {
		return nil, err
	}
	var paths []docPath
	if in.ProjectionExpression != nil {
		p, err := req.parser("ProjectionExpression", *in.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if paths, err = p.parseProjection(); err != nil {
			return nil, err
		}
	}
	for _, name := range in.AttributesToGet {
		paths = append(paths, docPath{{name: name}})
	}
	if err := req.checkUsed(in.ProjectionExpression != nil, "ProjectionExpression is null"); err != nil {
		return nil, err
	}
	out := &dynamodb.GetItemOutput{}
	err = d.db.View(func(tx *bolt.Tx) error {
		if err := checkTableName(in.TableName); err != nil {
			return err
		}
		if s, err := schemaOf(tx, *in.TableName); err != nil || (s == nil && d.opts.AutoCreate) {
			return err // a table AutoCreate would make is empty
		}
		k, err := d.table(tx, in.TableName, nil)
		if err != nil {
			return err
		}
		key, err := keyBytes(k, keyItem, false)
		if err != nil {
			return err
		}
		item, err := loadItem(tx.Bucket(itemsBucket(*in.TableName)), key)
		if err != nil || item == nil {
			return err
		}
		if paths != nil {
			item = project(item, paths)
		}
		out.Item = item
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.ConsumedCapacity = consumed(in.TableName, in.ReturnConsumedCapacity)
	d.respond(&out.ResultMetadata, out)
	return out, nil
}

// UpdateItem changes an item, creating it when missing, if the condition
// holds.
func (d *DB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := nullMembers(in.TableName, "key", in.Key == nil); err != nil {
		return nil, err
	}
	if in.AttributeUpdates != nil {
		return nil, unsupported("UpdateItem", "AttributeUpdates")
	}
	if in.Expected != nil || in.ConditionalOperator != "" {
		return nil, unsupported("UpdateItem", "Expected")
	}
	if err := checkReturnValues(in.ReturnValues, types.ReturnValueNone, types.ReturnValueAllOld, types.ReturnValueUpdatedOld,
		types.ReturnValueAllNew, types.ReturnValueUpdatedNew); err != nil {
		return nil, err
	}
	keyItem, err := cleanMap(in.Key)
	if err != nil {
		return nil, err
	}
	req, err := newRequest("UpdateItem", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	var upd *update
	if in.UpdateExpression != nil {
		p, err := req.parser("UpdateExpression", *in.UpdateExpression)
		if err != nil {
			return nil, err
		}
		if upd, err = p.parseUpdate(); err != nil {
			return nil, err
		}
	}
	cond, err := req.condition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := req.checkUsed(in.UpdateExpression != nil || in.ConditionExpression != nil,
		"UpdateExpression and ConditionExpression are null"); err != nil {
		return nil, err
	}
	out := &dynamodb.UpdateItemOutput{}
	err = d.db.Update(func(tx *bolt.Tx) error {
		k, err := d.table(tx, in.TableName, inferFromKey(keyItem))
		if err != nil {
			return err
		}
		key, err := keyBytes(k, keyItem, false)
		if err != nil {
			return err
		}
		b := tx.Bucket(itemsBucket(*in.TableName))
		old, err := loadItem(b, key)
		if err != nil {
			return err
		}
		if cond != nil && !cond.eval(orEmpty(old)) {
			return conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
		}
		item := copyItem(keyItem)
		if old != nil {
			item = copyItem(old)
		}
		var touched []string
		if upd != nil {
			if touched, err = upd.apply(item, k.names()); err != nil {
				return err
			}
			if item, err = cleanMap(item); err != nil { // sets sorted, numbers canonical
				return err
			}
		}
		if err := checkItemSize(item); err != nil {
			return err
		}
		switch in.ReturnValues {
		case types.ReturnValueAllOld:
			out.Attributes = old
		case types.ReturnValueAllNew:
			out.Attributes = item
		case types.ReturnValueUpdatedOld:
			out.Attributes = pick(old, touched)
		case types.ReturnValueUpdatedNew:
			out.Attributes = pick(item, touched)
		}
		return storeItem(b, key, item)
	})
	if err != nil {
		return nil, err
	}
	out.ConsumedCapacity = consumed(in.TableName, in.ReturnConsumedCapacity)
	d.respond(&out.ResultMetadata, out)
	return out, nil
}

// pick returns the named top-level attributes of item that exist (nil when
// none do).
func pick(item map[string]types.AttributeValue, names []string) map[string]types.AttributeValue {
	var out map[string]types.AttributeValue
	for _, n := range names {
		if v, ok := item[n]; ok {
			if out == nil {
				out = map[string]types.AttributeValue{}
			}
			out[n] = v
		}
	}
	return out
}

// DeleteItem deletes an item, if the condition holds; deleting a missing
// item succeeds.
func (d *DB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := nullMembers(in.TableName, "key", in.Key == nil); err != nil {
		return nil, err
	}
	if in.Expected != nil || in.ConditionalOperator != "" {
		return nil, unsupported("DeleteItem", "Expected")
	}
	if err := checkReturnValues(in.ReturnValues, types.ReturnValueNone, types.ReturnValueAllOld); err != nil {
		return nil, err
	}
	keyItem, err := cleanMap(in.Key)
	if err != nil {
		return nil, err
	}
	req, err := newRequest("DeleteItem", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	cond, err := req.condition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	if err := req.checkUsed(in.ConditionExpression != nil, "ConditionExpression is null"); err != nil {
		return nil, err
	}
	out := &dynamodb.DeleteItemOutput{}
	err = d.db.Update(func(tx *bolt.Tx) error {
		k, err := d.table(tx, in.TableName, inferFromKey(keyItem))
		if err != nil {
			return err
		}
		key, err := keyBytes(k, keyItem, false)
		if err != nil {
			return err
		}
		b := tx.Bucket(itemsBucket(*in.TableName))
		old, err := loadItem(b, key)
		if err != nil {
			return err
		}
		if cond != nil && !cond.eval(orEmpty(old)) {
			return conditionFailed(old, in.ReturnValuesOnConditionCheckFailure)
		}
		if in.ReturnValues == types.ReturnValueAllOld {
			out.Attributes = old
		}
		return b.Delete(key)
	})
	if err != nil {
		return nil, err
	}
	out.ConsumedCapacity = consumed(in.TableName, in.ReturnConsumedCapacity)
	d.respond(&out.ResultMetadata, out)
	return out, nil
}
