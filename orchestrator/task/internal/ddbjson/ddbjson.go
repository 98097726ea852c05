// Package ddbjson converts between DynamoDB JSON, the typed attribute
// values Task states pass to DynamoDB ({"S": "text"}, {"N": "1"},
// {"M": {...}}), and the AWS SDK's types.AttributeValue.
//
// A value that is not DynamoDB JSON at all (not an object, an unknown type
// key, a list where a string belongs) is a *sdkjson.FieldError naming where
// it is; an attribute value with no type or with two is DynamoDB's own
// ValidationException, which AWS reports from the service, so it is returned
// in the SDK's error shape (see awserr.Generic).
package ddbjson

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

// DynamoDB's messages for attribute values without exactly one type.
const (
	MsgEmpty    = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	MsgTwoTypes = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)

// Map converts an object of attribute values (an Item, a Key,
// ExpressionAttributeValues). path locates v in the Arguments.
func Map(path string, v any) (map[string]types.AttributeValue, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, sdkjson.Errorf(path, "must be an OBJECT, not %s", value.TypeName(v))
	}
	out := make(map[string]types.AttributeValue, len(obj))
	for _, k := range value.SortedKeys(obj) {
		av, err := Value(join(path, k), obj[k])
		if err != nil {
			return nil, err
		}
		out[k] = av
	}
	return out, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// Value converts one attribute value.
func Value(path string, v any) (types.AttributeValue, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, sdkjson.Errorf(path, "must be an OBJECT, not %s", value.TypeName(v))
	}
	var out types.AttributeValue
	n := 0
	for _, k := range value.SortedKeys(obj) {
		e, p := obj[k], join(path, k)
		if e == nil {
			continue // an unset member, as the Java SDK reads null
		}
		var av types.AttributeValue
		var err error
		switch k {
		case "S":
			var s string
			if s, err = str(p, e); err == nil {
				av = &types.AttributeValueMemberS{Value: s}
			}
		case "N":
			var s string
			if s, err = str(p, e); err == nil {
				av = &types.AttributeValueMemberN{Value: s}
			}
		case "B":
			var b []byte
			if b, err = bytesOf(p, e); err == nil {
				av = &types.AttributeValueMemberB{Value: b}
			}
		case "BOOL":
			b, ok := e.(bool)
			if !ok {
				return nil, sdkjson.Errorf(p, "must be a BOOLEAN, not %s", value.TypeName(e))
			}
			av = &types.AttributeValueMemberBOOL{Value: b}
		case "NULL":
			b, ok := e.(bool)
			if !ok {
				return nil, sdkjson.Errorf(p, "must be a BOOLEAN, not %s", value.TypeName(e))
			}
			av = &types.AttributeValueMemberNULL{Value: b}
		case "SS", "NS":
			var l []string
			if l, err = strs(p, e); err == nil {
				if k == "SS" {
					av = &types.AttributeValueMemberSS{Value: l}
				} else {
					av = &types.AttributeValueMemberNS{Value: l}
				}
			}
		case "BS":
			arr, ok := e.([]any)
			if !ok {
				return nil, sdkjson.Errorf(p, "must be an ARRAY, not %s", value.TypeName(e))
			}
			l := make([][]byte, len(arr))
			for i, x := range arr {
				if l[i], err = bytesOf(fmt.Sprintf("%s[%d]", p, i), x); err != nil {
					return nil, err
				}
			}
			av = &types.AttributeValueMemberBS{Value: l}
		case "L":
			arr, ok := e.([]any)
			if !ok {
				return nil, sdkjson.Errorf(p, "must be an ARRAY, not %s", value.TypeName(e))
			}
			l := make([]types.AttributeValue, len(arr))
			for i, x := range arr {
				if l[i], err = Value(fmt.Sprintf("%s[%d]", p, i), x); err != nil {
					return nil, err
				}
			}
			av = &types.AttributeValueMemberL{Value: l}
		case "M":
			var m map[string]types.AttributeValue
			if m, err = Map(p, e); err == nil {
				av = &types.AttributeValueMemberM{Value: m}
			}
		default:
			return nil, &sdkjson.FieldError{Path: p, Msg: fmt.Sprintf("The field '%s' is not supported by Step Functions", p)}
		}
		if err != nil {
			return nil, err
		}
		out = av
		n++
	}
	switch n {
	case 0:
		return nil, awserr.Generic("ValidationException", MsgEmpty, http.StatusBadRequest, localid.New())
	case 1:
		return out, nil
	}
	return nil, awserr.Generic("ValidationException", MsgTwoTypes, http.StatusBadRequest, localid.New())
}

func str(path string, v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case bool, interface{ String() string }: // json.Number: the Java SDK coerces scalars
		return fmt.Sprint(s), nil
	}
	return "", sdkjson.Errorf(path, "must be a STRING, not %s", value.TypeName(v))
}

func strs(path string, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, sdkjson.Errorf(path, "must be an ARRAY, not %s", value.TypeName(v))
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		s, err := str(fmt.Sprintf("%s[%d]", path, i), x)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func bytesOf(path string, v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return nil, sdkjson.Errorf(path, "must be a base64-encoded STRING, not %s", value.TypeName(v))
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, sdkjson.Errorf(path, "must be a base64-encoded STRING: %v", err)
	}
	return b, nil
}

// ToJSON returns the DynamoDB JSON of av.
func ToJSON(av types.AttributeValue) any {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": a.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": a.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(a.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": a.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": a.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": strList(a.Value)}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": strList(a.Value)}
	case *types.AttributeValueMemberBS:
		l := make([]any, len(a.Value))
		for i, b := range a.Value {
			l[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": l}
	case *types.AttributeValueMemberL:
		l := make([]any, len(a.Value))
		for i, e := range a.Value {
			l[i] = ToJSON(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": MapToJSON(a.Value)}
	}
	return nil
}

func strList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// MapToJSON returns the DynamoDB JSON of an item.
func MapToJSON(m map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = ToJSON(v)
	}
	return out
}

// Keys returns the names of m, sorted.
func Keys(m map[string]types.AttributeValue) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MissingMembers returns DynamoDB's ValidationException for required
// members that are null, named as the service names them ("tableName",
// "item", "key"), in order; nil when there are none.
func MissingMembers(names ...string) error {
	if len(names) == 0 {
		return nil
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", n)
	}
	plural := "error"
	if len(names) > 1 {
		plural = "errors"
	}
	return awserr.Generic("ValidationException", fmt.Sprintf("%d validation %s detected: %s", len(names), plural, strings.Join(parts, "; ")),
		http.StatusBadRequest, localid.New())
}
