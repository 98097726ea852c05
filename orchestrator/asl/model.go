package asl

import (
	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

// QueryLanguage is the language of a state's fields.
type QueryLanguage string

// The two query languages.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// StateType is the Type field of a state.
type StateType string

// The eight state types.
const (
	TypeTask     StateType = "Task"
	TypePass     StateType = "Pass"
	TypeChoice   StateType = "Choice"
	TypeWait     StateType = "Wait"
	TypeSucceed  StateType = "Succeed"
	TypeFail     StateType = "Fail"
	TypeParallel StateType = "Parallel"
	TypeMap      StateType = "Map"
)

// StateMachine is a parsed definition, or a Parallel branch, or a Map's
// item processor (a nested state machine).
type StateMachine struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	TimeoutSeconds int64 // 0: none (top level only)
	Version        string
	QueryLanguage  QueryLanguage // the default for its states

	// Order lists the state names in the order they appear in the
	// definition (for graphs and stable reports).
	Order []string
	// ProcessorMode is INLINE or DISTRIBUTED for a Map's item processor.
	ProcessorMode string
	// ExecutionType is STANDARD or EXPRESS for a distributed Map's processor.
	ExecutionType string
}

// OptPath is a JSONPath field that may be absent, null, or a path.
type OptPath struct {
	Set  bool           // the field was given
	Null bool           // the field was given as null
	Path *jsonpath.Path // the path when Set and not Null
}

// Field is a field whose value may be a literal, come from a JSONPath
// (the ...Path twin of the field), or be a JSONata expression ("{% %}").
type Field struct {
	Set     bool
	Literal any            // the literal value (a json.Number for numbers)
	Path    *jsonpath.Path // from the ...Path field (JSONPath mode)
	Expr    *jsonata.Expr  // from a "{% %}" string (JSONata mode)
	// Template is a ".$"-style path or intrinsic call, used by Fail's
	// ErrorPath/CausePath which accept intrinsic functions.
	Template *jsonpath.Template
}

// State is one state of a state machine, with every field of every type;
// the fields that do not apply to its Type are zero.
type State struct {
	Name          string
	Type          StateType
	Comment       string
	QueryLanguage QueryLanguage // effective language of this state
	Next          string
	End           bool

	// JSONPath input and output processing.
	InputPath      OptPath
	OutputPath     OptPath
	ResultPath     OptPath
	Parameters     *jsonpath.Template // Task, Pass, Parallel, Map (legacy ItemSelector)
	ResultSelector *jsonpath.Template // Task, Parallel, Map
	Result         any                // Pass
	HasResult      bool

	// JSONata input and output processing.
	Arguments *jsonata.Template // Task, Parallel
	Output    *jsonata.Template // all but Fail; nil: the state's default

	// Variables.
	AssignPath *jsonpath.Template // JSONPath mode
	AssignExpr *jsonata.Template  // JSONata mode

	Retry []*Retrier
	Catch []*Catcher

	// Task.
	Resource         string
	TimeoutSeconds   Field
	HeartbeatSeconds Field
	Credentials      any

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Wait.
	Seconds   Field
	Timestamp Field

	// Fail.
	Error Field
	Cause Field

	// Parallel.
	Branches []*StateMachine

	// Map.
	ItemProcessor              *StateMachine
	ItemsPath                  OptPath
	Items                      Field              // JSONata (literal array or expression)
	ItemSelector               *jsonpath.Template // JSONPath (ItemSelector or legacy Parameters)
	ItemSelectorExpr           *jsonata.Template  // JSONata ItemSelector
	MaxConcurrency             Field
	ToleratedFailureCount      Field
	ToleratedFailurePercentage Field
	ItemReader                 any
	ItemBatcher                any
	ResultWriter               any
	Label                      string
	Distributed                bool
}

// Retrier is one entry of a Retry field.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64   // default 1
	MaxAttempts     int64   // default 3
	BackoffRate     float64 // default 2.0
	MaxDelaySeconds int64   // 0: none
	JitterStrategy  string  // "FULL" or "NONE" (default)
	Comment         string
}

// Catcher is one entry of a Catch field.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  OptPath
	AssignPath  *jsonpath.Template
	AssignExpr  *jsonata.Template
	Output      *jsonata.Template
	Comment     string
}

// ChoiceRule is one rule of a Choice state, or a nested rule of And, Or
// and Not. A top-level rule has Next; nested rules do not.
type ChoiceRule struct {
	// JSONPath comparison: Variable, the operator name and its operand.
	Variable    *jsonpath.Path
	Operator    string         // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
	Operand     any            // literal operand (not for ...Path operators)
	OperandPath *jsonpath.Path // operand of a ...Path operator
	And         []*ChoiceRule
	Or          []*ChoiceRule
	Not         *ChoiceRule

	// JSONata.
	Condition Field

	Next       string
	AssignPath *jsonpath.Template
	AssignExpr *jsonata.Template
	Output     *jsonata.Template
	Comment    string
}

// Operators lists every comparison operator of a Choice rule.
var Operators = []string{
	"BooleanEquals", "BooleanEqualsPath",
	"IsBoolean", "IsNull", "IsNumeric", "IsPresent", "IsString", "IsTimestamp",
	"NumericEquals", "NumericEqualsPath",
	"NumericGreaterThan", "NumericGreaterThanPath",
	"NumericGreaterThanEquals", "NumericGreaterThanEqualsPath",
	"NumericLessThan", "NumericLessThanPath",
	"NumericLessThanEquals", "NumericLessThanEqualsPath",
	"StringEquals", "StringEqualsPath",
	"StringGreaterThan", "StringGreaterThanPath",
	"StringGreaterThanEquals", "StringGreaterThanEqualsPath",
	"StringLessThan", "StringLessThanPath",
	"StringLessThanEquals", "StringLessThanEqualsPath",
	"StringMatches",
	"TimestampEquals", "TimestampEqualsPath",
	"TimestampGreaterThan", "TimestampGreaterThanPath",
	"TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath",
	"TimestampLessThan", "TimestampLessThanPath",
	"TimestampLessThanEquals", "TimestampLessThanEqualsPath",
}
