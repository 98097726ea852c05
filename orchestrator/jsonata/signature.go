package jsonata

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// signature is a parsed jsonata-js function signature such as "<s-nn?:s>".
type signature struct {
	params []sigParam
	re     *regexp.Regexp
}

type sigParam struct {
	typ       string // symbol or "(...)" choice
	regex     string
	context   bool
	ctxRegex  *regexp.Regexp
	subtype   string
	isArray   bool
	optional  bool
	variadics bool
}

var arraySignatureMapping = map[string]string{
	"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
}

// parseSignature parses a signature; it panics on a malformed one, which
// is a bug in the function table (checked by tests).
func parseSignature(sig string) *signature {
	s := &signature{}
	inner := strings.TrimSuffix(strings.TrimPrefix(sig, "<"), ">")
	depth := 0
	for j := 0; j < len(inner); j++ {
		switch inner[j] {
		case '<':
			depth++
		case '>':
			depth--
		case ':':
			if depth == 0 {
				inner = inner[:j]
				j = len(inner)
			}
		}
	}
	for i := 0; i < len(inner); i++ {
		ch := inner[i]
		var last *sigParam
		if len(s.params) > 0 {
			last = &s.params[len(s.params)-1]
		}
		switch ch {
		case 's', 'n', 'b', 'l', 'o':
			s.params = append(s.params, sigParam{typ: string(ch), regex: "[" + string(ch) + "m]"})
		case 'a':
			s.params = append(s.params, sigParam{typ: "a", regex: "[asnblfom]", isArray: true})
		case 'f':
			s.params = append(s.params, sigParam{typ: "f", regex: "f"})
		case 'j':
			s.params = append(s.params, sigParam{typ: "j", regex: "[asnblom]"})
		case 'x':
			s.params = append(s.params, sigParam{typ: "x", regex: "[asnblfom]"})
		case '-':
			last.context = true
			last.ctxRegex = regexp.MustCompile("^" + last.regex + "$")
			last.regex += "?"
		case '?':
			last.optional = true
			last.regex += "?"
		case '+':
			last.variadics = true
			last.regex += "+"
		case '(':
			end := strings.IndexByte(inner[i:], ')') + i
			choice := inner[i+1 : end]
			s.params = append(s.params, sigParam{typ: "(" + choice + ")", regex: "[" + choice + "m]"})
			i = end
		case '<':
			end := i
			depth := 0
			for ; end < len(inner); end++ {
				if inner[end] == '<' {
					depth++
				} else if inner[end] == '>' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if last.typ == "a" {
				last.subtype = inner[i+1 : end]
			}
			i = end
		}
	}
	var b strings.Builder
	b.WriteString("^")
	for _, p := range s.params {
		b.WriteString("(" + p.regex + ")")
	}
	b.WriteString("$")
	s.re = regexp.MustCompile(b.String())
	return s
}

// symbol is the signature letter of a value's type.
func symbol(v any) byte {
	switch x := v.(type) {
	case undefinedType:
		return 'm'
	case string:
		return 's'
	case json.Number:
		return 'n'
	case float64:
		_ = x
		return 'n'
	case bool:
		return 'b'
	case nil:
		return 'l'
	case []any, *sequence:
		return 'a'
	case map[string]any:
		return 'o'
	}
	if isFunction(v) {
		return 'f'
	}
	return 'm'
}

// validate checks args against the signature, fills in the context
// argument and wraps non-array values given for array parameters.
func (s *signature) validate(name string, args []any, context any) ([]any, error) {
	sym := make([]byte, len(args))
	for i, a := range args {
		sym[i] = symbol(a)
	}
	supplied := string(sym)
	m := s.re.FindStringSubmatch(supplied)
	if m == nil {
		return nil, s.validationError(name, args, supplied)
	}
	out := make([]any, 0, len(s.params))
	argIndex := 0
	for i, p := range s.params {
		match := m[i+1]
		if match == "" {
			if p.context && p.ctxRegex != nil {
				if !p.ctxRegex.MatchString(string(symbol(context))) {
					return nil, rtErr("T0411", "Context value is not a compatible type with argument %d of function %s", argIndex+1, jsString(name))
				}
				out = append(out, context)
			} else {
				if argIndex < len(args) {
					out = append(out, args[argIndex])
				} else {
					out = append(out, undefined)
				}
				argIndex++
			}
			continue
		}
		for _, single := range []byte(match) {
			arg := args[argIndex]
			if p.typ == "a" {
				if single == 'm' {
					arg = undefined
				} else {
					ok := true
					if p.subtype != "" {
						if single != 'a' && string(single) != p.subtype {
							ok = false
						} else if single == 'a' {
							items, _ := arrayItems(arg)
							if len(items) > 0 {
								t := symbol(items[0])
								if string(t) != p.subtype[:1] {
									ok = false
								} else {
									for _, it := range items {
										if symbol(it) != t {
											ok = false
											break
										}
									}
								}
							}
						}
					}
					if !ok {
						return nil, rtErr("T0412", "Argument %d of function %s must be an array of %s", argIndex+1, jsString(name), jsString(arraySignatureMapping[p.subtype]))
					}
					if single != 'a' {
						arg = []any{plain(arg)}
					}
				}
			}
			out = append(out, arg)
			argIndex++
		}
	}
	return out, nil
}

func (s *signature) validationError(name string, args []any, supplied string) error {
	partial := "^"
	goodTo := 0
	for _, p := range s.params {
		partial += p.regex
		m := regexp.MustCompile(partial).FindString(supplied)
		if m == "" && !regexp.MustCompile(partial).MatchString(supplied) {
			return rtErr("T0410", "Argument %d of function %s does not match function signature", goodTo+1, jsString(name))
		}
		goodTo = len(m)
	}
	return rtErr("T0410", "Argument %d of function %s does not match function signature", goodTo+1, jsString(name))
}

func itoa(i int) string { return strconv.Itoa(i) }
