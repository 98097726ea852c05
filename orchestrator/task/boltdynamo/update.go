package boltdynamo

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// get returns the value at path in item.
func get(item map[string]types.AttributeValue, path docPath) (types.AttributeValue, bool) {
	v, ok := item[path[0].name]
	for _, e := range path[1:] {
		if !ok {
			return nil, false
		}
		switch c := v.(type) {
		case *types.AttributeValueMemberM:
			if e.isIndex {
				return nil, false
			}
			v, ok = c.Value[e.name]
		case *types.AttributeValueMemberL:
			if !e.isIndex || e.index >= len(c.Value) {
				return nil, false
			}
			v = c.Value[e.index]
		default:
			return nil, false
		}
	}
	return v, ok
}

func invalidPath() error {
	return validation("The document path provided in the update expression is invalid for update")
}

// set stores v at path in item (which the caller owns): the parent must
// exist; a list index past the end appends.
func set(item map[string]types.AttributeValue, path docPath, v types.AttributeValue) error {
	if len(path) == 1 {
		item[path[0].name] = v
		return nil
	}
	parent, ok := get(item, path[:len(path)-1])
	if !ok {
		return invalidPath()
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case *types.AttributeValueMemberM:
		if last.isIndex {
			return invalidPath()
		}
		c.Value[last.name] = v
	case *types.AttributeValueMemberL:
		if !last.isIndex {
			return invalidPath()
		}
		if last.index >= len(c.Value) {
			c.Value = append(c.Value, v)
		} else {
			c.Value[last.index] = v
		}
	default:
		return invalidPath()
	}
	return nil
}

// remove deletes the value at path; a missing one is not an error.
func remove(item map[string]types.AttributeValue, path docPath) error {
	if len(path) == 1 {
		delete(item, path[0].name)
		return nil
	}
	parent, ok := get(item, path[:len(path)-1])
	if !ok {
		return nil
	}
	last := path[len(path)-1]
	switch c := parent.(type) {
	case *types.AttributeValueMemberM:
		if last.isIndex {
			return invalidPath()
		}
		delete(c.Value, last.name)
	case *types.AttributeValueMemberL:
		if !last.isIndex {
			return invalidPath()
		}
		if last.index < len(c.Value) {
			c.Value = append(c.Value[:last.index:last.index], c.Value[last.index+1:]...)
		}
	default:
		return invalidPath()
	}
	return nil
}

// project returns the parts of item that paths name, nested as in item
// (list elements in index order).
func project(item map[string]types.AttributeValue, paths []docPath) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for _, p := range paths {
		v, ok := get(item, p)
		if !ok {
			continue
		}
		projectInto(out, item, p, copyValue(v))
	}
	return out
}

// projectInto places v at path p in out, creating the maps and lists
// along the way from the shape of src.
func projectInto(out, src map[string]types.AttributeValue, p docPath, v types.AttributeValue) {
	if len(p) == 1 {
		out[p[0].name] = v
		return
	}
	cur, ok := out[p[0].name]
	srcCur := src[p[0].name]
	if !ok {
		cur = emptyLike(srcCur)
		out[p[0].name] = cur
	}
	for i, e := range p[1:] {
		lastStep := i == len(p)-2
		switch c := cur.(type) {
		case *types.AttributeValueMemberM:
			srcNext := srcCur.(*types.AttributeValueMemberM).Value[e.name]
			if lastStep {
				c.Value[e.name] = v
				return
			}
			next, ok := c.Value[e.name]
			if !ok {
				next = emptyLike(srcNext)
				c.Value[e.name] = next
			}
			cur, srcCur = next, srcNext
		case *types.AttributeValueMemberL:
			// Lists are projected compactly: the selected elements in order.
			srcList := srcCur.(*types.AttributeValueMemberL).Value
			if lastStep {
				c.Value = append(c.Value, v)
				return
			}
			next := emptyLike(srcList[e.index])
			c.Value = append(c.Value, next)
			cur, srcCur = next, srcList[e.index]
		default:
			return
		}
	}
}

func emptyLike(v types.AttributeValue) types.AttributeValue {
	if _, ok := v.(*types.AttributeValueMemberL); ok {
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	}
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
}

// --- update expressions ---

// setValue is the right-hand side of a SET action.
type setValue interface {
	value(item map[string]types.AttributeValue) (types.AttributeValue, error)
}

func missingOperand() error {
	return validation("The provided expression refers to an attribute that does not exist in the item")
}

func wrongOperandType() error {
	return validation("An operand in the update expression has an incorrect data type")
}

// plain is a path or a :value.
type plain struct{ o operand }

func (s plain) value(item map[string]types.AttributeValue) (types.AttributeValue, error) {
	v, ok := s.o.eval(item)
	if !ok {
		return nil, missingOperand()
	}
	return v, nil
}

type arith struct {
	l, r  setValue
	minus bool
}

func (s arith) value(item map[string]types.AttributeValue) (types.AttributeValue, error) {
	l, err := s.l.value(item)
	if err != nil {
		return nil, err
	}
	r, err := s.r.value(item)
	if err != nil {
		return nil, err
	}
	ln, ok1 := l.(*types.AttributeValueMemberN)
	rn, ok2 := r.(*types.AttributeValueMemberN)
	if !ok1 || !ok2 {
		return nil, wrongOperandType()
	}
	x, err := parseNumber(ln.Value)
	if err != nil {
		return nil, err
	}
	y, err := parseNumber(rn.Value)
	if err != nil {
		return nil, err
	}
	n, err := x.add(y, s.minus)
	if err != nil {
		return nil, err
	}
	return &types.AttributeValueMemberN{Value: n.String()}, nil
}

type ifNotExists struct {
	p   docPath
	def setValue
}

func (s ifNotExists) value(item map[string]types.AttributeValue) (types.AttributeValue, error) {
	if v, ok := get(item, s.p); ok {
		return v, nil
	}
	return s.def.value(item)
}

type listAppend struct{ a, b setValue }

func (s listAppend) value(item map[string]types.AttributeValue) (types.AttributeValue, error) {
	a, err := s.a.value(item)
	if err != nil {
		return nil, err
	}
	b, err := s.b.value(item)
	if err != nil {
		return nil, err
	}
	x, ok1 := a.(*types.AttributeValueMemberL)
	y, ok2 := b.(*types.AttributeValueMemberL)
	if !ok1 || !ok2 {
		return nil, wrongOperandType()
	}
	l := make([]types.AttributeValue, 0, len(x.Value)+len(y.Value))
	l = append(l, x.Value...)
	return &types.AttributeValueMemberL{Value: append(l, y.Value...)}, nil
}

// action is one action of an update expression.
type action struct {
	verb string // SET, REMOVE, ADD, DELETE
	path docPath
	set  setValue             // SET
	arg  types.AttributeValue // ADD, DELETE
}

// update is a parsed update expression.
type update struct{ actions []action }

// parseUpdate parses an update expression: SET, REMOVE, ADD and DELETE
// clauses, each at most once, in any order.
func (p *parser) parseUpdate() (*update, error) {
	u := &update{}
	seen := map[string]bool{}
	for p.peek().kind != tEOF {
		t := p.peek()
		verb := strings.ToUpper(t.text)
		if t.kind != tIdent || (verb != "SET" && verb != "REMOVE" && verb != "ADD" && verb != "DELETE") {
			return nil, p.syntax()
		}
		if seen[verb] {
			return nil, p.errorf("The %q section can only be used once in an update expression;", verb)
		}
		seen[verb] = true
		p.next()
		for {
			a, err := p.action(verb)
			if err != nil {
				return nil, err
			}
			u.actions = append(u.actions, a)
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if len(u.actions) == 0 {
		return nil, p.syntax()
	}
	for i := range u.actions {
		for j := i + 1; j < len(u.actions); j++ {
			a, b := u.actions[i].path, u.actions[j].path
			if overlap(a, b) {
				return nil, p.errorf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return u, nil
}

// overlap reports whether one path is a prefix of the other.
func overlap(a, b docPath) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (p *parser) action(verb string) (action, error) {
	path, err := p.path()
	if err != nil {
		return action{}, err
	}
	a := action{verb: verb, path: path}
	switch verb {
	case "SET":
		if err := p.expect("="); err != nil {
			return a, err
		}
		a.set, err = p.setValue(0)
	case "ADD", "DELETE":
		var v *valueOp
		if v, err = p.value(); err != nil {
			return a, err
		}
		t := typeName(v.v)
		if !(t == "SS" || t == "NS" || t == "BS" || verb == "ADD" && t == "N") {
			return a, p.errorf("Incorrect operand type for operator or function; operator: %s, operand type: %s", verb, t)
		}
		a.arg = v.v
	}
	return a, err
}

// setValue reads operand [+|- operand].
func (p *parser) setValue(depth int) (setValue, error) {
	l, err := p.setOperand(depth)
	if err != nil {
		return nil, err
	}
	if p.isPunct("+") || p.isPunct("-") {
		minus := p.next().text == "-"
		r, err := p.setOperand(depth)
		if err != nil {
			return nil, err
		}
		return arith{l, r, minus}, nil
	}
	return l, nil
}

func (p *parser) setOperand(depth int) (setValue, error) {
	if depth > maxDepth {
		return nil, p.errorf("The expression has too many nested functions")
	}
	t := p.peek()
	if t.kind == tIdent && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" {
		switch t.text {
		case "if_not_exists":
			p.next()
			p.next()
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			def, err := p.setValue(depth + 1)
			if err != nil {
				return nil, err
			}
			return ifNotExists{path, def}, p.expect(")")
		case "list_append":
			p.next()
			p.next()
			a, err := p.setValue(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			b, err := p.setValue(depth + 1)
			if err != nil {
				return nil, err
			}
			return listAppend{a, b}, p.expect(")")
		}
		return nil, p.functionError(t.text)
	}
	switch t.kind {
	case tValue:
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return plain{v}, nil
	case tIdent, tName:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return plain{&pathOp{path}}, nil
	}
	return nil, p.syntax()
}

// apply runs the update on item (which the caller owns), every right-hand
// side read from the item as it was before, and returns the top-level
// attributes it changed.
func (u *update) apply(item map[string]types.AttributeValue, keys []string) ([]string, error) {
	before := copyItem(item)
	for _, a := range u.actions {
		for _, k := range keys {
			if a.path[0].name == k {
				return nil, validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", k)
			}
		}
	}
	values := make([]types.AttributeValue, len(u.actions))
	for i, a := range u.actions {
		if a.verb == "SET" {
			v, err := a.set.value(before)
			if err != nil {
				return nil, err
			}
			values[i] = copyValue(v)
		}
	}
	touched := map[string]bool{}
	for i, a := range u.actions {
		touched[a.path[0].name] = true
		var err error
		switch a.verb {
		case "SET":
			err = set(item, a.path, values[i])
		case "REMOVE":
			err = remove(item, a.path)
		case "ADD":
			err = add(item, a.path, a.arg)
		case "DELETE":
			err = deleteFromSet(item, a.path, a.arg)
		}
		if err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(touched))
	for k := range touched {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}

// add is ADD: a number is added to (a missing one is 0), a set joined.
func add(item map[string]types.AttributeValue, path docPath, v types.AttributeValue) error {
	cur, ok := get(item, path)
	if !ok {
		return set(item, path, copyValue(v))
	}
	switch x := v.(type) {
	case *types.AttributeValueMemberN:
		c, ok := cur.(*types.AttributeValueMemberN)
		if !ok {
			return wrongOperandType()
		}
		a, err := parseNumber(c.Value)
		if err != nil {
			return err
		}
		b, err := parseNumber(x.Value)
		if err != nil {
			return err
		}
		n, err := a.add(b, false)
		if err != nil {
			return err
		}
		return set(item, path, &types.AttributeValueMemberN{Value: n.String()})
	case *types.AttributeValueMemberSS:
		c, ok := cur.(*types.AttributeValueMemberSS)
		if !ok {
			return wrongOperandType()
		}
		return set(item, path, &types.AttributeValueMemberSS{Value: union(c.Value, x.Value, func(s string) string { return s })})
	case *types.AttributeValueMemberNS:
		c, ok := cur.(*types.AttributeValueMemberNS)
		if !ok {
			return wrongOperandType()
		}
		return set(item, path, &types.AttributeValueMemberNS{Value: union(c.Value, x.Value, numKey)})
	case *types.AttributeValueMemberBS:
		c, ok := cur.(*types.AttributeValueMemberBS)
		if !ok {
			return wrongOperandType()
		}
		return set(item, path, &types.AttributeValueMemberBS{Value: union(c.Value, x.Value, func(b []byte) string { return string(b) })})
	}
	return wrongOperandType()
}

func union[T any](a, b []T, key func(T) string) []T {
	out := append([]T(nil), a...)
	in := map[string]bool{}
	for _, e := range a {
		in[key(e)] = true
	}
	for _, e := range b {
		if !in[key(e)] {
			in[key(e)] = true
			out = append(out, e)
		}
	}
	return out
}

func minus[T any](a, b []T, key func(T) string) []T {
	drop := map[string]bool{}
	for _, e := range b {
		drop[key(e)] = true
	}
	var out []T
	for _, e := range a {
		if !drop[key(e)] {
			out = append(out, e)
		}
	}
	return out
}

// deleteFromSet is DELETE: the elements are removed from the set, and an
// emptied set is removed.
func deleteFromSet(item map[string]types.AttributeValue, path docPath, v types.AttributeValue) error {
	cur, ok := get(item, path)
	if !ok {
		return nil
	}
	var rest types.AttributeValue
	n := 0
	switch x := v.(type) {
	case *types.AttributeValueMemberSS:
		c, ok := cur.(*types.AttributeValueMemberSS)
		if !ok {
			return wrongOperandType()
		}
		l := minus(c.Value, x.Value, func(s string) string { return s })
		rest, n = &types.AttributeValueMemberSS{Value: l}, len(l)
	case *types.AttributeValueMemberNS:
		c, ok := cur.(*types.AttributeValueMemberNS)
		if !ok {
			return wrongOperandType()
		}
		l := minus(c.Value, x.Value, numKey)
		rest, n = &types.AttributeValueMemberNS{Value: l}, len(l)
	case *types.AttributeValueMemberBS:
		c, ok := cur.(*types.AttributeValueMemberBS)
		if !ok {
			return wrongOperandType()
		}
		l := minus(c.Value, x.Value, func(b []byte) string { return string(b) })
		rest, n = &types.AttributeValueMemberBS{Value: l}, len(l)
	default:
		return wrongOperandType()
	}
	if n == 0 {
		return remove(item, path)
	}
	return set(item, path, rest)
}
