package interp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// fuzzBudget bounds one fuzzed run: a definition may loop forever (a
// Choice loop, a Wait loop in virtual time), so the run gets a context
// deadline; it must return soon after it.
const (
	fuzzBudget = 200 * time.Millisecond
	fuzzGrace  = 5 * time.Second
)

// randomTasks answers Task states at random (from the seed): a result,
// a named error or States.Timeout.
type randomTasks struct{ r *rand.Rand }

func (t *randomTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	switch t.r.IntN(4) {
	case 0:
		return nil, &asl.Error{Name: "Fuzz.Error", Cause: "fuzz"}, nil
	case 1:
		return nil, &asl.Error{Name: asl.StatesTimeout, Cause: "fuzz timeout"}, nil
	case 2:
		return map[string]any{"Payload": req.Input, "n": json.Number("1")}, nil, nil
	}
	return req.Input, nil, nil
}

// checkRun runs def with input and checks that the run ends (by itself or
// at the budget), without a panic or an internal error, with a coherent
// history (ids in order, time never going back).
func checkRun(t *testing.T, def, input []byte, seed uint64) {
	sm, err := asl.Parse(def)
	if err != nil {
		return
	}
	in, err := value.Decode(input)
	if err != nil {
		return
	}
	m := interp.NewMachine(sm)
	var lastID int64
	var lastTime time.Time
	var events int
	var bad string
	emit := func(e *interp.Event) {
		events++
		if bad == "" && (e.ID != lastID+1 || e.PreviousEventID >= e.ID || e.PreviousEventID < 0) {
			bad = fmt.Sprintf("event %s: id %d after %d, previousEventId %d", e.Type, e.ID, lastID, e.PreviousEventID)
		}
		if bad == "" && e.Timestamp.Before(lastTime) {
			bad = fmt.Sprintf("event %s (id %d): time went back from %v to %v", e.Type, e.ID, lastTime, e.Timestamp)
		}
		lastID, lastTime = e.ID, e.Timestamp
	}
	ctx, cancel := context.WithTimeout(t.Context(), fuzzBudget)
	defer cancel()
	type outcome struct {
		res *interp.Result
		err error
		pan any
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			o.pan = recover()
			done <- o
		}()
		o.res, o.err = interp.Run(ctx, m, testExecution(in), interp.RunOptions{
			Tasks:      &randomTasks{r: rand.New(rand.NewPCG(seed, 1))},
			Emit:       emit,
			Rand:       seededRand(seed),
			MaxPayload: 64 * 1024,
		})
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(fuzzBudget + fuzzGrace):
		t.Fatalf("run did not stop %v after its deadline\ndefinition: %s\ninput: %s", fuzzGrace, def, input)
	}
	require.Nil(t, o.pan, "panic: %v\ndefinition: %s\ninput: %s", o.pan, def, input)
	if o.err != nil {
		require.True(t, errors.Is(o.err, context.DeadlineExceeded), "got internal error %v\ndefinition: %s\ninput: %s", o.err, def, input)
		return
	}
	require.Contains(t, []string{"SUCCEEDED", "FAILED", "TIMED_OUT"}, o.res.Status)
	require.Empty(t, bad, "incoherent history\ndefinition: %s", def)
	require.Positive(t, events)
}

// seeds returns (definition, input) pairs from testdata: the golden cases
// and the conformance seeds.
func seeds(t testing.TB) [][2][]byte {
	var out [][2][]byte
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "definition.asl.json"))
	require.NoError(t, err)
	for _, d := range dirs {
		def, err := os.ReadFile(d)
		require.NoError(t, err)
		in, err := os.ReadFile(filepath.Join(filepath.Dir(d), "input.json"))
		require.NoError(t, err)
		out = append(out, [2][]byte{def, in})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz-seeds", "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var c struct {
			Definition json.RawMessage `json:"definition"`
			Input      json.RawMessage `json:"input"`
		}
		require.NoError(t, json.Unmarshal(data, &c), f)
		out = append(out, [2][]byte{c.Definition, c.Input})
	}
	return out
}

// FuzzRun runs seeded definitions (testdata) with fuzzed definitions and
// inputs.
func FuzzRun(f *testing.F) {
	for i, s := range seeds(f) {
		f.Add(s[0], s[1], uint64(i))
	}
	f.Add([]byte(`{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"L"}}}`), []byte(`{}`), uint64(0))
	f.Add([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":99999999,"Next":"W"}}}`), []byte(`{}`), uint64(0))
	f.Fuzz(func(t *testing.T, def, input []byte, seed uint64) {
		checkRun(t, def, input, seed)
	})
}

// genDef builds a small state machine from prog: up to 8 states of every
// type, each going to the next one or (Choice, Catch) to any state, so
// that loops are common.
func genDef(prog []byte) []byte {
	pos := 0
	next := func() int {
		if pos >= len(prog) {
			return 0
		}
		pos++
		return int(prog[pos-1])
	}
	n := next()%8 + 1
	name := func(i int) string { return fmt.Sprintf("S%d", i) }
	trans := func(i int) string {
		if i == n-1 {
			return `"End":true`
		}
		return fmt.Sprintf(`"Next":%q`, name(i+1))
	}
	any := func() string { return name(next() % n) }
	paths := []string{"$", "$.i", "$.a", "$.a[0]", "$.missing", "$$.Execution.Input", "$$.State.Name"}
	path := func() string { return paths[next()%len(paths)] }
	retry := func() string {
		errs := []string{"States.ALL", "Fuzz.Error", "States.TaskFailed", "States.Timeout"}
		return fmt.Sprintf(`"Retry":[{"ErrorEquals":[%q],"IntervalSeconds":%d,"MaxAttempts":%d,"BackoffRate":%d.5,"JitterStrategy":%q}]`,
			errs[next()%len(errs)], next()%5+1, next()%4, next()%3+1, []string{"NONE", "FULL"}[next()%2])
	}
	catch := func() string {
		return fmt.Sprintf(`"Catch":[{"ErrorEquals":["Fuzz.Error"],"ResultPath":"$.err","Next":%q},{"ErrorEquals":["States.ALL"],"Next":%q}]`, any(), any())
	}
	states := make([]string, n)
	for i := range n {
		var s string
		switch next() % 9 {
		case 0:
			s = fmt.Sprintf(`"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","a.$":"States.ArrayRange(1, %d, 1)","p.$":%q},%s`, next()%20+1, path(), trans(i))
		case 1:
			s = fmt.Sprintf(`"Type":"Pass","ResultPath":%q,"OutputPath":%q,%s`, []string{"$.r", "$", "$.a"}[next()%3], path(), trans(i))
		case 2:
			s = fmt.Sprintf(`"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":%d,"Next":%q},{"Variable":%q,"IsPresent":true,"Next":%q}],"Default":%q`,
				next()%50, any(), path(), any(), name(min(i+1, n-1)))
		case 3:
			if next()%2 == 0 {
				s = fmt.Sprintf(`"Type":"Wait","Seconds":%d,%s`, next()*1000, trans(i))
			} else {
				s = fmt.Sprintf(`"Type":"Wait","SecondsPath":"$.i",%s`, trans(i))
			}
		case 4:
			s = fmt.Sprintf(`"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"x.$":%q},"ResultSelector":{"p.$":"$.Payload"},%s,%s,%s`,
				path(), retry(), catch(), trans(i))
		case 5:
			s = `"Type":"Fail","Error":"Fuzz.Fail","Cause":"generated"`
		case 6:
			s = `"Type":"Succeed"`
		case 7:
			s = fmt.Sprintf(`"Type":"Map","ItemsPath":%q,"MaxConcurrency":%d,"ToleratedFailureCount":%d,"ItemProcessor":{"StartAt":"In","States":{"In":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThan":%d,"Next":"Bad"}],"Default":"Ok"},"Bad":{"Type":"Fail","Error":"Fuzz.Item"},"Ok":{"Type":"Pass","End":true}}},"ResultPath":"$.m",%s,%s`,
				[]string{"$.a", "$", "$.missing"}[next()%3], next()%3, next()%3, next()%10, catch(), trans(i))
		case 8:
			b2 := []string{`"Type":"Pass","End":true`, `"Type":"Fail","Error":"Fuzz.Branch"`}[next()%2]
			s = fmt.Sprintf(`"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},{"StartAt":"B2","States":{"B2":{%s}}}],"ResultPath":"$.par",%s,%s,%s`,
				b2, retry(), catch(), trans(i))
		}
		states[i] = fmt.Sprintf(`%q:{%s}`, name(i), s)
	}
	return []byte(`{"StartAt":"S0","States":{` + strings.Join(states, ",") + `}}`)
}

// FuzzRunGenerated runs definitions generated from the fuzzed program
// bytes (see genDef), most of them valid, many of them looping.
func FuzzRunGenerated(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2}, []byte(`{"i":0}`), uint64(1))
	f.Add([]byte{8, 2, 5, 4, 4, 1, 1, 3, 0, 7, 0, 0, 8, 0, 1, 0, 6}, []byte(`{"i":1,"a":[1,2]}`), uint64(2))
	f.Add([]byte{5, 4, 0, 2, 0, 1, 2, 3, 4, 8, 1, 0, 7, 1, 2, 3, 4, 5, 6}, []byte(`[]`), uint64(3))
	f.Add([]byte{1, 2, 40, 0, 0, 0}, []byte(`{"i":0}`), uint64(4))
	f.Add([]byte{0, 3, 1}, []byte(`{"i":10000000000}`), uint64(5)) // Wait SecondsPath beyond time.Duration
	f.Fuzz(func(t *testing.T, prog, input []byte, seed uint64) {
		checkRun(t, genDef(prog), input, seed)
	})
}

// TestGenDefValid checks that the generator mostly makes valid
// definitions, so that FuzzRunGenerated explores runs, not the parser.
func TestGenDefValid(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	valid := 0
	const n = 300
	for range n {
		prog := make([]byte, 40)
		for i := range prog {
			prog[i] = byte(r.IntN(256))
		}
		def := genDef(prog)
		if _, err := asl.Parse(def); err == nil {
			valid++
		}
	}
	t.Logf("%d valid definitions out of %d", valid, n)
	require.Greater(t, valid, n/3, "got %d valid definitions out of %d", valid, n)
}
