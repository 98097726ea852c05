package jsonata

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// tokenKind classifies a lexical token.
type tokenKind int

const (
	tokEnd tokenKind = iota
	tokOperator
	tokName
	tokVariable
	tokString
	tokNumber
	tokValue // true, false, null
	tokRegex
)

// token is one lexical token; pos is the byte offset just past it, as
// jsonata-js reports positions.
type token struct {
	kind  tokenKind
	value string // operator symbol, name, variable name, string contents
	num   json.Number
	lit   any // for tokValue
	re    *regexp.Regexp
	pos   int
}

// operators maps each operator symbol to its binding power (jsonata-js).
var operators = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0,
	"@": 80, "#": 80, ";": 80, ":": 80, "?": 20, "+": 50, "-": 50, "*": 60,
	"/": 60, "%": 60, "|": 20, "=": 40, "<": 40, ">": 40, "^": 40, "**": 60,
	"..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "and": 30, "or": 25, "in": 40, "&": 50, "!": 0, "~": 0,
}

// scanNumber returns the longest prefix of s matching
// (0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?, jsonata-js's number syntax
// (the sign is the unary minus operator).
func scanNumber(s string) string {
	digits := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return ""
	}
	i := 1
	if s[0] != '0' {
		i = digits(1)
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		i = digits(i + 1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if k := digits(j); k > j {
			i = k
		}
	}
	return s[:i]
}

// lexer produces tokens on demand: whether "/" starts a regular expression
// depends on the parser's position, as in jsonata-js.
type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
}

func isOperatorChar(c byte) bool {
	switch c {
	case '.', '[', ']', '{', '}', '(', ')', ',', '@', '#', ';', ':', '?', '+', '-', '*', '/', '%', '|', '=', '<', '>', '^', '&', '!', '~':
		return true
	}
	return false
}

// next returns the next token. prefix is true when an operand is expected,
// which makes "/" the start of a regular expression.
func (l *lexer) next(prefix bool) (token, error) {
	src := l.src
	for {
		for l.pos < len(src) && isSpace(src[l.pos]) {
			l.pos++
		}
		if l.pos+1 < len(src) && src[l.pos] == '/' && src[l.pos+1] == '*' {
			start := l.pos
			end := strings.Index(src[l.pos+2:], "*/")
			if end < 0 {
				return token{}, syntaxErr("S0106", start, "Comment has no closing tag")
			}
			l.pos += end + 4
			continue
		}
		break
	}
	if l.pos >= len(src) {
		return token{kind: tokEnd, pos: l.pos}, nil
	}
	c := src[l.pos]
	if prefix && c == '/' {
		l.pos++
		return l.scanRegex()
	}
	if l.pos+1 < len(src) {
		two := src[l.pos : l.pos+2]
		switch two {
		case "..", ":=", "!=", ">=", "<=", "**", "~>":
			l.pos += 2
			return token{kind: tokOperator, value: two, pos: l.pos}, nil
		}
	}
	if isOperatorChar(c) {
		l.pos++
		return token{kind: tokOperator, value: string(c), pos: l.pos}, nil
	}
	if c == '"' || c == '\'' {
		return l.scanString(c)
	}
	if m := scanNumber(src[l.pos:]); m != "" {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil || math.IsInf(f, 0) {
			return token{}, syntaxErrToken("S0102", l.pos, "Number out of range: %s", jsString(m))
		}
		l.pos += len(m)
		// Literals are JavaScript numbers: 123456789012345678 is
		// 123456789012345680.
		return token{kind: tokNumber, num: value.Float(f), pos: l.pos}, nil
	}
	if c == '`' {
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			return token{}, syntaxErr("S0105", len(src), "Quoted property name must be terminated with a backquote (`)")
		}
		name := src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return token{kind: tokName, value: name, pos: l.pos}, nil
	}
	i := l.pos
	for i < len(src) && !isSpace(src[i]) && !isOperatorChar(src[i]) {
		i++
	}
	word := src[l.pos:i]
	start := l.pos
	l.pos = i
	if word[0] == '$' {
		return token{kind: tokVariable, value: word[1:], pos: i}, nil
	}
	switch word {
	case "and", "or", "in":
		return token{kind: tokOperator, value: word, pos: i}, nil
	case "true":
		return token{kind: tokValue, value: word, lit: true, pos: i}, nil
	case "false":
		return token{kind: tokValue, value: word, lit: false, pos: i}, nil
	case "null":
		return token{kind: tokValue, value: word, lit: nil, pos: i}, nil
	}
	_ = start
	return token{kind: tokName, value: word, pos: i}, nil
}

func (l *lexer) scanString(quote byte) (token, error) {
	src := l.src
	l.pos++
	var sb strings.Builder
	for l.pos < len(src) {
		c := src[l.pos]
		switch {
		case c == '\\':
			l.pos++
			if l.pos >= len(src) {
				return token{}, syntaxErr("S0101", l.pos, "String literal must be terminated by a matching quote")
			}
			e := src[l.pos]
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				if l.pos+5 > len(src) {
					return token{}, syntaxErr("S0104", l.pos, "The escape sequence \\u must be followed by 4 hex digits")
				}
				cp, err := strconv.ParseUint(src[l.pos+1:l.pos+5], 16, 32)
				if err != nil {
					return token{}, syntaxErr("S0104", l.pos, "The escape sequence \\u must be followed by 4 hex digits")
				}
				r := rune(cp)
				l.pos += 4
				// Combine UTF-16 surrogate pairs.
				if r >= 0xD800 && r < 0xDC00 && l.pos+7 <= len(src) && src[l.pos+1] == '\\' && src[l.pos+2] == 'u' {
					if lo, err := strconv.ParseUint(src[l.pos+3:l.pos+7], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
						r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
						l.pos += 6
					}
				}
				sb.WriteRune(r)
			default:
				return token{}, syntaxErrToken("S0103", l.pos, "Unsupported escape sequence: \\%s", string(e))
			}
			l.pos++
		case c == quote:
			l.pos++
			return token{kind: tokString, value: sb.String(), pos: l.pos}, nil
		default:
			_, size := utf8.DecodeRuneInString(src[l.pos:])
			sb.WriteString(src[l.pos : l.pos+size])
			l.pos += size
		}
	}
	return token{}, syntaxErr("S0101", l.pos, "String literal must be terminated by a matching quote")
}

func (l *lexer) scanRegex() (token, error) {
	src := l.src
	start := l.pos
	depth := 0
	for l.pos < len(src) {
		c := src[l.pos]
		if c == '/' && depth == 0 {
			bs := 0
			for l.pos-(bs+1) >= start && src[l.pos-(bs+1)] == '\\' {
				bs++
			}
			if bs%2 == 0 {
				pattern := src[start:l.pos]
				if pattern == "" {
					return token{}, syntaxErr("S0301", l.pos, "Empty regular expressions are not allowed")
				}
				l.pos++
				fstart := l.pos
				for l.pos < len(src) && (src[l.pos] == 'i' || src[l.pos] == 'm') {
					l.pos++
				}
				re, err := compileRegex(pattern, src[fstart:l.pos])
				if err != nil {
					return token{}, syntaxErrToken("S0303", l.pos, "Invalid regular expression /%s/: %s", pattern, err.Error())
				}
				return token{kind: tokRegex, value: src[start-1 : l.pos], re: re, pos: l.pos}, nil
			}
		}
		if (c == '(' || c == '[' || c == '{') && (l.pos == start || src[l.pos-1] != '\\') {
			depth++
		}
		if (c == ')' || c == ']' || c == '}') && (l.pos == start || src[l.pos-1] != '\\') {
			depth--
		}
		l.pos++
	}
	return token{}, syntaxErr("S0302", l.pos, "No terminating / in regular expression")
}

// compileRegex translates a JavaScript regular expression to Go's RE2
// syntax. Features RE2 lacks (lookaround, backreferences) are errors.
func compileRegex(pattern, flags string) (*regexp.Regexp, error) {
	prefix := ""
	if strings.Contains(flags, "i") || strings.Contains(flags, "m") {
		prefix = "(?"
		if strings.Contains(flags, "i") {
			prefix += "i"
		}
		if strings.Contains(flags, "m") {
			prefix += "m"
		}
		prefix += ")"
	}
	// JavaScript allows "\/" and "$" escapes Go also accepts; "\d" etc. are
	// shared. Translate the named-group syntax (?<name> to (?P<name>.
	p := strings.ReplaceAll(pattern, "(?<", "(?P<")
	p = strings.ReplaceAll(p, "(?P<=", "(?<=")
	p = strings.ReplaceAll(p, "(?P<!", "(?<!")
	p = strings.ReplaceAll(p, `\/`, `/`)
	return regexp.Compile(prefix + p)
}
