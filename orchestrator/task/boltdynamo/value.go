package boltdynamo

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
)

// validation returns DynamoDB's ValidationException.
func validation(format string, args ...any) error {
	return awserr.Generic("ValidationException", fmt.Sprintf(format, args...), http.StatusBadRequest, localid.New())
}

// MaxItemSize is DynamoDB's limit on an item's size.
const MaxItemSize = 400 * 1024

// typeName is an attribute value's DynamoDB type: S, N, B, BOOL, NULL, SS,
// NS, BS, L or M.
func typeName(av types.AttributeValue) string {
	switch av.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	}
	return "?"
}

// clean checks a value as DynamoDB does when it is stored or used in an
// expression and returns it with numbers in DynamoDB's form.
func clean(av types.AttributeValue) (types.AttributeValue, error) {
	switch a := av.(type) {
	case *types.AttributeValueMemberN:
		n, err := parseNumber(a.Value)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberN{Value: n.String()}, nil
	case *types.AttributeValueMemberNULL:
		if !a.Value {
			return nil, validation("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
	case *types.AttributeValueMemberSS:
		if len(a.Value) == 0 {
			return nil, validation("One or more parameter values were invalid: An string set  may not be empty")
		}
		seen := map[string]bool{}
		for _, s := range a.Value {
			if seen[s] {
				return nil, validation("One or more parameter values were invalid: Input collection [%s] contains duplicates", strings.Join(a.Value, ", "))
			}
			seen[s] = true
		}
		l := append([]string(nil), a.Value...)
		sort.Strings(l) // DynamoDB Local returns sets sorted
		return &types.AttributeValueMemberSS{Value: l}, nil
	case *types.AttributeValueMemberNS:
		if len(a.Value) == 0 {
			return nil, validation("One or more parameter values were invalid: An number set  may not be empty")
		}
		out := make([]string, len(a.Value))
		seen := map[string]bool{}
		for i, s := range a.Value {
			n, err := parseNumber(s)
			if err != nil {
				return nil, err
			}
			out[i] = n.String()
			if seen[out[i]] {
				return nil, validation("Input collection contains duplicates")
			}
			seen[out[i]] = true
		}
		sort.Slice(out, func(i, j int) bool { return numLess(out[i], out[j]) })
		return &types.AttributeValueMemberNS{Value: out}, nil
	case *types.AttributeValueMemberBS:
		if len(a.Value) == 0 {
			return nil, validation("One or more parameter values were invalid: Binary sets should not be empty")
		}
		seen := map[string]bool{}
		for _, b := range a.Value {
			if seen[string(b)] {
				return nil, validation("Input collection contains duplicates")
			}
			seen[string(b)] = true
		}
		l := append([][]byte(nil), a.Value...)
		sort.Slice(l, func(i, j int) bool { return bytes.Compare(l[i], l[j]) < 0 })
		return &types.AttributeValueMemberBS{Value: l}, nil
	case *types.AttributeValueMemberL:
		out := make([]types.AttributeValue, len(a.Value))
		for i, e := range a.Value {
			c, err := clean(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case *types.AttributeValueMemberM:
		m, err := cleanMap(a.Value)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case nil:
		return nil, validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	return av, nil
}

// cleanMap is clean for every value of a map.
func cleanMap(m map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		c, err := clean(v)
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	return out, nil
}

// equal reports whether two values are the same DynamoDB value: same type,
// numbers by value, sets in any order.
func equal(a, b types.AttributeValue) bool {
	if typeName(a) != typeName(b) {
		return false
	}
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		return x.Value == b.(*types.AttributeValueMemberS).Value
	case *types.AttributeValueMemberN:
		return numEqual(x.Value, b.(*types.AttributeValueMemberN).Value)
	case *types.AttributeValueMemberB:
		return bytes.Equal(x.Value, b.(*types.AttributeValueMemberB).Value)
	case *types.AttributeValueMemberBOOL:
		return x.Value == b.(*types.AttributeValueMemberBOOL).Value
	case *types.AttributeValueMemberNULL:
		return true
	case *types.AttributeValueMemberSS:
		return sameSet(x.Value, b.(*types.AttributeValueMemberSS).Value, func(s string) string { return s })
	case *types.AttributeValueMemberNS:
		return sameSet(x.Value, b.(*types.AttributeValueMemberNS).Value, numKey)
	case *types.AttributeValueMemberBS:
		return sameSet(x.Value, b.(*types.AttributeValueMemberBS).Value, func(b []byte) string { return string(b) })
	case *types.AttributeValueMemberL:
		y := b.(*types.AttributeValueMemberL).Value
		if len(x.Value) != len(y) {
			return false
		}
		for i := range y {
			if !equal(x.Value[i], y[i]) {
				return false
			}
		}
		return true
	case *types.AttributeValueMemberM:
		y := b.(*types.AttributeValueMemberM).Value
		if len(x.Value) != len(y) {
			return false
		}
		for k, v := range x.Value {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// numKey is a number's canonical text ("" when it is not a number).
func numKey(s string) string {
	n, err := parseNumber(s)
	if err != nil {
		return ""
	}
	return n.String()
}

func numLess(a, b string) bool {
	x, err1 := parseNumber(a)
	y, err2 := parseNumber(b)
	return err1 == nil && err2 == nil && x.cmp(y) < 0
}

func numEqual(a, b string) bool {
	x, err1 := parseNumber(a)
	y, err2 := parseNumber(b)
	return err1 == nil && err2 == nil && x.cmp(y) == 0
}

func sameSet[T any](a, b []T, key func(T) string) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[string]bool, len(a))
	for _, e := range a {
		in[key(e)] = true
	}
	for _, e := range b {
		if !in[key(e)] {
			return false
		}
	}
	return true
}

// compare orders two scalars of the same type (S by UTF-8 bytes, N by
// value, B by bytes); ok is false for other pairs.
func compare(a, b types.AttributeValue) (int, bool) {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		if y, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(x.Value, y.Value), true
		}
	case *types.AttributeValueMemberN:
		if y, ok := b.(*types.AttributeValueMemberN); ok {
			n, err1 := parseNumber(x.Value)
			m, err2 := parseNumber(y.Value)
			if err1 == nil && err2 == nil {
				return n.cmp(m), true
			}
		}
	case *types.AttributeValueMemberB:
		if y, ok := b.(*types.AttributeValueMemberB); ok {
			return bytes.Compare(x.Value, y.Value), true
		}
	}
	return 0, false
}

// size is the size() function: a string's length in characters, a
// binary's in bytes, a set's, list's or map's element count.
func size(av types.AttributeValue) (int, bool) {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return utf8.RuneCountInString(a.Value), true
	case *types.AttributeValueMemberB:
		return len(a.Value), true
	case *types.AttributeValueMemberSS:
		return len(a.Value), true
	case *types.AttributeValueMemberNS:
		return len(a.Value), true
	case *types.AttributeValueMemberBS:
		return len(a.Value), true
	case *types.AttributeValueMemberL:
		return len(a.Value), true
	case *types.AttributeValueMemberM:
		return len(a.Value), true
	}
	return 0, false
}

// valueSize approximates an attribute value's stored size as DynamoDB
// counts it.
func valueSize(av types.AttributeValue) int {
	switch a := av.(type) {
	case *types.AttributeValueMemberS:
		return len(a.Value)
	case *types.AttributeValueMemberN:
		return (len(a.Value)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(a.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range a.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range a.Value {
			n += (len(s)+1)/2 + 1
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range a.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range a.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + itemSize(a.Value)
	}
	return 0
}

// itemSize is the size of an item: its names and values.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

// copyValue returns a deep copy of av, so that updates never alias a
// stored item.
func copyValue(av types.AttributeValue) types.AttributeValue {
	switch a := av.(type) {
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(a.Value))
		for i, e := range a.Value {
			l[i] = copyValue(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		return &types.AttributeValueMemberM{Value: copyItem(a.Value)}
	case *types.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: append([]string(nil), a.Value...)}
	case *types.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: append([]string(nil), a.Value...)}
	case *types.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: append([][]byte(nil), a.Value...)}
	}
	return av
}

func copyItem(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}
