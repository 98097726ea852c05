package jsonpath

import (
	"encoding/json"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Get evaluates the path against doc (the input, the context object or a
// variable's value, as Root says). A definite path returns its value, or a
// *NotFoundError when something on the way is missing; an indefinite path
// returns a []any of its matches, possibly empty, as Jayway does.
func (p *Path) Get(doc any) (any, error) {
	segs := p.segs
	fn := false
	if n := len(segs); n > 0 && segs[n-1].kind == segLength {
		segs, fn = segs[:n-1], true
	}
	upstreamDefinite := true
	for i, s := range segs {
		if s.kind == segNames && i == len(segs)-1 {
			continue // Jayway merges the last step's properties into one object
		}
		if s.deep || (s.kind != segName && s.kind != segIndex) {
			upstreamDefinite = false
			break
		}
	}
	var v any
	if upstreamDefinite {
		var err error
		if v, err = p.getDefinite(segs, doc); err != nil {
			return nil, err
		}
	} else {
		out := []any{}
		walk(segs, doc, doc, func(x any) { out = append(out, x) })
		v = out
	}
	if !fn {
		return v, nil
	}
	n, ok := lengthOf(v)
	if !ok {
		return nil, &NotFoundError{Path: p.text, Message: "Function " + strings.TrimPrefix(p.segs[len(p.segs)-1].text, ".") +
			" can only be applied to an array, an object or a string, but was applied to " + value.TypeName(v)}
	}
	return value.Int(int64(n)), nil
}

// getDefinite follows names and single indexes, failing as Jayway does.
func (p *Path) getDefinite(segs []segment, doc any) (any, error) {
	cur := doc
	last := len(segs) - 1
	for i := range segs {
		s := &segs[i]
		switch s.kind {
		case segName:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, p.notObject(i, cur)
			}
			v, ok := m[s.name]
			if !ok {
				if i == last {
					return nil, &NotFoundError{Path: p.text, Message: "No results for path: " + p.normalized}
				}
				return nil, &NotFoundError{Path: p.text, Message: "Missing property in path " + p.prefix(i+1)}
			}
			cur = v
		case segNames:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, p.notObject(i, cur)
			}
			merged := make(map[string]any, len(s.names))
			for _, n := range s.names {
				if v, ok := m[n]; ok {
					merged[n] = v
				}
			}
			cur = merged
		case segIndex:
			if cur == nil {
				return nil, &NotFoundError{Path: p.text, Message: "The path " + p.prefix(i) + " is null"}
			}
			a, ok := cur.([]any)
			if !ok {
				return nil, &NotFoundError{Path: p.text, Message: "Filter: " + s.text +
					" can only be applied to arrays. Current context is: " + value.MustString(cur)}
			}
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx < 0 || idx >= len(a) {
				return nil, &NotFoundError{Path: p.text, Message: "No results for path: " + p.normalized}
			}
			cur = a[idx]
		}
	}
	return cur, nil
}

// notObject is Jayway's error for a property step on a value that is not
// an object.
func (p *Path) notObject(i int, cur any) error {
	return &NotFoundError{Path: p.text, Message: "Expected to find an object with property " + p.segs[i].text +
		" in path " + p.prefix(i) + " but found '" + javaClass(cur) +
		"'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."}
}

// javaClass names the class Jayway's default provider uses for v.
func javaClass(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "java.lang.Boolean"
	case string:
		return "java.lang.String"
	case json.Number:
		if value.IsInteger(x) {
			return "java.lang.Integer"
		}
		return "java.lang.Double"
	case []any:
		return "net.minidev.json.JSONArray"
	}
	return "net.minidev.json.JSONObject"
}

// getDefiniteQuiet follows names and single indexes; ok is false when
// anything is missing.
func getDefiniteQuiet(segs []segment, doc any) (any, bool) {
	cur := doc
	for i := range segs {
		s := &segs[i]
		switch s.kind {
		case segName:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[s.name]; !ok {
				return nil, false
			}
		case segIndex:
			a, ok := cur.([]any)
			if !ok {
				return nil, false
			}
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx < 0 || idx >= len(a) {
				return nil, false
			}
			cur = a[idx]
		default:
			return nil, false
		}
	}
	return cur, true
}

// walk applies segs to node and calls emit for every match, in document
// order (object members in key order). Missing members and type
// mismatches select nothing.
func walk(segs []segment, node, root any, emit func(any)) {
	if len(segs) == 0 {
		emit(node)
		return
	}
	s := &segs[0]
	next := func(v any) { walk(segs[1:], v, root, emit) }
	if s.deep {
		deepApply(s, node, root, next)
		return
	}
	apply(s, node, root, len(segs) == 1, next)
}

// deepApply applies s to node and to each of its descendants.
func deepApply(s *segment, node, root any, fn func(any)) {
	apply(s, node, root, false, fn)
	switch x := node.(type) {
	case []any:
		for _, v := range x {
			deepApply(s, v, root, fn)
		}
	case map[string]any:
		for _, k := range value.SortedKeys(x) {
			deepApply(s, x[k], root, fn)
		}
	}
}

// apply applies one step to node.
func apply(s *segment, node, root any, leaf bool, fn func(any)) {
	switch s.kind {
	case segName:
		if m, ok := node.(map[string]any); ok {
			if v, ok := m[s.name]; ok {
				fn(v)
			}
		}
	case segNames:
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		if leaf {
			merged := make(map[string]any, len(s.names))
			for _, n := range s.names {
				if v, ok := m[n]; ok {
					merged[n] = v
				}
			}
			fn(merged)
			return
		}
		for _, n := range s.names {
			if v, ok := m[n]; ok {
				fn(v)
			}
		}
	case segIndex:
		if a, ok := node.([]any); ok {
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx >= 0 && idx < len(a) {
				fn(a[idx])
			}
		}
	case segIndexes:
		if a, ok := node.([]any); ok {
			for _, idx := range s.indexes {
				if idx < 0 {
					idx += len(a)
				}
				if idx >= 0 && idx < len(a) {
					fn(a[idx])
				}
			}
		}
	case segWildcard:
		switch x := node.(type) {
		case []any:
			for _, v := range x {
				fn(v)
			}
		case map[string]any:
			for _, k := range value.SortedKeys(x) {
				fn(x[k])
			}
		}
	case segSlice:
		a, ok := node.([]any)
		if !ok {
			return
		}
		from, to := sliceBounds(s, len(a))
		for i := from; i < to; i++ {
			fn(a[i])
		}
	case segFilter:
		switch x := node.(type) {
		case []any:
			for _, v := range x {
				if s.filter.match(v, root) {
					fn(v)
				}
			}
		case map[string]any:
			if s.filter.match(x, root) {
				fn(x)
			}
		}
	}
}

// sliceBounds turns [from:to] into a clamped half-open range.
func sliceBounds(s *segment, n int) (int, int) {
	from, to := 0, n
	if s.hasFrom {
		from = s.from
		if from < 0 {
			from += n
		}
	}
	if s.hasTo {
		to = s.to
		if to < 0 {
			to += n
		}
	}
	from = max(from, 0)
	to = min(to, n)
	if from > to {
		from = to
	}
	return from, to
}
