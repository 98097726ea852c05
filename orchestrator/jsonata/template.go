package jsonata

import (
	"fmt"
	"strconv"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Template is a compiled field value: any JSON value whose strings of the
// form "{% %}" are expressions, evaluated recursively in objects and arrays
// (the semantics of Arguments, Output, Assign and similar fields).
type Template struct {
	root *tnode
	// statesContext: an expression of the template may read
	// $states.context.
	statesContext bool
}

type tnode struct {
	lit  any // returned as is when expr, obj and arr are nil
	expr *Expr
	obj  map[string]*tnode
	arr  []*tnode
	// dynamic is false when the subtree holds no expression.
	dynamic bool
}

// CompileTemplate compiles every "{% %}" string in v. The error names the
// JSON location of the first bad expression, e.g. "/result: S0201: ...".
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v, "")
	if err != nil {
		return nil, err
	}
	t := &Template{root: n}
	t.statesContext = n.readsStatesContext()
	return t, nil
}

// ReadsStatesContext reports whether an expression of the template may
// read $states.context (see Expr.ReadsStatesContext).
func (t *Template) ReadsStatesContext() bool { return t.statesContext }

func (n *tnode) readsStatesContext() bool {
	if n.expr != nil && n.expr.ReadsStatesContext() {
		return true
	}
	for _, c := range n.obj {
		if c.readsStatesContext() {
			return true
		}
	}
	for _, c := range n.arr {
		if c.readsStatesContext() {
			return true
		}
	}
	return false
}

func compileNode(v any, loc string) (*tnode, error) {
	switch x := v.(type) {
	case string:
		if inner, ok := Unwrap(x); ok {
			e, err := Compile(inner)
			if err != nil {
				if loc == "" {
					return nil, fmt.Errorf("compiling expression: %w", err)
				}
				return nil, fmt.Errorf("compiling expression at %s: %w", loc, err)
			}
			return &tnode{expr: e, dynamic: true}, nil
		}
	case map[string]any:
		n := &tnode{lit: x, obj: make(map[string]*tnode, len(x))}
		for k, xv := range x {
			c, err := compileNode(xv, loc+"/"+k)
			if err != nil {
				return nil, err
			}
			n.obj[k] = c
			n.dynamic = n.dynamic || c.dynamic
		}
		return n, nil
	case []any:
		n := &tnode{lit: x, arr: make([]*tnode, len(x))}
		for i, xv := range x {
			c, err := compileNode(xv, loc+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			n.arr[i] = c
			n.dynamic = n.dynamic || c.dynamic
		}
		return n, nil
	}
	return &tnode{lit: v}, nil
}

// Eval evaluates the template. field is the top-level field name
// ("Output", "Arguments") used in error causes; nested fields are
// reported as AWS does, "Output/result", and array items as "Output[0]".
// Errors are *EvalError. Options come from vars when it implements
// OptionsProvider.
func (t *Template) Eval(vars Vars, field string) (any, error) {
	var opts EvalOptions
	if p, ok := vars.(OptionsProvider); ok {
		opts = p.EvalOptions()
	}
	return t.EvalWith(vars, field, opts)
}

// EvalWith is Eval with explicit options.
func (t *Template) EvalWith(vars Vars, field string, opts EvalOptions) (any, error) {
	opts = opts.withDefaults() // one $now() for the whole template
	return t.root.eval(vars, field, opts)
}

// IsDynamic reports whether the template holds any expression.
func (t *Template) IsDynamic() bool { return t.root.dynamic }

func (n *tnode) eval(vars Vars, field string, opts EvalOptions) (any, error) {
	if !n.dynamic {
		return n.lit, nil
	}
	if n.expr != nil {
		v, ok, err := n.expr.EvalWith(vars, opts)
		if err != nil {
			return nil, evalCause(n.expr.String(), field, err)
		}
		if !ok {
			return nil, UndefinedError(n.expr.String(), field)
		}
		return v, nil
	}
	if n.obj != nil {
		out := make(map[string]any, len(n.obj))
		for _, k := range value.SortedKeys(n.lit.(map[string]any)) {
			v, err := n.obj[k].eval(vars, field+"/"+k, opts)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	out := make([]any, len(n.arr))
	for i, c := range n.arr {
		v, err := c.eval(vars, field+"["+strconv.Itoa(i)+"]", opts)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
