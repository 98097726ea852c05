// Package asl holds the Amazon States Language model, the parser that
// fills it and the validator that reports what AWS Step Functions would
// reject, with AWS's diagnostic codes and locations.
//
// # Parsing
//
// Parse and ParseWithOptions read a definition, compile its paths,
// templates, intrinsic functions and JSONata expressions into the model,
// and report every problem as a *ValidationError joined with errors.Join.
// A definition is at most MaxDefinitionSize bytes, valid UTF-8, and nests
// at most MaxDepth objects and arrays.
//
// # Query languages
//
// The top-level QueryLanguage (JSONPath by default) is the default of
// every state, nested machines (Parallel branches, Map item processors)
// included: they inherit the top-level language, not their parent
// state's, as AWS does. A state may say JSONata in a JSONPath machine but
// not the reverse. State.QueryLanguage is the effective language.
//
// # Reachability
//
// As AWS does, a state is reachable when StartAt or a transition of any
// state names it; an unreachable state is reported with the code
// MISSING_TRANSITION_TARGET ("State \"X\" is not reachable."), and a
// machine without a terminal state with MISSING_END_STATE, without a
// location.
package asl

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits of a definition. AWS accepts definitions of at most 1 MB
// (1,048,576 characters); stepwise also bounds the nesting of JSON values
// so that a hostile definition cannot exhaust the stack.
const (
	// MaxDefinitionSize is the largest definition accepted, in bytes.
	MaxDefinitionSize = 1 << 20
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted.
	MaxDepth = 256
)

// Diagnostic codes of AWS's ValidateStateMachineDefinition, as found in
// ValidationError.Code.
const (
	// CodeInvalidJSONDescription: the text is not JSON (or not UTF-8, or
	// nested too deeply).
	CodeInvalidJSONDescription = "INVALID_JSON_DESCRIPTION"
	// CodeSchemaValidationFailed: a field is missing, unknown, of the
	// wrong type or out of range.
	CodeSchemaValidationFailed = "SCHEMA_VALIDATION_FAILED"
	// CodeMissingTransitionTarget: a transition names a state that does
	// not exist, or a state is not reachable.
	CodeMissingTransitionTarget = "MISSING_TRANSITION_TARGET"
	// CodeMissingEndState: a state machine has no terminal state.
	CodeMissingEndState = "MISSING_END_STATE"
	// CodeDuplicateStateName: a state name is used twice in the definition.
	CodeDuplicateStateName = "DUPLICATE_STATE_NAME"
	// CodeInvalidStateName: a state name is empty or too long.
	CodeInvalidStateName = "INVALID_STATE_NAME"
	// CodeInvalidResource: ParseOptions.KnownResource rejected a Task
	// resource.
	CodeInvalidResource = "INVALID_RESOURCE"
	// CodeInvalidJSONataExpression: a "{% %}" expression does not parse.
	CodeInvalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
)

// State machine types, for ParseOptions.Type.
const (
	// TypeStandard is a Standard state machine (the default).
	TypeStandard = "STANDARD"
	// TypeExpress is an Express state machine.
	TypeExpress = "EXPRESS"
)

// ParseOptions are the settings of ParseWithOptions.
type ParseOptions struct {
	// Type is STANDARD (the default when empty) or EXPRESS. EXPRESS
	// rejects the .waitForTaskToken and .sync service integrations.
	Type string
	// KnownResource, when set, is asked about every Task Resource; a
	// resource it does not know is reported as INVALID_RESOURCE.
	KnownResource func(arn string) bool
}

// Parse parses and validates a STANDARD state machine definition. On any
// problem it returns a nil *StateMachine and an error that joins
// (errors.Join) one *ValidationError per problem, each with AWS's
// diagnostic code, a message and its location in the definition
// (/States/Wait/Seconds). It reports every problem, not just the first.
func Parse(data []byte) (*StateMachine, error) {
	return ParseWithOptions(data, ParseOptions{})
}

// ParseWithOptions is Parse with options: the state machine type and an
// optional check of Task resources.
func ParseWithOptions(data []byte, opts ParseOptions) (*StateMachine, error) {
	p := &parser{opts: opts}
	switch opts.Type {
	case "", TypeStandard, TypeExpress:
	default:
		return nil, errors.Join(&ValidationError{
			Code:    CodeSchemaValidationFailed,
			Message: fmt.Sprintf("State machine type must be STANDARD or EXPRESS, not %q", opts.Type),
		})
	}
	sm := p.parse(data)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return sm, nil
}

// parser collects the problems of one definition.
type parser struct {
	opts   ParseOptions
	errs   []error
	top    QueryLanguage       // the whole machine's language
	names  map[string]string   // every state name -> its location, across nested machines
	dupSet map[string]struct{} // names already reported as duplicates
	// express is set while parsing the states of an EXPRESS child
	// workflow, which rejects .sync and .waitForTaskToken like an
	// Express state machine.
	express bool
}

func (p *parser) add(code, loc, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	p.errs = append(p.errs, &ValidationError{Code: code, Message: msg, Location: loc})
}

// schema adds a SCHEMA_VALIDATION_FAILED problem.
func (p *parser) schema(loc, format string, args ...any) {
	p.add(CodeSchemaValidationFailed, loc, format, args...)
}

func (p *parser) parse(data []byte) *StateMachine {
	if len(data) > MaxDefinitionSize {
		p.schema("", "Definition is larger than the limit of %d bytes (1 MB)", MaxDefinitionSize)
		return nil
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		line, col := lineCol(data, off)
		p.add(CodeInvalidJSONDescription, "", "Invalid UTF-8 byte 0x%02x at line: %d, column: %d", data[off], line, col)
		return nil
	}
	if isBlank(data) {
		p.schema("", "Definition must be a valid JSON object")
		return nil
	}
	root, err := decodeNode(data, MaxDepth)
	if errors.Is(err, errTooDeep) {
		p.add(CodeInvalidJSONDescription, "", "JSON nesting is deeper than the limit of %d levels", MaxDepth)
		return nil
	}
	if err != nil {
		p.add(CodeInvalidJSONDescription, "", "%s", syntaxMessage(data, err))
		return nil
	}
	if root.kind != kindObject {
		p.schema("", "Definition must be a valid JSON object")
		return nil
	}
	p.names = map[string]string{}
	p.dupSet = map[string]struct{}{}
	return p.machine(root, "", machineTop, JSONPath)
}

func isBlank(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// at is the location to report for an object: "/" for the root.
func at(loc string) string {
	if loc == "" {
		return "/"
	}
	return loc
}

// index is the location of an array element, in AWS's form (Catch[0]).
func index(loc string, i int) string { return loc + "[" + strconv.Itoa(i) + "]" }
