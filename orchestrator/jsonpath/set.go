package jsonpath

import (
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Set returns a copy of doc with v placed at p, as ResultPath does: "$"
// replaces the whole document, missing objects on the way are created,
// and an existing array element can be replaced. doc is never mutated:
// only the objects and arrays on the way to v are copied. When v cannot be
// placed (p is not a reference path on the input, a value that is not an
// object is in the way, an index is out of range) Set returns an
// *EvalError named States.ResultPathMatchFailure.
func Set(doc any, p *Path, v any) (any, error) {
	if p.root != RootInput || !p.reference {
		return nil, &EvalError{Name: ErrorResultPathMatchFailure,
			Cause: "Invalid ResultPath '" + p.text + "': a ResultPath must be a reference path on the state input"}
	}
	if len(p.segs) == 0 {
		return v, nil
	}
	out, ok := setAt(doc, p.segs, v, true)
	if !ok {
		return nil, &EvalError{Name: ErrorResultPathMatchFailure,
			Cause: "Unable to apply ResultPath '" + p.text + "' to input '" + value.MustString(doc) + "'"}
	}
	return out, nil
}

// setAt returns a copy of node with v placed at segs. exists says whether
// node is present (false means it is created).
func setAt(node any, segs []segment, v any, exists bool) (any, bool) {
	if len(segs) == 0 {
		return v, true
	}
	s := &segs[0]
	switch s.kind {
	case segName:
		var m map[string]any
		if exists {
			var ok bool
			if m, ok = node.(map[string]any); !ok {
				return nil, false
			}
		}
		child, has := m[s.name]
		nv, ok := setAt(child, segs[1:], v, has)
		if !ok {
			return nil, false
		}
		out := make(map[string]any, len(m)+1)
		for k, x := range m {
			out[k] = x
		}
		out[s.name] = nv
		return out, true
	case segIndex:
		a, ok := node.([]any)
		if !exists || !ok {
			return nil, false
		}
		idx := s.index
		if idx < 0 {
			idx += len(a)
		}
		if idx < 0 || idx >= len(a) {
			return nil, false
		}
		nv, ok := setAt(a[idx], segs[1:], v, true)
		if !ok {
			return nil, false
		}
		out := make([]any, len(a))
		copy(out, a)
		out[idx] = nv
		return out, true
	}
	return nil, false
}
