package jsonpath

// Error names used in EvalError.Name.
const (
	// ErrorRuntime is the Step Functions error for a path that cannot be
	// evaluated.
	ErrorRuntime = "States.Runtime"
	// ErrorIntrinsicFailure is the Step Functions error for an intrinsic
	// function that fails at run time.
	ErrorIntrinsicFailure = "States.IntrinsicFailure"
	// ErrorResultPathMatchFailure is the Step Functions error for a
	// ResultPath that cannot be applied to the state input.
	ErrorResultPathMatchFailure = "States.ResultPathMatchFailure"
)

// NotFoundError says that a definite path selects nothing in a document.
// Message is Jayway's text as AWS shows it, for instance
// "No results for path: $['a']" when the last step is missing, or
// "Missing property in path $['a']" when a step on the way is.
type NotFoundError struct {
	// Path is the text of the path that was evaluated.
	Path string
	// Message is Jayway's description of what is missing.
	Message string
}

// Error returns Message.
func (e *NotFoundError) Error() string { return e.Message }

// EvalError is a failure while evaluating a template or a path, as the
// state machine sees it. Cause is AWS's text without the "An error occurred
// while executing the state ..." prefix, which the interpreter adds.
type EvalError struct {
	// Name is the Step Functions error name, e.g. "States.Runtime".
	Name string
	// Cause is the error's cause, in AWS's words.
	Cause string
}

// Error returns Cause.
func (e *EvalError) Error() string { return e.Cause }

// CompileError says that a payload template cannot be compiled. Its text is
// AWS's validation message; Pointer locates the object holding the field
// inside the template ("" for the template itself, "/a/0" below it), for
// the caller to append to the state's own location.
type CompileError struct {
	// Field is the key whose value is wrong, e.g. "parsed.$".
	Field string
	// Pointer is the JSON pointer of the object holding Field, relative to
	// the template.
	Pointer string
	// Reason says what exactly is wrong, for logs and tests.
	Reason string
}

// Error returns AWS's message for the field, followed by the location
// inside the template when the field is nested.
func (e *CompileError) Error() string {
	msg := "The value for the field '" + e.Field + "' must be a valid JSONPath or a valid intrinsic function call"
	if e.Pointer != "" {
		msg += " at " + e.Pointer
	}
	return msg
}

// SyntaxError says that a path is not valid JSONPath.
type SyntaxError struct {
	// Path is the text that was compiled.
	Path string
	// Offset is the byte offset of the problem in Path.
	Offset int
	// Msg says what is wrong.
	Msg string
}

// Error describes the problem and where it is.
func (e *SyntaxError) Error() string {
	return "invalid JSONPath '" + e.Path + "' at offset " + itoa(e.Offset) + ": " + e.Msg
}
