package mocktask_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/task/mocktask"
)

func TestLoad(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Load(filepath.Join("testdata", "aws-example.json"))
	require.NoError(t, err)

	c, err := cfg.TestCase("LambdaSQSIntegration", "RetryPath")
	require.NoError(t, err)
	require.True(t, c.Mocked("LambdaState"))
	require.True(t, c.Mocked("SQSState"))
	require.False(t, c.Mocked("Other"))

	want := []string{
		`{"Throw":{"Cause":"Lambda resource is not ready.","Error":"Lambda.ResourceNotReadyException"}}`,
		`{"Throw":{"Cause":"Lambda timed out.","Error":"Lambda.TimeoutException"}}`,
		`{"Throw":{"Cause":"Lambda timed out.","Error":"Lambda.TimeoutException"}}`,
		`{"Return":{"Payload":{"StatusCode":200,"body":"Hello from Lambda!"},"StatusCode":200}}`,
	}
	for i, w := range want {
		resp, err := c.Next("LambdaState")
		require.NoError(t, err, "invocation %d", i)
		got, err := json.Marshal(resp)
		require.NoError(t, err)
		require.JSONEq(t, w, string(got), "invocation %d", i)
	}
	_, err = c.Next("LambdaState")
	require.EqualError(t, err, `state "LambdaState" invoked 5 times, but mocked response "MockedLambdaRetry" of test case "RetryPath" answers only 4`)

	// Each TestCase call starts its own counters.
	c2, err := cfg.TestCase("LambdaSQSIntegration", "RetryPath")
	require.NoError(t, err)
	resp, err := c2.Next("LambdaState")
	require.NoError(t, err)
	require.Equal(t, &mocktask.Throw{Error: "Lambda.ResourceNotReadyException", Cause: "Lambda resource is not ready."}, resp.Throw)
}

func TestLoad_missingFile(t *testing.T) {
	t.Parallel()

	_, err := mocktask.Load(filepath.Join("testdata", "nope.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestReturnUsesNumbers(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Parse([]byte(`{"StateMachines":{"sm":{"TestCases":{"tc":{"S":"R"}}}},
		"MockedResponses":{"R":{"0":{"Return":{"n":12345678901234567890,"f":1.50,"l":[null,true,"x"]}}}}}`))
	require.NoError(t, err)
	c, err := cfg.TestCase("sm", "tc")
	require.NoError(t, err)
	resp, err := c.Next("S")
	require.NoError(t, err)
	require.Nil(t, resp.Throw)
	require.Equal(t, map[string]any{
		"n": json.Number("12345678901234567890"),
		"f": json.Number("1.50"),
		"l": []any{nil, true, "x"},
	}, resp.Return)
}

func TestTestCase_errors(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Load(filepath.Join("testdata", "aws-example.json"))
	require.NoError(t, err)

	tests := []struct {
		name, sm, tc, want string
	}{
		{"unknown state machine", "Nope", "HappyPath",
			`state machine "Nope" is not in the mock configuration (it has "LambdaSQSIntegration")`},
		{"unknown test case", "LambdaSQSIntegration", "Nope",
			`test case "Nope" is not in the mock configuration of state machine "LambdaSQSIntegration" (it has "HappyPath", "HybridPath", "RetryPath")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := cfg.TestCase(tt.sm, tt.tc)
			require.EqualError(t, err, tt.want)
		})
	}

	c, err := cfg.TestCase("LambdaSQSIntegration", "HybridPath")
	require.NoError(t, err)
	_, err = c.Next("SQSState")
	require.EqualError(t, err, `state "SQSState" is not mocked in test case "HybridPath" of state machine "LambdaSQSIntegration"`)
}

func TestParse_errors(t *testing.T) {
	t.Parallel()

	const tc = `"StateMachines":{"sm":{"TestCases":{"tc":{"S":"R"}}}}`
	tests := []struct {
		name, doc, want string
	}{
		{"not JSON", `{`, "decoding JSON: unexpected EOF"},
		{"trailing data", `{} {}`, "decoding JSON: invalid character after top-level value"},
		{"not an object", `[]`, "/: want an object, got array"},
		{"unknown top-level field", `{"Mocks":{}}`, "/Mocks: unknown field (want StateMachines or MockedResponses)"},
		{"state machines not an object", `{"StateMachines":[]}`, "/StateMachines: want an object, got array"},
		{"unknown state machine field", `{"StateMachines":{"sm":{"Cases":{}}}}`,
			"/StateMachines/sm/Cases: unknown field (want TestCases)"},
		{"test case not an object", `{"StateMachines":{"sm":{"TestCases":{"tc":"R"}}}}`,
			"/StateMachines/sm/TestCases/tc: want an object, got string"},
		{"response name not a string", `{"StateMachines":{"sm":{"TestCases":{"tc":{"S":1}}}}}`,
			"/StateMachines/sm/TestCases/tc/S: want the name of a mocked response (a string), got number"},
		{"missing response", `{` + tc + `}`,
			`/StateMachines/sm/TestCases/tc/S: mocked response "R" is not in MockedResponses`},
		{"escaped pointer", `{"StateMachines":{"a/b":{"TestCases":{"t~c":{"S":"R"}}}}}`,
			`/StateMachines/a~1b/TestCases/t~0c/S: mocked response "R" is not in MockedResponses`},
		{"no responses", `{` + tc + `,"MockedResponses":{"R":{}}}`,
			`/MockedResponses/R: no responses (want keys such as "0" or "1-3")`},
		{"bad key", `{` + tc + `,"MockedResponses":{"R":{"first":{"Return":1}}}}`,
			`/MockedResponses/R/first: invalid key "first": want an invocation number such as "0" or a range such as "1-3"`},
		{"negative key", `{` + tc + `,"MockedResponses":{"R":{"-1":{"Return":1}}}}`,
			`/MockedResponses/R/-1: invalid key "-1": want an invocation number such as "0" or a range such as "1-3"`},
		{"backwards range", `{` + tc + `,"MockedResponses":{"R":{"0":{"Return":1},"3-1":{"Return":1}}}}`,
			`/MockedResponses/R/3-1: invalid key "3-1": range ends before it starts`},
		{"huge key", `{` + tc + `,"MockedResponses":{"R":{"0-99999999999999999999":{"Return":1}}}}`,
			`/MockedResponses/R/0-99999999999999999999: invalid key "0-99999999999999999999": invocation number above 1000000`},
		{"gap", `{` + tc + `,"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":1}}}}`,
			`/MockedResponses/R: no response for invocation 1 (keys must cover 0..n-1 without gaps)`},
		{"not from zero", `{` + tc + `,"MockedResponses":{"R":{"1":{"Return":1}}}}`,
			`/MockedResponses/R: no response for invocation 0 (keys must cover 0..n-1 without gaps)`},
		{"overlap", `{` + tc + `,"MockedResponses":{"R":{"0-2":{"Return":1},"2":{"Return":1}}}}`,
			`/MockedResponses/R: invocation 2 has more than one response (overlapping keys)`},
		{"both", `{` + tc + `,"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`,
			`/MockedResponses/R/0: has both Return and Throw (want exactly one)`},
		{"neither", `{` + tc + `,"MockedResponses":{"R":{"0":{}}}}`,
			`/MockedResponses/R/0: want Return or Throw`},
		{"unknown response field", `{` + tc + `,"MockedResponses":{"R":{"0":{"Return":1,"Delay":2}}}}`,
			`/MockedResponses/R/0/Delay: unknown field (want Return or Throw)`},
		{"throw without error", `{` + tc + `,"MockedResponses":{"R":{"0":{"Throw":{"Cause":"c"}}}}}`,
			`/MockedResponses/R/0/Throw: missing Error`},
		{"throw error not a string", `{` + tc + `,"MockedResponses":{"R":{"0":{"Throw":{"Error":1}}}}}`,
			`/MockedResponses/R/0/Throw/Error: want a string, got number`},
		{"every problem reported",
			`{"StateMachines":{"sm":{"TestCases":{"tc":{"S":"R","T":"Q"}}}},"MockedResponses":{"R":{"1":{"Return":1}}}}`,
			"/MockedResponses/R: no response for invocation 0 (keys must cover 0..n-1 without gaps)\n" +
				`/StateMachines/sm/TestCases/tc/T: mocked response "Q" is not in MockedResponses`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mocktask.Parse([]byte(tt.doc))
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestParse_emptyConfig(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Parse([]byte(`{}`))
	require.NoError(t, err)
	_, err = cfg.TestCase("sm", "tc")
	require.EqualError(t, err, `state machine "sm" is not in the mock configuration (it has none)`)
}

func TestNext_concurrent(t *testing.T) {
	t.Parallel()

	const n = 50
	cfg, err := mocktask.Parse([]byte(fmt.Sprintf(
		`{"StateMachines":{"sm":{"TestCases":{"tc":{"S":"R"}}}},"MockedResponses":{"R":{"0-%d":{"Return":"ok"}}}}`, n-1)))
	require.NoError(t, err)
	c, err := cfg.TestCase("sm", "tc")
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for range n + 1 {
		wg.Go(func() {
			_, err := c.Next("S")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
		}
	}
	require.Equal(t, 1, failed, "exactly the call past the last range fails")
}

func ExampleCase_Next() {
	cfg, err := mocktask.Parse([]byte(`{
	  "StateMachines": {"contact-form": {"TestCases": {"SesFailsThenRecovers": {"Notify": "NotifyThrottledOnce"}}}},
	  "MockedResponses": {"NotifyThrottledOnce": {
	    "0": {"Throw": {"Error": "SESv2.TooManyRequestsException", "Cause": "slow down"}},
	    "1": {"Return": {"MessageId": "m-1"}}}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := cfg.TestCase("contact-form", "SesFailsThenRecovers")
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		resp, err := c.Next("Notify")
		switch {
		case err != nil:
			fmt.Println("error:", err)
		case resp.Throw != nil:
			fmt.Println("throw:", resp.Throw.Error)
		default:
			fmt.Println("return:", resp.Return)
		}
	}
	// Output:
	// throw: SESv2.TooManyRequestsException
	// return: map[MessageId:m-1]
	// error: state "Notify" invoked 3 times, but mocked response "NotifyThrottledOnce" of test case "SesFailsThenRecovers" answers only 2
}
