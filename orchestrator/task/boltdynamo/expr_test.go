package boltdynamo

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/ddbjson"
)

func item(t testing.TB, s string) map[string]types.AttributeValue {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	m, err := ddbjson.Map("", v)
	require.NoError(t, err)
	m, err = cleanMap(m)
	require.NoError(t, err)
	return m
}

var testItem = `{"pk": {"S": "a"}, "n": {"N": "1.5"}, "s": {"S": "héllo"}, "b": {"BOOL": true}, "z": {"NULL": true},
	"l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]}, "m": {"M": {"x": {"N": "1"}, "y": {"S": "why"}, "nest": {"M": {"deep": {"N": "3"}}}}},
	"ss": {"SS": ["r", "g"]}, "ns": {"NS": ["3", "1"]}, "bs": {"BS": ["AA=="]}, "bin": {"B": "AAE="}, "e": {"S": ""}}`

var testValues = `{":one": {"N": "1"}, ":onefive": {"N": "1.50"}, ":two": {"N": "2"}, ":h": {"S": "hé"}, ":s": {"S": "héllo"},
	":r": {"S": "r"}, ":x": {"S": "x"}, ":t": {"BOOL": true}, ":f": {"BOOL": false}, ":M": {"S": "M"}, ":S": {"S": "S"},
	":five": {"N": "5"}, ":three": {"N": "3"}, ":b0": {"B": "AA=="}, ":bin": {"B": "AAE="}, ":kv": {"M": {"k": {"S": "v"}}},
	":empty": {"S": ""}, ":null": {"NULL": true}, ":l": {"L": [{"S": "x"}]}, ":ss": {"SS": ["g", "r"]}, ":X": {"S": "X"}, ":ns5": {"NS": ["5"]}}`

func TestConditions(t *testing.T) {
	t.Parallel()
	it := item(t, testItem)
	names := map[string]string{"#n": "n", "#dot": "a.b", "#name": "name", "#m": "m"}
	values := item(t, testValues)
	tests := []struct {
		expr string
		want bool
	}{
		{"n = :onefive", true},
		{"n = :one", false},
		{"#n = :onefive", true},
		{"n <> :one", true},
		{"absent <> :one", true},
		{"absent = :one", false},
		{"n < :two", true},
		{"n <= :onefive", true},
		{"n > :one AND n >= :onefive", true},
		{"s < :x", true},
		{"s > :one", false}, // different types never order
		{"absent < :one", false},
		{"n BETWEEN :one AND :two", true},
		{"n BETWEEN :two AND :five", false},
		{"n IN (:one, :two)", false},
		{"n IN (:one, :onefive)", true},
		{"attribute_exists(pk) AND attribute_not_exists(absent)", true},
		{"attribute_exists(m.nest.deep) AND attribute_exists(l[2].k)", true},
		{"attribute_exists(l[3]) OR attribute_exists(m.absent)", false},
		{"attribute_exists(#dot)", false},
		{"attribute_exists(#name)", false},
		{"attribute_type(m, :M) AND attribute_type(s, :S)", true},
		{"attribute_type(n, :S)", false},
		{"begins_with(s, :h)", true},
		{"begins_with(bin, :b0)", true},
		{"begins_with(n, :h)", false},
		{"contains(s, :h) AND contains(ss, :r) AND contains(ns, :three) AND contains(l, :x) AND contains(l, :kv)", true},
		{"contains(bs, :b0)", true},
		{"contains(ss, :x)", false},
		{"size(s) = :five AND size(ss) = :two AND size(m) = :three AND size(bin) = :two", true},
		{"size(n) = :one", false},
		{"size(e) < :one", true},
		{"b = :t AND NOT b = :f", true},
		{"NOT NOT b = :t", true},
		{"z = :null", true},
		{"ss = :ss", true}, // sets are equal in any order
		{"l = :l", false},
		{"l[2] = :kv", true},
		{"b = :t OR n = :one AND n = :two", true}, // AND binds tighter than OR
		{"(b = :t OR n = :one) AND n = :two", false},
		{"not b = :f and n = :onefive", true}, // keywords in any case
		{"#m.x = :one", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := newParser("ConditionExpression", tt.expr, names, values, map[string]bool{}, map[string]bool{})
			require.NoError(t, err)
			c, err := p.parseCondition()
			require.NoError(t, err)
			require.Equal(t, tt.want, c.eval(it))
		})
	}
}

func TestConditionErrors(t *testing.T) {
	t.Parallel()
	values := item(t, testValues)
	tests := []struct{ expr, want string }{
		{"", "Invalid ConditionExpression: The expression can not be empty;"},
		{"n", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "n"`},
		{"n = ", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "= "`},
		{"n = = :one", `Invalid ConditionExpression: Syntax error; token: "=", near: "= = :one"`},
		{"n = :one AND", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"(n = :one", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":one"`},
		{"n = :one)", `Invalid ConditionExpression: Syntax error; token: ")", near: ":one)"`},
		{"n ! :one", `Invalid ConditionExpression: Syntax error; token: "!", near: "!"`},
		{"name = :one", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"n = :nope", "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"#nope = :one", "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"},
		{"n < :t", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"},
		{"n BETWEEN :one AND :l", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L"},
		{"attribute_exists(:one)", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"},
		{"attribute_exists(n, s)", "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_type(n, :X)", "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }"},
		{"attribute_type(n, s)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: PATH"},
		{"begins_with(s, :one)", "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"foo(n) = :one", "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"size(n)", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ")"`},
		{"list_append(l, :l) = :l", "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append"},
		{"size(:one) = :one", "Invalid ConditionExpression: Operator or function requires a document path; operator or function: size"},
		{"l[x] = :one", `Invalid ConditionExpression: Syntax error; token: "x", near: "[x]"`},
		{"1a = :one", `Invalid ConditionExpression: Syntax error; token: "1a", near: "1a"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := newParser("ConditionExpression", tt.expr, nil, values, map[string]bool{}, map[string]bool{})
			if err == nil {
				_, err = p.parseCondition()
			}
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			require.Equal(t, "ValidationException", api.ErrorCode())
			require.Equal(t, tt.want, api.ErrorMessage())
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	values := item(t, testValues)
	tests := []struct{ expr, want string }{
		{"SET n = n + :one", `"n":{"N":"2.5"}`},
		{"SET n = :five - n", `"n":{"N":"3.5"}`},
		{"SET m.x = :two, l[1] = :x, l[9] = :one", `"l":{"L":[{"S":"x"},{"S":"x"},{"M":{"k":{"S":"v"}}},{"N":"1"}]},"m":{"M":{"nest":{"M":{"deep":{"N":"3"}}},"x":{"N":"2"},"y":{"S":"why"}}}`},
		{"SET c = if_not_exists(c, :one), d = if_not_exists(n, :one)", `"c":{"N":"1"},"d":{"N":"1.5"}`},
		{"SET l = list_append(:l, l)", `"l":{"L":[{"S":"x"},{"S":"x"},{"N":"2"},{"M":{"k":{"S":"v"}}}]}`},
		{"REMOVE s, m.nest, l[0], absent", `"l":{"L":[{"N":"2"},{"M":{"k":{"S":"v"}}}]},"m":{"M":{"x":{"N":"1"},"y":{"S":"why"}}}`},
		{"ADD n :one, cnt :two, ss :ss, ns :ns5", `"cnt":{"N":"2"},"n":{"N":"2.5"},"ns":{"NS":["1","3","5"]},"ss":{"SS":["g","r"]}`},
		{"DELETE ss :ss", ``},
		{"set n = :one remove s", `"n":{"N":"1"}`},
	}
	base := item(t, testItem)
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := newParser("UpdateExpression", tt.expr, nil, values, map[string]bool{}, map[string]bool{})
			require.NoError(t, err)
			u, err := p.parseUpdate()
			require.NoError(t, err)
			it := copyItem(base)
			touched, err := u.apply(it, []string{"pk"})
			require.NoError(t, err)
			it, err = cleanMap(it)
			require.NoError(t, err)
			got := map[string]types.AttributeValue{}
			for _, k := range touched {
				if v, ok := it[k]; ok {
					got[k] = v
				}
			}
			want := "{" + tt.want + "}"
			require.JSONEq(t, want, value.MustString(ddbjson.MapToJSON(got)))
			require.Equal(t, base, item(t, testItem), "the stored item is not changed in place")
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	values := item(t, testValues)
	tests := []struct{ expr, want string }{
		{"SET", `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET"`},
		{"n = :one", `Invalid UpdateExpression: Syntax error; token: "n", near: "n ="`},
		{"SET n = :one SET s = :one", `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"SET m = :one REMOVE m.x", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, x]"},
		{"SET l[0] = :one, l[0] = :two", "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, [0]]"},
		{"ADD s :x", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: S"},
		{"DELETE ns :one", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: N"},
		{"SET n = size(s)", "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"SET n = if_not_exists(:one, :two)", `Invalid UpdateExpression: Syntax error; token: ":one", near: "(:one,"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := newParser("UpdateExpression", tt.expr, nil, values, map[string]bool{}, map[string]bool{})
			require.NoError(t, err)
			_, err = p.parseUpdate()
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			require.Equal(t, tt.want, api.ErrorMessage())
		})
	}
	runtime := []struct{ expr, want string }{
		{"SET pk = :x", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"SET q = s + :one", "An operand in the update expression has an incorrect data type"},
		{"SET q = list_append(l, :one)", "An operand in the update expression has an incorrect data type"},
		{"SET q = absent + :one", "The provided expression refers to an attribute that does not exist in the item"},
		{"SET absent.x = :one", "The document path provided in the update expression is invalid for update"},
		{"SET s.x = :one", "The document path provided in the update expression is invalid for update"},
		{"ADD s :one", "An operand in the update expression has an incorrect data type"},
		{"DELETE ns :ss", "An operand in the update expression has an incorrect data type"},
	}
	for _, tt := range runtime {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			p, err := newParser("UpdateExpression", tt.expr, nil, values, map[string]bool{}, map[string]bool{})
			require.NoError(t, err)
			u, err := p.parseUpdate()
			require.NoError(t, err)
			_, err = u.apply(item(t, testItem), []string{"pk"})
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			require.Equal(t, tt.want, api.ErrorMessage())
		})
	}
}

func TestProjection(t *testing.T) {
	t.Parallel()
	it := item(t, testItem)
	p, err := newParser("ProjectionExpression", "n, m.nest.deep, l[2].k, l[0], absent, #s", map[string]string{"#s": "s"}, nil, map[string]bool{}, map[string]bool{})
	require.NoError(t, err)
	paths, err := p.parseProjection()
	require.NoError(t, err)
	require.JSONEq(t, `{"n":{"N":"1.5"},"m":{"M":{"nest":{"M":{"deep":{"N":"3"}}}}},"l":{"L":[{"M":{"k":{"S":"v"}}},{"S":"x"}]},"s":{"S":"héllo"}}`,
		value.MustString(ddbjson.MapToJSON(project(it, paths))))
}

// FuzzCondition checks that parsing and evaluating any condition (and the
// same text as an update or projection expression) never panics, and that
// errors are DynamoDB validation errors.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"n = :one", "attribute_not_exists(pk)", "NOT (a < :two OR b BETWEEN :one AND :two) AND c IN (:one, :two)",
		"begins_with(s, :h) AND contains(ss, :r) AND size(l) > :one", "#n.x[3].y <> :x", "attribute_type(m, :M)",
		"SET n = n + :one, m.x = if_not_exists(m.x, list_append(:l, l)) REMOVE s ADD cnt :one DELETE ss :ss",
		"((((n = :one))))", "n = :one AND", "l[", "#", ":", "size(", "NOT NOT NOT", "a.b.c, d[1]",
	} {
		f.Add(s)
	}
	values := item(f, testValues)
	it := item(f, testItem)
	names := map[string]string{"#n": "m", "#x": "x"}
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range []string{"ConditionExpression", "UpdateExpression", "ProjectionExpression"} {
			p, err := newParser(kind, src, names, values, map[string]bool{}, map[string]bool{})
			if err == nil {
				switch kind {
				case "ConditionExpression":
					var c condition
					if c, err = p.parseCondition(); err == nil {
						c.eval(it)
						c.eval(map[string]types.AttributeValue{})
					}
				case "UpdateExpression":
					var u *update
					if u, err = p.parseUpdate(); err == nil {
						_, err = u.apply(copyItem(it), []string{"pk"})
					}
				default:
					var paths []docPath
					if paths, err = p.parseProjection(); err == nil {
						project(it, paths)
					}
				}
			}
			if err != nil {
				var api smithy.APIError
				require.ErrorAs(t, err, &api, "%s %q", kind, src)
				require.Equal(t, "ValidationException", api.ErrorCode())
			}
		}
	})
}
