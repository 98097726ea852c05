package interp

import (
	"encoding/json"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// evalRule evaluates a JSONPath Choice rule against the effective input.
func (r *run) evalRule(rule *asl.ChoiceRule, input any) (bool, *asl.Error) {
	switch {
	case len(rule.And) > 0:
		for _, c := range rule.And {
			ok, e := r.evalRule(c, input)
			if e != nil || !ok {
				return false, e
			}
		}
		return true, nil
	case len(rule.Or) > 0:
		for _, c := range rule.Or {
			ok, e := r.evalRule(c, input)
			if e != nil {
				return false, e
			}
			if ok {
				return true, nil
			}
		}
		return false, nil
	case rule.Not != nil:
		ok, e := r.evalRule(rule.Not, input)
		return !ok, e
	}
	op := rule.Operator
	v, err := r.resolve(rule.Variable, input)
	present := err == nil
	if op == "IsPresent" {
		want, _ := rule.Operand.(bool)
		return present == want, nil
	}
	if !present {
		return false, r.pathErr(rule.Variable, err)
	}
	if strings.HasPrefix(op, "Is") {
		want, _ := rule.Operand.(bool)
		var got bool
		switch op {
		case "IsNull":
			got = v == nil
		case "IsNumeric":
			got = value.IsNumber(v)
		case "IsString":
			_, got = v.(string)
		case "IsBoolean":
			_, got = v.(bool)
		case "IsTimestamp":
			s, ok := v.(string)
			if ok {
				_, got = ParseTimestamp(s)
			}
		}
		return got == want, nil
	}
	operand := rule.Operand
	base := op
	if strings.HasSuffix(op, "Path") {
		base = strings.TrimSuffix(op, "Path")
		o, err := r.resolve(rule.OperandPath, input)
		if err != nil {
			return false, r.pathErr(rule.OperandPath, err)
		}
		operand = o
	}
	return compare(base, v, operand), nil
}

// compare applies a comparison operator (without its Path suffix). A value
// of the wrong type compares false.
func compare(op string, v, operand any) bool {
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		switch op {
		case "StringEquals":
			return a == b
		case "StringLessThan":
			return a < b
		case "StringGreaterThan":
			return a > b
		case "StringLessThanEquals":
			return a <= b
		case "StringGreaterThanEquals":
			return a >= b
		case "StringMatches":
			return matchWildcard(b, a)
		}
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := v.(json.Number)
		b, ok2 := operand.(json.Number)
		if !ok1 || !ok2 {
			return false
		}
		return cmpOp(op[len("Numeric"):], value.CompareNumbers(a, b))
	case strings.HasPrefix(op, "Boolean"):
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, ok1 := ParseTimestamp(as)
		b, ok2 := ParseTimestamp(bs)
		if !ok1 || !ok2 {
			return false
		}
		c := a.Compare(b)
		return cmpOp(op[len("Timestamp"):], c)
	}
	return false
}

func cmpOp(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// matchWildcard matches s against a StringMatches pattern: "*" matches any
// run of characters, "\*" a literal star and "\\" a backslash.
func matchWildcard(pattern, s string) bool {
	type tok struct {
		star bool
		lit  rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			toks = append(toks, tok{lit: rs[i]})
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{lit: rs[i]})
		}
	}
	str := []rune(s)
	// Classic greedy wildcard matching with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == str[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			ti = starT + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
