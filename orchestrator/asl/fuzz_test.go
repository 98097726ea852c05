package asl_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// FuzzParse checks that Parse never panics and that its result is either
// a state machine or a list of *ValidationError, never both, never
// neither. It is seeded from testdata and the conformance cases.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.asl.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	files, _ = filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	for i, file := range files {
		if i%7 != 0 { // a sample keeps the seed corpus fast
			continue
		}
		if c := readCase(file); c != nil {
			f.Add(c.definitionBytes())
		}
	}
	f.Add([]byte(`not a definition`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":NaN,"End":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The hand-written JSON reader agrees with encoding/json.
		if !json.Valid(data) {
			if sm, _ := asl.Parse(data); sm != nil {
				t.Fatalf("accepted text that is not JSON: %q", data)
			}
		}
		for _, typ := range []string{asl.TypeStandard, asl.TypeExpress} {
			sm, err := asl.ParseWithOptions(data, asl.ParseOptions{Type: typ})
			if (sm == nil) == (err == nil) {
				t.Fatalf("got machine %v and error %v", sm, err)
			}
			if err == nil {
				continue
			}
			ves := asl.ValidationErrors(err)
			if len(ves) == 0 {
				t.Fatalf("error without validation errors: %v", err)
			}
			for _, ve := range ves {
				if ve.Code == "" || ve.Message == "" {
					t.Fatalf("incomplete validation error %#v", ve)
				}
				var target *asl.ValidationError
				if !errors.As(err, &target) {
					t.Fatalf("errors.As finds no *ValidationError in %v", err)
				}
			}
		}
	})
}

func readCase(file string) *conformanceCase {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var c conformanceCase
	if jsonUnmarshal(data, &c) != nil {
		return nil
	}
	return &c
}
