package mocktask_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepwise-dev/stepwise/orchestrator/task/mocktask"
)

// FuzzParse checks that Parse never panics and that every configuration it
// accepts answers each mocked state consistently: the invocations its ranges
// cover succeed, the one after them fails.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"StateMachines":{"s":{"TestCases":{"t":{"A":"R"}}}},"MockedResponses":{"R":{"0-1":{"Throw":{"Error":"E","Cause":""}},"2":{"Return":null}}}}`))
	f.Add([]byte(`{"MockedResponses":{"R":{"0-":{"Return":1}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := mocktask.Parse(data)
		if err != nil {
			return
		}
		for sm, cases := range cfg.StateMachines {
			for tc, states := range cases {
				c, err := cfg.TestCase(sm, tc)
				if err != nil {
					t.Fatalf("TestCase(%q, %q): %v", sm, tc, err)
				}
				for state, resp := range states {
					ranges := cfg.Responses[resp]
					n := ranges[len(ranges)-1].Last + 1
					if n > 1000 {
						continue
					}
					for k := range n {
						if _, err := c.Next(state); err != nil {
							t.Fatalf("invocation %d of %q: %v", k, state, err)
						}
					}
					if _, err := c.Next(state); err == nil {
						t.Fatalf("invocation %d of %q past the last range succeeded", n, state)
					}
				}
			}
		}
	})
}
