package jsonpath_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

const casesDir = "../../../shared/conformance/cases"

// conformanceSkip lists cases this package cannot judge alone, with why.
// Known gaps go here; never delete them silently.
var conformanceSkip = map[string]string{}

// TestConformance evaluates the Parameters of every recorded case whose
// definition is a single JSONPath Pass state, and compares the result (or
// the States.Runtime cause) with what AWS recorded.
func TestConformance(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(casesDir, "*.json"))
	if len(files) == 0 {
		t.Skip("no conformance cases at " + casesDir)
	}
	ran := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		doc, err := value.Decode(data)
		require.NoError(t, err)
		c := doc.(map[string]any)
		params, ok := singlePassParameters(c)
		if !ok {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		ran++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if why, skip := conformanceSkip[name]; skip {
				t.Skip(why)
			}
			expect := c["expect"].(map[string]any)
			tpl, err := jsonpath.CompileTemplate(params)
			if expect["status"] == "INVALID_DEFINITION" {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			got, err := tpl.Eval(&jsonpath.Env{Input: c["input"], Context: contextObject(c["input"])})
			switch expect["status"] {
			case "SUCCEEDED":
				require.NoError(t, err)
				require.True(t, matches(expect["output"], got), "got %s, want %s", value.MustString(got), value.MustString(expect["output"]))
			case "FAILED":
				require.Error(t, err)
				var ee *jsonpath.EvalError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, expect["error"], ee.Name)
				if cause, ok := expect["cause"].(string); ok {
					cause = regexp.MustCompile(`^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. `).ReplaceAllString(cause, "")
					require.True(t, matches(cause, ee.Cause), "got cause %q, want %q", ee.Cause, cause)
				}
			}
		})
	}
	t.Logf("%d cases evaluated", ran)
}

// singlePassParameters returns the Parameters of a definition made of one
// JSONPath Pass state that does nothing else, whose result is therefore the
// execution's output.
func singlePassParameters(c map[string]any) (any, bool) {
	def, ok := c["definition"].(map[string]any)
	if !ok || def["QueryLanguage"] != nil {
		return nil, false
	}
	states, _ := def["States"].(map[string]any)
	if len(states) != 1 {
		return nil, false
	}
	for _, s := range states {
		st, _ := s.(map[string]any)
		if st["Type"] != "Pass" || st["Parameters"] == nil {
			return nil, false
		}
		for k := range st {
			switch k {
			case "Type", "Parameters", "End", "Comment":
			default:
				return nil, false
			}
		}
		return st["Parameters"], true
	}
	return nil, false
}

// contextObject is a stand-in for the interpreter's context object; the
// recorded values that depend on it are placeholders.
func contextObject(input any) any {
	return map[string]any{
		"Execution": map[string]any{
			"Id":        "arn:aws:states:us-east-1:111111111111:execution:conformance:run-1",
			"Name":      "run-1",
			"Input":     input,
			"StartTime": "2024-01-01T00:00:00.000Z",
			"RoleArn":   "arn:aws:iam::111111111111:role/sfn",
		},
		"StateMachine": map[string]any{
			"Id":   "arn:aws:states:us-east-1:111111111111:stateMachine:conformance",
			"Name": "conformance",
		},
		"State": map[string]any{"Name": "State0", "EnteredTime": "2024-01-01T00:00:00.000Z", "RetryCount": value.Int(0)},
	}
}

var placeholder = regexp.MustCompile(`<[^<>]+>`)

// matches compares as the conformance runner does: numbers by value,
// strings that are placeholders ("<...>") match anything.
func matches(want, got any) bool {
	switch w := want.(type) {
	case string:
		if placeholder.MatchString(w) {
			if placeholder.FindString(w) == w {
				return true
			}
			g, ok := got.(string)
			if !ok {
				return false
			}
			parts := placeholder.Split(w, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			return regexp.MustCompile("^(?s)" + strings.Join(parts, ".*") + "$").MatchString(g)
		}
		return w == got
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matches(w[i], g[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k := range w {
			if !matches(w[k], g[k]) {
				return false
			}
		}
		return true
	}
	return value.Equal(want, got)
}
