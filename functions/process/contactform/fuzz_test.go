package contactform

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidate checks that Validate never panics, that it either accepts a
// form or names at least one field, and that what it accepts is safe to put
// into mail headers and within the limits.
func FuzzValidate(f *testing.F) {
	f.Add("Ada Lovelace", "ada@example.com", "Hello")
	f.Add("Mallory\r\nBcc: x@example.org", "Mallory <m@example.com>", "")
	f.Add("Zoë", "zoë@bücher.example", "Grüße\r\n")
	f.Add("a", "a@b.c, d@e.f", "\x00")
	f.Add(" ", `"q"@example.com`, "\u2028")
	f.Fuzz(func(t *testing.T, name, email, message string) {
		got, err := Validate(Form{Name: name, Email: email, Message: message})
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("got %v, want a *ValidationError naming a field", err)
			}
			return
		}
		for field, s := range map[string]string{"name": got.Name, "email": got.Email} {
			if strings.ContainsAny(s, "\r\n\x00") || !utf8.ValidString(s) {
				t.Fatalf("accepted %s %q, which is unsafe in a header", field, s)
			}
		}
		if got.Name == "" || got.Email == "" || got.Message == "" {
			t.Fatalf("accepted an empty field: %+v", got)
		}
		if utf8.RuneCountInString(got.Name) > MaxNameLen || len(got.Email) > MaxEmailLen ||
			utf8.RuneCountInString(got.Message) > MaxMessageLen {
			t.Fatalf("accepted a field over its limit: %+v", got)
		}
		if strings.ContainsAny(got.Email, ",;<> ") || strings.Count(got.Email, "@") != 1 {
			t.Fatalf("accepted %q, which is not one plain address", got.Email)
		}
		again, err := Validate(got)
		if err != nil || again != got {
			t.Fatalf("normalising is not idempotent: %+v -> %+v, %v", got, again, err)
		}
	})
}
