package intrinsic_test

import (
	"fmt"
	"io"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/intrinsic"
)

// inputEnv resolves "$.name" paths against a flat input object.
type inputEnv map[string]any

func (e inputEnv) Resolve(path string) (any, error) { return e[path[2:]], nil }
func (e inputEnv) Random() io.Reader                { return nil }

func ExampleCall_Eval() {
	c, err := intrinsic.Compile("States.StringSplit(States.Format('{}-{}', $.a, $.b), '-')")
	if err != nil {
		panic(err)
	}
	v, _ := c.Eval(inputEnv{"a": "x", "b": "y"})
	fmt.Println(value.MustString(v))
	// Output: ["x","y"]
}
