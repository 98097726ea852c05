// Package jsonata evaluates the JSONata query language of Amazon States
// Language: the "{% expr %}" strings of Arguments, Output, Assign, Choice
// Condition, Map Items, Wait Seconds/Timestamp, Fail Error/Cause and the
// other JSONata fields.
//
// # Language
//
// The package implements JSONata 2.0 as jsonata-js does (AWS runs
// jsonata-js 2.0.x): paths with predicates and sequence flattening,
// singleton unwrapping and "[]" to keep arrays, array and object
// constructors, group-by, order-by "^( )", "#" and "@" bindings,
// wildcards "*" and "**", variables, ":=" bindings, blocks, conditionals,
// lambdas with tail calls, partial application, "~>" chaining, regular
// expressions, the transform operator "| | |", and the function library,
// minus $eval (which AWS forbids), plus AWS's $partition, $range, $hash,
// $random(seed), $uuid and $parse.
//
// In ASL the root context is empty, so "$" and "$$" are undefined and data
// is reached through variables: $states.input, $states.result,
// $states.errorOutput, $states.context and the workflow variables, all
// supplied by a Vars.
//
// # Values
//
// Values are the JSON values of package value (json.Number numbers).
// Arithmetic is done in float64 as JavaScript does, except that integer
// +, -, *, % stay exact below 2^53; results are written with value.Float.
// Object keys are kept in Go maps, so $keys, $each, $spread, wildcards and
// $string list keys in sorted order rather than insertion order.
//
// # Errors
//
// Compile returns *SyntaxError. Eval returns *Error (jsonata-js code and
// message); EvalField and Template.Eval return *EvalError with AWS's cause
// text, without the "An error occurred while executing the state ..."
// prefix. Regular expressions use Go's RE2 syntax: lookaround and
// backreferences are syntax errors.
//
// # Determinism and limits
//
// $now, $millis, $random, $uuid and $shuffle take their inputs from
// EvalOptions (Now, Rand), passed explicitly or through a Vars that
// implements OptionsProvider, so a step can be replayed. Evaluation depth,
// steps and allocated items are bounded (EvalOptions.MaxDepth, MaxSteps,
// MaxItems); exceeding them fails with the messages AWS uses.
package jsonata
