package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// QueryEvaluationError is the ASL error name of every evaluation failure.
const QueryEvaluationError = "States.QueryEvaluationError"

// SyntaxError reports an expression that does not parse. Code is the
// jsonata-js error code (S0201 ...), Position the byte offset in the
// expression at which the problem was found.
type SyntaxError struct {
	Code     string
	Message  string
	Position int
}

// Error returns the code, the message and the position, e.g.
// `S0202: Expected "]", got "," at position 5`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: %s at position %d", e.Code, e.Message, e.Position)
}

func syntaxErr(code string, pos int, msg string) *SyntaxError {
	return &SyntaxError{Code: code, Message: msg, Position: pos}
}

func syntaxErrToken(code string, pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Code: code, Message: fmt.Sprintf(format, args...), Position: pos}
}

// EvalError is a failed evaluation, as a state-machine error: Name is
// always "States.QueryEvaluationError" and Cause is AWS's text without the
// "An error occurred while executing the state 'X' (entered at the event id
// #N). " prefix, which the interpreter adds.
type EvalError struct {
	Name  string
	Cause string
}

// Error returns the cause.
func (e *EvalError) Error() string { return e.Cause }

// Error is a runtime error raised by the JSONata evaluator, before it is
// placed in an EvalError: Code is the jsonata-js code (T2001, D3030 ...),
// empty for limits (stack depth, memory), which AWS reports without one.
type Error struct {
	Code    string
	Message string
}

// Error returns "CODE: message", or the message alone when there is no code.
func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return e.Code + ": " + e.Message
}

func rtErr(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Limit errors, worded as AWS words them.
var (
	errStackOverflow = &Error{Message: "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive."}
	errMemory        = &Error{Message: "Expression evaluation memory limit exceeded: Check for excessive memory usage"}
	errTimeout       = &Error{Message: "Expression evaluation timeout: Check for infinite loop"}
)

// evalCause renders the cause for err raised while evaluating expr for
// field: "... threw an error during evaluation. CODE: message", or ": message"
// for errors without a code.
func evalCause(expr, field string, err error) *EvalError {
	if ee, ok := err.(*EvalError); ok {
		return ee
	}
	sep := ": "
	if je, ok := err.(*Error); ok && je.Code != "" {
		sep = ". "
	}
	return &EvalError{Name: QueryEvaluationError, Cause: fmt.Sprintf(
		"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation%s%s", expr, field, sep, err.Error())}
}

// UndefinedError returns the error AWS raises when the expression (the
// text between "{%" and "%}", trimmed) for field returned nothing.
func UndefinedError(expr, field string) *EvalError {
	return &EvalError{Name: QueryEvaluationError, Cause: fmt.Sprintf(
		"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", expr, field)}
}

// TypeError returns the error AWS raises when the expression for field
// returned a value of the wrong type, e.g. for Map Items:
// "The JSONata expression '$x' specified for the field 'Items' returned an
// unexpected result type. Expected 'array', but was 'object' for value: {"foo":"bar"}".
// want is the expected JSON type name ("array", "number", "string",
// "boolean", "integer", ...).
func TypeError(expr, field, want string, got any) *EvalError {
	return &EvalError{Name: QueryEvaluationError, Cause: fmt.Sprintf(
		"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
		expr, field, want, value.TypeName(got), value.MustString(got))}
}

// jsString renders v as JSON.stringify does in jsonata-js messages.
func jsString(v any) string {
	switch x := v.(type) {
	case undefinedType:
		return "undefined"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return formatJSNumber(x)
	case json.Number:
		f, _ := value.ToFloat(x)
		return formatJSNumber(f)
	case string:
		b, _ := value.Encode(x)
		return string(b)
	}
	s, err := stringify(v, false)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return s
}

// formatJSNumber writes f as JavaScript's Number.prototype.toString does.
func formatJSNumber(f float64) string {
	switch {
	case f == 0:
		return "0"
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	// Go writes e+21 / e-07; JavaScript writes e+21 / e-7.
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}
