package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// call posts body to the API as operation op and returns the status and
// the decoded reply.
func call(t *testing.T, url, op, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if op != "" {
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), "reply %q", b)
	return resp.StatusCode, resp.Header, out
}

const (
	unknownSM   = "arn:aws:states:us-east-1:123456789012:stateMachine:nope"
	unknownExec = "arn:aws:states:us-east-1:123456789012:execution:nope:e1"
	unknownAct  = "arn:aws:states:us-east-1:123456789012:activity:nope"
	validDef    = `{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}`
	role        = "arn:aws:iam::123456789012:role/r"
)

func notNull(members ...string) string {
	parts := make([]string, len(members))
	for i, m := range members {
		parts[i] = fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", m)
	}
	noun := "error"
	if len(members) > 1 {
		noun = "errors"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(members), noun, strings.Join(parts, "; "))
}

func tooLong(member, value string, max int) string {
	return fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, max)
}

func tooLongSecret(member string, max int) string {
	return fmt.Sprintf("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", member, max)
}

// TestMalformedRequests checks, for every operation, that bad JSON, missing
// required members, members of the wrong type, values over their limits,
// unknown and invalid ARNs each get AWS's error shape: the status, the
// __type (also in X-Amzn-ErrorType) and the message.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	longARN := "arn:aws:states:us-east-1:123456789012:stateMachine:" + long(257-len("arn:aws:states:us-east-1:123456789012:stateMachine:"))
	bigInput := `"` + long(262145) + `"`

	type tc struct {
		name   string
		body   string
		status int
		typ    string
		msg    string // exact message; a "prefix:" mark compares the start only
	}
	ops := map[string][]tc{
		"CreateStateMachine": {
			{"missing", `{}`, 400, "ValidationException", notNull("name", "definition", "roleArn")},
			{"wrong type", `{"name":5,"definition":"{}","roleArn":"` + role + `"}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'name'"},
			{"too long", `{"name":"` + long(81) + `","definition":"` + validDef + `","roleArn":"` + role + `"}`, 400, "ValidationException", tooLong("name", long(81), 80)},
			{"bad enum", `{"name":"n","definition":"` + validDef + `","roleArn":"` + role + `","type":"FAST"}`, 400, "ValidationException",
				"1 validation error detected: Value 'FAST' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"},
			{"invalid name", `{"name":"a b","definition":"` + validDef + `","roleArn":"` + role + `"}`, 400, "InvalidName", "Invalid Name: 'a b'"},
			{"invalid role", `{"name":"n","definition":"` + validDef + `","roleArn":"role"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: role'"},
			{"invalid definition", `{"name":"n","definition":"{}","roleArn":"` + role + `"}`, 400, "InvalidDefinition", "prefix:Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "},
			{"not JSON definition", `{"name":"n","definition":"not a definition","roleArn":"` + role + `"}`, 400, "InvalidDefinition", "prefix:Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: "},
		},
		"DescribeStateMachine": {
			{"missing", `{}`, 400, "ValidationException", notNull("stateMachineArn")},
			{"wrong type", `{"stateMachineArn":true}`, 400, "SerializationException", "BOOLEAN_VALUE cannot be converted to String at 'stateMachineArn'"},
			{"too long", `{"stateMachineArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("stateMachineArn", longARN, 256)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `"}`, 400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + unknownSM + "'"},
			{"invalid ARN", `{"stateMachineArn":"not-an-arn"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: not-an-arn'"},
			{"wrong ARN type", `{"stateMachineArn":"` + unknownExec + `"}`, 400, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: execution'"},
		},
		"ListStateMachines": {
			{"wrong type", `{"maxResults":"10"}`, 400, "SerializationException", "STRING_VALUE cannot be converted to Integer at 'maxResults'"},
			{"fraction", `{"maxResults":1.5}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to Integer at 'maxResults'"},
			{"too large", `{"maxResults":1001}`, 400, "ValidationException",
				"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
			{"negative", `{"maxResults":-1}`, 400, "ValidationException",
				"1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"},
			{"long token", `{"nextToken":"` + long(1025) + `"}`, 400, "ValidationException", tooLong("nextToken", long(1025), 1024)},
			{"empty token", `{"nextToken":""}`, 400, "ValidationException",
				"1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			{"bad token", `{"nextToken":"garbage"}`, 400, "InvalidToken", "Invalid Token: 'Invalid token'"},
		},
		"UpdateStateMachine": {
			{"missing", `{}`, 400, "ValidationException", notNull("stateMachineArn")},
			{"wrong type", `{"stateMachineArn":"` + unknownSM + `","definition":["x"]}`, 400, "SerializationException", "Start of list found where not expected at 'definition'"},
			{"too long", `{"stateMachineArn":"` + unknownSM + `","roleArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("roleArn", longARN, 256)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `","roleArn":"` + role + `"}`, 400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + unknownSM + "'"},
			{"invalid ARN", `{"stateMachineArn":"nope","roleArn":"` + role + `"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"DeleteStateMachine": {
			{"missing", `{}`, 400, "ValidationException", notNull("stateMachineArn")},
			{"wrong type", `{"stateMachineArn":{}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'stateMachineArn'"},
			{"too long", `{"stateMachineArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("stateMachineArn", longARN, 256)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `"}`, 200, "", ""},
			{"invalid ARN", `{"stateMachineArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"ValidateStateMachineDefinition": {
			{"missing", `{}`, 400, "ValidationException", notNull("definition")},
			{"wrong type", `{"definition":{"StartAt":"A"}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'definition'"},
			{"empty", `{"definition":""}`, 400, "ValidationException",
				"1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			{"too large", `{"definition":"{}","maxResults":101}`, 400, "ValidationException",
				"1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"},
		},
		"StartExecution": {
			{"missing", `{}`, 400, "ValidationException", notNull("stateMachineArn")},
			{"wrong type", `{"stateMachineArn":"` + unknownSM + `","input":{"a":1}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'input'"},
			{"oversized input", `{"stateMachineArn":"` + unknownSM + `","input":` + bigInput + `}`, 400, "ValidationException", tooLongSecret("input", 262144)},
			{"too long name", `{"stateMachineArn":"` + unknownSM + `","name":"` + long(81) + `"}`, 400, "ValidationException", tooLong("name", long(81), 80)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `"}`, 400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + unknownSM + "'"},
			{"invalid ARN", `{"stateMachineArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
			{"empty input", `{"stateMachineArn":"` + unknownSM + `","input":""}`, 400, "InvalidExecutionInput", "Invalid State Machine Execution Input: 'Invalid execution input.'"},
			{"not JSON input", `{"stateMachineArn":"` + unknownSM + `","input":"not json"}`, 400, "InvalidExecutionInput", "prefix:Invalid State Machine Execution Input: '"},
			{"invalid name", `{"stateMachineArn":"` + unknownSM + `","name":"a/b"}`, 400, "InvalidName", "Invalid Name: 'a/b'"},
			{"non-ASCII trace header", `{"stateMachineArn":"` + unknownSM + `","traceHeader":"é"}`, 400, "ValidationException",
				`1 validation error detected: Value 'é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \p{ASCII}*`},
		},
		"StartSyncExecution": {
			{"missing", `{}`, 400, "ValidationException", notNull("stateMachineArn")},
			{"wrong type", `{"stateMachineArn":"` + unknownSM + `","name":7}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'name'"},
			{"oversized input", `{"stateMachineArn":"` + unknownSM + `","input":` + bigInput + `}`, 400, "ValidationException", tooLongSecret("input", 262144)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `"}`, 400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + unknownSM + "'"},
			{"invalid ARN", `{"stateMachineArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"DescribeExecution": {
			{"missing", `{}`, 400, "ValidationException", notNull("executionArn")},
			{"wrong type", `{"executionArn":1}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'executionArn'"},
			{"too long", `{"executionArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("executionArn", longARN, 256)},
			{"bad enum", `{"executionArn":"` + unknownExec + `","includedData":"ALL"}`, 400, "ValidationException",
				"1 validation error detected: Value 'ALL' at 'includedData' failed to satisfy constraint: Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]"},
			{"unknown", `{"executionArn":"` + unknownExec + `"}`, 400, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + unknownExec + "'"},
			{"invalid ARN", `{"executionArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
			{"express ARN", `{"executionArn":"arn:aws:states:us-east-1:123456789012:express:sm:e:1"}`, 400, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"},
		},
		"DescribeStateMachineForExecution": {
			{"missing", `{}`, 400, "ValidationException", notNull("executionArn")},
			{"wrong type", `{"executionArn":false}`, 400, "SerializationException", "BOOLEAN_VALUE cannot be converted to String at 'executionArn'"},
			{"too long", `{"executionArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("executionArn", longARN, 256)},
			{"unknown", `{"executionArn":"` + unknownExec + `"}`, 400, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + unknownExec + "'"},
			{"invalid ARN", `{"executionArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"ListExecutions": {
			{"missing", `{}`, 400, "ValidationException", "1 validation error detected: Must provide a StateMachine ARN or MapRun ARN"},
			{"wrong type", `{"stateMachineArn":"` + unknownSM + `","maxResults":true}`, 400, "SerializationException", "BOOLEAN_VALUE cannot be converted to Integer at 'maxResults'"},
			{"bad status", `{"stateMachineArn":"` + unknownSM + `","statusFilter":"succeeded"}`, 400, "ValidationException",
				"1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"},
			{"long token", `{"stateMachineArn":"` + unknownSM + `","nextToken":"` + long(3097) + `"}`, 400, "ValidationException", tooLong("nextToken", long(3097), 3096)},
			{"unknown", `{"stateMachineArn":"` + unknownSM + `"}`, 400, "StateMachineDoesNotExist", "State Machine Does Not Exist: '" + unknownSM + "'"},
			{"invalid ARN", `{"stateMachineArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
			{"map run", `{"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:a/b:c"}`, 400, "ResourceNotFound", "Resource not found: 'arn:aws:states:us-east-1:123456789012:mapRun:a/b:c'"},
		},
		"GetExecutionHistory": {
			{"missing", `{}`, 400, "ValidationException", notNull("executionArn")},
			{"wrong type", `{"executionArn":"` + unknownExec + `","reverseOrder":"yes"}`, 400, "SerializationException", "STRING_VALUE cannot be converted to Boolean at 'reverseOrder'"},
			{"too large", `{"executionArn":"` + unknownExec + `","maxResults":5000}`, 400, "ValidationException",
				"1 validation error detected: Value '5000' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
			{"unknown", `{"executionArn":"` + unknownExec + `"}`, 400, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + unknownExec + "'"},
			{"invalid ARN", `{"executionArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"StopExecution": {
			{"missing", `{}`, 400, "ValidationException", notNull("executionArn")},
			{"wrong type", `{"executionArn":"` + unknownExec + `","cause":5}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'cause'"},
			{"too long", `{"executionArn":"` + unknownExec + `","cause":"` + long(32769) + `"}`, 400, "ValidationException", tooLongSecret("cause", 32768)},
			{"unknown", `{"executionArn":"` + unknownExec + `"}`, 400, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + unknownExec + "'"},
			{"invalid ARN", `{"executionArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"SendTaskSuccess": {
			{"missing", `{}`, 400, "ValidationException", notNull("taskToken", "output")},
			{"wrong type", `{"taskToken":"t","output":{}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'output'"},
			{"too long", `{"taskToken":"` + long(2049) + `","output":"{}"}`, 400, "ValidationException", tooLong("taskToken", long(2049), 2048)},
			{"oversized output", `{"taskToken":"t","output":` + bigInput + `}`, 400, "ValidationException", tooLongSecret("output", 262144)},
			{"unknown", `{"taskToken":"t","output":"{}"}`, 400, "InvalidToken", "Invalid Token: 'Invalid token'"},
			{"not JSON output", `{"taskToken":"t","output":"nope"}`, 400, "InvalidOutput", "prefix:Invalid Output: '"},
		},
		"SendTaskFailure": {
			{"missing", `{}`, 400, "ValidationException", notNull("taskToken")},
			{"wrong type", `{"taskToken":["t"]}`, 400, "SerializationException", "Start of list found where not expected at 'taskToken'"},
			{"too long", `{"taskToken":"t","error":"` + long(257) + `"}`, 400, "ValidationException", tooLongSecret("error", 256)},
			{"unknown", `{"taskToken":"t"}`, 400, "InvalidToken", "Invalid Token: 'Invalid token'"},
		},
		"SendTaskHeartbeat": {
			{"missing", `{}`, 400, "ValidationException", notNull("taskToken")},
			{"wrong type", `{"taskToken":1}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'taskToken'"},
			{"too short", `{"taskToken":""}`, 400, "ValidationException",
				"1 validation error detected: Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			{"unknown", `{"taskToken":"t"}`, 400, "InvalidToken", "Invalid Token: 'Invalid token'"},
		},
		"CreateActivity": {
			{"missing", `{}`, 400, "ValidationException", notNull("name")},
			{"wrong type", `{"name":"a","tags":{}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'tags'"},
			{"too long", `{"name":"` + long(81) + `"}`, 400, "ValidationException", tooLong("name", long(81), 80)},
			{"invalid name", `{"name":"a*"}`, 400, "InvalidName", "Invalid Name: 'a*'"},
		},
		"DescribeActivity": {
			{"missing", `{}`, 400, "ValidationException", notNull("activityArn")},
			{"wrong type", `{"activityArn":2}`, 400, "SerializationException", "NUMBER_VALUE cannot be converted to String at 'activityArn'"},
			{"too long", `{"activityArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("activityArn", longARN, 256)},
			{"unknown", `{"activityArn":"` + unknownAct + `"}`, 400, "ActivityDoesNotExist", "Activity Does Not Exist: '" + unknownAct + "'"},
			{"invalid ARN", `{"activityArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
			{"wrong ARN type", `{"activityArn":"` + unknownSM + `"}`, 400, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'"},
		},
		"ListActivities": {
			{"wrong type", `{"maxResults":[1]}`, 400, "SerializationException", "Start of list found where not expected at 'maxResults'"},
			{"too large", `{"maxResults":1001}`, 400, "ValidationException",
				"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
			{"bad token", `{"nextToken":"` + strings.Repeat("x", 40) + `"}`, 400, "InvalidToken", "Invalid Token: 'Invalid token'"},
		},
		"DeleteActivity": {
			{"missing", `{}`, 400, "ValidationException", notNull("activityArn")},
			{"wrong type", `{"activityArn":null,"x":1}`, 400, "ValidationException", notNull("activityArn")},
			{"too long", `{"activityArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("activityArn", longARN, 256)},
			{"unknown", `{"activityArn":"` + unknownAct + `"}`, 200, "", ""},
			{"invalid ARN", `{"activityArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"GetActivityTask": {
			{"missing", `{}`, 400, "ValidationException", notNull("activityArn")},
			{"wrong type", `{"activityArn":"` + unknownAct + `","workerName":{}}`, 400, "SerializationException", "Start of structure or map found where not expected at 'workerName'"},
			{"too long", `{"activityArn":"` + unknownAct + `","workerName":"` + long(81) + `"}`, 400, "ValidationException", tooLong("workerName", long(81), 80)},
			{"unknown", `{"activityArn":"` + unknownAct + `"}`, 400, "ActivityDoesNotExist", "Activity Does Not Exist: '" + unknownAct + "'"},
			{"invalid ARN", `{"activityArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
		"ListTagsForResource": {
			{"missing", `{}`, 400, "ValidationException", notNull("resourceArn")},
			{"wrong type", `{"resourceArn":true}`, 400, "SerializationException", "BOOLEAN_VALUE cannot be converted to String at 'resourceArn'"},
			{"too long", `{"resourceArn":"` + longARN + `"}`, 400, "ValidationException", tooLong("resourceArn", longARN, 256)},
			{"unknown", `{"resourceArn":"` + unknownSM + `"}`, 400, "ResourceNotFound", "Resource not found: '" + unknownSM + "'"},
			{"invalid ARN", `{"resourceArn":"nope"}`, 400, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		},
	}
	huge := `{"definition":"` + long(1<<20) + `"}`
	for op, cases := range ops {
		// Every operation: a body that is not JSON, not an object, too big.
		cases = append(cases,
			tc{"bad JSON", `{"stateMachineArn":`, 400, "SerializationException", "prefix:Malformed JSON request body: "},
			tc{"not an object", `["a"]`, 400, "SerializationException", "Start of list found where not expected"},
			tc{"string body", `"a"`, 400, "SerializationException", "STRING_VALUE cannot be converted to a request structure"},
			tc{"body over 1 MB", huge, 413, "RequestEntityTooLargeException", "Request body is larger than the maximum request size of 1048576 bytes"},
		)
		for _, c := range cases {
			t.Run(op+"/"+c.name, func(t *testing.T) {
				status, hdr, out := call(t, e.url, op, c.body)
				require.Equal(t, c.status, status, "reply %v", out)
				if c.status == 200 {
					require.Empty(t, hdr.Get("X-Amzn-ErrorType"))
					return
				}
				require.Equal(t, c.typ, out["__type"])
				require.Equal(t, c.typ, hdr.Get("X-Amzn-ErrorType"))
				require.Equal(t, "application/x-amz-json-1.0", hdr.Get("Content-Type"))
				msg, _ := out["message"].(string)
				if prefix, ok := strings.CutPrefix(c.msg, "prefix:"); ok {
					require.True(t, strings.HasPrefix(msg, prefix), "message %q does not start with %q", msg, prefix)
				} else {
					require.Equal(t, c.msg, msg)
				}
			})
		}
	}
}

// TestRequestEnvelope checks the parts of a call outside its body: the
// method, X-Amz-Target and Content-Type.
func TestRequestEnvelope(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, target, contentType string
		status                            int
		typ, msg                          string
	}{
		{"unknown operation", "POST", "AWSStepFunctions.Frobnicate", "application/x-amz-json-1.0", 400, "UnknownOperationException", "Unknown operation AWSStepFunctions.Frobnicate"},
		{"unsupported operation", "POST", "AWSStepFunctions.TagResource", "application/x-amz-json-1.0", 400, "UnknownOperationException", "Operation AWSStepFunctions.TagResource is not supported by stepwise"},
		{"other service", "POST", "DynamoDB_20120810.GetItem", "application/x-amz-json-1.0", 400, "UnknownOperationException", `Unknown operation: X-Amz-Target "DynamoDB_20120810.GetItem" is not AWSStepFunctions.<Operation>`},
		{"no target", "POST", "", "application/x-amz-json-1.0", 400, "UnknownOperationException", `Unknown operation: X-Amz-Target "" is not AWSStepFunctions.<Operation>`},
		{"GET", "GET", "AWSStepFunctions.ListStateMachines", "", 405, "UnknownOperationException", "The Step Functions API takes POST requests, not GET"},
		{"wrong content type", "POST", "AWSStepFunctions.ListStateMachines", "text/plain", 400, "UnknownOperationException", `Content-Type "text/plain" is not application/x-amz-json-1.0`},
		{"JSON content type", "POST", "AWSStepFunctions.ListStateMachines", "application/json", 200, "", ""},
		{"empty body", "POST", "AWSStepFunctions.ListStateMachines", "application/x-amz-json-1.0", 200, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, e.url+"/", bytes.NewReader(nil))
			require.NoError(t, err)
			if c.target != "" {
				req.Header.Set("X-Amz-Target", c.target)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var out map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
			require.Equal(t, c.status, resp.StatusCode, "reply %v", out)
			require.NotEmpty(t, resp.Header.Get("X-Amzn-RequestId"))
			if c.status == 200 {
				require.Contains(t, out, "stateMachines")
				return
			}
			require.Equal(t, c.typ, out["__type"])
			require.Equal(t, c.msg, out["message"])
		})
	}
}
