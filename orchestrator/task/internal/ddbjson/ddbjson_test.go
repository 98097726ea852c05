package ddbjson_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/ddbjson"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

func TestValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     types.AttributeValue
	}{
		{"string", `{"S": "x"}`, &types.AttributeValueMemberS{Value: "x"}},
		{"number text", `{"N": "12.50"}`, &types.AttributeValueMemberN{Value: "12.50"}},
		{"number coerced as the Java SDK does", `{"N": 12.50}`, &types.AttributeValueMemberN{Value: "12.50"}},
		{"binary", `{"B": "AAE="}`, &types.AttributeValueMemberB{Value: []byte{0, 1}}},
		{"bool", `{"BOOL": false}`, &types.AttributeValueMemberBOOL{Value: false}},
		{"null", `{"NULL": true}`, &types.AttributeValueMemberNULL{Value: true}},
		{"string set", `{"SS": ["a", "b"]}`, &types.AttributeValueMemberSS{Value: []string{"a", "b"}}},
		{"number set", `{"NS": ["1", 2]}`, &types.AttributeValueMemberNS{Value: []string{"1", "2"}}},
		{"binary set", `{"BS": ["AA=="]}`, &types.AttributeValueMemberBS{Value: [][]byte{{0}}}},
		{"list", `{"L": [{"S": "a"}, {"N": "1"}]}`, &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "a"}, &types.AttributeValueMemberN{Value: "1"}}}},
		{"map", `{"M": {"k": {"M": {}}}}`, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"k": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}}}},
		{"null members are unset", `{"S": "x", "N": null}`, &types.AttributeValueMemberS{Value: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := value.DecodeString(tt.in)
			require.NoError(t, err)
			got, err := ddbjson.Value("Item.a", v)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestValueErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		service        bool // DynamoDB's ValidationException rather than a field error
	}{
		{"not an object", `"x"`, "The value for the field 'Item.a' must be an OBJECT, not string", false},
		{"unknown type", `{"X": "1"}`, "The field 'Item.a.X' is not supported by Step Functions", false},
		{"list for a string", `{"S": []}`, "The value for the field 'Item.a.S' must be a STRING, not array", false},
		{"string for a set", `{"SS": "a"}`, "The value for the field 'Item.a.SS' must be an ARRAY, not string", false},
		{"bad set element", `{"NS": [{}]}`, "The value for the field 'Item.a.NS[0]' must be a STRING, not object", false},
		{"bad base64", `{"B": "%"}`, "The value for the field 'Item.a.B' must be a base64-encoded STRING: illegal base64 data at input byte 0", false},
		{"bad list element", `{"L": [{"S": "a"}, 1]}`, "The value for the field 'Item.a.L[1]' must be an OBJECT, not number", false},
		{"bad map member", `{"M": {"k": {"BOOL": "yes"}}}`, "The value for the field 'Item.a.M.k.BOOL' must be a BOOLEAN, not string", false},
		{"empty", `{}`, ddbjson.MsgEmpty, true},
		{"two types", `{"S": "a", "N": "1"}`, ddbjson.MsgTwoTypes, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := value.DecodeString(tt.in)
			require.NoError(t, err)
			_, err = ddbjson.Value("Item.a", v)
			if tt.service {
				var api smithy.APIError
				require.ErrorAs(t, err, &api)
				require.Equal(t, "ValidationException", api.ErrorCode())
				require.Equal(t, tt.want, api.ErrorMessage())
				return
			}
			var fe *sdkjson.FieldError
			require.ErrorAs(t, err, &fe)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"a":{"S":"x"},"b":{"N":"1"},"c":{"B":"AAE="},"d":{"BOOL":true},"e":{"NULL":true},` +
		`"f":{"SS":["a"]},"g":{"NS":["1"]},"h":{"BS":["AA=="]},"i":{"L":[{"S":"y"}]},"j":{"M":{"k":{"N":"2"}}}}`
	v, err := value.DecodeString(in)
	require.NoError(t, err)
	m, err := ddbjson.Map("Item", v)
	require.NoError(t, err)
	require.Equal(t, in, value.MustString(ddbjson.MapToJSON(m)))
	require.Equal(t, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, ddbjson.Keys(m))
}

// FuzzValue checks that the converter never panics and that whatever it
// accepts converts back to DynamoDB JSON that reads as the same value.
func FuzzValue(f *testing.F) {
	for _, s := range []string{
		`{"S":"x"}`, `{"N":"1"}`, `{"N":1.5}`, `{"B":"AAE="}`, `{"BOOL":true}`, `{"NULL":true}`,
		`{"SS":["a","b"]}`, `{"NS":["1"]}`, `{"BS":["AA=="]}`, `{"L":[{"S":"a"},{"L":[]}]}`,
		`{"M":{"a":{"M":{"b":{"N":"2"}}}}}`, `{}`, `{"S":"a","N":"1"}`, `{"X":1}`, `[]`, `"s"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := value.DecodeString(s)
		if err != nil {
			return
		}
		av, err := ddbjson.Value("v", v)
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		back := ddbjson.ToJSON(av)
		again, err := ddbjson.Value("v", back)
		require.NoError(t, err, "converting back %s", value.MustString(back))
		require.Equal(t, av, again)
	})
}
