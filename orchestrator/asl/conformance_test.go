package asl_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// conformanceDir holds the cases recorded against AWS Step Functions.
const conformanceDir = "../../../shared/conformance/cases"

// conformanceCase is the part of a conformance case the parser needs.
type conformanceCase struct {
	Name             string          `json:"name"`
	Category         string          `json:"category"`
	Definition       json.RawMessage `json:"definition"`
	DefinitionRaw    *string         `json:"definition_raw"`
	StateMachineType string          `json:"state_machine_type"`
	Expect           struct {
		Status string `json:"status"`
	} `json:"expect"`
	Notes struct {
		AWSMessage string `json:"aws_message"`
	} `json:"notes"`
}

// definitionBytes is the definition as the runner writes it to a file.
func (c *conformanceCase) definitionBytes() []byte {
	if c.DefinitionRaw != nil {
		return []byte(*c.DefinitionRaw)
	}
	return c.Definition
}

func loadConformance(tb testing.TB) map[string]*conformanceCase {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	require.NoError(tb, err)
	if len(files) == 0 {
		tb.Skip("no conformance cases at " + conformanceDir)
	}
	out := make(map[string]*conformanceCase, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		var c conformanceCase
		require.NoError(tb, json.Unmarshal(data, &c), f)
		out[filepath.Base(f)] = &c
	}
	return out
}

// TestConformance parses every definition of the conformance corpus: the
// ones AWS rejected must fail, every other one must pass.
func TestConformance(t *testing.T) {
	t.Parallel()
	for file, c := range loadConformance(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			typ := c.StateMachineType
			if typ == "" {
				typ = asl.TypeStandard
			}
			sm, err := asl.ParseWithOptions(c.definitionBytes(), asl.ParseOptions{Type: typ})
			if c.Expect.Status == "INVALID_DEFINITION" {
				require.Error(t, err, "AWS said: %s", c.Notes.AWSMessage)
				require.Nil(t, sm)
				ves := asl.ValidationErrors(err)
				require.NotEmpty(t, ves)
				if want := awsDiagnostic(c.Notes.AWSMessage); want != "" {
					got := ves[0].Code + ": " + ves[0].Message
					if strings.Contains(want, " at /") {
						got = ves[0].Error()
					}
					require.Equal(t, want, got, "the first problem reads as AWS's")
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, sm)
		})
	}
}

// awsDiagnostic extracts the first diagnostic, "CODE: message[ at
// /location]", from the message AWS recorded for a rejected definition.
func awsDiagnostic(msg string) string {
	msg = strings.TrimPrefix(msg, "Invalid State Machine Definition: '")
	msg = strings.TrimSuffix(msg, "'")
	return strings.TrimSpace(msg)
}
