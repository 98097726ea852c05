package boltdynamo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The expressions of DynamoDB's API: condition, update and projection
// expressions, with #name and :value placeholders. Parsing resolves the
// placeholders, records which were used and reports errors with DynamoDB's
// messages ("Invalid ConditionExpression: Syntax error; token: ...").

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // attribute name or keyword
	tName           // #name
	tValue          // :value
	tNumber         // list index
	tPunct          // = <> < <= > >= ( ) [ ] , . + -
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func isWordChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lex splits an expression into tokens.
func lex(src string) ([]token, *token) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || c == ':':
			j := i + 1
			for j < len(src) && isWordChar(src[j]) {
				j++
			}
			if j == i+1 {
				return nil, &token{kind: tPunct, text: string(c), pos: i}
			}
			kind := tName
			if c == ':' {
				kind = tValue
			}
			toks = append(toks, token{kind, src[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			if j < len(src) && isWordChar(src[j]) {
				for j < len(src) && isWordChar(src[j]) {
					j++
				}
				return nil, &token{kind: tIdent, text: src[i:j], pos: i}
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		case isWordChar(c):
			j := i
			for j < len(src) && isWordChar(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		case c == '<' || c == '>':
			j := i + 1
			if j < len(src) && (src[j] == '=' || c == '<' && src[j] == '>') {
				j++
			}
			toks = append(toks, token{tPunct, src[i:j], i})
			i = j
		case strings.IndexByte("=()[],.+-", c) >= 0:
			toks = append(toks, token{tPunct, string(c), i})
			i++
		default:
			end := i + 1
			for end < len(src) && src[end] >= 0x80 && src[end] < 0xC0 { // the rest of a UTF-8 sequence
				end++
			}
			return nil, &token{kind: tPunct, text: src[i:end], pos: i}
		}
	}
	return append(toks, token{kind: tEOF, text: "<EOF>", pos: len(src)}), nil
}

// pathElem is one step of a document path: a name or a list index.
type pathElem struct {
	name    string
	index   int
	isIndex bool
}

type docPath []pathElem

// String formats a path as DynamoDB's messages do: [a, b, [0]].
func (p docPath) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.isIndex {
			parts[i] = "[" + strconv.Itoa(e.index) + "]"
		} else {
			parts[i] = e.name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// parser reads one expression.
type parser struct {
	kind       string // "ConditionExpression", "UpdateExpression", "ProjectionExpression"
	src        string
	toks       []token
	i          int
	names      map[string]string
	values     map[string]types.AttributeValue
	usedNames  map[string]bool
	usedValues map[string]bool
}

func newParser(kind, src string, names map[string]string, values map[string]types.AttributeValue, usedNames, usedValues map[string]bool) (*parser, error) {
	p := &parser{kind: kind, src: src, names: names, values: values, usedNames: usedNames, usedValues: usedValues}
	if strings.TrimSpace(src) == "" {
		return nil, p.errorf("The expression can not be empty;")
	}
	toks, bad := lex(src)
	if bad != nil {
		return nil, p.syntaxAt(*bad, nil)
	}
	p.toks = toks
	return p, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return validation("Invalid %s: %s", p.kind, fmt.Sprintf(format, args...))
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// syntax reports a syntax error at the current token.
func (p *parser) syntax() error {
	t := p.peek()
	return p.syntaxAt(t, p.toks)
}

// syntaxAt reports t with the text from the token before it to the token
// after it, as DynamoDB's "near" does.
func (p *parser) syntaxAt(t token, toks []token) error {
	start, end := t.pos, t.pos+len(t.text)
	for i, o := range toks {
		if o.pos == t.pos && o.kind == t.kind {
			if i > 0 {
				start = toks[i-1].pos
			}
			if i+1 < len(toks) && toks[i+1].kind != tEOF {
				end = toks[i+1].pos + len(toks[i+1].text)
			}
			break
		}
	}
	if t.kind == tEOF {
		end = len(p.src)
	}
	if end > len(p.src) {
		end = len(p.src)
	}
	return p.errorf("Syntax error; token: %q, near: %q", t.text, p.src[start:end])
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) expect(s string) error {
	if !p.isPunct(s) {
		return p.syntax()
	}
	p.next()
	return nil
}

func (p *parser) isKeyword(k string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, k)
}

// name reads an attribute name: an identifier (not a reserved word) or a
// #name placeholder.
func (p *parser) name() (string, error) {
	t := p.peek()
	switch t.kind {
	case tIdent:
		if reserved[strings.ToLower(t.text)] {
			return "", p.errorf("Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		if t.text[0] >= '0' && t.text[0] <= '9' {
			return "", p.syntax()
		}
		p.next()
		return t.text, nil
	case tName:
		v, ok := p.names[t.text]
		if !ok {
			return "", p.errorf("An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
		}
		p.usedNames[t.text] = true
		p.next()
		return v, nil
	}
	return "", p.syntax()
}

// path reads a document path: name { .name | [index] }.
func (p *parser) path() (docPath, error) {
	first, err := p.name()
	if err != nil {
		return nil, err
	}
	path := docPath{{name: first}}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			n, err := p.name()
			if err != nil {
				return nil, err
			}
			path = append(path, pathElem{name: n})
		case p.isPunct("["):
			p.next()
			t := p.peek()
			if t.kind != tNumber {
				return nil, p.syntax()
			}
			idx, err := strconv.Atoi(t.text)
			if err != nil || idx > 1<<20 {
				return nil, p.errorf("List index is too large; index: %s", t.text)
			}
			p.next()
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			path = append(path, pathElem{index: idx, isIndex: true})
		default:
			return path, nil
		}
	}
}

// value reads a :value placeholder.
func (p *parser) value() (*valueOp, error) {
	t := p.peek()
	if t.kind != tValue {
		return nil, p.syntax()
	}
	v, ok := p.values[t.text]
	if !ok {
		return nil, p.errorf("An expression attribute value used in expression is not defined; attribute value: %s", t.text)
	}
	p.usedValues[t.text] = true
	p.next()
	return &valueOp{v: v, ref: t.text}, nil
}

func (p *parser) end() error {
	if p.peek().kind != tEOF {
		return p.syntax()
	}
	return nil
}

// --- conditions ---

// operand is a value in a condition or an update: a path, a :value, a
// function's result.
type operand interface {
	eval(item map[string]types.AttributeValue) (types.AttributeValue, bool)
}

type pathOp struct{ p docPath }

func (o *pathOp) eval(item map[string]types.AttributeValue) (types.AttributeValue, bool) {
	return get(item, o.p)
}

type valueOp struct {
	v   types.AttributeValue
	ref string
}

func (o *valueOp) eval(map[string]types.AttributeValue) (types.AttributeValue, bool) {
	return o.v, true
}

type sizeOp struct{ p docPath }

func (o *sizeOp) eval(item map[string]types.AttributeValue) (types.AttributeValue, bool) {
	v, ok := get(item, o.p)
	if !ok {
		return nil, false
	}
	n, ok := size(v)
	if !ok {
		return nil, false
	}
	return &types.AttributeValueMemberN{Value: strconv.Itoa(n)}, true
}

// condition is a parsed condition expression.
type condition interface {
	eval(item map[string]types.AttributeValue) bool
}

type cmpCond struct {
	op   string
	l, r operand
}

func (c *cmpCond) eval(item map[string]types.AttributeValue) bool {
	l, lok := c.l.eval(item)
	r, rok := c.r.eval(item)
	switch c.op {
	case "=":
		return lok && rok && equal(l, r)
	case "<>":
		return !(lok && rok && equal(l, r))
	}
	if !lok || !rok {
		return false
	}
	n, ok := compare(l, r)
	if !ok {
		return false
	}
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	}
	return n >= 0
}

type betweenCond struct{ x, lo, hi operand }

func (c *betweenCond) eval(item map[string]types.AttributeValue) bool {
	x, ok1 := c.x.eval(item)
	lo, ok2 := c.lo.eval(item)
	hi, ok3 := c.hi.eval(item)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	a, okA := compare(x, lo)
	b, okB := compare(x, hi)
	return okA && okB && a >= 0 && b <= 0
}

type inCond struct {
	x    operand
	list []operand
}

func (c *inCond) eval(item map[string]types.AttributeValue) bool {
	x, ok := c.x.eval(item)
	if !ok {
		return false
	}
	for _, o := range c.list {
		if v, ok := o.eval(item); ok && equal(x, v) {
			return true
		}
	}
	return false
}

type funcCond struct {
	name string
	p    docPath
	arg  operand // attribute_type, begins_with, contains
}

func (c *funcCond) eval(item map[string]types.AttributeValue) bool {
	v, ok := get(item, c.p)
	switch c.name {
	case "attribute_exists":
		return ok
	case "attribute_not_exists":
		return !ok
	}
	a, aok := c.arg.eval(item)
	if !ok || !aok {
		return false
	}
	switch c.name {
	case "attribute_type":
		t, _ := a.(*types.AttributeValueMemberS)
		return t != nil && typeName(v) == t.Value
	case "begins_with":
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			y, ok := a.(*types.AttributeValueMemberS)
			return ok && strings.HasPrefix(x.Value, y.Value)
		case *types.AttributeValueMemberB:
			y, ok := a.(*types.AttributeValueMemberB)
			return ok && strings.HasPrefix(string(x.Value), string(y.Value))
		}
		return false
	}
	// contains
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		y, ok := a.(*types.AttributeValueMemberS)
		return ok && strings.Contains(x.Value, y.Value)
	case *types.AttributeValueMemberSS:
		if y, ok := a.(*types.AttributeValueMemberS); ok {
			for _, s := range x.Value {
				if s == y.Value {
					return true
				}
			}
		}
	case *types.AttributeValueMemberNS:
		if y, ok := a.(*types.AttributeValueMemberN); ok {
			for _, s := range x.Value {
				if numEqual(s, y.Value) {
					return true
				}
			}
		}
	case *types.AttributeValueMemberBS:
		if y, ok := a.(*types.AttributeValueMemberB); ok {
			for _, b := range x.Value {
				if string(b) == string(y.Value) {
					return true
				}
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range x.Value {
			if equal(e, a) {
				return true
			}
		}
	}
	return false
}

type notCond struct{ c condition }

func (c *notCond) eval(item map[string]types.AttributeValue) bool { return !c.c.eval(item) }

type andCond struct{ l, r condition }

func (c *andCond) eval(item map[string]types.AttributeValue) bool {
	return c.l.eval(item) && c.r.eval(item)
}

type orCond struct{ l, r condition }

func (c *orCond) eval(item map[string]types.AttributeValue) bool {
	return c.l.eval(item) || c.r.eval(item)
}

// maxDepth bounds nesting, so that a hostile expression cannot exhaust
// the stack.
const maxDepth = 100

// parseCondition parses a whole condition expression.
func (p *parser) parseCondition() (condition, error) {
	c, err := p.or(0)
	if err != nil {
		return nil, err
	}
	return c, p.end()
}

func (p *parser) or(depth int) (condition, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		p.next()
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &orCond{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (condition, error) {
	l, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		p.next()
		r, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		l = &andCond{l, r}
	}
	return l, nil
}

func (p *parser) not(depth int) (condition, error) {
	if depth > maxDepth {
		return nil, p.errorf("The expression has too many nested conditions")
	}
	if p.isKeyword("NOT") {
		p.next()
		c, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &notCond{c}, nil
	}
	return p.primary(depth)
}

var condFunctions = map[string]int{ // name -> number of operands
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

func (p *parser) primary(depth int) (condition, error) {
	if p.isPunct("(") {
		p.next()
		c, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	if t := p.peek(); t.kind == tIdent && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" {
		if _, ok := condFunctions[t.text]; ok {
			return p.function()
		}
		if t.text != "size" {
			return nil, p.functionError(t.text)
		}
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind == tPunct && (t.text == "=" || t.text == "<>" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">="):
		p.next()
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		if t.text != "=" && t.text != "<>" {
			if err := p.scalarOperands(t.text, l, r); err != nil {
				return nil, err
			}
		}
		return &cmpCond{t.text, l, r}, nil
	case p.isKeyword("BETWEEN"):
		p.next()
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.syntax()
		}
		p.next()
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.scalarOperands("BETWEEN", l, lo, hi); err != nil {
			return nil, err
		}
		return &betweenCond{l, lo, hi}, nil
	case p.isKeyword("IN"):
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var list []operand
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			list = append(list, o)
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if len(list) > 100 {
			return nil, p.errorf("The IN operator is provided with too many operands; number of operands: %d", len(list))
		}
		return &inCond{l, list}, nil
	}
	return nil, p.syntax()
}

// functionError reports a function used where it does not belong.
func (p *parser) functionError(name string) error {
	switch name {
	case "size", "if_not_exists", "list_append":
		if p.kind == "ConditionExpression" {
			return p.errorf("The function is not allowed in a condition expression; function: %s", name)
		}
		return p.errorf("The function is not allowed to be used this way in an expression; function: %s", name)
	case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains":
		return p.errorf("The function is not allowed to be used this way in an expression; function: %s", name)
	}
	return p.errorf("Invalid function name; function: %s", name)
}

// scalarOperands checks that the :values compared by an ordering
// operator are strings, numbers or binaries.
func (p *parser) scalarOperands(op string, ops ...operand) error {
	for _, o := range ops {
		if v, ok := o.(*valueOp); ok {
			switch typeName(v.v) {
			case "S", "N", "B":
			default:
				return p.errorf("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", op, typeName(v.v))
			}
		}
	}
	return nil
}

// operand reads a path, a :value or size(path).
func (p *parser) operand() (operand, error) {
	t := p.peek()
	switch t.kind {
	case tValue:
		return p.value()
	case tIdent:
		if p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" {
			if t.text != "size" {
				return nil, p.functionError(t.text)
			}
			p.next()
			p.next()
			if p.peek().kind != tIdent && p.peek().kind != tName {
				return nil, p.errorf("Operator or function requires a document path; operator or function: size")
			}
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return &sizeOp{path}, nil
		}
		fallthrough
	case tName:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &pathOp{path}, nil
	}
	return nil, p.syntax()
}

// function reads one of the condition functions.
func (p *parser) function() (condition, error) {
	name := p.next().text
	p.next() // (
	var args []operand
	if !p.isPunct(")") {
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			args = append(args, o)
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if len(args) != condFunctions[name] {
		return nil, p.errorf("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
	}
	path, ok := args[0].(*pathOp)
	if !ok {
		return nil, p.errorf("Operator or function requires a document path; operator or function: %s", name)
	}
	c := &funcCond{name: name, p: path.p}
	if len(args) == 2 {
		c.arg = args[1]
		v, isValue := args[1].(*valueOp)
		switch name {
		case "attribute_type":
			var s *types.AttributeValueMemberS
			if isValue {
				s, _ = v.v.(*types.AttributeValueMemberS)
			}
			if s == nil {
				return nil, p.errorf("Incorrect operand type for operator or function; operator or function: attribute_type, operand type: %s", operandType(args[1]))
			}
			switch s.Value {
			case "S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M":
			default:
				return nil, p.errorf("Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", s.Value)
			}
		case "begins_with":
			if isValue {
				if t := typeName(v.v); t != "S" && t != "B" {
					return nil, p.errorf("Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", t)
				}
			}
		}
	}
	return c, nil
}

func operandType(o operand) string {
	if v, ok := o.(*valueOp); ok {
		return typeName(v.v)
	}
	return "PATH"
}

// --- projections ---

// parseProjection parses a projection expression: paths separated by
// commas.
func (p *parser) parseProjection() ([]docPath, error) {
	var paths []docPath
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	return paths, p.end()
}
