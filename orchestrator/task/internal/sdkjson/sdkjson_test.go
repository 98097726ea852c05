package sdkjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/sdkjson"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := value.DecodeString(s)
	require.NoError(t, err)
	return v
}

func TestDecodeSendEmail(t *testing.T) {
	t.Parallel()
	args := decode(t, `{
		"FromEmailAddress": "forms@example.com",
		"Destination": {"ToAddresses": ["team@example.com"]},
		"ReplyToAddresses": ["ada@example.com"],
		"Content": {"Simple": {
			"Subject": {"Data": "Hello", "Charset": "UTF-8"},
			"Body": {"Text": {"Data": "text"}, "Html": {"Data": "<p>html</p>"}},
			"Headers": [{"Name": "X-Id", "Value": "1"}]
		}},
		"EmailTags": [{"Name": "n", "Value": "v"}]
	}`)
	var in sesv2.SendEmailInput
	require.NoError(t, sdkjson.Decode(args, &in))
	require.Equal(t, sesv2.SendEmailInput{
		FromEmailAddress: aws.String("forms@example.com"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"team@example.com"}},
		ReplyToAddresses: []string{"ada@example.com"},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Hello"), Charset: aws.String("UTF-8")},
			Body: &sestypes.Body{
				Text: &sestypes.Content{Data: aws.String("text")},
				Html: &sestypes.Content{Data: aws.String("<p>html</p>")},
			},
			Headers: []sestypes.MessageHeader{{Name: aws.String("X-Id"), Value: aws.String("1")}},
		}},
		EmailTags: []sestypes.MessageTag{{Name: aws.String("n"), Value: aws.String("v")}},
	}, in)
}

func TestDecodeScalars(t *testing.T) {
	t.Parallel()
	var in sqs.SendMessageInput
	require.NoError(t, sdkjson.Decode(decode(t, `{
		"QueueUrl": "http://q", "MessageBody": 12.50, "DelaySeconds": "5",
		"MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "AAEC"}}
	}`), &in))
	require.Equal(t, "12.50", aws.ToString(in.MessageBody), "a number fills a string field with its JSON text")
	require.Equal(t, int32(5), in.DelaySeconds, "a numeric string fills an integer field")
	require.Equal(t, map[string]sqstypes.MessageAttributeValue{
		"a": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
	}, in.MessageAttributes)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, args, want string
	}{
		{"unknown field", `{"QueueUrl": "q", "Body": "x"}`,
			"The field 'Body' is not supported by Step Functions"},
		{"field names are case-sensitive", `{"queueUrl": "q"}`,
			"The field 'queueUrl' is not supported by Step Functions"},
		{"nested unknown field", `{"MessageAttributes": {"a": {"Type": "String"}}}`,
			"The field 'MessageAttributes.a.Type' is not supported by Step Functions"},
		{"object for a string", `{"QueueUrl": {}}`,
			"The value for the field 'QueueUrl' must be a STRING, not object"},
		{"fraction for an integer", `{"DelaySeconds": 1.5}`,
			"The value for the field 'DelaySeconds' must be an INTEGER that fits in 32 bits, not 1.5"},
		{"overflow", `{"DelaySeconds": 4294967296}`,
			"The value for the field 'DelaySeconds' must be an INTEGER that fits in 32 bits, not 4294967296"},
		{"word for an integer", `{"DelaySeconds": "soon"}`,
			"The value for the field 'DelaySeconds' must be an INTEGER, not string"},
		{"bad base64", `{"MessageAttributes": {"a": {"BinaryValue": "!!"}}}`,
			"The value for the field 'MessageAttributes.a.BinaryValue' must be a base64-encoded STRING: illegal base64 data at input byte 0"},
		{"string for an array", `{"MessageAttributes": {"a": {"StringListValues": "x"}}}`,
			"The value for the field 'MessageAttributes.a.StringListValues' must be an ARRAY, not string"},
		{"array element", `{"MessageAttributes": {"a": {"StringListValues": ["x", []]}}}`,
			"The value for the field 'MessageAttributes.a.StringListValues[1]' must be a STRING, not array"},
		{"not an object", `[]`, "The value must be an OBJECT, not array"},
		{"result metadata is not an input", `{"ResultMetadata": {}}`,
			"The field 'ResultMetadata' is not supported by Step Functions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var in sqs.SendMessageInput
			err := sdkjson.Decode(decode(t, tt.args), &in)
			require.EqualError(t, err, tt.want)
			var fe *sdkjson.FieldError
			require.ErrorAs(t, err, &fe)
		})
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	out := &sqs.SendMessageOutput{
		MD5OfMessageBody: aws.String("abc"),
		MessageId:        aws.String("id-1"),
	}
	got, err := sdkjson.Encode(out)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"MD5OfMessageBody": "abc", "MessageId": "id-1"}, got)

	type shape struct {
		N  int32
		F  *float64
		B  []byte
		T  time.Time
		L  []string
		M  map[string]int64
		Z  *string
		no int //nolint:unused // unexported fields are skipped
	}
	got, err = sdkjson.Encode(shape{N: 200, F: aws.Float64(0.5), B: []byte("hi"), T: time.Unix(0, 0),
		L: []string{"a"}, M: map[string]int64{"k": 1}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"N": json.Number("200"), "F": json.Number("0.5"), "B": "aGk=",
		"T": "1970-01-01T00:00:00Z", "L": []any{"a"}, "M": map[string]any{"k": json.Number("1")}}, got)
}
