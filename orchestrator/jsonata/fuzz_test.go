package jsonata

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

func fuzzSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/expressions.json")
	if err != nil {
		f.Fatal(err)
	}
	var file exprFile
	if err := json.Unmarshal(data, &file); err != nil {
		f.Fatal(err)
	}
	for _, c := range file.Cases {
		f.Add(c.Expr)
	}
	data, err = os.ReadFile("testdata/jsonata-js.json")
	if err != nil {
		f.Fatal(err)
	}
	var recs []jsRecord
	if err := json.Unmarshal(data, &recs); err != nil {
		f.Fatal(err)
	}
	for _, r := range recs {
		f.Add(r.Expr)
	}
	for _, s := range []string{"((((((((((1))))))))))", "[[[[[[[[]]]]]]]]", "$f := function(){$f()}", "/a/", "a.b.c[0]{x:y}^(z)"} {
		f.Add(s)
	}
}

func FuzzCompile(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Compile(%q) returned %T, want *SyntaxError", src, err)
			}
			return
		}
		_ = e.String()
	})
}

func FuzzEval(f *testing.F) {
	fuzzSeeds(f)
	input, _ := value.DecodeString(`{"a": 1, "b": [1, "x", null, true, {"c": [2, 3]}], "s": "hello"}`)
	vars := VarsMap{"states": map[string]any{"input": input}, "v": value.Int(3)}
	opts := EvalOptions{Now: time.Unix(0, 0), Rand: zeroReader{}, MaxSteps: 20_000, MaxItems: 20_000, MaxDepth: 100}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		v, ok, err := e.EvalWith(vars, opts)
		if err != nil {
			switch err.(type) {
			case *Error:
			default:
				t.Fatalf("Eval(%q) returned %T %v, want *Error", src, err, err)
			}
			return
		}
		if ok {
			if _, err := value.Encode(v); err != nil {
				t.Fatalf("Eval(%q) returned a value that is not JSON: %v", src, err)
			}
			if _, err := value.Normalize(v); err != nil {
				t.Fatalf("Eval(%q) returned a non-JSON value: %v", src, err)
			}
		}
	})
}
