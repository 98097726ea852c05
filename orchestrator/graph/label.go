package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

// maxLabel bounds an edge label; longer ones end with "…".
const maxLabel = 48

// ruleLabel describes a top-level Choice rule: its Comment when given,
// else its condition in short form ("$.n > 1", "not ($.s == x)"), else
// "Rule #n".
func ruleLabel(r *asl.ChoiceRule, i int) string {
	if r.Comment != "" {
		return clip(r.Comment)
	}
	if s := condition(r); s != "" {
		return clip(s)
	}
	return fmt.Sprintf("Rule #%d", i+1)
}

// ops gives the short form of common comparison operators.
var ops = map[string]string{
	"Equals": "==", "GreaterThan": ">", "GreaterThanEquals": ">=",
	"LessThan": "<", "LessThanEquals": "<=",
}

func condition(r *asl.ChoiceRule) string {
	switch {
	case len(r.And) > 0:
		return join(r.And, " and ")
	case len(r.Or) > 0:
		return join(r.Or, " or ")
	case r.Not != nil:
		return "not (" + condition(r.Not) + ")"
	case r.Condition.Set:
		if s, ok := r.Condition.Literal.(string); ok {
			return s
		}
		return "Condition"
	case r.Variable != nil && r.Operator != "":
		v := r.Variable.String()
		op := r.Operator
		if strings.HasPrefix(op, "Is") {
			return fmt.Sprintf("%s %s %v", v, op, r.Operand)
		}
		operand := fmt.Sprint(r.Operand)
		if r.OperandPath != nil {
			operand = r.OperandPath.String()
			op = strings.TrimSuffix(op, "Path")
		}
		for _, p := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
			if rest, ok := strings.CutPrefix(op, p); ok {
				if sym, ok := ops[rest]; ok {
					op = sym
				}
			}
		}
		return fmt.Sprintf("%s %s %s", v, op, operand)
	}
	return ""
}

func join(rs []*asl.ChoiceRule, sep string) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = condition(r)
	}
	return strings.Join(parts, sep)
}

// catchLabel lists a catcher's errors: "Catch: States.ALL".
func catchLabel(c *asl.Catcher) string {
	return clip("Catch: " + strings.Join(c.ErrorEquals, ", "))
}

func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel-1]) + "…"
}

func sortStrings(s []string) { sort.Strings(s) }
