package jsonata

import (
	"crypto/rand"
	"io"
	"math"
	"strings"
	"time"
)

// Vars supplies the variables of an evaluation: "states" (a map holding
// input, result, errorOutput and context as applicable) and every workflow
// variable by name, without "$". Lookup is called for each variable
// reference that is not bound inside the expression, so it must be cheap.
// Values must be JSON values as in package value (json.Number numbers) and
// are never modified.
type Vars interface {
	Lookup(name string) (any, bool)
}

// VarsMap is a Vars backed by a map.
type VarsMap map[string]any

// Lookup returns m[name].
func (m VarsMap) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// VarsFunc adapts a function to Vars.
type VarsFunc func(name string) (any, bool)

// Lookup calls f.
func (f VarsFunc) Lookup(name string) (any, bool) { return f(name) }

// OptionsProvider is implemented by a Vars that also carries the
// evaluation options (the interpreter's scope does, so that $now, $millis,
// $random, $uuid and $shuffle replay deterministically).
type OptionsProvider interface {
	EvalOptions() EvalOptions
}

// EvalOptions holds the inputs of an evaluation besides the variables, and
// its limits. Zero fields take their defaults.
type EvalOptions struct {
	// Now is the time $now() and $millis() return; default: time.Now() at
	// the start of the evaluation.
	Now time.Time
	// Rand is the source of $random(), $uuid() and $shuffle(); default
	// crypto/rand.Reader.
	Rand io.Reader
	// MaxDepth bounds the nesting of evaluation (recursion); beyond it the
	// evaluation fails with AWS's "Stack overflow error". Default 200.
	MaxDepth int
	// MaxSteps bounds the number of evaluation steps; default 10,000,000.
	MaxSteps int
	// MaxItems bounds the number of items built in sequences and arrays;
	// beyond it the evaluation fails with AWS's "memory limit exceeded".
	// Default 500,000.
	MaxItems int
}

// Default limits.
const (
	DefaultMaxDepth = 200
	DefaultMaxSteps = 10_000_000
	DefaultMaxItems = 500_000
)

func (o EvalOptions) withDefaults() EvalOptions {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o
}

// evalCtx is the state of one evaluation.
type evalCtx struct {
	vars  Vars
	opts  EvalOptions
	depth int
	steps int
	items int
}

func (c *evalCtx) now() time.Time { return c.opts.Now }

// Expr is a compiled JSONata expression (the text between "{%" and "%}").
// It is safe for concurrent use.
type Expr struct {
	src  string
	root *node
	// statesContext: the text may read $states.context (see
	// ReadsStatesContext).
	statesContext bool
}

// Compile parses a JSONata expression. A syntax error is a *SyntaxError
// that says what is wrong and at which byte offset; the validator reports
// it as INVALID_JSONATA_EXPRESSION.
func Compile(expr string) (*Expr, error) {
	root, err := parse(expr)
	if err != nil {
		return nil, err
	}
	return &Expr{src: expr, root: root, statesContext: mayReadStatesContext(expr)}, nil
}

// ReadsStatesContext reports whether the expression may read
// $states.context, so that a caller can skip building the context object
// for the many expressions that do not. It errs on the side of true: the
// text says "context" anywhere, or uses $states other than as
// "$states.name" with a plain name.
func (e *Expr) ReadsStatesContext() bool { return e.statesContext }

// mayReadStatesContext is ReadsStatesContext's test on the text.
func mayReadStatesContext(src string) bool {
	if strings.Contains(src, "context") {
		return true
	}
	const v = "$states"
	for i := strings.Index(src, v); i >= 0; {
		rest := src[i+len(v):]
		// Only "$states.name" is known not to reach the context.
		if len(rest) < 2 || rest[0] != '.' || !isNameStart(rest[1]) {
			return true
		}
		j := strings.Index(rest, v)
		if j < 0 {
			break
		}
		i += len(v) + j
	}
	return false
}

func isNameStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// MustCompile is Compile that panics on error, for tests and constants.
func MustCompile(expr string) *Expr {
	e, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the expression text, trimmed, as AWS quotes it in causes.
func (e *Expr) String() string { return strings.TrimSpace(e.src) }

// Eval evaluates the expression against vars. ok is false when the result
// is undefined (JSONata's "nothing"). Errors are *Error values (a
// jsonata-js code and message); EvalField turns them into AWS's causes.
// Options come from vars when it implements OptionsProvider.
func (e *Expr) Eval(vars Vars) (result any, ok bool, err error) {
	var opts EvalOptions
	if p, isP := vars.(OptionsProvider); isP {
		opts = p.EvalOptions()
	}
	return e.EvalWith(vars, opts)
}

// EvalWith is Eval with explicit options.
func (e *Expr) EvalWith(vars Vars, opts EvalOptions) (result any, ok bool, err error) {
	c := &evalCtx{vars: vars, opts: opts.withDefaults()}
	v, err := c.eval(e.root, undefined, newFrame(nil))
	if err != nil {
		return nil, false, err
	}
	for {
		tc, isTC := v.(*tailCall)
		if !isTC {
			break
		}
		if v, err = c.apply(tc.proc, tc.args, tc.input); err != nil {
			return nil, false, err
		}
	}
	return output(v)
}

// output converts an evaluation result to a JSON value.
func output(v any) (any, bool, error) {
	switch x := v.(type) {
	case undefinedType:
		return nil, false, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, true, nil
		}
	}
	if isFunction(v) {
		return nil, false, nil
	}
	return plain(v), true, nil
}

// EvalField evaluates the expression written in field (e.g. "Items",
// "Choices[0]/Condition", "Output/result") and returns AWS's errors: an
// *EvalError when the evaluation fails or returns nothing.
func (e *Expr) EvalField(vars Vars, field string) (any, error) {
	v, ok, err := e.Eval(vars)
	if err != nil {
		return nil, evalCause(e.String(), field, err)
	}
	if !ok {
		return nil, UndefinedError(e.String(), field)
	}
	return v, nil
}

// Unwrap reports whether s is a JSONata field "{% ... %}" (s must start
// with "{%" and end with "%}", nothing trimmed) and returns the inner text.
func Unwrap(s string) (inner string, ok bool) {
	if len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") {
		return s[2 : len(s)-2], true
	}
	return "", false
}
