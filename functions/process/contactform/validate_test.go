package contactform

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func validForm() Form {
	return Form{Name: "Ada Lovelace", Email: "ada@example.com", Message: "Hello"}
}

func TestValidate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		edit   func(*Form)
		want   []FieldError // nil: valid
		normal *Form        // the normalised form when valid; nil: unchanged
	}{
		{name: "valid", edit: func(*Form) {}},
		{name: "trims and normalises", edit: func(f *Form) {
			f.Name, f.Email, f.Message = "  Ada  ", " ada@example.com ", "\r\n line 1\r\nline 2 \n"
		}, normal: &Form{Name: "Ada", Email: "ada@example.com", Message: "line 1\nline 2"}},
		{name: "non-ASCII", edit: func(f *Form) {
			f.Name, f.Email, f.Message = "Zoë Ørsted-李", "zoë@bücher.example", "Grüße 👋"
		}},
		{name: "name at limit", edit: func(f *Form) { f.Name = strings.Repeat("é", 100) }},
		{name: "message at limit", edit: func(f *Form) { f.Message = strings.Repeat("ß", 5000) }},
		{name: "message with tabs and newlines", edit: func(f *Form) { f.Message = "a\tb\nc" }},
		{name: "plus address", edit: func(f *Form) { f.Email = "ada+stepwise@mail.example.co.uk" }},

		{name: "all empty", edit: func(f *Form) { *f = Form{Name: " ", Message: "\n\t"} }, want: []FieldError{
			{"name", "required"}, {"email", "required"}, {"message", "required"}}},
		{name: "name too long", edit: func(f *Form) { f.Name = strings.Repeat("a", 101) },
			want: []FieldError{{"name", "longer than 100 characters"}}},
		{name: "name with CRLF (header injection)", edit: func(f *Form) { f.Name = "Ada\r\nBcc: x@example.com" },
			want: []FieldError{{"name", "contains control characters"}}},
		{name: "name with tab", edit: func(f *Form) { f.Name = "Ada\tL" },
			want: []FieldError{{"name", "contains control characters"}}},
		{name: "name with line separator", edit: func(f *Form) { f.Name = "Ada\u2028L" },
			want: []FieldError{{"name", "contains control characters"}}},
		{name: "name not UTF-8", edit: func(f *Form) { f.Name = "Ada\xff" },
			want: []FieldError{{"name", "not valid UTF-8"}}},
		{name: "email display name", edit: func(f *Form) { f.Email = "Ada <ada@example.com>" },
			want: []FieldError{{"email", "not a plain e-mail address (want name@example.com)"}}},
		{name: "email comment", edit: func(f *Form) { f.Email = "ada@example.com (Ada)" },
			want: []FieldError{{"email", "not a plain e-mail address (want name@example.com)"}}},
		{name: "email list", edit: func(f *Form) { f.Email = "ada@example.com, bob@example.com" },
			want: []FieldError{{"email", "more than one address"}}},
		{name: "email group", edit: func(f *Form) { f.Email = "team: ada@example.com;" },
			want: []FieldError{{"email", "more than one address"}}},
		{name: "email with LF (header injection)", edit: func(f *Form) { f.Email = "ada@example.com\nBcc: x@example.com" },
			want: []FieldError{{"email", "contains control characters"}}},
		{name: "email without at", edit: func(f *Form) { f.Email = "ada.example.com" },
			want: []FieldError{{"email", "not a plain e-mail address (want name@example.com)"}}},
		{name: "email without domain dot", edit: func(f *Form) { f.Email = "ada@localhost" },
			want: []FieldError{{"email", "domain is not a valid host name"}}},
		{name: "email IP literal", edit: func(f *Form) { f.Email = "ada@[192.0.2.1]" },
			want: []FieldError{{"email", "domain is not a valid host name"}}},
		{name: "email IP digits", edit: func(f *Form) { f.Email = "ada@192.0.2.1" },
			want: []FieldError{{"email", "domain is not a valid host name"}}},
		{name: "email label with hyphen at the end", edit: func(f *Form) { f.Email = "ada@example-.com" },
			want: []FieldError{{"email", "domain is not a valid host name"}}},
		{name: "email quoted local part", edit: func(f *Form) { f.Email = `"ada lovelace"@example.com` },
			want: []FieldError{{"email", "not a plain e-mail address (want name@example.com)"}}},
		{name: "email local part too long", edit: func(f *Form) { f.Email = strings.Repeat("a", 65) + "@example.com" },
			want: []FieldError{{"email", "local part longer than 64 characters"}}},
		{name: "email too long", edit: func(f *Form) { f.Email = "a@" + strings.Repeat("b", 250) + ".com" },
			want: []FieldError{{"email", "longer than 254 characters"}}},
		{name: "message too long", edit: func(f *Form) { f.Message = strings.Repeat("a", 5001) },
			want: []FieldError{{"message", "longer than 5000 characters"}}},
		{name: "message with NUL", edit: func(f *Form) { f.Message = "a\x00b" },
			want: []FieldError{{"message", "contains control characters"}}},
		{name: "message with bare CR", edit: func(f *Form) { f.Message = "a\rb" },
			want: []FieldError{{"message", "contains control characters"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := validForm()
			tt.edit(&in)
			got, err := Validate(in)
			if tt.want == nil {
				require.NoError(t, err)
				want := in
				if tt.normal != nil {
					want = *tt.normal
				}
				require.Equal(t, want, got)
				return
			}
			var verr *ValidationError
			require.True(t, errors.As(err, &verr), "got %v, want a *ValidationError", err)
			require.Equal(t, tt.want, verr.Fields)
		})
	}
}

func TestValidationError_Error(t *testing.T) {
	t.Parallel()

	err := &ValidationError{Fields: []FieldError{{"email", "required"}, {"message", "longer than 5000 characters"}}}
	require.Equal(t, `{"message":"the contact form is invalid","fields":[{"field":"email","reason":"required"},{"field":"message","reason":"longer than 5000 characters"}]}`, err.Error())
}
