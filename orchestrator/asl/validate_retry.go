package asl

import "strconv"

// Bounds of a Retrier.
const (
	maxAttempts     = 99999999
	maxDelaySeconds = 31622400 // one year
)

// retry parses a Retry field.
func (p *parser) retry(n *node, loc string) []*Retrier {
	if n.kind != kindArray {
		p.schema(loc, "The field 'Retry' must be an array, not %s", n.typeName())
		return nil
	}
	var out []*Retrier
	for i, e := range n.vals {
		rloc := index(loc, i)
		if e.kind != kindObject {
			p.schema(rloc, "A retrier must be an object, not %s", e.typeName())
			continue
		}
		p.dupFields(e, rloc)
		r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0, JitterStrategy: "NONE"}
		for _, k := range e.keys {
			switch k {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
			default:
				p.schema(rloc, "Field '%s' is not supported", k)
			}
		}
		r.ErrorEquals = p.errorEquals(e, rloc, i == len(n.vals)-1, "Retry")
		if v := e.get("IntervalSeconds"); v != nil {
			r.IntervalSeconds, _ = p.integer(v, rloc+"/IntervalSeconds", "IntervalSeconds", 1, maxSeconds)
		}
		if v := e.get("MaxAttempts"); v != nil {
			r.MaxAttempts, _ = p.integer(v, rloc+"/MaxAttempts", "MaxAttempts", 0, maxAttempts)
		}
		if v := e.get("BackoffRate"); v != nil {
			if f, ok := nodeFloat(v); !ok || f < 1.0 {
				p.schema(rloc+"/BackoffRate", "The value for the field 'BackoffRate' must be a number greater than or equal to 1.0")
			} else {
				r.BackoffRate = f
			}
		}
		if v := e.get("MaxDelaySeconds"); v != nil {
			r.MaxDelaySeconds, _ = p.integer(v, rloc+"/MaxDelaySeconds", "MaxDelaySeconds", 1, maxDelaySeconds)
		}
		if v := e.get("JitterStrategy"); v != nil {
			if s, ok := p.str(v, rloc+"/JitterStrategy", "JitterStrategy"); ok {
				if s != "FULL" && s != "NONE" {
					p.schema(rloc+"/JitterStrategy", "The value for the field 'JitterStrategy' must be FULL or NONE")
				} else {
					r.JitterStrategy = s
				}
			}
		}
		if v := e.get("Comment"); v != nil {
			r.Comment, _ = p.str(v, rloc+"/Comment", "Comment")
		}
		out = append(out, r)
	}
	return out
}

// catch parses a Catch field.
func (p *parser) catch(st *State, n *node, loc string) []*Catcher {
	if n.kind != kindArray {
		p.schema(loc, "The field 'Catch' must be an array, not %s", n.typeName())
		return nil
	}
	var out []*Catcher
	for i, e := range n.vals {
		cloc := index(loc, i)
		if e.kind != kindObject {
			p.schema(cloc, "A catcher must be an object, not %s", e.typeName())
			continue
		}
		p.dupFields(e, cloc)
		c := &Catcher{}
		for _, k := range e.keys {
			switch k {
			case "ErrorEquals", "Next", "Assign", "Comment":
			case "ResultPath":
				if st.QueryLanguage == JSONata {
					p.schema(cloc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", k)
				}
			case "Output":
				if st.QueryLanguage == JSONPath {
					p.schema(cloc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
				}
			default:
				p.schema(cloc, "Field '%s' is not supported", k)
			}
		}
		c.ErrorEquals = p.errorEquals(e, cloc, i == len(n.vals)-1, "Catch")
		if v := e.get("Next"); v == nil {
			p.schema(cloc, "These fields are required: [Next]")
		} else {
			c.Next, _ = p.str(v, cloc+"/Next", "Next")
		}
		if v := e.get("ResultPath"); v != nil && st.QueryLanguage == JSONPath {
			c.ResultPath = p.optPath(v, cloc+"/ResultPath", "ResultPath", true)
		}
		if v := e.get("Output"); v != nil && st.QueryLanguage == JSONata {
			c.Output = p.jsonataTemplate(v, cloc+"/Output", "Output", false)
		}
		if v := e.get("Assign"); v != nil {
			c.AssignPath, c.AssignExpr = p.assign(st.QueryLanguage, v, cloc+"/Assign")
		}
		if v := e.get("Comment"); v != nil {
			c.Comment, _ = p.str(v, cloc+"/Comment", "Comment")
		}
		out = append(out, c)
	}
	return out
}

// errorEquals parses the ErrorEquals of a retrier or catcher: a non-empty
// array of strings where States.ALL is alone and in the last entry.
func (p *parser) errorEquals(e *node, loc string, last bool, field string) []string {
	v := e.get("ErrorEquals")
	if v == nil {
		p.schema(loc, "These fields are required: [ErrorEquals]")
		return nil
	}
	eloc := loc + "/ErrorEquals"
	if v.kind != kindArray || len(v.vals) == 0 {
		p.schema(eloc, "The field 'ErrorEquals' must be a non-empty array of strings")
		return nil
	}
	out := make([]string, 0, len(v.vals))
	for i, x := range v.vals {
		if x.kind != kindString {
			p.schema(eloc+"["+strconv.Itoa(i)+"]", "The field 'ErrorEquals' must be a non-empty array of strings")
			continue
		}
		out = append(out, x.str)
	}
	for _, s := range out {
		if s != StatesALL {
			continue
		}
		if len(out) > 1 {
			p.schema(eloc, "States.ALL must appear alone in 'ErrorEquals'")
		} else if !last {
			p.schema(eloc, "The %s entry with States.ALL must be the last one", field)
		}
		break
	}
	return out
}
