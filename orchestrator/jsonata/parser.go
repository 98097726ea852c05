package jsonata

import (
	"encoding/json"
	"regexp"
)

// nodeType is the kind of an AST node, after jsonata-js's processAST.
type nodeType int

const (
	nString nodeType = iota
	nNumber
	nValue // true, false, null
	nName
	nVariable
	nRegex
	nWildcard
	nDescendant
	nParent
	nPath
	nBinary
	nNegate
	nArray
	nObject
	nFunction // call
	nPartial  // call with ? placeholders
	nPlaceholder
	nLambda
	nCondition
	nBlock
	nBind
	nApply // ~>
	nSort  // a path step ^(...)
	nTransform
	nFilter // a predicate stage
	nIndex  // a "#$i" stage
	// parse-only kinds, rewritten by process
	nDot
	nPredicate
	nGroupBy
	nOrderBy
	nFocus
	nIndexBind
	nObjectCons
)

type sortTerm struct {
	expr       *node
	descending bool
}

type groupSpec struct {
	pairs [][2]*node
	pos   int
}

// node is one AST node.
type node struct {
	typ   nodeType
	pos   int
	value string // name, variable name, operator, string literal
	lit   any    // literal value for nString/nNumber/nValue
	re    *regexp.Regexp

	lhs, rhs *node
	exprs    []*node // array items, block expressions, call arguments, path steps
	pairs    [][2]*node
	proc     *node
	cond     *node
	then     *node
	els      *node
	params   []string
	body     *node
	terms    []sortTerm
	pattern  *node
	update   *node
	del      *node

	// annotations of path steps
	stages             []*node // nFilter / nIndex stages
	predicate          []*node // filters on a non-path expression
	group              *groupSpec
	keepArray          bool
	keepSingletonArray bool
	consarray          bool
	focus              string
	index              string
	tuple              bool
	thunk              bool // a call in tail position of a lambda body
}

const maxParseDepth = 500

type parser struct {
	lex   lexer
	tok   token
	src   string
	depth int
}

func parse(src string) (*node, error) {
	p := &parser{lex: lexer{src: src}, src: src}
	if err := p.advance("", true); err != nil {
		return nil, err
	}
	n, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEnd {
		return nil, syntaxErrToken("S0201", p.tok.pos, "Syntax error: %s", jsString(p.tok.value))
	}
	return process(n)
}

func (p *parser) id() string {
	switch p.tok.kind {
	case tokOperator:
		return p.tok.value
	case tokEnd:
		return "(end)"
	}
	return ""
}

// advance checks that the current token is id (when id is not empty) and
// reads the next one. infix is true when the next token follows an operand.
func (p *parser) advance(id string, infix bool) error {
	if id != "" && p.id() != id {
		if p.tok.kind == tokEnd {
			return syntaxErrToken("S0203", p.tok.pos, "Expected %s before end of expression", jsString(id))
		}
		return syntaxErrToken("S0202", p.tok.pos, "Expected %s, got %s", jsString(id), jsString(p.tokText()))
	}
	t, err := p.lex.next(!infix)
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) tokText() string {
	switch p.tok.kind {
	case tokNumber:
		return string(p.tok.num)
	case tokRegex:
		return p.tok.value
	}
	return p.tok.value
}

func (p *parser) lbp() int {
	switch p.tok.kind {
	case tokOperator:
		switch p.tok.value {
		case ":", ";", ",", ")", "]", "}", "..", "|", "!", "~":
			return 0 // symbols without an infix meaning
		}
		return operators[p.tok.value]
	}
	return 0
}

func (p *parser) expression(rbp int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, syntaxErr("S0200", p.tok.pos, "Expression nesting is too deep")
	}
	t := p.tok
	if err := p.advance("", true); err != nil {
		return nil, err
	}
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for rbp < p.lbp() {
		t = p.tok
		if err := p.advance("", false); err != nil {
			return nil, err
		}
		left, err = p.led(t, left)
		if err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *parser) nud(t token) (*node, error) {
	switch t.kind {
	case tokEnd:
		return nil, syntaxErr("S0207", t.pos, "Unexpected end of expression")
	case tokName:
		return &node{typ: nName, value: t.value, pos: t.pos}, nil
	case tokVariable:
		return &node{typ: nVariable, value: t.value, pos: t.pos}, nil
	case tokString:
		return &node{typ: nString, value: t.value, lit: t.value, pos: t.pos}, nil
	case tokNumber:
		return &node{typ: nNumber, lit: t.num, pos: t.pos}, nil
	case tokValue:
		return &node{typ: nValue, lit: t.lit, value: t.value, pos: t.pos}, nil
	case tokRegex:
		return &node{typ: nRegex, re: t.re, value: t.value, pos: t.pos}, nil
	}
	switch t.value {
	case "and", "or", "in":
		return &node{typ: nName, value: t.value, pos: t.pos}, nil
	case "-":
		e, err := p.expression(70)
		if err != nil {
			return nil, err
		}
		return &node{typ: nNegate, lhs: e, pos: t.pos}, nil
	case "*":
		return &node{typ: nWildcard, value: "*", pos: t.pos}, nil
	case "**":
		return &node{typ: nDescendant, value: "**", pos: t.pos}, nil
	case "%":
		return &node{typ: nParent, value: "%", pos: t.pos}, nil
	case "(":
		n := &node{typ: nBlock, pos: t.pos}
		for p.id() != ")" {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.exprs = append(n.exprs, e)
			if p.id() != ";" {
				break
			}
			if err := p.advance(";", false); err != nil {
				return nil, err
			}
		}
		return n, p.advance(")", true)
	case "[":
		n := &node{typ: nArray, pos: t.pos}
		if p.id() != "]" {
			for {
				item, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				if p.id() == ".." {
					r := &node{typ: nBinary, value: "..", pos: p.tok.pos, lhs: item}
					if err := p.advance("..", false); err != nil {
						return nil, err
					}
					if r.rhs, err = p.expression(0); err != nil {
						return nil, err
					}
					item = r
				}
				n.exprs = append(n.exprs, item)
				if p.id() != "," {
					break
				}
				if err := p.advance(",", false); err != nil {
					return nil, err
				}
			}
		}
		return n, p.advance("]", true)
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{typ: nObjectCons, pairs: pairs, pos: t.pos}, nil
	case "|":
		n := &node{typ: nTransform, pos: t.pos}
		var err error
		if n.pattern, err = p.expression(0); err != nil {
			return nil, err
		}
		if err := p.advance("|", false); err != nil {
			return nil, err
		}
		if n.update, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.id() == "," {
			if err := p.advance(",", false); err != nil {
				return nil, err
			}
			if n.del, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return n, p.advance("|", true)
	}
	return nil, syntaxErrToken("S0211", t.pos, "The symbol %s cannot be used as a unary operator", jsString(t.value))
}

func (p *parser) objectPairs() ([][2]*node, error) {
	var pairs [][2]*node
	if p.id() != "}" {
		for {
			k, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if err := p.advance(":", false); err != nil {
				return nil, err
			}
			v, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*node{k, v})
			if p.id() != "," {
				break
			}
			if err := p.advance(",", false); err != nil {
				return nil, err
			}
		}
	}
	return pairs, p.advance("}", true)
}

func (p *parser) led(t token, left *node) (*node, error) {
	if t.kind != tokOperator {
		return nil, syntaxErrToken("S0201", t.pos, "Syntax error: %s", jsString(t.value))
	}
	op := t.value
	switch op {
	case ".", "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "~>":
		rhs, err := p.expression(operators[op])
		if err != nil {
			return nil, err
		}
		typ := nBinary
		if op == "." {
			typ = nDot
		} else if op == "~>" {
			typ = nApply
		}
		return &node{typ: typ, value: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case ":=":
		if left.typ != nVariable {
			return nil, syntaxErr("S0212", t.pos, "The left side of := must be a variable name (start with $)")
		}
		rhs, err := p.expression(operators[":="] - 1)
		if err != nil {
			return nil, err
		}
		return &node{typ: nBind, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "@", "#":
		rhs, err := p.expression(operators[op])
		if err != nil {
			return nil, err
		}
		if rhs.typ != nVariable {
			return nil, syntaxErrToken("S0214", rhs.pos, "The right side of %s must be a variable name (start with $)", jsString(op))
		}
		typ := nFocus
		if op == "#" {
			typ = nIndexBind
		}
		return &node{typ: typ, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "?":
		n := &node{typ: nCondition, cond: left, pos: t.pos}
		var err error
		if n.then, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.id() == ":" {
			if err := p.advance(":", false); err != nil {
				return nil, err
			}
			if n.els, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return n, nil
	case "[":
		if p.id() == "]" {
			step := left
			for step != nil && step.typ == nPredicate {
				step = step.lhs
			}
			step.keepArray = true
			return left, p.advance("]", true)
		}
		rhs, err := p.expression(operators["]"])
		if err != nil {
			return nil, err
		}
		return &node{typ: nPredicate, lhs: left, rhs: rhs, pos: t.pos}, p.advance("]", true)
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{typ: nGroupBy, lhs: left, pairs: pairs, pos: t.pos}, nil
	case "^":
		if err := p.advance("(", false); err != nil {
			return nil, err
		}
		n := &node{typ: nOrderBy, lhs: left, pos: t.pos}
		for {
			term := sortTerm{}
			if p.id() == "<" {
				if err := p.advance("<", false); err != nil {
					return nil, err
				}
			} else if p.id() == ">" {
				term.descending = true
				if err := p.advance(">", false); err != nil {
					return nil, err
				}
			}
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			term.expr = e
			n.terms = append(n.terms, term)
			if p.id() != "," {
				break
			}
			if err := p.advance(",", false); err != nil {
				return nil, err
			}
		}
		return n, p.advance(")", true)
	case "(":
		n := &node{typ: nFunction, proc: left, pos: t.pos}
		if p.id() != ")" {
			for {
				if p.id() == "?" {
					n.typ = nPartial
					n.exprs = append(n.exprs, &node{typ: nPlaceholder, pos: p.tok.pos})
					if err := p.advance("?", true); err != nil {
						return nil, err
					}
				} else {
					e, err := p.expression(0)
					if err != nil {
						return nil, err
					}
					n.exprs = append(n.exprs, e)
				}
				if p.id() != "," {
					break
				}
				if err := p.advance(",", false); err != nil {
					return nil, err
				}
			}
		}
		if err := p.advance(")", true); err != nil {
			return nil, err
		}
		if left.typ == nName && (left.value == "function" || left.value == "λ") {
			n.typ = nLambda
			for _, a := range n.exprs {
				if a.typ != nVariable {
					return nil, syntaxErrToken("S0208", a.pos, "Parameter %s of function definition must be a variable name (start with $)", jsString(a.value))
				}
				n.params = append(n.params, a.value)
			}
			n.exprs = nil
			if p.id() == "<" {
				// A signature: skipped (not validated).
				depth := 0
				for {
					if p.tok.kind == tokEnd {
						return nil, syntaxErr("S0203", p.tok.pos, "Expected \">\" before end of expression")
					}
					if p.id() == "<" {
						depth++
					} else if p.id() == ">" {
						depth--
					}
					if err := p.advance("", true); err != nil {
						return nil, err
					}
					if depth == 0 {
						break
					}
				}
			}
			if err := p.advance("{", false); err != nil {
				return nil, err
			}
			body, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.body = body
			return n, p.advance("}", true)
		}
		return n, nil
	}
	return nil, syntaxErrToken("S0201", t.pos, "Syntax error: %s", jsString(op))
}

// maxASTDepth bounds the depth of the syntax tree, which long operator
// chains such as 1+1+...+1 can make deep without nesting brackets.
const maxASTDepth = 5000

type astProcessor struct{ depth int }

func process(n *node) (*node, error) {
	p := &astProcessor{}
	return p.process(n)
}

func (p *astProcessor) process(n *node) (*node, error) {
	if n == nil {
		return nil, nil
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxASTDepth {
		return nil, syntaxErr("S0200", n.pos, "Expression nesting is too deep")
	}
	return p.processNode(n)
}

// process rewrites the parse tree as jsonata-js's processAST does: dotted
// expressions become paths of steps, predicates attach to steps.
func (p *astProcessor) processNode(n *node) (*node, error) {
	if n == nil {
		return nil, nil
	}
	var err error
	switch n.typ {
	case nDot:
		lstep, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		var res *node
		if lstep.typ == nPath {
			res = lstep
		} else {
			res = &node{typ: nPath, exprs: []*node{lstep}, pos: n.pos}
		}
		rest, err := p.process(n.rhs)
		if err != nil {
			return nil, err
		}
		if rest.typ == nPath {
			res.exprs = append(res.exprs, rest.exprs...)
		} else {
			if rest.predicate != nil {
				rest.stages = rest.predicate
				rest.predicate = nil
			}
			res.exprs = append(res.exprs, rest)
		}
		for _, s := range res.exprs {
			switch s.typ {
			case nNumber, nValue:
				return nil, syntaxErrToken("S0213", s.pos, "The literal value %s cannot be used as a step within a path expression", literalText(s))
			case nString:
				s.typ = nName
			}
			if s.keepArray {
				res.keepSingletonArray = true
			}
		}
		if first := res.exprs[0]; first.typ == nArray {
			first.consarray = true
		}
		if last := res.exprs[len(res.exprs)-1]; last.typ == nArray {
			last.consarray = true
		}
		return res, nil
	case nPredicate:
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		step := res
		inPath := res.typ == nPath
		if inPath {
			step = res.exprs[len(res.exprs)-1]
		}
		if step.group != nil {
			return nil, syntaxErr("S0209", n.pos, "A predicate cannot follow a grouping expression in a step")
		}
		pred, err := p.process(n.rhs)
		if err != nil {
			return nil, err
		}
		f := &node{typ: nFilter, lhs: pred, pos: n.pos}
		if inPath {
			step.stages = append(step.stages, f)
		} else {
			step.predicate = append(step.predicate, f)
		}
		return res, nil
	case nGroupBy:
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		if res.group != nil {
			return nil, syntaxErr("S0210", n.pos, "Each step can only have one grouping expression")
		}
		g := &groupSpec{pos: n.pos}
		for _, pr := range n.pairs {
			k, err := p.process(pr[0])
			if err != nil {
				return nil, err
			}
			v, err := p.process(pr[1])
			if err != nil {
				return nil, err
			}
			g.pairs = append(g.pairs, [2]*node{k, v})
		}
		res.group = g
		return res, nil
	case nOrderBy:
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		if res.typ != nPath {
			res = &node{typ: nPath, exprs: []*node{res}, pos: n.pos}
		}
		s := &node{typ: nSort, pos: n.pos}
		for _, t := range n.terms {
			e, err := p.process(t.expr)
			if err != nil {
				return nil, err
			}
			s.terms = append(s.terms, sortTerm{expr: e, descending: t.descending})
		}
		res.exprs = append(res.exprs, s)
		return res, nil
	case nFocus:
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		step := res
		if res.typ == nPath {
			step = res.exprs[len(res.exprs)-1]
		}
		if step.stages != nil || step.predicate != nil {
			return nil, syntaxErr("S0215", n.pos, "A context variable binding must precede any predicates on a step")
		}
		if step.typ == nSort {
			return nil, syntaxErr("S0216", n.pos, "A context variable binding must precede the 'order-by' clause on a step")
		}
		if n.keepArray {
			step.keepArray = true
		}
		step.focus = n.rhs.value
		step.tuple = true
		return res, nil
	case nIndexBind:
		res, err := p.process(n.lhs)
		if err != nil {
			return nil, err
		}
		var step *node
		if res.typ == nPath {
			step = res.exprs[len(res.exprs)-1]
		} else {
			step = res
			res = &node{typ: nPath, exprs: []*node{res}, pos: n.pos}
			if step.predicate != nil {
				step.stages = step.predicate
				step.predicate = nil
			}
		}
		if step.stages == nil {
			step.index = n.rhs.value
		} else {
			step.stages = append(step.stages, &node{typ: nIndex, value: n.rhs.value, pos: n.pos})
		}
		step.tuple = true
		return res, nil
	case nName:
		return &node{typ: nPath, exprs: []*node{n}, keepSingletonArray: n.keepArray, pos: n.pos}, nil
	case nBinary, nApply:
		if n.lhs, err = p.process(n.lhs); err != nil {
			return nil, err
		}
		if n.rhs, err = p.process(n.rhs); err != nil {
			return nil, err
		}
		return n, nil
	case nBind:
		if n.rhs, err = p.process(n.rhs); err != nil {
			return nil, err
		}
		return n, nil
	case nNegate:
		if n.lhs, err = p.process(n.lhs); err != nil {
			return nil, err
		}
		if n.lhs.typ == nNumber {
			f := "-" + string(n.lhs.lit.(json.Number))
			if f[1] == '-' {
				f = f[2:]
			}
			return &node{typ: nNumber, lit: json.Number(f), pos: n.pos}, nil
		}
		return n, nil
	case nArray, nBlock, nFunction, nPartial:
		for i := range n.exprs {
			if n.exprs[i], err = p.process(n.exprs[i]); err != nil {
				return nil, err
			}
		}
		if n.proc != nil {
			if n.proc, err = p.process(n.proc); err != nil {
				return nil, err
			}
		}
		return n, nil
	case nObjectCons:
		n.typ = nObject
		for i := range n.pairs {
			if n.pairs[i][0], err = p.process(n.pairs[i][0]); err != nil {
				return nil, err
			}
			if n.pairs[i][1], err = p.process(n.pairs[i][1]); err != nil {
				return nil, err
			}
		}
		return n, nil
	case nLambda:
		if n.body, err = p.process(n.body); err != nil {
			return nil, err
		}
		markTail(n.body)
		return n, nil
	case nCondition:
		if n.cond, err = p.process(n.cond); err != nil {
			return nil, err
		}
		if n.then, err = p.process(n.then); err != nil {
			return nil, err
		}
		if n.els, err = p.process(n.els); err != nil {
			return nil, err
		}
		return n, nil
	case nTransform:
		if n.pattern, err = p.process(n.pattern); err != nil {
			return nil, err
		}
		if n.update, err = p.process(n.update); err != nil {
			return nil, err
		}
		if n.del, err = p.process(n.del); err != nil {
			return nil, err
		}
		return n, nil
	}
	return n, nil
}

// markTail flags calls in tail position of a lambda body so that they are
// evaluated as thunks (tail-call optimisation, as jsonata-js does).
func markTail(n *node) {
	if n == nil {
		return
	}
	switch n.typ {
	case nFunction:
		if n.predicate == nil {
			n.thunk = true
		}
	case nCondition:
		markTail(n.then)
		markTail(n.els)
	case nBlock:
		if len(n.exprs) > 0 {
			markTail(n.exprs[len(n.exprs)-1])
		}
	}
}

func literalText(n *node) string {
	switch n.typ {
	case nNumber:
		return jsString(n.lit)
	case nValue:
		return n.value
	}
	return jsString(n.lit)
}
