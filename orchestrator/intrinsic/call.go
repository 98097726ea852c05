package intrinsic

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// MaxDepth is how deeply calls may be nested in one field, as AWS allows.
const MaxDepth = 10

// ErrorName is the Step Functions error name of an intrinsic function
// that fails at run time.
const ErrorName = "States.IntrinsicFailure"

// Env is what a call evaluates against.
type Env interface {
	// Resolve returns the value of a path argument such as "$.a",
	// "$$.Execution.Id" or "$var.x". Its errors are returned by Eval
	// unchanged.
	Resolve(path string) (any, error)
	// Random returns the source of randomness for States.UUID and
	// States.MathRandom; nil means crypto/rand.
	Random() io.Reader
}

// Error is a failure of an intrinsic function at run time: a wrong
// argument type or value, an out-of-range index, invalid JSON text, ...
type Error struct {
	// Name is the Step Functions error name, ErrorName.
	Name string
	// Cause says what went wrong.
	Cause string
}

// Error returns Cause.
func (e *Error) Error() string { return e.Cause }

func failf(fn string, format string, a ...any) error {
	return &Error{Name: ErrorName, Cause: "Invalid arguments in " + fn + ": " + fmt.Sprintf(format, a...)}
}

// ArgKind says what an argument is.
type ArgKind int

const (
	// ArgLiteral is a string, number, boolean or null literal.
	ArgLiteral ArgKind = iota
	// ArgPath is a path: "$.a", "$$.b", "$var".
	ArgPath
	// ArgCall is a nested call.
	ArgCall
)

// Arg is one argument of a call.
type Arg struct {
	// Kind says which of the other fields is set.
	Kind ArgKind
	// Value is the literal's value (string, json.Number, bool or nil).
	Value any
	// Path is the text of a path argument.
	Path string
	// Call is a nested call.
	Call *Call

	// raw is a string literal as written between the quotes, escapes
	// included; States.Format needs it to tell \{ from {.
	raw      string
	isString bool
}

// Call is a compiled intrinsic function call.
type Call struct {
	// Name is the function name, e.g. "States.Format".
	Name string
	// Args are the arguments in order.
	Args []Arg

	fn   *Func
	text string
}

// IsCall reports whether s looks like an intrinsic function call (it
// starts with "States."), without checking it further.
func IsCall(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "States.")
}

// String returns the text the call was compiled from.
func (c *Call) String() string { return c.text }

// Paths returns the text of every path argument, nested calls included,
// for the caller to validate and compile.
func (c *Call) Paths() []string {
	var out []string
	for _, a := range c.Args {
		switch a.Kind {
		case ArgPath:
			out = append(out, a.Path)
		case ArgCall:
			out = append(out, a.Call.Paths()...)
		}
	}
	return out
}

// Eval evaluates the call: its arguments first, then the function.
func (c *Call) Eval(env Env) (any, error) {
	args := make([]any, len(c.Args))
	for i := range c.Args {
		a := &c.Args[i]
		switch a.Kind {
		case ArgLiteral:
			args[i] = a.Value
		case ArgPath:
			v, err := env.Resolve(a.Path)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case ArgCall:
			v, err := a.Call.Eval(env)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
	}
	return c.fn.Func(c, args, env)
}

// random returns env's source of randomness or crypto/rand.
func random(env Env) io.Reader {
	if env != nil {
		if r := env.Random(); r != nil {
			return r
		}
	}
	return rand.Reader
}

// Compile parses an intrinsic function call. It checks the syntax, the
// function name, the number of arguments, string escapes and nesting
// depth; types are checked by Eval.
func Compile(s string) (*Call, error) {
	p := &parser{s: s}
	p.skipSpaces()
	c, err := p.parseCall(1)
	if err != nil {
		return nil, err
	}
	p.skipSpaces()
	if p.pos != len(s) {
		return nil, p.errorf("unexpected text after the call")
	}
	return c, nil
}

// SyntaxError says that a call cannot be compiled.
type SyntaxError struct {
	// Text is the text that was compiled.
	Text string
	// Offset is the byte offset of the problem.
	Offset int
	// Msg says what is wrong.
	Msg string
}

// Error describes the problem and where it is.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid intrinsic function call %q at offset %d: %s", e.Text, e.Offset, e.Msg)
}

type parser struct {
	s   string
	pos int
}

func (p *parser) errorf(format string, a ...any) error {
	return &SyntaxError{Text: p.s, Offset: p.pos, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) skipSpaces() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) parseCall(depth int) (*Call, error) {
	if depth > MaxDepth {
		return nil, p.errorf("intrinsic functions may be nested at most %d deep", MaxDepth)
	}
	start := p.pos
	if !strings.HasPrefix(p.s[p.pos:], "States.") {
		return nil, p.errorf("expected a function name starting with 'States.'")
	}
	p.pos += len("States.")
	for p.pos < len(p.s) && isIdent(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	fn := Lookup(name)
	if fn == nil {
		p.pos = start
		return nil, p.errorf("unknown function %s", name)
	}
	p.skipSpaces()
	if p.peek() != '(' {
		return nil, p.errorf("expected '(' after %s", name)
	}
	p.pos++
	c := &Call{Name: name, fn: fn}
	p.skipSpaces()
	if p.peek() == ')' {
		p.pos++
	} else {
		for {
			a, err := p.parseArg(depth)
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, a)
			p.skipSpaces()
			switch p.peek() {
			case ',':
				p.pos++
				continue
			case ')':
				p.pos++
			default:
				return nil, p.errorf("expected ',' or ')' in the arguments of %s", name)
			}
			break
		}
	}
	if n := len(c.Args); n < fn.MinArgs || (fn.MaxArgs >= 0 && n > fn.MaxArgs) {
		p.pos = start
		return nil, p.errorf("%s takes %s, not %d", name, fn.arity(), n)
	}
	c.text = p.s[start:p.pos]
	return c, nil
}

func isIdent(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

func (p *parser) parseArg(depth int) (Arg, error) {
	p.skipSpaces()
	rest := p.s[p.pos:]
	switch c := p.peek(); {
	case c == '\'':
		return p.parseString()
	case c == '$':
		return p.parsePath()
	case strings.HasPrefix(rest, "States."):
		call, err := p.parseCall(depth + 1)
		if err != nil {
			return Arg{}, err
		}
		return Arg{Kind: ArgCall, Call: call}, nil
	case c == '-' || ('0' <= c && c <= '9'):
		start := p.pos
		for p.pos < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.pos]) >= 0 {
			p.pos++
		}
		v, err := value.DecodeString(p.s[start:p.pos])
		if _, isNum := v.(json.Number); err != nil || !isNum {
			p.pos = start
			return Arg{}, p.errorf("invalid number")
		}
		return Arg{Kind: ArgLiteral, Value: v}, nil
	}
	for _, kw := range []struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, kw.text) {
			after := rest[len(kw.text):]
			if after == "" || strings.IndexByte(" \t\r\n,)", after[0]) >= 0 {
				p.pos += len(kw.text)
				return Arg{Kind: ArgLiteral, Value: kw.v}, nil
			}
		}
	}
	return Arg{}, p.errorf("invalid argument")
}

// parseString reads a 'literal'. The only escapes are \' \{ \} and \\.
func (p *parser) parseString() (Arg, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return Arg{}, p.errorf("unterminated string literal")
		}
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) || strings.IndexByte(`'{}\`, p.s[p.pos+1]) < 0 {
				return Arg{}, p.errorf("illegal escape sequence in string literal")
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case '\'':
			raw := p.s[start:p.pos]
			p.pos++
			return Arg{Kind: ArgLiteral, Value: b.String(), raw: raw, isString: true}, nil
		}
		b.WriteByte(c)
		p.pos++
	}
}

// parsePath reads a path argument up to the ',' or ')' that ends it,
// skipping over brackets and quoted names.
func (p *parser) parsePath() (Arg, error) {
	start := p.pos
	depth := 0
	var quote byte
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || (c == ')' && depth > 0):
			depth--
		case depth == 0 && (c == ',' || c == ')'):
			return Arg{Kind: ArgPath, Path: strings.TrimRight(p.s[start:p.pos], " \t\r\n")}, nil
		}
		p.pos++
	}
	return Arg{}, p.errorf("unterminated path argument")
}
