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
	CodeInvalidJSONDescription   = "INVALID_JSON_DESCRIPTION"
	CodeSchemaValidationFailed   = "SCHEMA_VALIDATION_FAILED"
	CodeMissingTransitionTarget  = "MISSING_TRANSITION_TARGET"
	CodeMissingEndState          = "MISSING_END_STATE"
	CodeDuplicateStateName       = "DUPLICATE_STATE_NAME"
	CodeInvalidStateName         = "INVALID_STATE_NAME"
	CodeInvalidResource          = "INVALID_RESOURCE"
	CodeInvalidJSONataExpression = "INVALID_JSONATA_EXPRESSION"
)

// State machine types, for ParseOptions.Type.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
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
