package jsonata

import (
	"encoding/json"
	"math"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// undefinedType is JSONata's "nothing". It never appears inside arrays or
// objects and never leaves the package.
type undefinedType struct{}

var undefined any = undefinedType{}

func isUndef(v any) bool {
	_, ok := v.(undefinedType)
	return ok
}

// sequence is a JSONata sequence (isSeq) or an array built by an array
// constructor at the start or end of a path (cons). Plain JSON arrays are
// []any.
type sequence struct {
	items         []any
	isSeq         bool
	cons          bool
	keepSingleton bool
	tupleStream   bool
}

func newSeq(items ...any) *sequence { return &sequence{items: items, isSeq: true} }

// createSequence wraps v in a sequence; nothing gives an empty sequence.
func createSequence(v any) *sequence {
	return newSeq(v)
}

// arrayItems returns the items of a JSON array or sequence.
func arrayItems(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case *sequence:
		return x.items, true
	}
	return nil, false
}

func isSequence(v any) bool {
	s, ok := v.(*sequence)
	return ok && s.isSeq
}

// plain converts an evaluation value to a JSON value for storage inside
// an array or object: sequences become []any, non-finite numbers null and
// functions null.
func plain(v any) any {
	switch x := v.(type) {
	case *sequence:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			out[i] = plain(it)
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return value.Float(x)
	case nil, bool, string, json.Number, []any, map[string]any:
		return v
	}
	if isFunction(v) {
		return nil
	}
	return v
}

// toNumber returns the float64 of a JSON number.
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, ok := value.ToFloat(x)
		return f, ok
	case float64:
		return x, true
	}
	return 0, false
}

// isNumeric reports whether v is a number; a non-finite number is the
// error D1001, as in jsonata-js.
func isNumeric(v any) (bool, error) {
	switch x := v.(type) {
	case json.Number:
		return true, nil
	case float64:
		if math.IsNaN(x) {
			return false, nil
		}
		if math.IsInf(x, 0) {
			return false, rtErr("D1001", "Number out of range: null")
		}
		return true, nil
	}
	return false, nil
}

// mkNum builds a number value from a float.
func mkNum(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	if f == 0 {
		f = 0 // no negative zero
	}
	return value.Float(f)
}

// frame holds the variables bound by ":=", lambda parameters and tuples.
// Frames hold few names, so a slice beats a map.
type frame struct {
	names  []string
	vals   []any
	parent *frame
}

func newFrame(parent *frame) *frame { return &frame{parent: parent} }

func (f *frame) bind(name string, v any) {
	for i, n := range f.names {
		if n == name {
			f.vals[i] = v
			return
		}
	}
	f.names = append(f.names, name)
	f.vals = append(f.vals, v)
}

func (c *evalCtx) lookup(env *frame, name string) any {
	for f := env; f != nil; f = f.parent {
		for i := len(f.names) - 1; i >= 0; i-- {
			if f.names[i] == name {
				return f.vals[i]
			}
		}
	}
	if c.vars != nil {
		if v, ok := c.vars.Lookup(name); ok {
			return v
		}
	}
	if b, ok := builtins[name]; ok {
		return b
	}
	return undefined
}

func (c *evalCtx) eval(n *node, input any, env *frame) (any, error) {
	c.depth++
	if c.depth > c.opts.MaxDepth {
		c.depth--
		return nil, errStackOverflow
	}
	c.steps++
	if c.steps > c.opts.MaxSteps {
		c.depth--
		return nil, errTimeout
	}
	res, err := c.evalNode(n, input, env)
	c.depth--
	if err != nil {
		return nil, err
	}
	for _, p := range n.predicate {
		if res, err = c.filter(p.lhs, res, env); err != nil {
			return nil, err
		}
	}
	if n.typ != nPath && n.group != nil {
		if res, err = c.group(n.group, res, env); err != nil {
			return nil, err
		}
	}
	if s, ok := res.(*sequence); ok && s.isSeq && !s.tupleStream {
		if n.keepArray {
			s.keepSingleton = true
		}
		switch {
		case len(s.items) == 0:
			return undefined, nil
		case len(s.items) == 1 && !s.keepSingleton:
			return s.items[0], nil
		}
	}
	return res, nil
}

func (c *evalCtx) evalNode(n *node, input any, env *frame) (any, error) {
	switch n.typ {
	case nString, nNumber, nValue:
		return n.lit, nil
	case nPath:
		return c.evalPath(n, input, env)
	case nName:
		return lookupField(input, n.value), nil
	case nVariable:
		if n.value == "" {
			return input, nil
		}
		return c.lookup(env, n.value), nil
	case nBinary:
		return c.evalBinary(n, input, env)
	case nNegate:
		v, err := c.eval(n.lhs, input, env)
		if err != nil || isUndef(v) {
			return v, err
		}
		if ok, err := isNumeric(v); err != nil {
			return nil, err
		} else if !ok {
			return nil, rtErr("D1002", "Cannot negate a non-numeric value: %s", jsString(v))
		}
		f, _ := toNumber(v)
		return mkNum(-f), nil
	case nArray:
		return c.evalArray(n, input, env)
	case nObject:
		return c.group(&groupSpec{pairs: n.pairs, pos: n.pos}, input, env)
	case nWildcard:
		return wildcard(input), nil
	case nDescendant:
		return descendants(input), nil
	case nParent:
		return nil, rtErr("S0217", "The object representing the 'parent' cannot be derived from this expression")
	case nRegex:
		return &regexFunc{re: n.re}, nil
	case nCondition:
		cond, err := c.eval(n.cond, input, env)
		if err != nil {
			return nil, err
		}
		if b, err := toBoolean(cond); err != nil {
			return nil, err
		} else if b == true {
			return c.eval(n.then, input, env)
		}
		if n.els != nil {
			return c.eval(n.els, input, env)
		}
		return undefined, nil
	case nBlock:
		frame := newFrame(env)
		var res any = undefined
		for _, e := range n.exprs {
			v, err := c.eval(e, input, frame)
			if err != nil {
				return nil, err
			}
			res = v
		}
		return res, nil
	case nBind:
		v, err := c.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		if env == nil {
			return nil, rtErr("D2005", "The left side of := must be a variable name (start with $)")
		}
		env.bind(n.lhs.value, v)
		return v, nil
	case nFunction:
		return c.evalCall(n, input, env, nil)
	case nPartial:
		return c.evalPartial(n, input, env)
	case nLambda:
		return &lambda{params: n.params, body: n.body, input: input, env: env}, nil
	case nApply:
		return c.evalApply(n, input, env)
	case nTransform:
		return &transformFunc{n: n, env: env}, nil
	case nSort:
		return c.sortExpr(n, input, env)
	}
	return nil, rtErr("S0206", "Unknown expression type: %d", n.typ)
}

// lookupField is jsonata-js's lookup: a field of an object, or of each
// object in an array, flattened.
func lookupField(input any, key string) any {
	switch x := input.(type) {
	case map[string]any:
		v, ok := x[key]
		if !ok {
			return undefined
		}
		return v
	case []any, *sequence:
		items, _ := arrayItems(x)
		res := newSeq()
		for _, it := range items {
			v := lookupField(it, key)
			if isUndef(v) {
				continue
			}
			if arr, ok := arrayItems(v); ok {
				res.items = append(res.items, arr...)
			} else {
				res.items = append(res.items, v)
			}
		}
		return res
	}
	return undefined
}

func (c *evalCtx) evalPath(n *node, input any, env *frame) (any, error) {
	var inputSeq []any
	var inputSeqV any
	if items, ok := arrayItems(input); ok && n.exprs[0].typ != nVariable {
		inputSeq = items
		inputSeqV = input
	} else {
		s := createSequence(input)
		inputSeq = s.items
		inputSeqV = s
	}
	_ = inputSeqV
	var result any = undefined
	var tuples []map[string]any
	isTuple := false
	for i, step := range n.exprs {
		if step.tuple {
			isTuple = true
		}
		var err error
		if i == 0 && step.consarray {
			result, err = c.eval(step, inputSeqV, env)
		} else if isTuple {
			tuples, err = c.tupleStep(step, inputSeq, tuples, env)
		} else {
			result, err = c.evalStep(step, inputSeq, inputSeqV, env, i == len(n.exprs)-1)
		}
		if err != nil {
			return nil, err
		}
		if !isTuple {
			items, ok := arrayItems(result)
			if isUndef(result) || (ok && len(items) == 0) {
				break
			}
		}
		if step.focus == "" {
			if items, ok := arrayItems(result); ok {
				inputSeq = items
				inputSeqV = result
			} else {
				// Only a leading array constructor with a predicate gives
				// a non-array here; jsonata-js then iterates over nothing.
				inputSeq = nil
				inputSeqV = newSeq()
			}
		}
	}
	if isTuple {
		s := newSeq()
		for _, t := range tuples {
			s.items = append(s.items, t["@"])
		}
		result = s
	}
	if n.keepSingletonArray {
		switch r := result.(type) {
		case *sequence:
			if r.cons && !r.isSeq {
				result = &sequence{items: r.items, isSeq: true, keepSingleton: true}
			} else {
				r.keepSingleton = true
			}
		case []any:
			// A plain array (from a field) is kept as is.
		default:
			if !isUndef(result) {
				result = &sequence{items: []any{result}, isSeq: true, keepSingleton: true}
			}
		}
	}
	if n.group != nil {
		return c.group(n.group, result, env)
	}
	return result, nil
}

func (c *evalCtx) evalStep(step *node, input []any, inputV any, env *frame, last bool) (any, error) {
	if step.typ == nSort {
		res, err := c.sortExpr(step, inputV, env)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if res, err = c.filter(st.lhs, res, env); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	results := make([]any, 0, len(input))
	for _, it := range input {
		res, err := c.eval(step, it, env)
		if err != nil {
			return nil, err
		}
		for _, st := range step.stages {
			if st.typ != nFilter {
				continue
			}
			if res, err = c.filter(st.lhs, res, env); err != nil {
				return nil, err
			}
		}
		if !isUndef(res) {
			results = append(results, res)
		}
	}
	if err := c.charge(len(results)); err != nil {
		return nil, err
	}
	if last && len(results) == 1 {
		switch r := results[0].(type) {
		case []any:
			return r, nil
		case *sequence:
			if !r.isSeq {
				return r, nil
			}
		}
	}
	out := newSeq()
	out.items = make([]any, 0, len(results))
	for _, r := range results {
		switch x := r.(type) {
		case []any:
			out.items = append(out.items, x...)
		case *sequence:
			if x.cons {
				out.items = append(out.items, x)
			} else {
				out.items = append(out.items, x.items...)
			}
		default:
			out.items = append(out.items, r)
		}
	}
	return out, nil
}

// charge counts n allocated items against the memory budget.
func (c *evalCtx) charge(n int) error {
	c.items += n
	if c.items > c.opts.MaxItems {
		return errMemory
	}
	return nil
}

func (c *evalCtx) filter(pred *node, input any, env *frame) (any, error) {
	res := newSeq()
	var items []any
	if arr, ok := arrayItems(input); ok {
		items = arr
		if s, ok := input.(*sequence); ok && s.tupleStream {
			res.tupleStream = true
		}
	} else {
		items = createSequence(input).items
	}
	if pred.typ == nNumber {
		f, _ := toNumber(pred.lit)
		idx := int(math.Floor(f))
		if idx < 0 {
			idx += len(items)
		}
		if idx >= 0 && idx < len(items) && !isUndef(items[idx]) {
			it := items[idx]
			if arr, ok := arrayItems(it); ok {
				return &sequence{items: arr, isSeq: isSequence(it)}, nil
			}
			res.items = append(res.items, it)
		}
		return res, nil
	}
	tuple := res.tupleStream
	for i, it := range items {
		if isUndef(it) {
			continue
		}
		ctx, e := it, env
		if tuple {
			t := it.(map[string]any)
			ctx = t["@"]
			e = frameFromTuple(env, t)
		}
		v, err := c.eval(pred, ctx, e)
		if err != nil {
			return nil, err
		}
		if ok, err := isNumeric(v); err != nil {
			return nil, err
		} else if ok {
			v = []any{v}
		}
		if arr, ok := arrayItems(v); ok && len(arr) > 0 && allNumbers(arr) {
			for _, x := range arr {
				f, _ := toNumber(x)
				ii := int(math.Floor(f))
				if ii < 0 {
					ii += len(items)
				}
				if ii == i {
					res.items = append(res.items, it)
				}
			}
			continue
		}
		b, err := toBoolean(v)
		if err != nil {
			return nil, err
		}
		if b == true {
			res.items = append(res.items, it)
		}
	}
	return res, nil
}

func allNumbers(items []any) bool {
	for _, x := range items {
		if _, ok := toNumber(x); !ok {
			return false
		}
	}
	return true
}

func (c *evalCtx) evalArray(n *node, input any, env *frame) (any, error) {
	out := &sequence{cons: n.consarray}
	for _, item := range n.exprs {
		v, err := c.eval(item, input, env)
		if err != nil {
			return nil, err
		}
		if isUndef(v) {
			continue
		}
		if item.typ == nArray {
			out.items = append(out.items, v)
		} else if arr, ok := arrayItems(v); ok {
			out.items = append(out.items, arr...)
		} else {
			out.items = append(out.items, v)
		}
	}
	if err := c.charge(len(out.items)); err != nil {
		return nil, err
	}
	if !n.consarray {
		return plain(out), nil
	}
	return out, nil
}

func wildcard(input any) any {
	res := newSeq()
	add := func(v any) {
		if arr, ok := arrayItems(v); ok {
			res.items = append(res.items, flatten(arr, nil)...)
		} else {
			res.items = append(res.items, v)
		}
	}
	switch x := input.(type) {
	case map[string]any:
		for _, k := range value.SortedKeys(x) {
			add(x[k])
		}
	case []any, *sequence:
		items, _ := arrayItems(x)
		for _, it := range items {
			add(it)
		}
	}
	return res
}

func flatten(items []any, out []any) []any {
	for _, it := range items {
		if arr, ok := arrayItems(it); ok {
			out = flatten(arr, out)
		} else {
			out = append(out, it)
		}
	}
	return out
}

func descendants(input any) any {
	if isUndef(input) {
		return undefined
	}
	res := newSeq()
	var rec func(v any)
	rec = func(v any) {
		if arr, ok := arrayItems(v); ok {
			for _, it := range arr {
				rec(it)
			}
			return
		}
		res.items = append(res.items, v)
		if m, ok := v.(map[string]any); ok {
			for _, k := range value.SortedKeys(m) {
				rec(m[k])
			}
		}
	}
	rec(input)
	if len(res.items) == 1 {
		return res.items[0]
	}
	return res
}

// group evaluates an object constructor, also as a group-by on a path.
func (c *evalCtx) group(g *groupSpec, input any, env *frame) (any, error) {
	type entry struct {
		data  any
		index int
	}
	var items []any
	reduce := false
	if s, ok := input.(*sequence); ok && s.tupleStream {
		reduce = true
	}
	if arr, ok := arrayItems(input); ok {
		items = arr
	} else {
		items = createSequence(input).items
	}
	if len(items) == 0 {
		items = []any{undefined}
	}
	groups := map[string]*entry{}
	var order []string
	for _, it := range items {
		ctx, e := it, env
		if reduce {
			t := it.(map[string]any)
			ctx = t["@"]
			e = frameFromTuple(env, t)
		}
		for pi, pair := range g.pairs {
			k, err := c.eval(pair[0], ctx, e)
			if err != nil {
				return nil, err
			}
			if isUndef(k) {
				continue
			}
			ks, ok := k.(string)
			if !ok {
				return nil, rtErr("T1003", "Key in object structure must evaluate to a string; got: %s", jsString(k))
			}
			if ex, ok := groups[ks]; ok {
				if ex.index != pi {
					return nil, rtErr("D1009", "Multiple key definitions evaluate to same key: %s", jsString(ks))
				}
				ex.data = appendValues(ex.data, it)
			} else {
				groups[ks] = &entry{data: it, index: pi}
				order = append(order, ks)
			}
		}
	}
	out := make(map[string]any, len(groups))
	for _, k := range order {
		en := groups[k]
		ctx, e := en.data, env
		if reduce {
			t := reduceTuples(en.data)
			ctx = t["@"]
			delete(t, "@")
			e = frameFromTuple(env, t)
		}
		v, err := c.eval(g.pairs[en.index][1], ctx, e)
		if err != nil {
			return nil, err
		}
		if !isUndef(v) {
			out[k] = plain(v)
		}
	}
	return out, nil
}

// appendValues is $append: arrays are concatenated, values added.
func appendValues(a, b any) any {
	if isUndef(a) {
		return b
	}
	if isUndef(b) {
		return a
	}
	var res []any
	if arr, ok := arrayItems(a); ok {
		for _, x := range arr {
			res = append(res, plain(x))
		}
	} else {
		res = append(res, plain(a))
	}
	if arr, ok := arrayItems(b); ok {
		for _, x := range arr {
			res = append(res, plain(x))
		}
	} else {
		res = append(res, plain(b))
	}
	if res == nil {
		res = []any{}
	}
	return res
}
