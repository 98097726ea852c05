package contactform

import (
	"encoding/json"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the form's fields, in characters (e-mail: bytes, as RFC 5321).
const (
	MaxNameLen    = 100
	MaxEmailLen   = 254
	MaxMessageLen = 5000
)

// Form is what the visitor typed.
type Form struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Message string `json:"message"`
}

// FieldError says why one field is invalid.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ValidationError is the error of an invalid form: every invalid field, in
// the order name, email, message. Its type name is the Step Functions error
// name; its message is JSON: {"message": "...", "fields": [...]}.
type ValidationError struct {
	Fields []FieldError `json:"fields"`
}

func (e *ValidationError) Error() string {
	b, _ := json.Marshal(struct {
		Message string       `json:"message"`
		Fields  []FieldError `json:"fields"`
	}{"the contact form is invalid", e.Fields})
	return string(b)
}

// Validate checks f and returns it normalised (surrounding white space
// removed, CRLF line ends in the message turned into LF), or a
// *ValidationError naming every invalid field.
func Validate(f Form) (Form, error) {
	var errs []FieldError
	add := func(field, reason string) { errs = append(errs, FieldError{field, reason}) }

	f.Name = strings.TrimSpace(f.Name)
	if reason := checkName(f.Name); reason != "" {
		add("name", reason)
	}
	f.Email = strings.TrimSpace(f.Email)
	if reason := checkEmail(f.Email); reason != "" {
		add("email", reason)
	}
	f.Message = strings.TrimSpace(strings.ReplaceAll(f.Message, "\r\n", "\n"))
	if reason := checkMessage(f.Message); reason != "" {
		add("message", reason)
	}
	if len(errs) > 0 {
		return Form{}, &ValidationError{Fields: errs}
	}
	return f, nil
}

// checkName returns why name is invalid, or "". The name goes into the
// e-mail's Subject header, so it must not hold control characters (CR and
// LF would allow header injection).
func checkName(name string) string {
	switch {
	case name == "":
		return "required"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	case utf8.RuneCountInString(name) > MaxNameLen:
		return "longer than 100 characters"
	case strings.IndexFunc(name, isControl) >= 0:
		return "contains control characters"
	}
	return ""
}

// checkEmail returns why addr is not one plain e-mail address, or "".
// Display names ("Bob <bob@example.com>"), comments, groups and lists are
// refused: the address goes into the Reply-To header as it is.
func checkEmail(addr string) string {
	switch {
	case addr == "":
		return "required"
	case !utf8.ValidString(addr):
		return "not valid UTF-8"
	case len(addr) > MaxEmailLen:
		return "longer than 254 characters"
	case strings.IndexFunc(addr, isControl) >= 0:
		return "contains control characters"
	case strings.ContainsAny(addr, ",;"):
		return "more than one address"
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Name != "" || parsed.Address != addr {
		return "not a plain e-mail address (want name@example.com)"
	}
	local, domain, _ := strings.Cut(addr, "@")
	if len(local) > 64 {
		return "local part longer than 64 characters"
	}
	if !validDomain(domain) {
		return "domain is not a valid host name"
	}
	return ""
}

// validDomain accepts host names of at least two labels of letters
// (including non-ASCII ones), digits and inner hyphens; no IP literals.
func validDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(domain) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.IndexFunc(tld, unicode.IsDigit) < 0 // "1.2.3.4" is not a host name here
}

// checkMessage returns why msg is invalid, or "". Line breaks and tabs are
// allowed (the message goes only into the body).
func checkMessage(msg string) string {
	switch {
	case msg == "":
		return "required"
	case !utf8.ValidString(msg):
		return "not valid UTF-8"
	case utf8.RuneCountInString(msg) > MaxMessageLen:
		return "longer than 5000 characters"
	case strings.IndexFunc(msg, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) >= 0:
		return "contains control characters"
	}
	return ""
}

// isControl reports C0/C1 controls, DEL and the Unicode line and paragraph
// separators (which some mail clients treat as line breaks).
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
