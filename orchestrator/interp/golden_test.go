package interp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/mocktask"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// startTime is the (virtual) start of every test execution.
var startTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testExecution returns the execution of a test run.
func testExecution(input any) *interp.Execution {
	return &interp.Execution{
		ARN:              "arn:aws:states:us-east-1:123456789012:execution:test:exec",
		Name:             "exec",
		StateMachineARN:  "arn:aws:states:us-east-1:123456789012:stateMachine:test",
		StateMachineName: "test",
		RoleARN:          "arn:aws:iam::123456789012:role/stepwise",
		StartTime:        startTime,
		Input:            input,
		Type:             "STANDARD",
	}
}

// seededRand is a deterministic randomness source.
func seededRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return rand.NewChaCha8(s)
}

// mockInvoker answers Task states from a mock configuration's test case,
// as stepwise run does.
type mockInvoker struct{ c *mocktask.Case }

func (m mockInvoker) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if m.c == nil || !m.c.Mocked(req.State) {
		return nil, nil, fmt.Errorf("state %q is not mocked", req.State)
	}
	resp, err := m.c.Next(req.State)
	if err != nil {
		return nil, nil, err
	}
	if resp.Throw != nil {
		return nil, &asl.Error{Name: resp.Throw.Error, Cause: resp.Throw.Cause}, nil
	}
	return resp.Return, nil, nil
}

// goldenResult is the content of want.json: how the execution ended and
// its history, each event's timestamp replaced by the seconds since the
// start of the execution (virtual time).
type goldenResult struct {
	Status  string            `json:"status"`
	Output  any               `json:"output,omitempty"`
	Error   string            `json:"error,omitempty"`
	Cause   string            `json:"cause,omitempty"`
	History []json.RawMessage `json:"history"`
}

// runGolden runs the case in dir and returns its result as want.json holds it.
func runGolden(t *testing.T, dir string) []byte {
	t.Helper()
	def, err := os.ReadFile(filepath.Join(dir, "definition.asl.json"))
	require.NoError(t, err)
	inData, err := os.ReadFile(filepath.Join(dir, "input.json"))
	require.NoError(t, err)
	input, err := value.Decode(inData)
	require.NoError(t, err)
	var tasks mockInvoker
	if data, err := os.ReadFile(filepath.Join(dir, "mocks.json")); err == nil {
		cfg, err := mocktask.Parse(data)
		require.NoError(t, err)
		tasks.c, err = cfg.TestCase("test", "case")
		require.NoError(t, err)
	} else {
		require.True(t, errors.Is(err, os.ErrNotExist), "reading mocks.json: %v", err)
	}
	sm, err := asl.Parse(def)
	require.NoError(t, err)

	var history []json.RawMessage
	emit := func(e *interp.Event) {
		// One line an event: id, previousEventId, timestamp (seconds since
		// the start), type, then the details.
		var b bytes.Buffer
		fmt.Fprintf(&b, `{"id":%d,"previousEventId":%d,"timestamp":%g,"type":%q`,
			e.ID, e.PreviousEventID, e.Timestamp.Sub(startTime).Seconds(), e.Type)
		if e.DetailsKey != "" {
			var d bytes.Buffer
			enc := json.NewEncoder(&d)
			enc.SetEscapeHTML(false)
			require.NoError(t, enc.Encode(e.Details))
			fmt.Fprintf(&b, `,%q:%s`, e.DetailsKey, bytes.TrimSpace(d.Bytes()))
		}
		b.WriteString("}")
		history = append(history, b.Bytes())
	}
	res, err := interp.Run(t.Context(), interp.NewMachine(sm), testExecution(input),
		interp.RunOptions{Tasks: tasks, Emit: emit, Rand: seededRand(1)})
	require.NoError(t, err)
	got := goldenResult{Status: res.Status, Output: res.Output, History: history}
	if res.Error != nil {
		got.Error, got.Cause = res.Error.Name, res.Error.Cause
	}
	return render(t, got)
}

// render writes a golden result with one history event a line, so that a
// golden file reads as the event sequence.
func render(t *testing.T, g goldenResult) []byte {
	t.Helper()
	marshal := func(v any) []byte {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(v))
		return bytes.TrimSpace(buf.Bytes())
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"status\": %s,\n", marshal(g.Status))
	if g.Status == "SUCCEEDED" {
		fmt.Fprintf(&b, "  \"output\": %s,\n", marshal(g.Output))
	}
	if g.Error != "" {
		fmt.Fprintf(&b, "  \"error\": %s,\n", marshal(g.Error))
	}
	if g.Cause != "" {
		fmt.Fprintf(&b, "  \"cause\": %s,\n", marshal(g.Cause))
	}
	b.WriteString("  \"history\": [\n")
	for i, e := range g.History {
		b.WriteString("    ")
		b.Write(e)
		if i < len(g.History)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "definition.asl.json"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, d := range dirs {
		dir := filepath.Dir(d)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			got := runGolden(t, dir)
			path := filepath.Join(dir, "want.json")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			require.Equal(t, string(want), string(got), "got (left: want.json) differs; run go test -update and review the diff")
		})
	}
}

// TestGoldenEventChains checks what every golden history must satisfy:
// ids count from 1 and each previousEventId names an earlier event.
func TestGoldenEventChains(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "definition.asl.json"))
	require.NoError(t, err)
	for _, d := range dirs {
		dir := filepath.Dir(d)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var got goldenResult
			require.NoError(t, json.Unmarshal(runGolden(t, dir), &got))
			for i, raw := range got.History {
				var e struct {
					ID   int64   `json:"id"`
					Prev int64   `json:"previousEventId"`
					T    float64 `json:"timestamp"`
					Type string  `json:"type"`
				}
				require.NoError(t, json.Unmarshal(raw, &e))
				require.Equal(t, int64(i+1), e.ID, "event %d (%s): got id %d, want %d", i, e.Type, e.ID, i+1)
				require.Less(t, e.Prev, e.ID, "event %d (%s): previousEventId %d not before id %d", i, e.Type, e.Prev, e.ID)
				require.GreaterOrEqual(t, e.T, 0.0)
			}
		})
	}
}
