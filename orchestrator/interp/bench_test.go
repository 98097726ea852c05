package interp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// passChainDef is a chain of n Pass states.
func passChainDef(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// choiceLoopDef counts $.i from 0 to $.n with States.MathAdd: 2 states a
// round (Choice, Pass) and a final Succeed.
const choiceLoopDef = `{"StartAt":"Loop","States":{
	"Loop":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThanPath":"$.n","Next":"Inc"}],"Default":"Done"},
	"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)","n.$":"$.n"},"Next":"Loop"},
	"Done":{"Type":"Succeed"}}}`

// choiceLoopJSONataDef is choiceLoopDef in JSONata: a Condition and an
// Output expression a round.
const choiceLoopJSONataDef = `{"QueryLanguage":"JSONata","StartAt":"Loop","States":{
	"Loop":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.i < $states.input.n %}","Next":"Inc"}],"Default":"Done"},
	"Inc":{"Type":"Pass","Output":{"i":"{% $states.input.i + 1 %}","n":"{% $states.input.n %}"},"Next":"Loop"},
	"Done":{"Type":"Succeed"}}}`

// map3Def runs 3 Pass states for each item of $.items (an object input:
// aws-local-stepfunctions' CLI takes a top-level array for many inputs).
const map3Def = `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","End":true,
	"ItemProcessor":{"StartAt":"A","States":{
		"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Pass","Parameters":{"v.$":"$"},"Next":"C"},
		"C":{"Type":"Pass","OutputPath":"$.v","End":true}}}}}}`

func map3Input(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":%d}`, i)
	}
	return `{"items":[` + strings.Join(items, ",") + "]}"
}

// transitions counts the states entered by one run (with history).
func transitions(b *testing.B, m *interp.Machine, in any) int {
	b.Helper()
	n := 0
	emit := func(e *interp.Event) {
		if strings.HasSuffix(e.Type, "StateEntered") {
			n++
		}
	}
	res, err := interp.Run(b.Context(), m, testExecution(in), interp.RunOptions{Emit: emit})
	require.NoError(b, err)
	require.Equal(b, "SUCCEEDED", res.Status, "got %+v", res.Error)
	return n
}

// benchRun runs the definition b.N times without history and reports
// transitions per second.
func benchRun(b *testing.B, def, input string) {
	m := mustParse(b, def)
	in, err := value.Decode([]byte(input))
	require.NoError(b, err)
	n := transitions(b, m, in)
	ex := testExecution(in)
	opts := interp.RunOptions{Rand: seededRand(1)}
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := interp.Run(ctx, m, ex, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(float64(n), "transitions/op")
}

// BenchmarkPassChain100 runs a 100-state Pass chain (goal: at least
// 1,000,000 transitions/s).
func BenchmarkPassChain100(b *testing.B) { benchRun(b, passChainDef(100), `{"hello":"world"}`) }

// BenchmarkPassChain100History is BenchmarkPassChain100 with the history
// events built, as stepwise run --history and the engine do.
func BenchmarkPassChain100History(b *testing.B) {
	m := mustParse(b, passChainDef(100))
	in, err := value.Decode([]byte(`{"hello":"world"}`))
	require.NoError(b, err)
	ex := testExecution(in)
	var events int
	opts := interp.RunOptions{Emit: func(*interp.Event) { events++ }}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := interp.Run(b.Context(), m, ex, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkChoiceLoop counts to 1,000 with a Choice loop and
// States.MathAdd (goal: at least 500,000 transitions/s).
func BenchmarkChoiceLoop(b *testing.B) { benchRun(b, choiceLoopDef, `{"i":0,"n":1000}`) }

// BenchmarkChoiceLoopJSONata is BenchmarkChoiceLoop in JSONata (no goal).
func BenchmarkChoiceLoopJSONata(b *testing.B) {
	benchRun(b, choiceLoopJSONataDef, `{"i":0,"n":1000}`)
}

// BenchmarkMap1000x3 runs a Map over 1,000 items with 3 Pass states each
// (goal: at most 6 ms per run).
func BenchmarkMap1000x3(b *testing.B) { benchRun(b, map3Def, map3Input(1000)) }

// BenchmarkParse100 parses and validates a 100-state definition (goal: at
// most 1 ms).
func BenchmarkParse100(b *testing.B) {
	def := []byte(passChainDef(100))
	b.ReportAllocs()
	b.SetBytes(int64(len(def)))
	for b.Loop() {
		if _, err := asl.Parse(def); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep measures one Pass transition through Step alone.
func BenchmarkStep(b *testing.B) {
	m := mustParse(b, `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"E"},"E":{"Type":"Succeed"}}}`)
	in, err := value.Decode([]byte(`{"hello":"world"}`))
	require.NoError(b, err)
	var ids int64
	env := &interp.Env{Exec: testExecution(in), Now: startTime, IDs: &ids}
	th := &interp.Thread{Status: interp.Running, State: "P", Input: in, Started: true}
	b.ReportAllocs()
	for b.Loop() {
		th.State = "P"
		if _, err := interp.Step(m, th, interp.Input{Kind: interp.Enter}, env); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
}
