package jsonpath_test

import (
	"fmt"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

func ExamplePath_Get() {
	doc, _ := value.DecodeString(`{"items":[{"id":1},{"id":2}]}`)
	v, _ := jsonpath.MustCompile("$.items[1].id").Get(doc)
	fmt.Println(v)
	v, _ = jsonpath.MustCompile("$.items[*].id").Get(doc)
	fmt.Println(value.MustString(v))
	_, err := jsonpath.MustCompile("$.nope").Get(doc)
	fmt.Println(err)
	// Output:
	// 2
	// [1,2]
	// No results for path: $['nope']
}

func ExampleTemplate_Eval() {
	params, _ := value.DecodeString(`{"greeting.$":"States.Format('Hello, {}!', $.name)","id.$":"$$.Execution.Id","fixed":1}`)
	tpl, err := jsonpath.CompileTemplate(params)
	if err != nil {
		panic(err)
	}
	input, _ := value.DecodeString(`{"name":"Ann"}`)
	ctx, _ := value.DecodeString(`{"Execution":{"Id":"arn:aws:states:::execution:sm:run"}}`)
	out, _ := tpl.Eval(&jsonpath.Env{Input: input, Context: ctx})
	fmt.Println(value.MustString(out))
	// Output: {"fixed":1,"greeting":"Hello, Ann!","id":"arn:aws:states:::execution:sm:run"}
}

func ExampleSet() {
	doc, _ := value.DecodeString(`{"a":1}`)
	out, _ := jsonpath.Set(doc, jsonpath.MustCompile("$.result.value"), "done")
	fmt.Println(value.MustString(out))
	// Output: {"a":1,"result":{"value":"done"}}
}
