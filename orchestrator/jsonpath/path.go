package jsonpath

import (
	"strconv"
	"strings"
)

// Root says what a path starts from.
type Root int

const (
	// RootInput is "$": the state input (or the document being filtered).
	RootInput Root = iota
	// RootContext is "$$": the context object.
	RootContext
	// RootVariable is "$name": the value of a workflow variable.
	RootVariable
)

// segKind is the kind of one step of a path.
type segKind uint8

const (
	segName     segKind = iota // .a or ['a']
	segIndex                   // [0] or [-1]
	segWildcard                // .* or [*]
	segNames                   // ['a','b']
	segIndexes                 // [0,1]
	segSlice                   // [1:5]
	segFilter                  // [?(...)]
	segLength                  // .length() or .size(), always last
)

// segment is one compiled step of a path.
type segment struct {
	kind    segKind
	deep    bool // preceded by "..": applies to the node and all its descendants
	name    string
	names   []string
	index   int
	indexes []int
	from    int
	to      int
	hasFrom bool
	hasTo   bool
	filter  filterNode
	text    string // the step as Jayway prints it, e.g. ['a'] or [0]
}

// Path is a compiled JSONPath as AWS accepts it. It is safe for concurrent
// use.
type Path struct {
	text       string
	root       Root
	variable   string
	segs       []segment
	definite   bool
	reference  bool
	normalized string // Jayway's rendering, e.g. $['a'][0]
}

// Compile parses a JSONPath. Errors are *SyntaxError values that say what
// is wrong and at which offset.
func Compile(s string) (*Path, error) {
	p := &parser{s: s}
	// Jayway trims the path before compiling it.
	start := 0
	for start < len(s) && isSpace(s[start]) {
		start++
	}
	end := len(s)
	for end > start && isSpace(s[end-1]) {
		end--
	}
	p.pos, p.end = start, end
	path, err := p.parseTop()
	if err != nil {
		return nil, err
	}
	path.text = s
	return path, nil
}

// MustCompile is Compile for paths known to be valid; it panics otherwise.
// Use it only for constants.
func MustCompile(s string) *Path {
	p, err := Compile(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the text the path was compiled from.
func (p *Path) String() string { return p.text }

// Root returns what the path starts from.
func (p *Path) Root() Root { return p.root }

// Variable returns the variable name, without "$", for a RootVariable path,
// and "" otherwise.
func (p *Path) Variable() string { return p.variable }

// IsReference reports whether p is a Reference Path: only object field
// names and single array indexes, no wildcards, filters, slices, unions,
// deep scans or functions.
func (p *Path) IsReference() bool { return p.reference }

// IsDefinite reports whether p selects at most one value, which Get then
// returns as is rather than in a list.
func (p *Path) IsDefinite() bool { return p.definite }

// finish computes the derived fields of a parsed path.
func (p *Path) finish() {
	p.definite, p.reference = true, true
	var b strings.Builder
	b.WriteByte('$')
	for i := range p.segs {
		s := &p.segs[i]
		if s.deep {
			b.WriteString("..")
		}
		b.WriteString(s.text)
		last := i == len(p.segs)-1
		switch {
		case s.deep:
			p.definite, p.reference = false, false
		case s.kind == segName, s.kind == segIndex:
		case s.kind == segNames && last:
			p.reference = false // Jayway merges the properties into one object
		case s.kind == segLength:
			p.reference = false
		default:
			p.definite, p.reference = false, false
		}
	}
	if n := len(p.segs); n > 0 && p.segs[n-1].kind == segLength {
		p.definite = true // a function returns one value
	}
	p.normalized = b.String()
}

// prefix renders the path up to, and not including, segment i.
func (p *Path) prefix(i int) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.segs[:i] {
		if s.deep {
			b.WriteString("..")
		}
		b.WriteString(s.text)
	}
	return b.String()
}

func nameText(name string) string { return "['" + name + "']" }

func namesText(names []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("'" + n + "'")
	}
	b.WriteByte(']')
	return b.String()
}

func indexesText(idx []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range idx {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(n))
	}
	b.WriteByte(']')
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
