package interp_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// TestLeanEvents steps a thread through Pass, Choice, Wait, Fail and
// Succeed states with and without Env.LeanEvents: the events are the same,
// the lean ones' StateDetails giving the maps the others hold.
func TestLeanEvents(t *testing.T) {
	def := `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Parameters":{"x.$":"$.a","s":"<&>"},"ResultPath":"$.r","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.r.x","NumericEquals":1,"Next":"W"}],"Default":"F"},
		"W":{"Type":"Wait","Seconds":1,"Next":"S"},
		"S":{"Type":"Succeed"},
		"F":{"Type":"Fail","Error":"E","Cause":"c"}}}`
	m := mustParse(t, def)
	for _, input := range []string{`{"a":1,"b":"\u2028"}`, `{"a":2}`} {
		in, err := value.Decode([]byte(input))
		require.NoError(t, err)
		run := func(lean bool) []*interp.Event {
			var events []*interp.Event
			var ids int64
			env := &interp.Env{Exec: testExecution(in), Now: startTime, IDs: &ids, LeanEvents: lean,
				Emit: func(ev *interp.Event) { events = append(events, ev) }}
			th := &interp.Thread{Status: interp.Running, State: "P", Input: in}
			input := interp.Input{Kind: interp.Enter}
			for range 10 {
				eff, err := interp.Step(m, th, input, env)
				require.NoError(t, err)
				switch eff.Kind {
				case interp.Continue:
					input = interp.Input{Kind: interp.Enter}
				case interp.Sleep:
					input = interp.Input{Kind: interp.TimerFired}
				case interp.Done:
					return events
				default:
					t.Fatalf("effect %v", eff.Kind)
				}
			}
			t.Fatal("the thread did not end")
			return nil
		}
		full, lean := run(false), run(true)
		require.Len(t, lean, len(full))
		leans := 0
		for i, ev := range lean {
			if ev.Lean {
				leans++
				require.Nil(t, ev.Details)
				want, err := full[i].MarshalJSON()
				require.NoError(t, err)
				got, err := ev.MarshalJSON()
				require.NoError(t, err)
				require.JSONEq(t, string(want), string(got))
				require.Equal(t, string(want), string(got))
			}
			e := *ev
			e.Details, e.Lean, e.StateName, e.Data = ev.StateDetails(), false, "", nil
			require.Equal(t, full[i], &e)
		}
		require.Positive(t, leans)
	}
}
