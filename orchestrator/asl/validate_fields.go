package asl

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

// maxSeconds is the largest TimeoutSeconds, HeartbeatSeconds, Wait
// Seconds and Retry IntervalSeconds AWS accepts.
const maxSeconds = 99999999

// str checks that n is a string.
func (p *parser) str(n *node, loc, field string) (string, bool) {
	if n.kind != kindString {
		p.schema(loc, "The field '%s' must be a string, not %s", field, n.typeName())
		return "", false
	}
	return n.str, true
}

// boolean checks that n is a boolean.
func (p *parser) boolean(n *node, loc, field string) (bool, bool) {
	if n.kind != kindBool {
		p.schema(loc, "The field '%s' must be a boolean, not %s", field, n.typeName())
		return false, false
	}
	return n.bool, true
}

// integer checks that n is an integer in [min, max].
func (p *parser) integer(n *node, loc, field string, min, max int64) (int64, bool) {
	i, ok := nodeInt(n)
	if !ok || i < min || i > max {
		p.schema(loc, "The value for the field '%s' must be an integer between %d and %d", field, min, max)
		return 0, false
	}
	return i, true
}

// nodeInt returns the value of an integral number (1 and 1e2, not 1.5).
func nodeInt(n *node) (int64, bool) {
	if n.kind != kindNumber {
		return 0, false
	}
	s := n.str
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	if strings.Contains(s, ".") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 9e18 || f < -9e18 {
		return 0, false
	}
	return int64(f), true
}

// nodeFloat returns the value of a number.
func nodeFloat(n *node) (float64, bool) {
	if n.kind != kindNumber {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.str, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// queryLanguage checks a QueryLanguage value.
func (p *parser) queryLanguage(n *node, loc string) (QueryLanguage, bool) {
	s, ok := p.str(n, loc, "QueryLanguage")
	if !ok {
		return "", false
	}
	switch QueryLanguage(s) {
	case JSONPath, JSONata:
		return QueryLanguage(s), true
	}
	p.schema(loc, "The field 'QueryLanguage' must be 'JSONPath' or 'JSONata'")
	return "", false
}

// optPath parses a path field that may be null (InputPath, OutputPath,
// ResultPath, ItemsPath). A reference path is required when ref is set.
func (p *parser) optPath(n *node, loc, field string, ref bool) OptPath {
	out := OptPath{Set: true}
	if n.kind == kindNull {
		out.Null = true
		return out
	}
	s, ok := p.str(n, loc, field)
	if !ok {
		return out
	}
	out.Path = p.path(s, loc, field, ref)
	return out
}

// path compiles a JSONPath; ref requires a reference path.
func (p *parser) path(s, loc, field string, ref bool) *jsonpath.Path {
	path, err := jsonpath.Compile(s)
	if err != nil {
		if ref {
			p.schema(loc, "The value for the field '%s' must be a valid ReferencePath", field)
		} else {
			p.schema(loc, "The value for the field '%s' must be a valid JSONPath", field)
		}
		return nil
	}
	if ref && !path.IsReference() {
		p.schema(loc, "The value for the field '%s' must be a valid ReferencePath", field)
		return nil
	}
	return path
}

// template compiles a JSONPath payload template (Parameters,
// ResultSelector, ItemSelector, Assign).
func (p *parser) template(n *node, loc, field string, object bool) *jsonpath.Template {
	if object && n.kind != kindObject {
		p.schema(loc, "The field '%s' must be an object, not %s", field, n.typeName())
		return nil
	}
	t, err := jsonpath.CompileTemplate(n.value())
	if err != nil {
		var ce *jsonpath.CompileError
		if errors.As(err, &ce) {
			p.schema(loc+ce.Pointer, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", ce.Field)
		} else {
			p.schema(loc, "The field '%s' is not valid: %s", field, err.Error())
		}
		return nil
	}
	return t
}

// jsonataTemplate compiles a JSONata template (Arguments, Output, Assign,
// ItemSelector): any JSON value whose "{% %}" strings are expressions.
func (p *parser) jsonataTemplate(n *node, loc, field string, object bool) *jsonata.Template {
	if object && n.kind != kindObject {
		p.schema(loc, "The field '%s' must be an object, not %s", field, n.typeName())
		return nil
	}
	t, err := jsonata.CompileTemplate(n.value())
	if err != nil {
		// Report every bad expression at its own location.
		before := len(p.errs)
		p.jsonataWalk(n, loc)
		if len(p.errs) == before {
			p.add(CodeInvalidJSONataExpression, loc, "%s", jsonataMessage(err))
		}
		return nil
	}
	return t
}

// jsonataString returns the compiled expression when n is a "{% %}" string;
// ok is false when n is not one.
func (p *parser) jsonataString(n *node, loc string) (expr *jsonata.Expr, ok bool) {
	if n.kind != kindString {
		return nil, false
	}
	inner, ok := jsonata.Unwrap(n.str)
	if !ok {
		return nil, false
	}
	e, err := jsonata.Compile(inner)
	if err != nil {
		p.add(CodeInvalidJSONataExpression, loc, "%s", jsonataMessage(err))
		return nil, true
	}
	return e, true
}

// isJSONata reports whether s is written as a "{% %}" expression.
func isJSONata(s string) bool {
	_, ok := jsonata.Unwrap(s)
	return ok
}

// intField parses a field that holds an integer, or a JSONata expression
// in a JSONata state; pathNode is its ...Path twin (JSONPath only).
func (p *parser) intField(st *State, n, pathNode *node, loc, field string, min, max int64) Field {
	f, done := p.twinField(st, n, pathNode, loc, field)
	if done {
		return f
	}
	if n != nil {
		if i, ok := p.integer(n, loc+"/"+field, field, min, max); ok {
			f.Literal = json.Number(strconv.FormatInt(i, 10))
		}
		return f
	}
	if pathNode != nil {
		if s, ok := p.str(pathNode, loc+"/"+field+"Path", field+"Path"); ok {
			f.Path = p.path(s, loc+"/"+field+"Path", field+"Path", true)
		}
	}
	return f
}

// twinField starts parsing a field n that has a ...Path twin pathNode
// (Seconds and SecondsPath, Error and ErrorPath, ...): it reports the two
// used together, sets f.Set, and in a JSONata state takes a "{% %}" value
// of n as an expression, which completes f (done).
func (p *parser) twinField(st *State, n, pathNode *node, loc, field string) (f Field, done bool) {
	if n != nil && pathNode != nil {
		p.schema(loc, "The fields '%s' and '%sPath' are mutually exclusive", field, field)
	}
	if n == nil {
		f.Set = pathNode != nil
		return f, false
	}
	f.Set = true
	if st.QueryLanguage == JSONata {
		if e, ok := p.jsonataString(n, loc+"/"+field); ok {
			f.Expr = e
			return f, true
		}
	}
	return f, false
}

// isTimestamp reports whether s is an RFC 3339 timestamp as AWS accepts
// it: date, time, fraction optional, and a zone (Z or an offset).
func isTimestamp(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	return err == nil
}

// compileValueTemplate compiles a path or an intrinsic function call
// given as text (Fail's ErrorPath and CausePath) as a one-field template
// {"value.$": s}.
func compileValueTemplate(s string) (*jsonpath.Template, error) {
	return jsonpath.CompileTemplate(map[string]any{"value.$": s})
}

// pathQuiet compiles a path that is already known to be valid, or
// returns nil.
func (p *parser) pathQuiet(s string) *jsonpath.Path {
	path, err := jsonpath.Compile(s)
	if err != nil {
		return nil
	}
	return path
}

// jsonataMessage is the parser's message for an expression that does not
// compile, without the jsonata-js code, as AWS shows it.
func jsonataMessage(err error) string {
	var se *jsonata.SyntaxError
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}

// jsonataWalk compiles every "{% %}" string below n and reports each one
// that does not compile, at its location (/States/A/Output/a/0).
func (p *parser) jsonataWalk(n *node, loc string) {
	switch n.kind {
	case kindString:
		p.jsonataString(n, loc)
	case kindArray:
		for i, e := range n.vals {
			p.jsonataWalk(e, loc+"/"+strconv.Itoa(i))
		}
	case kindObject:
		for i, k := range n.keys {
			p.jsonataWalk(n.vals[i], loc+"/"+k)
		}
	}
}
