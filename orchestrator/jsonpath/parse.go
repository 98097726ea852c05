package jsonpath

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parser reads a path from s[pos:end].
type parser struct {
	s   string
	pos int
	end int
}

func (p *parser) errorf(msg string) error {
	return &SyntaxError{Path: p.s, Offset: p.pos, Msg: msg}
}

func (p *parser) more() bool { return p.pos < p.end }

func (p *parser) peek() byte {
	if p.pos < p.end {
		return p.s[p.pos]
	}
	return 0
}

func (p *parser) skipSpaces() {
	for p.pos < p.end && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

// parseTop parses a whole path: a root, then steps up to the end.
func (p *parser) parseTop() (*Path, error) {
	path := &Path{}
	if p.peek() != '$' {
		return nil, p.errorf("a path must start with '$'")
	}
	p.pos++
	switch c := p.peek(); {
	case c == '$':
		p.pos++
		path.root = RootContext
	case c == '_' || c >= utf8.RuneSelf || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
		start := p.pos
		for p.pos < p.end {
			r, size := utf8.DecodeRuneInString(p.s[p.pos:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			p.pos += size
		}
		if p.pos == start {
			return nil, p.errorf("invalid variable name")
		}
		path.root = RootVariable
		path.variable = p.s[start:p.pos]
	}
	segs, err := p.parseSegments(false)
	if err != nil {
		return nil, err
	}
	if p.more() {
		return nil, p.errorf("unexpected character '" + string(p.peek()) + "'")
	}
	path.segs = segs
	path.finish()
	return path, nil
}

// parseSegments reads steps until the end, or, inside a filter, until a
// character that cannot continue a path.
func (p *parser) parseSegments(inFilter bool) ([]segment, error) {
	var segs []segment
	for p.more() {
		c := p.peek()
		if len(segs) > 0 && segs[len(segs)-1].kind == segLength {
			if inFilter {
				return segs, nil
			}
			return nil, p.errorf("a function must be the last step of a path")
		}
		switch c {
		case '.':
			p.pos++
			deep := false
			if p.peek() == '.' {
				p.pos++
				deep = true
			}
			if !p.more() {
				return nil, p.errorf("a path must not end with '.' or '..'")
			}
			var seg segment
			var err error
			switch p.peek() {
			case '[':
				if !deep {
					return nil, p.errorf("unexpected '[' after '.'")
				}
				seg, err = p.parseBracket()
			case '*':
				p.pos++
				seg = segment{kind: segWildcard, text: "[*]"}
			default:
				seg, err = p.parseDotName(inFilter)
			}
			if err != nil {
				return nil, err
			}
			if deep && seg.kind == segLength {
				return nil, p.errorf("a function cannot follow '..'")
			}
			seg.deep = deep
			segs = append(segs, seg)
		case '[':
			seg, err := p.parseBracket()
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, p.errorf("unexpected character '" + string(c) + "'")
		}
	}
	return segs, nil
}

// parseDotName reads the name after a '.', or a function call such as
// length().
func (p *parser) parseDotName(inFilter bool) (segment, error) {
	start := p.pos
	for p.pos < p.end {
		c := p.s[p.pos]
		if c == '.' || c == '[' || c == '(' || isSpace(c) {
			break
		}
		if inFilter && strings.IndexByte(")=!<>&|,~", c) >= 0 {
			break
		}
		p.pos++
	}
	name := p.s[start:p.pos]
	if name == "" {
		return segment{}, p.errorf("empty property name")
	}
	if p.peek() == '(' {
		p.pos++
		p.skipSpaces()
		if p.peek() != ')' {
			return segment{}, p.errorf("functions take no arguments here")
		}
		p.pos++
		switch name {
		case "length", "size":
			return segment{kind: segLength, text: "." + name + "()"}, nil
		}
		p.pos = start
		return segment{}, p.errorf("unsupported function " + name + "()")
	}
	return segment{kind: segName, name: name, text: nameText(name)}, nil
}

// parseBracket reads a [...] step.
func (p *parser) parseBracket() (segment, error) {
	p.pos++ // '['
	p.skipSpaces()
	var seg segment
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		seg = segment{kind: segWildcard, text: "[*]"}
	case c == '\'' || c == '"':
		names, err := p.parseQuotedNames()
		if err != nil {
			return segment{}, err
		}
		if len(names) == 1 {
			seg = segment{kind: segName, name: names[0], text: nameText(names[0])}
		} else {
			seg = segment{kind: segNames, names: names, text: namesText(names)}
		}
	case c == '?':
		p.pos++
		p.skipSpaces()
		if p.peek() != '(' {
			return segment{}, p.errorf("expected '(' after '?'")
		}
		p.pos++
		f, err := p.parseFilterExpr()
		if err != nil {
			return segment{}, err
		}
		p.skipSpaces()
		if p.peek() != ')' {
			return segment{}, p.errorf("expected ')' to close the filter")
		}
		p.pos++
		seg = segment{kind: segFilter, filter: f, text: "[?]"}
	case c == '-' || c == ':' || ('0' <= c && c <= '9'):
		var err error
		seg, err = p.parseIndexes()
		if err != nil {
			return segment{}, err
		}
	default:
		return segment{}, p.errorf("unexpected character in brackets")
	}
	p.skipSpaces()
	if p.peek() != ']' {
		return segment{}, p.errorf("expected ']'")
	}
	p.pos++
	return seg, nil
}

// parseQuotedNames reads 'a' or 'a','b'. As in AWS's Jayway, a backslash
// keeps the next character from closing the name and stays in the name.
func (p *parser) parseQuotedNames() ([]string, error) {
	var names []string
	for {
		p.skipSpaces()
		q := p.peek()
		if q != '\'' && q != '"' {
			return nil, p.errorf("expected a quoted property name")
		}
		p.pos++
		start := p.pos
		for {
			if !p.more() {
				return nil, p.errorf("unterminated property name")
			}
			c := p.s[p.pos]
			if c == '\\' {
				p.pos += 2
				continue
			}
			if c == q {
				break
			}
			p.pos++
		}
		names = append(names, p.s[start:p.pos])
		p.pos++
		p.skipSpaces()
		if p.peek() != ',' {
			return names, nil
		}
		p.pos++
	}
}

// parseIndexes reads [n], [n,m,...] or a slice [a:b], [:b], [a:].
func (p *parser) parseIndexes() (segment, error) {
	readInt := func() (int, bool, error) {
		p.skipSpaces()
		start := p.pos
		if p.peek() == '-' {
			p.pos++
		}
		for p.pos < p.end && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
			p.pos++
		}
		if p.pos == start {
			return 0, false, nil
		}
		n, err := strconv.Atoi(p.s[start:p.pos])
		if err != nil {
			p.pos = start
			return 0, false, p.errorf("invalid array index")
		}
		p.skipSpaces()
		return n, true, nil
	}
	first, hasFirst, err := readInt()
	if err != nil {
		return segment{}, err
	}
	if p.peek() == ':' {
		p.pos++
		to, hasTo, err := readInt()
		if err != nil {
			return segment{}, err
		}
		if p.peek() == ':' {
			return segment{}, p.errorf("slice steps are not supported")
		}
		if !hasFirst && !hasTo {
			return segment{}, p.errorf("a slice needs a start or an end")
		}
		text := "["
		if hasFirst {
			text += strconv.Itoa(first)
		}
		text += ":"
		if hasTo {
			text += strconv.Itoa(to)
		}
		text += "]"
		return segment{kind: segSlice, from: first, hasFrom: hasFirst, to: to, hasTo: hasTo, text: text}, nil
	}
	if !hasFirst {
		return segment{}, p.errorf("expected an array index")
	}
	idx := []int{first}
	for p.peek() == ',' {
		p.pos++
		n, ok, err := readInt()
		if err != nil {
			return segment{}, err
		}
		if !ok {
			return segment{}, p.errorf("expected an array index")
		}
		idx = append(idx, n)
	}
	if len(idx) == 1 {
		return segment{kind: segIndex, index: first, text: "[" + strconv.Itoa(first) + "]"}, nil
	}
	return segment{kind: segIndexes, indexes: idx, text: indexesText(idx)}, nil
}
