package jsonata

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
)

// lambda is a user-defined function, closing over its input and frame.
type lambda struct {
	params []string
	body   *node
	input  any
	env    *frame
}

// builtin is a library function.
type builtin struct {
	name    string
	sigText string
	fn      func(c *evalCtx, args []any, input any) (any, error)

	sigOnce sync.Once
	sigVal  *signature
}

// sig returns the parsed signature, compiled on first use: compiling all
// of them (regular expressions) at init would cost every process start
// about 1.5 ms, JSONata or not.
func (b *builtin) sig() *signature {
	b.sigOnce.Do(func() { b.sigVal = parseSignature(b.sigText) })
	return b.sigVal
}

// regexFunc is the value of a regular expression literal.
type regexFunc struct{ re *regexp.Regexp }

// partialFunc is a partially applied function; placeholder marks the
// arguments still to be supplied.
type partialFunc struct {
	fn   any
	args []any
}

type placeholderType struct{}

var placeholder any = placeholderType{}

// nativeFunc is a function built by the evaluator (chains).
type nativeFunc struct {
	arity int
	fn    func(c *evalCtx, args []any) (any, error)
}

// transformFunc is the value of a transform expression |pattern|update|.
type transformFunc struct {
	n   *node
	env *frame
}

// tailCall is a call in tail position, applied by the caller's loop.
type tailCall struct {
	proc  any
	args  []any
	input any
}

func isFunction(v any) bool {
	switch v.(type) {
	case *lambda, *builtin, *regexFunc, *partialFunc, *nativeFunc, *transformFunc:
		return true
	}
	return false
}

// arity returns the number of parameters of a function value.
func arity(f any) int {
	switch x := f.(type) {
	case *lambda:
		return len(x.params)
	case *builtin:
		return len(x.sig().params)
	case *partialFunc:
		n := 0
		for _, a := range x.args {
			if a == placeholder {
				n++
			}
		}
		return n
	case *nativeFunc:
		return x.arity
	}
	return 1
}

func (c *evalCtx) evalCall(n *node, input any, env *frame, applyTo []any) (any, error) {
	proc, err := c.eval(n.proc, input, env)
	if err != nil {
		return nil, err
	}
	if isUndef(proc) && n.proc.typ == nPath && len(n.proc.exprs) > 0 && !isUndef(c.lookup(env, n.proc.exprs[0].value)) {
		return nil, rtErr("T1005", "Attempted to invoke a non-function. Did you mean $%s?", n.proc.exprs[0].value)
	}
	args := make([]any, 0, len(n.exprs)+len(applyTo))
	args = append(args, applyTo...)
	for _, a := range n.exprs {
		v, err := c.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if n.thunk && applyTo == nil {
		if _, ok := proc.(*lambda); ok {
			return &tailCall{proc: proc, args: args, input: input}, nil
		}
	}
	return c.apply(proc, args, input)
}

func (c *evalCtx) evalPartial(n *node, input any, env *frame) (any, error) {
	proc, err := c.eval(n.proc, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(proc) {
		if isUndef(proc) && n.proc.typ == nPath && len(n.proc.exprs) > 0 && !isUndef(c.lookup(env, n.proc.exprs[0].value)) {
			return nil, rtErr("T1007", "Attempted to partially apply a non-function. Did you mean $%s?", n.proc.exprs[0].value)
		}
		return nil, rtErr("T1008", "Attempted to partially apply a non-function")
	}
	args := make([]any, len(n.exprs))
	for i, a := range n.exprs {
		if a.typ == nPlaceholder {
			args[i] = placeholder
			continue
		}
		v, err := c.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return &partialFunc{fn: proc, args: args}, nil
}

func (c *evalCtx) evalApply(n *node, input any, env *frame) (any, error) {
	lhs, err := c.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if n.rhs.typ == nFunction {
		return c.evalCall(n.rhs, input, env, []any{lhs})
	}
	fn, err := c.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(fn) {
		return nil, rtErr("T2006", "The right side of the function application operator ~> must be a function")
	}
	if isFunction(lhs) {
		f, g := lhs, fn
		return &nativeFunc{arity: 1, fn: func(c *evalCtx, args []any) (any, error) {
			var x any = undefined
			if len(args) > 0 {
				x = args[0]
			}
			r, err := c.apply(f, []any{x}, undefined)
			if err != nil {
				return nil, err
			}
			return c.apply(g, []any{r}, undefined)
		}}, nil
	}
	return c.apply(fn, []any{lhs}, input)
}

// apply calls a function value, running tail calls in a loop.
func (c *evalCtx) apply(proc any, args []any, input any) (any, error) {
	res, err := c.applyInner(proc, args, input)
	for err == nil {
		tc, ok := res.(*tailCall)
		if !ok {
			break
		}
		c.steps++
		if c.steps > c.opts.MaxSteps {
			return nil, errTimeout
		}
		res, err = c.applyInner(tc.proc, tc.args, tc.input)
	}
	return res, err
}

func (c *evalCtx) applyInner(proc any, args []any, input any) (any, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > c.opts.MaxDepth {
		return nil, errStackOverflow
	}
	switch f := proc.(type) {
	case *builtin:
		vargs, err := f.sig().validate(f.name, args, input)
		if err != nil {
			return nil, err
		}
		return f.fn(c, vargs, input)
	case *lambda:
		env := &frame{parent: f.env, names: f.params[:len(f.params):len(f.params)], vals: make([]any, len(f.params))}
		for i := range f.params {
			if i < len(args) {
				env.vals[i] = args[i]
			} else {
				env.vals[i] = undefined
			}
		}
		return c.eval(f.body, f.input, env)
	case *regexFunc:
		var s any = undefined
		if len(args) > 0 {
			s = args[0]
		}
		str, ok := s.(string)
		if !ok {
			return undefined, nil
		}
		return regexMatchObject(f.re, str, 0), nil
	case *partialFunc:
		full := make([]any, 0, len(f.args))
		j := 0
		for _, a := range f.args {
			if a == placeholder {
				if j < len(args) {
					full = append(full, args[j])
				} else {
					full = append(full, undefined)
				}
				j++
			} else {
				full = append(full, a)
			}
		}
		return c.apply(f.fn, full, input)
	case *nativeFunc:
		return f.fn(c, args)
	case *transformFunc:
		var obj any = undefined
		if len(args) > 0 {
			obj = args[0]
		}
		return c.transform(f, obj)
	}
	return nil, rtErr("T1006", "Attempted to invoke a non-function")
}

// regexMatchObject runs re on s from byte offset from and returns the
// jsonata-js match object {match, start, end, groups, next}.
func regexMatchObject(re *regexp.Regexp, s string, from int) any {
	if from > len(s) {
		return undefined
	}
	loc := re.FindStringSubmatchIndex(s[from:])
	if loc == nil {
		return undefined
	}
	start, end := loc[0]+from, loc[1]+from
	groups := make([]any, 0, len(loc)/2-1)
	for i := 2; i+1 < len(loc); i += 2 {
		if loc[i] < 0 {
			groups = append(groups, "")
		} else {
			groups = append(groups, s[loc[i]+from:loc[i+1]+from])
		}
	}
	next := end
	if end == start {
		next = end + 1
	}
	return map[string]any{
		"match":  s[start:end],
		"start":  json.Number(itoa(runeIndex(s, start))),
		"end":    json.Number(itoa(runeIndex(s, end))),
		"groups": groups,
		"next": &nativeFunc{arity: 0, fn: func(c *evalCtx, _ []any) (any, error) {
			return regexMatchObject(re, s, next), nil
		}},
	}
}

func runeIndex(s string, byteOff int) int {
	return len([]rune(s[:byteOff]))
}

func (c *evalCtx) transform(t *transformFunc, obj any) (any, error) {
	if isUndef(obj) {
		return undefined, nil
	}
	switch obj.(type) {
	case map[string]any, []any, *sequence:
	default:
		return nil, rtErr("T0410", "Argument 1 of function %s does not match function signature", jsString("transform"))
	}
	result := deepClone(plain(obj))
	matches, err := c.eval(t.n.pattern, result, t.env)
	if err != nil {
		return nil, err
	}
	if isUndef(matches) {
		return result, nil
	}
	items, ok := arrayItems(matches)
	if !ok {
		items = []any{matches}
	}
	for _, m := range items {
		upd, err := c.eval(t.n.update, m, t.env)
		if err != nil {
			return nil, err
		}
		match, isObj := m.(map[string]any)
		if !isUndef(upd) {
			um, ok := upd.(map[string]any)
			if !ok {
				return nil, rtErr("T2011", "The insert/update clause of the transform expression must evaluate to an object: %s", jsString(upd))
			}
			if isObj {
				for k, v := range um {
					match[k] = v
				}
			}
		}
		if t.n.del != nil {
			dels, err := c.eval(t.n.del, m, t.env)
			if err != nil {
				return nil, err
			}
			if isUndef(dels) {
				continue
			}
			names, ok := arrayItems(dels)
			if !ok {
				names = []any{dels}
			}
			for _, nm := range names {
				if _, ok := nm.(string); !ok {
					return nil, rtErr("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: %s", jsString(dels))
				}
			}
			if isObj {
				for _, nm := range names {
					delete(match, nm.(string))
				}
			}
		}
	}
	return result, nil
}

func deepClone(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = deepClone(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, xv := range x {
			out[k] = deepClone(xv)
		}
		return out
	}
	return v
}

// sortExpr implements the order-by step ^(...).
func (c *evalCtx) sortExpr(n *node, input any, env *frame) (any, error) {
	items, ok := arrayItems(input)
	if !ok {
		items = []any{input}
	}
	isTuple := false
	if s, ok := input.(*sequence); ok && s.tupleStream {
		isTuple = true
	}
	cmp := func(a, b any) (bool, error) {
		comp := 0
		for _, term := range n.terms {
			if comp != 0 {
				break
			}
			ca, ea, cb, eb := a, env, b, env
			if isTuple {
				ta, tb := a.(map[string]any), b.(map[string]any)
				ca, ea = ta["@"], frameFromTuple(env, ta)
				cb, eb = tb["@"], frameFromTuple(env, tb)
			}
			aa, err := c.eval(term.expr, ca, ea)
			if err != nil {
				return false, err
			}
			bb, err := c.eval(term.expr, cb, eb)
			if err != nil {
				return false, err
			}
			if isUndef(aa) {
				if isUndef(bb) {
					comp = 0
				} else {
					comp = 1
				}
				continue
			}
			if isUndef(bb) {
				comp = -1
				continue
			}
			_, as := aa.(string)
			_, bs := bb.(string)
			_, an := toNumber(aa)
			_, bn := toNumber(bb)
			if !(as || an) || !(bs || bn) {
				return false, rtErr("T2008", "The expressions within an order-by clause must evaluate to numeric or string values")
			}
			if as != bs {
				return false, rtErr("T2007", "Type mismatch when comparing values %s and %s in order-by clause", jsString(aa), jsString(bb))
			}
			if as {
				comp = strings.Compare(aa.(string), bb.(string))
			} else {
				fa, _ := toNumber(aa)
				fb, _ := toNumber(bb)
				comp = cmpFloat(fa, fb)
			}
			if term.descending {
				comp = -comp
			}
		}
		return comp == 1, nil
	}
	sorted, err := mergeSort(items, cmp)
	if err != nil {
		return nil, err
	}
	return &sequence{items: sorted, isSeq: true, tupleStream: isTuple}, nil
}

// mergeSort is jsonata-js's stable merge sort: swap(a, b) reports whether
// b must come before a.
func mergeSort(items []any, swap func(a, b any) (bool, error)) ([]any, error) {
	if len(items) <= 1 {
		return append([]any(nil), items...), nil
	}
	mid := len(items) / 2
	l, err := mergeSort(items[:mid], swap)
	if err != nil {
		return nil, err
	}
	r, err := mergeSort(items[mid:], swap)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	i, j := 0, 0
	for i < len(l) && j < len(r) {
		s, err := swap(l[i], r[j])
		if err != nil {
			return nil, err
		}
		if s {
			out = append(out, r[j])
			j++
		} else {
			out = append(out, l[i])
			i++
		}
	}
	out = append(out, l[i:]...)
	return append(out, r[j:]...), nil
}

func frameFromTuple(env *frame, t map[string]any) *frame {
	f := newFrame(env)
	for k, v := range t {
		if k != "@" {
			f.bind(k, v)
		}
	}
	return f
}

func reduceTuples(v any) map[string]any {
	items, ok := arrayItems(v)
	if !ok {
		m := v.(map[string]any)
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = x
		}
		return out
	}
	out := map[string]any{}
	for k, x := range items[0].(map[string]any) {
		out[k] = x
	}
	for _, it := range items[1:] {
		for k, x := range it.(map[string]any) {
			prev, ok := out[k]
			if !ok {
				prev = undefined
			}
			out[k] = appendValues(prev, x)
		}
	}
	return out
}

// tupleStep evaluates a step of a path that binds "@" or "#" variables.
func (c *evalCtx) tupleStep(step *node, input []any, tuples []map[string]any, env *frame) ([]map[string]any, error) {
	result := []map[string]any{} // never nil: nil means "first tuple step"
	if step.typ == nSort {
		var sorted any
		var err error
		if tuples != nil {
			ts := make([]any, len(tuples))
			for i, t := range tuples {
				ts[i] = t
			}
			sorted, err = c.sortExpr(step, &sequence{items: ts, isSeq: true, tupleStream: true}, env)
			if err != nil {
				return nil, err
			}
			items, _ := arrayItems(sorted)
			for _, it := range items {
				result = append(result, it.(map[string]any))
			}
		} else {
			sorted, err = c.sortExpr(step, newSeq(input...), env)
			if err != nil {
				return nil, err
			}
			items, _ := arrayItems(sorted)
			for i, it := range items {
				t := map[string]any{"@": it}
				if step.index != "" {
					t[step.index] = json.Number(itoa(i))
				}
				result = append(result, t)
			}
		}
		return c.tupleStages(step, result, env)
	}
	if tuples == nil {
		for _, it := range input {
			tuples = append(tuples, map[string]any{"@": it})
		}
	}
	for _, t := range tuples {
		res, err := c.eval(step, t["@"], frameFromTuple(env, t))
		if err != nil {
			return nil, err
		}
		if isUndef(res) {
			continue
		}
		items, ok := arrayItems(res)
		if !ok {
			items = []any{res}
		}
		isTS := false
		if s, ok := res.(*sequence); ok && s.tupleStream {
			isTS = true
		}
		for bb, it := range items {
			nt := make(map[string]any, len(t)+2)
			for k, v := range t {
				nt[k] = v
			}
			if isTS {
				for k, v := range it.(map[string]any) {
					nt[k] = v
				}
			} else {
				if step.focus != "" {
					nt[step.focus] = it
					nt["@"] = t["@"]
				} else {
					nt["@"] = it
				}
				if step.index != "" {
					nt[step.index] = json.Number(itoa(bb))
				}
			}
			result = append(result, nt)
		}
		if err := c.charge(len(items)); err != nil {
			return nil, err
		}
	}
	return c.tupleStages(step, result, env)
}

func (c *evalCtx) tupleStages(step *node, result []map[string]any, env *frame) ([]map[string]any, error) {
	for _, st := range step.stages {
		switch st.typ {
		case nFilter:
			items := make([]any, len(result))
			for i, t := range result {
				items[i] = t
			}
			res, err := c.filter(st.lhs, &sequence{items: items, isSeq: true, tupleStream: true}, env)
			if err != nil {
				return nil, err
			}
			arr, _ := arrayItems(res)
			result = result[:0:0]
			for _, it := range arr {
				result = append(result, it.(map[string]any))
			}
		case nIndex:
			for i, t := range result {
				t[st.value] = json.Number(itoa(i))
			}
		}
	}
	return result, nil
}
