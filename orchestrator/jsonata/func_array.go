package jsonata

import (
	"encoding/binary"
	"encoding/json"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

func fnCount(_ *evalCtx, args []any, _ any) (any, error) {
	if isUndef(args[0]) {
		return value.Int(0), nil
	}
	items, ok := arrayItems(args[0])
	if !ok {
		return value.Int(1), nil
	}
	return value.Int(int64(len(items))), nil
}

func fnAppend(c *evalCtx, args []any, _ any) (any, error) {
	r := appendValues(args[0], args[1])
	if items, ok := arrayItems(r); ok {
		if err := c.charge(len(items)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func fnReverse(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fnSort(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	if len(items) <= 1 {
		return args[0], nil
	}
	var swap func(a, b any) (bool, error)
	if f := argOr(args, 1); !isUndef(f) {
		swap = func(a, b any) (bool, error) {
			r, err := c.apply(f, []any{a, b}, undefined)
			if err != nil {
				return false, err
			}
			return truthy(r)
		}
	} else {
		allNum, allStr := true, true
		for _, it := range items {
			if _, ok := toNumber(it); !ok {
				allNum = false
			}
			if _, ok := it.(string); !ok {
				allStr = false
			}
		}
		if !allNum && !allStr {
			return nil, rtErr("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function")
		}
		swap = func(a, b any) (bool, error) {
			if allStr {
				return a.(string) > b.(string), nil
			}
			fa, _ := toNumber(a)
			fb, _ := toNumber(b)
			return fa > fb, nil
		}
	}
	return mergeSort(items, swap)
}

func fnShuffle(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	out := append([]any(nil), items...)
	for i := len(out) - 1; i > 0; i-- {
		j := int(c.randomFloat() * float64(i+1))
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func fnDistinct(_ *evalCtx, args []any, _ any) (any, error) {
	if isUndef(args[0]) {
		return undefined, nil
	}
	items, ok := arrayItems(args[0])
	if !ok || len(items) <= 1 {
		return args[0], nil
	}
	out := &sequence{isSeq: isSequence(args[0])}
	for _, it := range items {
		dup := false
		for _, seen := range out.items {
			if deepEqual(it, seen) {
				dup = true
				break
			}
		}
		if !dup {
			out.items = append(out.items, it)
		}
	}
	return out, nil
}

func fnZip(_ *evalCtx, args []any, _ any) (any, error) {
	arrays := make([][]any, len(args))
	minLen := -1
	for i, a := range args {
		items, ok := arrayItems(a)
		if !ok {
			if isUndef(a) {
				items = nil
			} else {
				items = []any{a}
			}
		}
		arrays[i] = items
		if minLen < 0 || len(items) < minLen {
			minLen = len(items)
		}
	}
	out := make([]any, 0, max(minLen, 0))
	for i := 0; i < minLen; i++ {
		tuple := make([]any, len(arrays))
		for j := range arrays {
			tuple[j] = plain(arrays[j][i])
		}
		out = append(out, tuple)
	}
	return out, nil
}

func fnKeys(_ *evalCtx, args []any, _ any) (any, error) {
	var keys []string
	seen := map[string]bool{}
	add := func(m map[string]any) {
		for _, k := range value.SortedKeys(m) {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	switch x := args[0].(type) {
	case map[string]any:
		add(x)
	case []any, *sequence:
		items, _ := arrayItems(x)
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				add(m)
			}
		}
	}
	if len(keys) == 0 {
		return undefined, nil
	}
	out := newSeq()
	for _, k := range keys {
		out.items = append(out.items, k)
	}
	return out, nil
}

func fnLookup(_ *evalCtx, args []any, _ any) (any, error) {
	key, _ := args[1].(string)
	return lookupField(args[0], key), nil
}

func fnSpread(_ *evalCtx, args []any, _ any) (any, error) {
	switch x := args[0].(type) {
	case map[string]any:
		out := newSeq()
		for _, k := range value.SortedKeys(x) {
			out.items = append(out.items, map[string]any{k: x[k]})
		}
		return out, nil
	case []any, *sequence:
		items, _ := arrayItems(x)
		out := newSeq()
		for _, it := range items {
			r, _ := fnSpread(nil, []any{it}, nil)
			if arr, ok := arrayItems(r); ok {
				out.items = append(out.items, arr...)
			}
		}
		return out, nil
	}
	return args[0], nil
}

func fnMerge(_ *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	out := map[string]any{}
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			for k, v := range m {
				out[k] = v
			}
		}
	}
	return out, nil
}

// callArgs trims (value, index, array) to the arity of f.
func callArgs(f any, all ...any) []any {
	n := arity(f)
	if b, ok := f.(*builtin); ok {
		n = 0
		for _, p := range b.sig().params {
			if !p.optional {
				n++
			}
		}
	}
	if n > len(all) {
		n = len(all)
	}
	if n < 1 {
		n = 1
	}
	return all[:n]
}

func fnMap(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	f := args[1]
	out := newSeq()
	arr := plain(args[0])
	for i, it := range items {
		r, err := c.apply(f, callArgs(f, it, value.Int(int64(i)), arr), undefined)
		if err != nil {
			return nil, err
		}
		if !isUndef(r) {
			out.items = append(out.items, r)
		}
	}
	if err := c.charge(len(out.items)); err != nil {
		return nil, err
	}
	return out, nil
}

func fnFilter(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	f := args[1]
	out := newSeq()
	arr := plain(args[0])
	for i, it := range items {
		r, err := c.apply(f, callArgs(f, it, value.Int(int64(i)), arr), undefined)
		if err != nil {
			return nil, err
		}
		if b, err := boolize(r); err != nil {
			return nil, err
		} else if b {
			out.items = append(out.items, it)
		}
	}
	return out, nil
}

func fnSingle(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	f := argOr(args, 1)
	var found any = undefined
	n := 0
	arr := plain(args[0])
	for i, it := range items {
		pass := true
		if !isUndef(f) {
			r, err := c.apply(f, callArgs(f, it, value.Int(int64(i)), arr), undefined)
			if err != nil {
				return nil, err
			}
			if pass, err = boolize(r); err != nil {
				return nil, err
			}
		}
		if pass {
			n++
			if n > 1 {
				return nil, rtErr("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.")
			}
			found = it
		}
	}
	if n == 0 {
		return nil, rtErr("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.")
	}
	return found, nil
}

func fnReduce(c *evalCtx, args []any, _ any) (any, error) {
	items, ok := arrayItems(args[0])
	if !ok {
		return undefined, nil
	}
	f := args[1]
	if arity(f) < 2 {
		return nil, rtErr("D3050", "The second argument of reduce function must be a function with at least two arguments")
	}
	acc := argOr(args, 2)
	start := 0
	if isUndef(acc) && len(items) > 0 {
		acc = items[0]
		start = 1
	}
	arr := plain(args[0])
	for i := start; i < len(items); i++ {
		all := []any{acc, items[i], value.Int(int64(i)), arr}
		n := min(max(arity(f), 2), 4)
		r, err := c.apply(f, all[:n], undefined)
		if err != nil {
			return nil, err
		}
		acc = r
	}
	return acc, nil
}

func fnSift(c *evalCtx, args []any, _ any) (any, error) {
	m, ok := args[0].(map[string]any)
	if !ok {
		return undefined, nil
	}
	f := args[1]
	out := map[string]any{}
	for _, k := range value.SortedKeys(m) {
		r, err := c.apply(f, callArgs(f, m[k], k, m), undefined)
		if err != nil {
			return nil, err
		}
		if b, err := boolize(r); err != nil {
			return nil, err
		} else if b {
			out[k] = m[k]
		}
	}
	if len(out) == 0 {
		return undefined, nil
	}
	return out, nil
}

func fnEach(c *evalCtx, args []any, _ any) (any, error) {
	m, ok := args[0].(map[string]any)
	if !ok {
		return undefined, nil
	}
	f := args[1]
	out := newSeq()
	for _, k := range value.SortedKeys(m) {
		r, err := c.apply(f, callArgs(f, m[k], k, m), undefined)
		if err != nil {
			return nil, err
		}
		if !isUndef(r) {
			out.items = append(out.items, r)
		}
	}
	return out, nil
}

func fnError(_ *evalCtx, args []any, _ any) (any, error) {
	msg, ok := argOr(args, 0).(string)
	if !ok {
		msg = "$error() function evaluated"
	}
	return nil, &Error{Code: "D3137", Message: msg}
}

func fnAssert(_ *evalCtx, args []any, _ any) (any, error) {
	b, _ := args[0].(bool)
	if !b {
		msg, ok := argOr(args, 1).(string)
		if !ok {
			msg = "$assert() statement failed"
		}
		return nil, &Error{Code: "D3141", Message: msg}
	}
	return undefined, nil
}

func fnType(_ *evalCtx, args []any, _ any) (any, error) {
	switch args[0].(type) {
	case undefinedType:
		return undefined, nil
	case nil:
		return "null", nil
	case json.Number, float64:
		return "number", nil
	case string:
		return "string", nil
	case bool:
		return "boolean", nil
	case []any, *sequence:
		return "array", nil
	case map[string]any:
		return "object", nil
	}
	return "function", nil
}

func fnBoolean(_ *evalCtx, args []any, _ any) (any, error) { return toBoolean(args[0]) }

func fnNot(_ *evalCtx, args []any, _ any) (any, error) {
	b, err := toBoolean(args[0])
	if err != nil || isUndef(b) {
		return b, err
	}
	return !b.(bool), nil
}

func fnExists(_ *evalCtx, args []any, _ any) (any, error) { return !isUndef(args[0]), nil }

// randomFloat returns a number in [0, 1) from the injected source.
func (c *evalCtx) randomFloat() float64 {
	var b [8]byte
	if _, err := c.opts.Rand.Read(b[:]); err != nil {
		return 0
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}

var _ = strings.Cut
