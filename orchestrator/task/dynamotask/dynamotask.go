// Package dynamotask runs the optimized DynamoDB integrations of Step
// Functions: arn:aws:states:::dynamodb:putItem, getItem, updateItem and
// deleteItem.
//
// The Arguments are the API's request members with attribute values in
// DynamoDB JSON ({"S": "..."}). The result is the API's answer in the same
// form with the SDK's HTTP metadata, e.g. for getItem
//
//	{"Item": {"pk": {"S": "a"}}, "SdkHttpMetadata": {...}, "SdkResponseMetadata": {"RequestId": "..."}}
//
// and for a putItem without ReturnValues only the metadata. Errors are
// DynamoDB.<Exception> (DynamoDB.ConditionalCheckFailedException,
// DynamoDB.ResourceNotFoundException, DynamoDB.AmazonDynamoDBException for
// errors the API does not model such as validation errors,
// DynamoDB.SdkClientException when DynamoDB cannot be reached); Arguments
// that are not a request at all (an unknown member, a list where a string
// belongs) fail the state with States.Runtime.
//
// The integration calls a Client: the SDK's *dynamodb.Client or a
// *boltdynamo.DB.
package dynamotask

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/ddbjson"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

// Client is the part of the DynamoDB API the integration calls.
type Client interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var (
	_ Client = (*dynamodb.Client)(nil)
	_ Client = (*boltdynamo.DB)(nil)
)

// Integration runs DynamoDB Task states through a Client.
type Integration struct {
	client Client
}

// New returns an Integration that calls client.
func New(client Client) *Integration {
	return &Integration{client: client}
}

// Actions are the API actions the integration runs, by the name in the
// resource (arn:aws:states:::dynamodb:<action>).
var Actions = []string{"putItem", "getItem", "updateItem", "deleteItem"}

// attributeValue converts the SDK's attribute value interface.
var attributeValue = sdkjson.Hook{
	Type: reflect.TypeFor[types.AttributeValue](),
	Decode: func(path string, v any) (reflect.Value, error) {
		av, err := ddbjson.Value(path, v)
		if err != nil {
			return reflect.Value{}, err
		}
		return reflect.ValueOf(&av).Elem(), nil
	},
	Encode: func(v reflect.Value) (any, error) {
		if v.IsNil() {
			return nil, nil
		}
		return ddbjson.ToJSON(v.Interface().(types.AttributeValue)), nil
	},
}

// Invoke runs the action req's resource names.
func (i *Integration) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	action := req.Resource[strings.LastIndex(req.Resource, ":")+1:]
	var (
		out any
		md  middleware.Metadata
		err error
	)
	switch action {
	case "putItem":
		var in dynamodb.PutItemInput
		if perr, serr := decode(req.Input, &in); perr != nil || serr != nil {
			return fail(ctx, perr, serr)
		}
		if serr := ddbjson.MissingMembers(missing(in.TableName == nil, "tableName", in.Item == nil, "item")...); serr != nil {
			return awserr.DynamoDB.Fail(ctx, serr)
		}
		var o *dynamodb.PutItemOutput
		if o, err = i.client.PutItem(ctx, &in); err == nil {
			out, md = o, o.ResultMetadata
		}
	case "getItem":
		var in dynamodb.GetItemInput
		if perr, serr := decode(req.Input, &in); perr != nil || serr != nil {
			return fail(ctx, perr, serr)
		}
		if serr := ddbjson.MissingMembers(missing(in.TableName == nil, "tableName", in.Key == nil, "key")...); serr != nil {
			return awserr.DynamoDB.Fail(ctx, serr)
		}
		var o *dynamodb.GetItemOutput
		if o, err = i.client.GetItem(ctx, &in); err == nil {
			out, md = o, o.ResultMetadata
		}
	case "updateItem":
		var in dynamodb.UpdateItemInput
		if perr, serr := decode(req.Input, &in); perr != nil || serr != nil {
			return fail(ctx, perr, serr)
		}
		if serr := ddbjson.MissingMembers(missing(in.TableName == nil, "tableName", in.Key == nil, "key")...); serr != nil {
			return awserr.DynamoDB.Fail(ctx, serr)
		}
		var o *dynamodb.UpdateItemOutput
		if o, err = i.client.UpdateItem(ctx, &in); err == nil {
			out, md = o, o.ResultMetadata
		}
	case "deleteItem":
		var in dynamodb.DeleteItemInput
		if perr, serr := decode(req.Input, &in); perr != nil || serr != nil {
			return fail(ctx, perr, serr)
		}
		if serr := ddbjson.MissingMembers(missing(in.TableName == nil, "tableName", in.Key == nil, "key")...); serr != nil {
			return awserr.DynamoDB.Fail(ctx, serr)
		}
		var o *dynamodb.DeleteItemOutput
		if o, err = i.client.DeleteItem(ctx, &in); err == nil {
			out, md = o, o.ResultMetadata
		}
	default:
		return nil, &asl.Error{Name: asl.StatesRuntime, Cause: fmt.Sprintf("The resource %s is not a DynamoDB action stepwise supports", req.Resource)}, nil
	}
	if err != nil {
		return awserr.DynamoDB.Fail(ctx, err)
	}
	enc, err := sdkjson.Encode(out, attributeValue)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the %s result of %s: %w", action, req.State, err)
	}
	result := enc.(map[string]any)
	httpmeta.Add(result, md)
	return result, nil, nil
}

// missing lists the names whose condition is true (pairs of bool, name).
func missing(pairs ...any) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i].(bool) {
			out = append(out, pairs[i+1].(string))
		}
	}
	return out
}

// decode fills an SDK input from the Arguments. A FieldError (not a
// request at all) is returned as the States.Runtime error; DynamoDB's own
// ValidationException (an attribute value without exactly one type) as
// serr.
func decode(args any, dst any) (perr *asl.Error, serr error) {
	if _, ok := args.(map[string]any); !ok {
		return awserr.Params(args, "The value for the field 'Parameters' must be an OBJECT, not "+value.TypeName(args)), nil
	}
	err := sdkjson.Decode(args, dst, attributeValue)
	var fe *sdkjson.FieldError
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &fe):
		return awserr.Params(args, fe.Error()), nil
	}
	return nil, err
}

func fail(ctx context.Context, perr *asl.Error, serr error) (any, *asl.Error, error) {
	if perr != nil {
		return nil, perr, nil
	}
	return awserr.DynamoDB.Fail(ctx, serr)
}
