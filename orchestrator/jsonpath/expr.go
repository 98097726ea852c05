package jsonpath

// Expr is a single path-or-intrinsic value outside a template, such as a
// Fail state's ErrorPath or CausePath ("$.cause" or
// "States.Format('{}', $.e)"). Its errors name the field as AWS does:
// "The JSONPath '$.x' specified for the field 'CausePath' could not be
// found in the input '...'".
type Expr struct {
	node tnode
}

// CompileExpr compiles s, the value of field. An invalid value is a
// *CompileError.
func CompileExpr(field, s string) (*Expr, error) {
	n, err := compileDollar(field, s, "")
	if err != nil {
		return nil, err
	}
	return &Expr{node: n}, nil
}

// Eval evaluates the expression; failures are *EvalError values as for
// Template.Eval.
func (e *Expr) Eval(env *Env) (any, error) {
	return e.node.eval(env)
}
