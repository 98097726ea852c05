package jsonpath

import (
	"io"
)

// Env is what templates and paths evaluate against.
type Env struct {
	// Input is the document "$" refers to.
	Input any
	// Context is the context object, "$$".
	Context any
	// ContextFunc, when Context is nil, builds the context object the
	// first time a path of this Env needs "$$"; the result is kept in
	// Context. It lets a caller skip building "$$" for the many
	// templates that never mention it.
	ContextFunc func() any
	// Var returns the value of the variable "$name"; nil means that no
	// variable is defined.
	Var func(name string) (any, bool)
	// Rand is the source of randomness for States.UUID and
	// States.MathRandom; nil means crypto/rand. The interpreter passes a
	// deterministic reader so that a step can be replayed.
	Rand io.Reader

	call callEnv // what intrinsic calls evaluate against (see tnode.eval)
}

// Resolve evaluates p against the root of env that p names.
func (e *Env) Resolve(p *Path) (any, error) {
	doc, err := e.doc(p)
	if err != nil {
		return nil, err
	}
	return p.Get(doc)
}

// doc returns the document p is evaluated against.
func (e *Env) doc(p *Path) (any, error) {
	switch p.root {
	case RootContext:
		if e.Context == nil && e.ContextFunc != nil {
			e.Context = e.ContextFunc()
		}
		return e.Context, nil
	case RootVariable:
		if e.Var != nil {
			if v, ok := e.Var(p.variable); ok {
				return v, nil
			}
		}
		return nil, &NotFoundError{Path: p.text, Message: "The variable '" + p.variable + "' is not defined"}
	}
	return e.Input, nil
}
