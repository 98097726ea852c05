package asl_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// TestLimits feeds hostile documents to Parse: each gives one clear
// error, quickly, without a panic.
func TestLimits(t *testing.T) {
	t.Parallel()
	deepArrays := `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `,"End":true}}}`
	deepObjects := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	big := `{"Comment":"` + strings.Repeat("x", 20<<20) + `"}`
	tests := []struct {
		name string
		data string
		want string
	}{
		{"20 MB", big, "SCHEMA_VALIDATION_FAILED: Definition is larger than the limit of 1048576 bytes (1 MB)"},
		{"10,000 nested arrays", deepArrays, "INVALID_JSON_DESCRIPTION: JSON nesting is deeper than the limit of 256 levels"},
		{"10,000 nested objects", deepObjects, "INVALID_JSON_DESCRIPTION: JSON nesting is deeper than the limit of 256 levels"},
		{"invalid UTF-8 in a name", "{\"StartAt\":\"A\xc3\",\"States\":{}}", "INVALID_JSON_DESCRIPTION: Invalid UTF-8 byte 0xc3 at line: 1, column: 14"},
		{"Infinity", `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":Infinity,"End":true}}}`,
			"INVALID_JSON_DESCRIPTION: Unrecognized token 'Infinity': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n" +
				` at [Source: (String)"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"Result\":Infinity,\"End\":true}}}"; line: 1, column: 62]`},
		{"trailing data", `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}} {}`,
			"INVALID_JSON_DESCRIPTION: Invalid character '{' after top-level value\n" +
				` at [Source: (String)"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}} {}"; line: 1, column: 52]`},
		{"huge number", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":1e999999,"End":true}}}`,
			"SCHEMA_VALIDATION_FAILED: The value for the field 'TimeoutSeconds' must be an integer between 1 and 99999999 at /States/A/TimeoutSeconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm, err := asl.Parse([]byte(tt.data))
			require.Nil(t, sm)
			require.EqualError(t, err, tt.want)
		})
	}
}

// TestDepthLimitAccepts checks that nesting just under MaxDepth is fine.
func TestDepthLimitAccepts(t *testing.T) {
	t.Parallel()
	// The root, States, the state and Result take 4 levels.
	n := asl.MaxDepth - 4
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `,"End":true}}}`
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	require.True(t, sm.States["A"].HasResult)
}

// hundredStates is a valid JSONPath definition with 100 states of
// several types, in a chain.
func hundredStates() []byte {
	var b strings.Builder
	b.WriteString(`{"Comment":"bench","StartAt":"S0","States":{`)
	for i := 0; i < 100; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == 99 {
			next = `"End":true`
		}
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"a.$":"$.a","b":[1,2,3],"c.$":"States.Format('{}', $.x)"},"ResultPath":"$.r%d",%s}`, i, i, next)
		case 1:
			fmt.Fprintf(&b, `"S%d":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},`+
				`"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":2,"MaxAttempts":5,"BackoffRate":1.5}],`+
				`"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"S%d"}],"TimeoutSeconds":60,%s}`, i, i+1, next)
		case 2:
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":3,"Next":"S%d"},`+
				`{"And":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.b","BooleanEquals":true}],"Next":"S%d"}],"Default":"S%d"}`, i, i+1, i+1, i+1)
		case 3:
			fmt.Fprintf(&b, `"S%d":{"Type":"Wait","SecondsPath":"$.delay","InputPath":"$","OutputPath":"$",%s}`, i, next)
		}
	}
	b.WriteString("}}")
	return []byte(b.String())
}

func TestHundredStates(t *testing.T) {
	t.Parallel()
	sm, err := asl.Parse(hundredStates())
	require.NoError(t, err)
	require.Len(t, sm.Order, 100)
	require.Equal(t, "S0", sm.Order[0])
	require.Equal(t, "S99", sm.Order[99])
}

// BenchmarkParse parses and validates a 100-state definition (goal: at
// most 1 ms).
func BenchmarkParse(b *testing.B) {
	data := hundredStates()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := asl.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
