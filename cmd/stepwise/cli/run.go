package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/mocktask"
)

const runUsage = `Usage: stepwise run [flags] DEFINITION INPUT

Runs one execution of the state machine in DEFINITION (a file) with the
JSON in INPUT (a file, or - for standard input) in-process, and prints one
JSON object:

  {"status": "SUCCEEDED", "output": ...}
  {"status": "FAILED", "error": "...", "cause": "..."}
  {"status": "TIMED_OUT", "error": "States.Timeout", "cause": "..."}
  {"status": "INVALID_DEFINITION", "error": "InvalidDefinition", "cause": "..."}

Time is virtual unless --real-time: a one-year Wait ends at once.
Task states are answered by --mock-config (the AWS Step Functions Local
mock configuration format) for the test case --test-case.

Exit status: 0 SUCCEEDED, 1 FAILED, TIMED_OUT or INVALID_DEFINITION,
2 usage or I/O error.

Flags:
`

// Run implements "stepwise run".
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
	name := fs.String("name", "stepwise", "the state machine's name (context object, mock file)")
	execName := fs.String("execution-name", "", "the execution's name (default: a random UUID)")
	mockConfig := fs.String("mock-config", "", "mock configuration file for Task states")
	testCase := fs.String("test-case", "", "test case of the mock configuration")
	history := fs.Bool("history", false, "add the execution history events to the result")
	realTime := fs.Bool("real-time", false, "really wait in Wait states and retry backoffs")
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	if *typ != "STANDARD" && *typ != "EXPRESS" {
		fmt.Fprintf(stderr, "stepwise run: --type must be STANDARD or EXPRESS, not %q\n", *typ)
		return 2
	}
	def, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: reading definition: %v\n", err)
		return 2
	}
	var inputData []byte
	if fs.Arg(1) == "-" {
		inputData, err = io.ReadAll(stdin)
	} else {
		inputData, err = os.ReadFile(fs.Arg(1))
	}
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: reading input: %v\n", err)
		return 2
	}
	input, err := decodeJSON(inputData)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: input %s is not JSON: %v\n", fs.Arg(1), err)
		return 2
	}
	var tasks interp.TaskInvoker = noTasks{}
	if *mockConfig != "" {
		cfg, err := mocktask.Load(*mockConfig)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise run: %v\n", err)
			return 2
		}
		tc, err := cfg.TestCase(*name, *testCase)
		if err != nil {
			fmt.Fprintf(stderr, "stepwise run: %v\n", err)
			return 2
		}
		tasks = mockTasks{tc}
	}
	sm, err := asl.ParseWithOptions(def, asl.ParseOptions{Type: *typ})
	if err != nil {
		return printResult(stdout, map[string]any{"status": "INVALID_DEFINITION", "error": "InvalidDefinition", "cause": invalidCause(err)}, 1)
	}
	if *execName == "" {
		*execName = newUUID()
	}
	ex := &interp.Execution{
		ARN:              fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:%s:%s", *name, *execName),
		Name:             *execName,
		StateMachineARN:  "arn:aws:states:us-east-1:123456789012:stateMachine:" + *name,
		StateMachineName: *name,
		RoleARN:          "arn:aws:iam::123456789012:role/stepwise",
		StartTime:        time.Now().UTC().Truncate(time.Millisecond),
		Input:            input,
		Type:             *typ,
	}
	var events []*interp.Event
	opts := interp.RunOptions{Tasks: tasks, RealTime: *realTime}
	if *history {
		opts.Emit = func(e *interp.Event) { events = append(events, e) }
	}
	res, err := interp.Run(ctx, interp.NewMachine(sm), ex, opts)
	if err != nil {
		fmt.Fprintf(stderr, "stepwise run: %v\n", err)
		return 2
	}
	out := map[string]any{"status": res.Status}
	code := 0
	if res.Status == "SUCCEEDED" {
		out["output"] = res.Output
	} else {
		code = 1
		if res.Error != nil {
			if res.Error.Name != "" {
				out["error"] = res.Error.Name
			}
			if !res.Error.NoCause {
				out["cause"] = res.Error.Cause
			}
		}
	}
	if *history {
		out["history"] = events
	}
	return printResult(stdout, out, code)
}

func printResult(w io.Writer, v any, code int) int {
	b, err := encodeJSON(v)
	if err != nil {
		fmt.Fprintf(w, `{"status":"ERROR","cause":%q}`+"\n", err.Error())
		return 2
	}
	fmt.Fprintf(w, "%s\n", b)
	return code
}

// invalidCause renders validation problems as AWS does in
// InvalidDefinition messages.
func invalidCause(err error) string {
	ves := asl.ValidationErrors(err)
	if len(ves) == 0 {
		return err.Error()
	}
	parts := make([]string, len(ves))
	for i, v := range ves {
		parts[i] = v.Error()
	}
	return fmt.Sprintf("Invalid State Machine Definition: '%s'", strings.Join(parts, ", "))
}

// decodeJSON decodes one JSON document with numbers kept exact.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}

// encodeJSON writes compact JSON without HTML escaping.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// noTasks fails every Task: stepwise run calls no service without a mock.
type noTasks struct{}

func (noTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	return nil, nil, fmt.Errorf("state %q calls %s, which stepwise run answers only from --mock-config", req.State, req.Resource)
}

// mockTasks answers Task states from a mock configuration's test case.
type mockTasks struct{ c *mocktask.Case }

func (m mockTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if !m.c.Mocked(req.State) {
		return nil, nil, fmt.Errorf("state %q is not mocked in the test case", req.State)
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
