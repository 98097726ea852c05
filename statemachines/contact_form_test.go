package statemachines_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/cmd/stepwise/cli"
	"github.com/stepwise-dev/stepwise/functions/process/contactform"
	"github.com/stepwise-dev/stepwise/orchestrator/task/mocktask"
	"github.com/stepwise-dev/stepwise/statemachines"
)

var update = flag.Bool("update", false, "rewrite testdata/*.want.json from the current results")

const (
	definition = "contact-form.asl.json"
	mocks      = "contact-form.mocks.json"
)

// Each test case of the mock configuration, with its execution input.
var contactFormCases = []struct {
	testCase, event string
}{
	{"ValidForm", "process-valid"},
	{"InvalidForm", "process-invalid"},
	{"SesFailsThenRecovers", "process-valid"},
	{"DynamoFailsForGood", "process-valid"},
	{"DuplicateDelivery", "process-valid"},
}

func TestContactForm(t *testing.T) {
	t.Parallel()

	for _, tc := range contactFormCases {
		t.Run(tc.testCase, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := cli.Main(context.Background(), []string{"run",
				"--name", "contact-form", "--mock-config", mocks, "--test-case", tc.testCase,
				definition, filepath.Join("..", "events", tc.event+".json"),
			}, nil, &stdout, &stderr)
			require.Empty(t, stderr.String())
			require.Contains(t, []int{0, 1}, code, "exit status; stdout %s", stdout.String())

			golden := filepath.Join("testdata", "contact-form", tc.testCase+".want.json")
			if *update {
				var v any
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &v))
				out, err := json.MarshalIndent(v, "", "  ")
				require.NoError(t, err)
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, append(out, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.JSONEq(t, string(want), stdout.String())
		})
	}
}

// TestContactFormMocks checks that the mocked Process responses are what the
// real function returns for the same events, so the mocks cannot drift.
func TestContactFormMocks(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Load(mocks)
	require.NoError(t, err)
	h := &contactform.Handler{Sender: "forms@example.com", Recipient: "team@example.com"}

	t.Run("ValidForm", func(t *testing.T) {
		t.Parallel()
		c, err := cfg.TestCase("contact-form", "ValidForm")
		require.NoError(t, err)
		resp, err := c.Next("Process")
		require.NoError(t, err)
		require.Nil(t, resp.Throw)
		out, err := h.Handle(context.Background(), readEvent(t, "process-valid"))
		require.NoError(t, err)
		want, err := json.Marshal(out)
		require.NoError(t, err)
		got, err := json.Marshal(resp.Return.(map[string]any)["Payload"])
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got))
	})

	t.Run("InvalidForm", func(t *testing.T) {
		t.Parallel()
		c, err := cfg.TestCase("contact-form", "InvalidForm")
		require.NoError(t, err)
		resp, err := c.Next("Process")
		require.NoError(t, err)
		require.NotNil(t, resp.Throw)
		_, herr := h.Handle(context.Background(), readEvent(t, "process-invalid"))
		require.Error(t, herr)
		// Step Functions names a Lambda function error by its errorType and
		// puts the Lambda error object in Cause.
		require.Equal(t, "ValidationError", resp.Throw.Error)
		var cause struct{ ErrorMessage, ErrorType string }
		require.NoError(t, json.Unmarshal([]byte(resp.Throw.Cause), &cause))
		require.Equal(t, herr.Error(), cause.ErrorMessage)
		require.Equal(t, "ValidationError", cause.ErrorType)
	})
}

// Every test case the mock file defines is run by TestContactForm.
func TestContactFormCasesComplete(t *testing.T) {
	t.Parallel()

	cfg, err := mocktask.Load(mocks)
	require.NoError(t, err)
	var listed []string
	for _, tc := range contactFormCases {
		listed = append(listed, tc.testCase)
	}
	var defined []string
	for name := range cfg.StateMachines["contact-form"] {
		defined = append(defined, name)
	}
	require.ElementsMatch(t, defined, listed)
}

func TestFS(t *testing.T) {
	t.Parallel()

	for _, name := range []string{definition, mocks} {
		embedded, err := statemachines.FS.ReadFile(name)
		require.NoError(t, err)
		onDisk, err := os.ReadFile(name)
		require.NoError(t, err)
		require.Equal(t, onDisk, embedded)
	}
}

func readEvent(t *testing.T, name string) contactform.Input {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "events", name+".json"))
	require.NoError(t, err)
	var in contactform.Input
	require.NoError(t, json.Unmarshal(data, &in))
	return in
}
