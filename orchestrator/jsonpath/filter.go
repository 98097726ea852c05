package jsonpath

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// filterNode is a compiled [?(...)] predicate.
type filterNode interface {
	match(cur, root any) bool
}

type orNode struct{ a, b filterNode }

func (n orNode) match(cur, root any) bool { return n.a.match(cur, root) || n.b.match(cur, root) }

type andNode struct{ a, b filterNode }

func (n andNode) match(cur, root any) bool { return n.a.match(cur, root) && n.b.match(cur, root) }

type notNode struct{ x filterNode }

func (n notNode) match(cur, root any) bool { return !n.x.match(cur, root) }

// existsNode is a bare operand: true when the path selects something
// (a literal is true when it is not false or null).
type existsNode struct{ o operand }

func (n existsNode) match(cur, root any) bool {
	v, ok := n.o.value(cur, root)
	if !ok {
		return false
	}
	if n.o.kind == opLiteral {
		return v != nil && v != false
	}
	if l, isList := v.([]any); isList && !n.o.definite {
		return len(l) > 0
	}
	return true
}

type cmpNode struct {
	left  operand
	op    string
	right operand
}

type opKind uint8

const (
	opPath opKind = iota
	opLiteral
	opRegex
)

// operand is one side of a comparison.
type operand struct {
	kind     opKind
	fromRoot bool // "$..." rather than "@..."
	segs     []segment
	definite bool
	length   bool
	lit      any
	re       *regexp.Regexp
}

// value evaluates the operand against the current item; ok is false when
// a path selects nothing.
func (o *operand) value(cur, root any) (any, bool) {
	switch o.kind {
	case opLiteral:
		return o.lit, true
	case opRegex:
		return nil, false
	}
	doc := cur
	if o.fromRoot {
		doc = root
	}
	segs := o.segs
	if o.length {
		segs = segs[:len(segs)-1]
	}
	var v any
	if o.definite {
		var ok bool
		v, ok = getDefiniteQuiet(segs, doc)
		if !ok {
			return nil, false
		}
	} else {
		out := []any{}
		walk(segs, doc, root, func(x any) { out = append(out, x) })
		v = out
	}
	if o.length {
		n, ok := lengthOf(v)
		if !ok {
			return nil, false
		}
		return value.Int(int64(n)), true
	}
	return v, true
}

func (n cmpNode) match(cur, root any) bool {
	l, lok := n.left.value(cur, root)
	if n.right.kind == opRegex {
		s, ok := l.(string)
		return lok && ok && n.right.re.MatchString(s)
	}
	r, rok := n.right.value(cur, root)
	if !lok || !rok {
		// A missing value is only unequal to anything.
		return n.op == "!=" && (lok || rok)
	}
	switch n.op {
	case "==":
		return value.Equal(l, r)
	case "!=":
		return !value.Equal(l, r)
	case "<", "<=", ">", ">=":
		c, ok := compare(l, r)
		if !ok {
			return false
		}
		switch n.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "in", "nin":
		list, ok := r.([]any)
		if !ok {
			return false
		}
		found := false
		for _, x := range list {
			if value.Equal(l, x) {
				found = true
				break
			}
		}
		return found == (n.op == "in")
	case "contains":
		switch x := l.(type) {
		case string:
			s, ok := r.(string)
			return ok && strings.Contains(x, s)
		case []any:
			for _, e := range x {
				if value.Equal(e, r) {
					return true
				}
			}
		}
		return false
	case "size":
		ln, ok := lengthOf(l)
		want, ok2 := value.ToInt(r)
		return ok && ok2 && int64(ln) == want
	case "empty":
		b, ok := r.(bool)
		ln, ok2 := lengthOf(l)
		return ok && ok2 && (ln == 0) == b
	case "subsetof", "anyof", "noneof":
		la, ok1 := l.([]any)
		ra, ok2 := r.([]any)
		if !ok1 || !ok2 {
			return false
		}
		in := func(x any) bool {
			for _, y := range ra {
				if value.Equal(x, y) {
					return true
				}
			}
			return false
		}
		switch n.op {
		case "subsetof":
			for _, x := range la {
				if !in(x) {
					return false
				}
			}
			return true
		case "anyof":
			for _, x := range la {
				if in(x) {
					return true
				}
			}
			return false
		}
		for _, x := range la {
			if in(x) {
				return false
			}
		}
		return true
	}
	return false
}

// compare orders two numbers or two strings.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return 0, false
		}
		return value.CompareNumbers(x, y), true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// lengthOf returns the length of an array, an object or a string
// (in UTF-16 code units, as Java counts).
func lengthOf(v any) (int, bool) {
	switch x := v.(type) {
	case []any:
		return len(x), true
	case map[string]any:
		return len(x), true
	case string:
		return utf16Len(x), true
	}
	return 0, false
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Filter grammar:
//
//	or      = and { "||" and }
//	and     = unary { "&&" unary }
//	unary   = "!" unary | "(" or ")" | compare
//	compare = operand [ op operand ]

func (p *parser) parseFilterExpr() (filterNode, error) {
	a, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpaces()
		if !strings.HasPrefix(p.s[p.pos:p.end], "||") {
			return a, nil
		}
		p.pos += 2
		b, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		a = orNode{a, b}
	}
}

func (p *parser) parseAnd() (filterNode, error) {
	a, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpaces()
		if !strings.HasPrefix(p.s[p.pos:p.end], "&&") {
			return a, nil
		}
		p.pos += 2
		b, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		a = andNode{a, b}
	}
}

func (p *parser) parseUnary() (filterNode, error) {
	p.skipSpaces()
	switch p.peek() {
	case '!':
		if strings.HasPrefix(p.s[p.pos:p.end], "!=") {
			return nil, p.errorf("unexpected '!='")
		}
		p.pos++
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case '(':
		p.pos++
		x, err := p.parseFilterExpr()
		if err != nil {
			return nil, err
		}
		p.skipSpaces()
		if p.peek() != ')' {
			return nil, p.errorf("expected ')'")
		}
		p.pos++
		return x, nil
	}
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	p.skipSpaces()
	op := p.parseOperator()
	if op == "" {
		return existsNode{left}, nil
	}
	p.skipSpaces()
	var right operand
	if op == "=~" {
		right, err = p.parseRegex()
	} else {
		right, err = p.parseOperand()
	}
	if err != nil {
		return nil, err
	}
	return cmpNode{left: left, op: op, right: right}, nil
}

var symbolOps = []string{"==", "!=", "<=", ">=", "=~", "<", ">"}

var wordOps = []string{"nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains"}

func (p *parser) parseOperator() string {
	rest := p.s[p.pos:p.end]
	for _, op := range symbolOps {
		if strings.HasPrefix(rest, op) {
			p.pos += len(op)
			return op
		}
	}
	for _, op := range wordOps {
		if strings.HasPrefix(rest, op) && len(rest) > len(op) && isSpace(rest[len(op)]) {
			p.pos += len(op)
			return op
		}
	}
	return ""
}

func (p *parser) parseOperand() (operand, error) {
	p.skipSpaces()
	switch c := p.peek(); {
	case c == '@' || c == '$':
		p.pos++
		segs, err := p.parseSegments(true)
		if err != nil {
			return operand{}, err
		}
		o := operand{kind: opPath, fromRoot: c == '$', segs: segs, definite: true}
		for i, s := range segs {
			if s.kind == segLength && i == len(segs)-1 {
				o.length = true
				continue
			}
			if s.deep || (s.kind != segName && s.kind != segIndex) {
				o.definite = false
			}
		}
		return o, nil
	default:
		v, err := p.parseLiteral()
		if err != nil {
			return operand{}, err
		}
		return operand{kind: opLiteral, lit: v}, nil
	}
}

// parseLiteral reads a number, a quoted string, true, false, null or an
// array of literals.
func (p *parser) parseLiteral() (any, error) {
	p.skipSpaces()
	rest := p.s[p.pos:p.end]
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		p.pos++
		var b strings.Builder
		for {
			if !p.more() {
				return nil, p.errorf("unterminated string")
			}
			ch := p.s[p.pos]
			if ch == '\\' && p.pos+1 < p.end {
				b.WriteByte(p.s[p.pos+1])
				p.pos += 2
				continue
			}
			p.pos++
			if ch == c {
				return b.String(), nil
			}
			b.WriteByte(ch)
		}
	case c == '-' || ('0' <= c && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < p.end && strings.IndexByte("0123456789.eE+-", p.s[p.pos]) >= 0 {
			p.pos++
		}
		text := p.s[start:p.pos]
		v, err := value.DecodeString(text)
		if err != nil {
			p.pos = start
			return nil, p.errorf("invalid number " + text)
		}
		return v, nil
	case c == '[':
		p.pos++
		list := []any{}
		p.skipSpaces()
		if p.peek() == ']' {
			p.pos++
			return list, nil
		}
		for {
			v, err := p.parseLiteral()
			if err != nil {
				return nil, err
			}
			list = append(list, v)
			p.skipSpaces()
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return list, nil
			default:
				return nil, p.errorf("expected ',' or ']' in array")
			}
		}
	case strings.HasPrefix(rest, "true"):
		p.pos += 4
		return true, nil
	case strings.HasPrefix(rest, "false"):
		p.pos += 5
		return false, nil
	case strings.HasPrefix(rest, "null"):
		p.pos += 4
		return nil, nil
	}
	if !p.more() {
		return nil, p.errorf("unexpected end of filter")
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return nil, p.errorf("unexpected character '" + string(r) + "' in filter")
}

// parseRegex reads /pattern/flags.
func (p *parser) parseRegex() (operand, error) {
	if p.peek() != '/' {
		return operand{}, p.errorf("expected a regular expression /.../")
	}
	p.pos++
	var b strings.Builder
	for {
		if !p.more() {
			return operand{}, p.errorf("unterminated regular expression")
		}
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < p.end && p.s[p.pos+1] == '/' {
			b.WriteByte('/')
			p.pos += 2
			continue
		}
		p.pos++
		if c == '/' {
			break
		}
		b.WriteByte(c)
	}
	flags := ""
	for p.pos < p.end && strings.IndexByte("imsx", p.s[p.pos]) >= 0 {
		if p.s[p.pos] != 'x' {
			flags += string(p.s[p.pos])
		}
		p.pos++
	}
	expr := b.String()
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	// Java's matches() needs the whole string to match.
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return operand{}, p.errorf("invalid regular expression: " + err.Error())
	}
	return operand{kind: opRegex, re: re}, nil
}
