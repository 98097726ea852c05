package jsonpath

import (
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/intrinsic"
)

// Template is a compiled payload template: Parameters, ResultSelector,
// ItemSelector or Assign of a JSONPath state. In an object, a key ending
// in ".$" takes a path ("$.x", "$$.Execution.Id", "$var.x") or an
// intrinsic function call ("States.Format('{}', $.a)") and loses the ".$"
// in the result; nested objects and arrays are templates too; every other
// value is copied as is. A Template is safe for concurrent use.
type Template struct {
	root tnode
}

type tkind uint8

const (
	tLiteral tkind = iota // a value without any ".$" below it
	tObject
	tArray
	tPath
	tCall
)

type tnode struct {
	kind   tkind
	lit    any
	fields []tfield
	items  []tnode
	path   *Path
	call   *intrinsic.Call
	paths  map[string]*Path // the call's path arguments, compiled
	field  string           // the key with ".$", for messages
}

type tfield struct {
	key  string
	node tnode
}

// CompileTemplate compiles a payload template, given as a parsed JSON value.
// An invalid ".$" field is reported as a *CompileError with AWS's message.
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v, "")
	if err != nil {
		return nil, err
	}
	return &Template{root: n}, nil
}

func compileNode(v any, ptr string) (tnode, error) {
	switch x := v.(type) {
	case map[string]any:
		keys := value.SortedKeys(x)
		n := tnode{kind: tObject, fields: make([]tfield, 0, len(keys))}
		dynamic := false
		for _, k := range keys {
			if strings.HasSuffix(k, ".$") {
				child, err := compileDollar(k, x[k], ptr)
				if err != nil {
					return tnode{}, err
				}
				dynamic = true
				n.fields = append(n.fields, tfield{key: strings.TrimSuffix(k, ".$"), node: child})
				continue
			}
			child, err := compileNode(x[k], ptr+"/"+escapePointer(k))
			if err != nil {
				return tnode{}, err
			}
			if child.kind != tLiteral {
				dynamic = true
			}
			n.fields = append(n.fields, tfield{key: k, node: child})
		}
		if !dynamic {
			return tnode{kind: tLiteral, lit: x}, nil
		}
		// A "k.$" field wins over a literal "k": keep the last one per key.
		sort.SliceStable(n.fields, func(i, j int) bool { return n.fields[i].key < n.fields[j].key })
		return n, nil
	case []any:
		n := tnode{kind: tArray, items: make([]tnode, len(x))}
		dynamic := false
		for i := range x {
			child, err := compileNode(x[i], ptr+"/"+strconv.Itoa(i))
			if err != nil {
				return tnode{}, err
			}
			if child.kind != tLiteral {
				dynamic = true
			}
			n.items[i] = child
		}
		if !dynamic {
			return tnode{kind: tLiteral, lit: x}, nil
		}
		return n, nil
	}
	return tnode{kind: tLiteral, lit: v}, nil
}

// compileDollar compiles the value of a "key.$" field.
func compileDollar(key string, v any, ptr string) (tnode, error) {
	s, ok := v.(string)
	if !ok {
		return tnode{}, &CompileError{Field: key, Pointer: ptr, Reason: "the value is a " + value.TypeName(v) + ", not a string"}
	}
	if intrinsic.IsCall(s) {
		call, err := intrinsic.Compile(s)
		if err != nil {
			return tnode{}, &CompileError{Field: key, Pointer: ptr, Reason: err.Error()}
		}
		paths := make(map[string]*Path)
		for _, ps := range call.Paths() {
			p, err := Compile(ps)
			if err != nil {
				return tnode{}, &CompileError{Field: key, Pointer: ptr, Reason: err.Error()}
			}
			paths[ps] = p
		}
		return tnode{kind: tCall, call: call, paths: paths, field: key}, nil
	}
	p, err := Compile(s)
	if err != nil {
		return tnode{}, &CompileError{Field: key, Pointer: ptr, Reason: err.Error()}
	}
	return tnode{kind: tPath, path: p, field: key}, nil
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// Eval builds the payload. A path that selects nothing fails with an
// *EvalError named States.Runtime; an intrinsic function that fails, with
// one named States.IntrinsicFailure. The result may share unchanged parts
// with the template and with env's documents: treat it as immutable.
func (t *Template) Eval(env *Env) (any, error) {
	return t.root.eval(env)
}

func (n *tnode) eval(env *Env) (any, error) {
	switch n.kind {
	case tLiteral:
		return n.lit, nil
	case tObject:
		out := make(map[string]any, len(n.fields))
		for i := range n.fields {
			f := &n.fields[i]
			v, err := f.node.eval(env)
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
		return out, nil
	case tArray:
		out := make([]any, len(n.items))
		for i := range n.items {
			v, err := n.items[i].eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case tPath:
		return resolveField(env, n.path, n.field)
	case tCall:
		// The Env's own callEnv, set for this call: no allocation, and
		// calls never start a template evaluation of their own.
		ce := &env.call
		*ce = callEnv{env: env, paths: n.paths, field: n.field}
		v, err := n.call.Eval(ce)
		if err != nil {
			var ie *intrinsic.Error
			if errors.As(err, &ie) {
				return nil, &EvalError{Name: ie.Name, Cause: ie.Cause}
			}
			return nil, err
		}
		return v, nil
	}
	return nil, nil
}

// resolveField evaluates the path of a field, turning "not found" into
// AWS's message for the field.
func resolveField(env *Env, p *Path, field string) (any, error) {
	v, err := env.Resolve(p)
	if err == nil {
		return v, nil
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil, env.fieldNotFound(p, field)
	}
	return nil, err
}

// fieldNotFound is AWS's error for a field whose path selects nothing.
func (e *Env) fieldNotFound(p *Path, field string) *EvalError {
	doc, err := e.doc(p)
	rendered := "null"
	if err == nil {
		rendered = value.MustString(doc)
	}
	return &EvalError{Name: ErrorRuntime, Cause: "The JSONPath '" + p.text + "' specified for the field '" + field +
		"' could not be found in the input '" + rendered + "'"}
}

// callEnv lets intrinsic calls resolve their path arguments.
type callEnv struct {
	env   *Env
	paths map[string]*Path
	field string
}

func (c *callEnv) Resolve(path string) (any, error) {
	p, ok := c.paths[path]
	if !ok {
		var err error
		if p, err = Compile(path); err != nil {
			return nil, &EvalError{Name: ErrorRuntime, Cause: err.Error()}
		}
	}
	return resolveField(c.env, p, c.field)
}

func (c *callEnv) Random() io.Reader { return c.env.Rand }
