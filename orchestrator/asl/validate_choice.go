package asl

import "strings"

// operatorSet indexes Operators.
var operatorSet = func() map[string]bool {
	m := make(map[string]bool, len(Operators))
	for _, op := range Operators {
		m[op] = true
	}
	return m
}()

// choiceState parses the fields of a Choice state.
func (p *parser) choiceState(st *State, get func(string) *node, loc string) {
	if v := get("Default"); v != nil {
		st.Default, _ = p.str(v, loc+"/Default", "Default")
	}
	v := get("Choices")
	if v == nil {
		p.schema(loc, "These fields are required: [Choices]")
		return
	}
	if v.kind != kindArray || len(v.vals) == 0 {
		p.schema(loc+"/Choices", "The field 'Choices' must be a non-empty array")
		return
	}
	for i, r := range v.vals {
		if rule := p.choiceRule(st, r, index(loc+"/Choices", i), true); rule != nil {
			st.Choices = append(st.Choices, rule)
		}
	}
}

// choiceRule parses one rule; top is set for the rules of Choices, which
// carry Next, and unset for the rules inside And, Or and Not.
func (p *parser) choiceRule(st *State, n *node, loc string, top bool) *ChoiceRule {
	if n.kind != kindObject {
		p.schema(loc, "A choice rule must be an object, not %s", n.typeName())
		return nil
	}
	p.dupFields(n, loc)
	rule := &ChoiceRule{}
	if v := n.get("Comment"); v != nil {
		rule.Comment, _ = p.str(v, loc+"/Comment", "Comment")
	}
	if top {
		if v := n.get("Next"); v == nil {
			p.schema(loc, "These fields are required: [Next]")
		} else {
			rule.Next, _ = p.str(v, loc+"/Next", "Next")
		}
		if v := n.get("Assign"); v != nil {
			rule.AssignPath, rule.AssignExpr = p.assign(st.QueryLanguage, v, loc+"/Assign")
		}
	}
	if st.QueryLanguage == JSONata {
		for _, k := range n.keys {
			switch k {
			case "Condition", "Comment":
			case "Next", "Assign", "Output":
				if !top {
					p.schema(loc, "Field '%s' is not supported", k)
				}
			default:
				if operatorSet[k] || k == "Variable" || k == "And" || k == "Or" || k == "Not" {
					p.schema(loc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", k)
				} else {
					p.schema(loc, "Field '%s' is not supported", k)
				}
			}
		}
		if top {
			if v := n.get("Output"); v != nil {
				rule.Output = p.jsonataTemplate(v, loc+"/Output", "Output", false)
			}
		}
		c := n.get("Condition")
		if c == nil {
			p.schema(loc, "These fields are required: [Condition]")
			return rule
		}
		rule.Condition.Set = true
		if e, ok := p.jsonataString(c, loc+"/Condition"); ok {
			rule.Condition.Expr = e
		} else if c.kind == kindBool {
			rule.Condition.Literal = c.bool
		} else {
			p.schema(loc+"/Condition", "The field 'Condition' must be a boolean or a JSONata expression")
		}
		return rule
	}

	// JSONPath rules.
	var ops []string
	for _, k := range n.keys {
		switch {
		case k == "Comment", k == "Variable", k == "And", k == "Or", k == "Not":
		case k == "Next" || k == "Assign":
			if !top {
				p.schema(loc, "Field '%s' is not supported", k)
			}
		case operatorSet[k]:
			ops = append(ops, k)
		case k == "Condition" || k == "Output":
			p.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
		default:
			p.schema(loc, "Field '%s' is not supported", k)
		}
	}
	and, or, not := n.get("And"), n.get("Or"), n.get("Not")
	boolOps := 0
	for _, v := range []*node{and, or, not} {
		if v != nil {
			boolOps++
		}
	}
	variable := n.get("Variable")
	if boolOps > 0 {
		if boolOps > 1 || variable != nil || len(ops) > 0 {
			p.schema(loc, "A choice rule must have exactly one of 'And', 'Or', 'Not' or a comparison operator with 'Variable'")
			return rule
		}
		switch {
		case not != nil:
			rule.Not = p.choiceRule(st, not, loc+"/Not", false)
		case and != nil:
			rule.And = p.ruleList(st, and, loc+"/And", "And")
		case or != nil:
			rule.Or = p.ruleList(st, or, loc+"/Or", "Or")
		}
		return rule
	}
	if variable == nil {
		p.schema(loc, "These fields are required: [Variable]")
	} else if s, ok := p.str(variable, loc+"/Variable", "Variable"); ok {
		rule.Variable = p.path(s, loc+"/Variable", "Variable", false)
	}
	if len(ops) != 1 {
		p.schema(loc, "A choice rule must have exactly one comparison operator, found %d", len(ops))
		return rule
	}
	op := ops[0]
	rule.Operator = op
	v := n.get(op)
	oloc := loc + "/" + op
	switch {
	case strings.HasSuffix(op, "Path"):
		if s, ok := p.str(v, oloc, op); ok {
			rule.OperandPath = p.path(s, oloc, op, false)
		}
	case strings.HasPrefix(op, "String"), strings.HasPrefix(op, "Timestamp"):
		if v.kind != kindString {
			p.schema(oloc, "The value for the field '%s' must be a string", op)
			return rule
		}
		if strings.HasPrefix(op, "Timestamp") && !isTimestamp(v.str) {
			p.schema(oloc, "String does not match RFC3339 timestamp")
			return rule
		}
		rule.Operand = v.str
	case strings.HasPrefix(op, "Numeric"):
		if _, ok := nodeFloat(v); !ok {
			p.schema(oloc, "The value for the field '%s' must be a number", op)
			return rule
		}
		rule.Operand = v.num()
	default: // BooleanEquals, Is*
		if v.kind != kindBool {
			p.schema(oloc, "The value for the field '%s' must be a boolean", op)
			return rule
		}
		rule.Operand = v.bool
	}
	return rule
}

// ruleList parses the rules of And or Or: a non-empty array.
func (p *parser) ruleList(st *State, n *node, loc, field string) []*ChoiceRule {
	if n.kind != kindArray || len(n.vals) == 0 {
		p.schema(loc, "The field '%s' must be a non-empty array", field)
		return nil
	}
	var out []*ChoiceRule
	for i, e := range n.vals {
		if r := p.choiceRule(st, e, index(loc, i), false); r != nil {
			out = append(out, r)
		}
	}
	return out
}
