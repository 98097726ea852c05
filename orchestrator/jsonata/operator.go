package jsonata

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

func (c *evalCtx) evalBinary(n *node, input any, env *frame) (any, error) {
	lhs, err := c.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	op := n.value
	if op == "and" || op == "or" {
		lb, err := boolize(lhs)
		if err != nil {
			return nil, err
		}
		if op == "and" && !lb {
			return false, nil
		}
		if op == "or" && lb {
			return true, nil
		}
		rhs, err := c.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		return boolize(rhs)
	}
	rhs, err := c.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	switch op {
	case "+", "-", "*", "/", "%":
		return arith(op, lhs, rhs)
	case "=", "!=":
		if isUndef(lhs) || isUndef(rhs) {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if op == "!=" {
			return !eq, nil
		}
		return eq, nil
	case "<", "<=", ">", ">=":
		return compare(op, lhs, rhs)
	case "&":
		ls, err := stringOf(lhs)
		if err != nil {
			return nil, err
		}
		rs, err := stringOf(rhs)
		if err != nil {
			return nil, err
		}
		return ls + rs, nil
	case "..":
		return c.rangeOp(lhs, rhs)
	case "in":
		if isUndef(lhs) || isUndef(rhs) {
			return false, nil
		}
		items, ok := arrayItems(rhs)
		if !ok {
			items = []any{rhs}
		}
		for _, it := range items {
			if strictEqual(it, lhs) {
				return true, nil
			}
		}
		return false, nil
	}
	return nil, rtErr("S0204", "Unknown operator: %s", jsString(op))
}

func stringOf(v any) (string, error) {
	if isUndef(v) {
		return "", nil
	}
	s, err := fnStringValue(v, false)
	if err != nil {
		return "", err
	}
	return s, nil
}

func arith(op string, lhs, rhs any) (any, error) {
	lok, err := isNumeric(lhs)
	if err != nil {
		return nil, err
	}
	if !isUndef(lhs) && !lok {
		return nil, rtErr("T2001", "The left side of the %s operator must evaluate to a number", jsString(op))
	}
	rok, err := isNumeric(rhs)
	if err != nil {
		return nil, err
	}
	if !isUndef(rhs) && !rok {
		return nil, rtErr("T2002", "The right side of the %s operator must evaluate to a number", jsString(op))
	}
	if isUndef(lhs) || isUndef(rhs) {
		return undefined, nil
	}
	// Exact integer arithmetic where it cannot overflow.
	if op != "/" {
		if a, ok := smallInt(lhs); ok {
			if b, ok := smallInt(rhs); ok {
				switch op {
				case "+":
					return value.Int(a + b), nil
				case "-":
					return value.Int(a - b), nil
				case "*":
					if (a < 1<<31 && a > -(1<<31)) && (b < 1<<31 && b > -(1<<31)) {
						return value.Int(a * b), nil
					}
				case "%":
					if b != 0 {
						return value.Int(a % b), nil
					}
				}
			}
		}
	}
	a, _ := toNumber(lhs)
	b, _ := toNumber(rhs)
	var r float64
	switch op {
	case "+":
		r = a + b
	case "-":
		r = a - b
	case "*":
		r = a * b
	case "/":
		r = a / b
	case "%":
		r = math.Mod(a, b)
	}
	return mkNum(r), nil
}

// smallInt returns an integer json.Number at most 2^52 in magnitude, so
// that sums and differences stay exact in float64 as in JavaScript.
func smallInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(string(n), ".eE") || len(n) > 16 {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil && i <= 1<<52 && i >= -(1<<52)
}

func compare(op string, lhs, rhs any) (any, error) {
	lnum, err := isNumeric(lhs)
	if err != nil {
		return nil, err
	}
	rnum, err := isNumeric(rhs)
	if err != nil {
		return nil, err
	}
	_, lstr := lhs.(string)
	_, rstr := rhs.(string)
	lc := isUndef(lhs) || lstr || lnum
	rc := isUndef(rhs) || rstr || rnum
	if !lc || !rc {
		return nil, rtErr("T2010", "The expressions either side of operator %s must evaluate to numeric or string values", jsString(op))
	}
	if isUndef(lhs) || isUndef(rhs) {
		return undefined, nil
	}
	if lstr != rstr {
		return nil, rtErr("T2009", "The values %s and %s either side of operator %s must be of the same data type", jsString(lhs), jsString(rhs), jsString(op))
	}
	var cmp int
	if lstr {
		cmp = strings.Compare(lhs.(string), rhs.(string))
	} else {
		a, _ := toNumber(lhs)
		b, _ := toNumber(rhs)
		if ln, ok := lhs.(json.Number); ok {
			if rn, ok := rhs.(json.Number); ok {
				cmp = value.CompareNumbers(ln, rn)
			} else {
				cmp = cmpFloat(a, b)
			}
		} else {
			cmp = cmpFloat(a, b)
		}
	}
	switch op {
	case "<":
		return cmp < 0, nil
	case "<=":
		return cmp <= 0, nil
	case ">":
		return cmp > 0, nil
	}
	return cmp >= 0, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

const maxRange = 10_000_000

func (c *evalCtx) rangeOp(lhs, rhs any) (any, error) {
	li, lok := intOf(lhs)
	if !isUndef(lhs) && !lok {
		return nil, rtErr("T2003", "The left side of the range operator (..) must evaluate to an integer")
	}
	ri, rok := intOf(rhs)
	if !isUndef(rhs) && !rok {
		return nil, rtErr("T2004", "The right side of the range operator (..) must evaluate to an integer")
	}
	if isUndef(lhs) || isUndef(rhs) || li > ri {
		return undefined, nil
	}
	size := ri - li + 1
	if size > maxRange {
		return nil, rtErr("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate %d.", size)
	}
	if err := c.charge(int(size)); err != nil {
		return nil, err
	}
	out := make([]any, 0, size)
	for i := li; i <= ri; i++ {
		out = append(out, value.Int(i))
	}
	return &sequence{items: out, isSeq: true}, nil
}

// intOf returns v as an integer if it is an integral number.
func intOf(v any) (int64, bool) {
	f, ok := toNumber(v)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// deepEqual is JSONata's "=": deep equality, numbers by value.
func deepEqual(a, b any) bool {
	if fa, ok := toNumber(a); ok {
		fb, ok := toNumber(b)
		if !ok {
			return false
		}
		an, aok := a.(json.Number)
		bn, bok := b.(json.Number)
		if aok && bok {
			return value.CompareNumbers(an, bn) == 0
		}
		return fa == fb
	}
	if aa, ok := arrayItems(a); ok {
		bb, ok := arrayItems(b)
		if !ok || len(aa) != len(bb) {
			return false
		}
		for i := range aa {
			if !deepEqual(aa[i], bb[i]) {
				return false
			}
		}
		return true
	}
	if am, ok := a.(map[string]any); ok {
		bm, ok := b.(map[string]any)
		if !ok || len(am) != len(bm) {
			return false
		}
		for k, av := range am {
			bv, ok := bm[k]
			if !ok || !deepEqual(av, bv) {
				return false
			}
		}
		return true
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return a == b
}

// strictEqual is JavaScript's "===" as "in" uses it: primitives by value,
// containers by identity (never equal here).
func strictEqual(a, b any) bool {
	switch a.(type) {
	case []any, map[string]any, *sequence:
		return false
	}
	switch b.(type) {
	case []any, map[string]any, *sequence:
		return false
	}
	return deepEqual(a, b)
}

// toBoolean is $boolean: nothing stays nothing (returned as undefined).
func toBoolean(v any) (any, error) {
	if isUndef(v) {
		return undefined, nil
	}
	b, err := truthy(v)
	return b, err
}

func truthy(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		return x != "", nil
	case json.Number, float64:
		ok, err := isNumeric(x)
		if err != nil || !ok {
			return false, err
		}
		f, _ := toNumber(x)
		return f != 0, nil
	case map[string]any:
		return len(x) > 0, nil
	case []any, *sequence:
		items, _ := arrayItems(x)
		if len(items) == 1 {
			return truthy(items[0])
		}
		for _, it := range items {
			b, err := truthy(it)
			if err != nil {
				return false, err
			}
			if b {
				return true, nil
			}
		}
		return false, nil
	case undefinedType:
		return false, nil
	}
	return false, nil // functions
}

func boolize(v any) (bool, error) {
	if isUndef(v) {
		return false, nil
	}
	return truthy(v)
}
