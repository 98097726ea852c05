package jsonata_test

import (
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
)

func ExampleTemplate_Eval() {
	input, _ := value.DecodeString(`{"items": [{"price": 2}, {"price": 3}]}`)
	vars := jsonata.VarsMap{"states": map[string]any{"input": input}, "tax": value.Int(1)}
	field, _ := value.DecodeString(`{"total": "{% $sum($states.input.items.price) + $tax %}", "missing": "{% $nope %}"}`)
	tmpl, err := jsonata.CompileTemplate(field)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = tmpl.Eval(vars, "Output")
	fmt.Println(err)
	// Output:
	// The JSONata expression '$nope' specified for the field 'Output/missing' returned nothing (undefined).
}

func ExampleExpr_Eval() {
	e, _ := jsonata.Compile(" $states.input.items[price > 2].price ")
	input, _ := value.DecodeString(`{"items": [{"price": 2}, {"price": 3}]}`)
	v, ok, err := e.Eval(jsonata.VarsMap{"states": map[string]any{"input": input}})
	fmt.Println(v, ok, err, e.String())
	// Output:
	// 3 true <nil> $states.input.items[price > 2].price
}
