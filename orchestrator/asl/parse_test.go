package asl_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// errorTexts returns the text of every *ValidationError joined in err.
func errorTexts(err error) []string {
	var out []string
	for _, ve := range asl.ValidationErrors(err) {
		out = append(out, ve.Error())
	}
	return out
}

// machine wraps states (the text of the States object) in a definition
// starting at the first state named "A".
func machine(states string) string {
	return `{"StartAt":"A","States":{` + states + `}}`
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		typ  string
		want []string
	}{
		// Documents that are not definitions.
		{"not JSON", `not a definition`, "", []string{
			"INVALID_JSON_DESCRIPTION: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
		}},
		{"NaN", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":NaN,"End":true}}}`, "", []string{
			"INVALID_JSON_DESCRIPTION: Unrecognized token 'NaN': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\\\"StartAt\\\":\\\"A\\\",\\\"States\\\":{\\\"A\\\":{\\\"Type\\\":\\\"Wait\\\",\\\"Seconds\\\":NaN,\\\"End\\\":true}}}\"; line: 1, column: 58]",
		}},
		{"truncated", `{"StartAt":`, "", []string{
			"INVALID_JSON_DESCRIPTION: Unexpected end-of-input\n at [Source: (String)\"{\\\"StartAt\\\":\"; line: 1, column: 12]",
		}},
		{"blank", " \n", "", []string{"SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object"}},
		{"array", `[]`, "", []string{"SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object"}},
		{"string", `"x"`, "", []string{"SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object"}},
		{"invalid UTF-8", "{\"Comment\":\"\xff\"}", "", []string{"INVALID_JSON_DESCRIPTION: Invalid UTF-8 byte 0xff at line: 1, column: 13"}},
		{"bad type option", `{}`, "FAST", []string{`SCHEMA_VALIDATION_FAILED: State machine type must be STANDARD or EXPRESS, not "FAST"`}},

		// The state machine object.
		{"empty object", `{}`, "", []string{"SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at /"}},
		{"no States", `{"StartAt":"A"}`, "", []string{"SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /"}},
		{"no StartAt", `{"States":{"A":{"Type":"Pass","End":true}}}`, "", []string{"SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /"}},
		{"unknown top field", `{"StartAt":"A","Foo":1,"States":{"A":{"Type":"Pass","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /",
		}},
		{"StartAt not a string", `{"StartAt":1,"States":{"A":{"Type":"Pass","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'StartAt' must be a string, not number at /StartAt",
		}},
		{"States not an object", `{"StartAt":"A","States":[]}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'States' must be an object at /States",
		}},
		{"bad QueryLanguage", `{"QueryLanguage":"XPath","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'QueryLanguage' must be 'JSONPath' or 'JSONata' at /QueryLanguage",
		}},
		{"machine TimeoutSeconds", `{"TimeoutSeconds":0,"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'TimeoutSeconds' must be an integer between 1 and 99999999 at /TimeoutSeconds",
		}},

		// Transitions and the graph.
		{"StartAt missing state", `{"StartAt":"X","States":{"A":{"Type":"Pass","End":true}}}`, "", []string{
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /StartAt",
			`MISSING_TRANSITION_TARGET: State "A" is not reachable. at /States/A`,
		}},
		{"Next missing state", machine(`"A":{"Type":"Pass","Next":"Nope"},"B":{"Type":"Succeed"}`), "", []string{
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next",
			`MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B`,
		}},
		{"no terminal state", machine(`"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}`), "", []string{
			"MISSING_END_STATE: Workflow has no terminal state",
		}},
		{"unreachable terminal", machine(`"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"C":{"Type":"Pass","End":true}`), "", []string{
			`MISSING_TRANSITION_TARGET: State "C" is not reachable. at /States/C`,
		}},
		{"Choice and Catch targets", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"X1"},{"Variable":"$.x","IsNull":false,"Next":"T"}],"Default":"X2"},` +
			`"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"X3"}],"End":true}`), "", []string{
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: X1 at /States/A/Choices[0]/Next",
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: X2 at /States/A/Default",
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: X3 at /States/T/Catch[0]/Next",
		}},
		{"both Next and End", machine(`"A":{"Type":"Pass","Next":"A","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The fields 'Next' and 'End' are mutually exclusive at /States/A",
		}},
		{"neither Next nor End", machine(`"A":{"Type":"Pass"},"B":{"Type":"Succeed"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: One of the fields 'Next' or 'End' is required at /States/A",
			`MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B`,
		}},
		{"End false", machine(`"A":{"Type":"Pass","End":false}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'End' must be true at /States/A/End",
			"MISSING_END_STATE: Workflow has no terminal state",
		}},
		{"duplicate state name", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"A":{"Type":"Succeed"}}}`, "", []string{
			"DUPLICATE_STATE_NAME: Duplicate State name: A at /States/A",
		}},
		{"duplicate state name across branches", machine(`"A":{"Type":"Parallel","Branches":[` +
			`{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}],"End":true}`), "", []string{
			"DUPLICATE_STATE_NAME: Duplicate State name: B at /States/A/Branches[1]/States/B",
		}},
		{"state name too long", `{"StartAt":"` + strings.Repeat("n", 81) + `","States":{"` + strings.Repeat("n", 81) + `":{"Type":"Succeed"}}}`, "", []string{
			"INVALID_STATE_NAME: State name '" + strings.Repeat("n", 81) + "' is longer than 80 characters at /States/" + strings.Repeat("n", 81),
		}},

		// State fields.
		{"no Type", machine(`"A":{"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Type] at /States/A",
		}},
		{"bad Type", machine(`"A":{"Type":"Loop","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'Type' must be one of: Choice, Fail, Map, Parallel, Pass, Succeed, Task, Wait at /States/A/Type",
		}},
		{"state not an object", machine(`"A":true`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The state must be an object, not boolean at /States/A",
		}},
		{"unknown state field", machine(`"A":{"Type":"Pass","Foo":1,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /States/A",
		}},
		{"field of another state type", machine(`"A":{"Type":"Pass","TimeoutSeconds":5,"Retry":[],"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'TimeoutSeconds' is not supported at /States/A",
			"SCHEMA_VALIDATION_FAILED: Field 'Retry' is not supported at /States/A",
		}},
		{"duplicate field", machine(`"A":{"Type":"Pass","End":true,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Duplicate field 'End' at /States/A",
		}},
		{"JSONata field in JSONPath state", machine(`"A":{"Type":"Pass","Output":{},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/A",
		}},
		{"JSONPath fields in JSONata state", machine(`"A":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Parameters":{},"InputPath":"$","ResultPath":"$.r","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage at /States/A",
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/A",
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage at /States/A",
		}},
		{"JSONPath state in JSONata machine", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/A",
		}},
		{"nested machine inherits JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[` +
			`{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$","End":true}}}],"End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/A/Branches[0]/States/B",
		}},
		{"QueryLanguage in ItemProcessor", machine(`"A":{"Type":"Map","ItemProcessor":{"QueryLanguage":"JSONata","StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'QueryLanguage' is not supported at /States/A/ItemProcessor",
		}},

		// Paths and templates.
		{"bad InputPath", machine(`"A":{"Type":"Pass","InputPath":"x","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'InputPath' must be a valid JSONPath at /States/A/InputPath",
		}},
		{"ResultPath not a reference", machine(`"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'ResultPath' must be a valid ReferencePath at /States/A/ResultPath",
		}},
		{"OutputPath not a string", machine(`"A":{"Type":"Pass","OutputPath":1,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'OutputPath' must be a string, not number at /States/A/OutputPath",
		}},
		{"bad path in Parameters", machine(`"A":{"Type":"Pass","Parameters":{"a":{"b.$":"nope"}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'b.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters/a",
		}},
		{"bad intrinsic", machine(`"A":{"Type":"Pass","Parameters":{"parsed.$":"States.StringToJson('{\"text\":\"An \\\"escaped\\\" here\"}')"},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters",
		}},
		{"ResultSelector not an object", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","ResultSelector":[],"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'ResultSelector' must be an object, not array at /States/A/ResultSelector",
		}},
		{"Assign not an object", machine(`"A":{"Type":"Pass","Assign":"x","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'Assign' must be an object, not string at /States/A/Assign",
		}},

		// Task.
		{"Task without Resource", machine(`"A":{"Type":"Task","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at /States/A",
		}},
		{"Resource not an ARN", machine(`"A":{"Type":"Task","Resource":"createToken","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'Resource' must be a valid ARN at /States/A/Resource",
		}},
		{"express waitForTaskToken and sync", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Next":"B"},` +
			`"B":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true}`), "EXPRESS", []string{
			"SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration at /States/A/Resource",
			"SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' service integration at /States/B/Resource",
		}},
		{"express child workflow", machine(`"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},` +
			`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration at /States/A/ItemProcessor/States/T/Resource",
		}},
		{"Timeout ranges", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":0,"HeartbeatSeconds":1.5,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'TimeoutSeconds' must be an integer between 1 and 99999999 at /States/A/TimeoutSeconds",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'HeartbeatSeconds' must be an integer between 1 and 99999999 at /States/A/HeartbeatSeconds",
		}},
		{"Heartbeat not below Timeout", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":10,"HeartbeatSeconds":10,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'HeartbeatSeconds' must be smaller than the value for the field 'TimeoutSeconds' at /States/A/HeartbeatSeconds",
		}},
		{"TimeoutSeconds and TimeoutSecondsPath", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":10,"TimeoutSecondsPath":"$.t","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The fields 'TimeoutSeconds' and 'TimeoutSecondsPath' are mutually exclusive at /States/A",
		}},
		{"Credentials without RoleArn", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/A/Credentials",
		}},

		{"Credentials with RoleArn twice", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"RoleArn":"r","RoleArn.$":"$.r","X":1},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'X' is not supported at /States/A/Credentials",
			"SCHEMA_VALIDATION_FAILED: The fields 'RoleArn' and 'RoleArn.$' are mutually exclusive at /States/A/Credentials",
		}},
		{"Credentials RoleArn.$ not a path", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"RoleArn.$":"role"},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Credentials",
		}},

		// Retry and Catch.
		{"Retry shape", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[` +
			`{"ErrorEquals":[],"IntervalSeconds":0,"MaxAttempts":-1,"BackoffRate":0.5,"MaxDelaySeconds":0,"JitterStrategy":"SOME","Foo":1},"x"],"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /States/A/Retry[0]",
			"SCHEMA_VALIDATION_FAILED: The field 'ErrorEquals' must be a non-empty array of strings at /States/A/Retry[0]/ErrorEquals",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'IntervalSeconds' must be an integer between 1 and 99999999 at /States/A/Retry[0]/IntervalSeconds",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'MaxAttempts' must be an integer between 0 and 99999999 at /States/A/Retry[0]/MaxAttempts",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'BackoffRate' must be a number greater than or equal to 1.0 at /States/A/Retry[0]/BackoffRate",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'MaxDelaySeconds' must be an integer between 1 and 31622400 at /States/A/Retry[0]/MaxDelaySeconds",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'JitterStrategy' must be FULL or NONE at /States/A/Retry[0]/JitterStrategy",
			"SCHEMA_VALIDATION_FAILED: A retrier must be an object, not string at /States/A/Retry[1]",
		}},
		{"States.ALL not alone and not last", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[` +
			`{"ErrorEquals":["States.ALL","X"]},{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["Y"]}],"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: States.ALL must appear alone in 'ErrorEquals' at /States/A/Retry[0]/ErrorEquals",
			"SCHEMA_VALIDATION_FAILED: The Retry entry with States.ALL must be the last one at /States/A/Retry[1]/ErrorEquals",
		}},
		{"Catch shape", machine(`"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["X"],"Output":{}}],"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/A/Catch[0]",
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at /States/A/Catch[0]",
		}},

		// Wait.
		{"Wait without a time", machine(`"A":{"Type":"Wait","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required at /States/A",
		}},
		{"Wait with two times", machine(`"A":{"Type":"Wait","Seconds":1,"TimestampPath":"$.t","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required at /States/A",
		}},
		{"Wait bad Timestamp", machine(`"A":{"Type":"Wait","Timestamp":"2016-12-05T21:29:29","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/A/Timestamp",
		}},
		{"Wait negative Seconds", machine(`"A":{"Type":"Wait","Seconds":-1,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'Seconds' must be an integer between 0 and 99999999 at /States/A/Seconds",
		}},
		{"Wait huge Seconds", machine(`"A":{"Type":"Wait","Seconds":1e400,"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'Seconds' must be an integer between 0 and 99999999 at /States/A/Seconds",
		}},

		// Choice.
		{"Choice without Choices", machine(`"A":{"Type":"Choice","Default":"B"},"B":{"Type":"Succeed"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Choices] at /States/A",
		}},
		{"Choice empty Choices", machine(`"A":{"Type":"Choice","Choices":[],"Default":"B"},"B":{"Type":"Succeed"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'Choices' must be a non-empty array at /States/A/Choices",
		}},
		{"Choice rule shapes", machine(`"A":{"Type":"Choice","Choices":[` +
			`{"Variable":"$.x","StringEquals":1,"Next":"B"},` +
			`{"Variable":"$.x","NumericEquals":"1","Next":"B"},` +
			`{"Variable":"$.x","BooleanEquals":"true","Next":"B"},` +
			`{"Variable":"$.x","IsNull":1,"Next":"B"},` +
			`{"Variable":"$.x","Next":"B"},` +
			`{"Variable":"$.x","IsNull":true,"IsString":true,"Next":"B"},` +
			`{"Variable":"$.x","IsNull":true},` +
			`{"Not":{"Variable":"$.x","IsNull":true,"Next":"B"},"Next":"B"},` +
			`{"And":[],"Next":"B"},` +
			`{"Variable":"$.x","TimestampEquals":"yesterday","Next":"B"},` +
			`{"Variable":"$.x","StringEqualsPath":"nope","Next":"B"}` +
			`]},"B":{"Type":"Succeed"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'StringEquals' must be a string at /States/A/Choices[0]/StringEquals",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'NumericEquals' must be a number at /States/A/Choices[1]/NumericEquals",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'BooleanEquals' must be a boolean at /States/A/Choices[2]/BooleanEquals",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'IsNull' must be a boolean at /States/A/Choices[3]/IsNull",
			"SCHEMA_VALIDATION_FAILED: A choice rule must have exactly one comparison operator, found 0 at /States/A/Choices[4]",
			"SCHEMA_VALIDATION_FAILED: A choice rule must have exactly one comparison operator, found 2 at /States/A/Choices[5]",
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at /States/A/Choices[6]",
			"SCHEMA_VALIDATION_FAILED: Field 'Next' is not supported at /States/A/Choices[7]/Not",
			"SCHEMA_VALIDATION_FAILED: The field 'And' must be a non-empty array at /States/A/Choices[8]/And",
			"SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/A/Choices[9]/TimestampEquals",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'StringEqualsPath' must be a valid JSONPath at /States/A/Choices[10]/StringEqualsPath",
		}},
		{"JSONata Choice rule", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Choice","Choices":[` +
			`{"Variable":"$.x","IsNull":true,"Next":"B"},{"Condition":"yes","Next":"B"}]},"B":{"Type":"Succeed"}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage at /States/A/Choices[0]",
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'IsNull' is only supported for the 'JSONPath' QueryLanguage at /States/A/Choices[0]",
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Condition] at /States/A/Choices[0]",
			"SCHEMA_VALIDATION_FAILED: The field 'Condition' must be a boolean or a JSONata expression at /States/A/Choices[1]/Condition",
		}},

		// Fail.
		{"Fail with Error and ErrorPath", machine(`"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e","CausePath":"nope"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The fields 'Error' and 'ErrorPath' are mutually exclusive at /States/A",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'CausePath' must be a valid JSONPath or a valid intrinsic function call at /States/A/CausePath",
		}},
		{"Fail with Next", machine(`"A":{"Type":"Fail","Next":"A"}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'Next' is not supported at /States/A",
		}},

		// Parallel and Map.
		{"Parallel without Branches", machine(`"A":{"Type":"Parallel","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: These fields are required: [Branches] at /States/A",
		}},
		{"Parallel branch problems", machine(`"A":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"Z"}}}],"End":true}`), "", []string{
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: Z at /States/A/Branches[0]/States/B/Next",
			"MISSING_END_STATE: Workflow has no terminal state",
		}},
		{"Map without processor", machine(`"A":{"Type":"Map","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at /States/A",
		}},
		{"Map limits", machine(`"A":{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},` +
			`"MaxConcurrency":-1,"ToleratedFailurePercentage":101,"ToleratedFailureCount":1,"ToleratedFailureCountPath":"$.c","End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'MaxConcurrency' must be an integer between 0 and 2147483647 at /States/A/MaxConcurrency",
			"SCHEMA_VALIDATION_FAILED: The fields 'ToleratedFailureCount' and 'ToleratedFailureCountPath' are mutually exclusive at /States/A",
			"SCHEMA_VALIDATION_FAILED: The value for the field 'ToleratedFailurePercentage' must be a number between 0 and 100 at /States/A/ToleratedFailurePercentage",
		}},
		{"Map Items in JSONPath", machine(`"A":{"Type":"Map","Items":[1],"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field 'Items' is only supported for the 'JSONata' QueryLanguage at /States/A",
		}},
		{"Map ItemsPath in JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Map","ItemsPath":"$.a","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'ItemsPath' is only supported for the 'JSONPath' QueryLanguage at /States/A",
		}},
		{"Map distributed without ExecutionType", machine(`"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The field 'ExecutionType' is required but was missing at /States/A/ItemProcessor/ProcessorConfig",
		}},

		{"Map ItemSelector and Parameters", machine(`"A":{"Type":"Map","ItemSelector":{},"Parameters":{},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The fields 'ItemSelector' and 'Parameters' are mutually exclusive at /States/A",
		}},
		{"Map ItemProcessor and Iterator", machine(`"A":{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"Iterator":{"StartAt":"C","States":{"C":{"Type":"Succeed"}}},"End":true}`), "", []string{
			"SCHEMA_VALIDATION_FAILED: The fields 'ItemProcessor' and 'Iterator' are mutually exclusive at /States/A",
		}},

		// JSONata expressions.
		{"JSONata expressions that do not parse", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass",` +
			`"Output":{"a":["{% 1 + %}"],"b":"{% a[1,2) %}"},"Assign":{"x":"{% %}"},"Next":"W"},` +
			`"W":{"Type":"Wait","Seconds":"{% 1 + %}","End":true}}}`, "", []string{
			"INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/A/Output/a/0",
			`INVALID_JSONATA_EXPRESSION: Expected "]", got "," at /States/A/Output/b`,
			"INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/A/Assign/x",
			"INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/W/Seconds",
		}},
		{"JSONata Seconds not an integer", `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"5","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: The value for the field 'Seconds' must be an integer between 0 and 99999999 at /States/W/Seconds",
		}},

		// Everything at once: every problem is reported.
		{"several problems", `{"StartAt":"A","States":{"A":{"Type":"Pass","Foo":1,"Next":"Z"},"B":{"Type":"Wait","End":true}}}`, "", []string{
			"SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /States/A",
			"SCHEMA_VALIDATION_FAILED: Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required at /States/B",
			"MISSING_TRANSITION_TARGET: Missing 'Next' target: Z at /States/A/Next",
			`MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm, err := asl.ParseWithOptions([]byte(tt.def), asl.ParseOptions{Type: tt.typ})
			require.Error(t, err)
			require.Nil(t, sm)
			require.Equal(t, tt.want, errorTexts(err))
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}
