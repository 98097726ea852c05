package contactform_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
)

type testBundle struct {
	handler *contactform.Handler
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{handler: &contactform.Handler{
		Sender:    "forms@example.com",
		Recipient: "team@example.com",
		NowFunc:   func() time.Time { return time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC) },
	}}
}

// readEvent decodes events/<name>.json as Lambda would.
func readEvent(t *testing.T, name string) contactform.Input {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "events", name+".json"))
	require.NoError(t, err)
	var in contactform.Input
	require.NoError(t, json.Unmarshal(data, &in))
	return in
}

func TestHandle_valid(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	in := readEvent(t, "process-valid")
	out, err := bundle.handler.Handle(context.Background(), in)
	require.NoError(t, err)

	rec := out.Record
	require.Equal(t, contactform.RecordID("Ek2oZhq3IAMEbXQ=", in.Form), rec.ID)
	require.Equal(t, "CONTACT#"+rec.ID, rec.PK)
	require.Len(t, rec.ID, 32)
	require.Equal(t, "Ek2oZhq3IAMEbXQ=", rec.SubmissionID)
	require.Equal(t, "Ada Lovelace", rec.Name)
	require.Equal(t, "ada@example.com", rec.Email)
	require.Equal(t, "2025-01-15T11:30:00Z", rec.ReceivedAt, "from the input, not the clock")
	require.Equal(t, "203.0.113.7", rec.SourceIP)

	mail := out.Email
	require.Equal(t, "forms@example.com", mail.From)
	require.Equal(t, []string{"team@example.com"}, mail.To)
	require.Equal(t, []string{"ada@example.com"}, mail.ReplyTo)
	require.Equal(t, "Contact form: Ada Lovelace", mail.Subject)
	require.Contains(t, mail.Text, "about <stepwise> & its \"Map\" state.")
	require.Contains(t, mail.HTML, "about &lt;stepwise&gt; &amp; its &#34;Map&#34; state.<br>\nThanks!")
	require.NotContains(t, mail.HTML, "<stepwise>")

	// A redelivery of the same event prepares the same record.
	again, err := bundle.handler.Handle(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, out, again)
}

func TestHandle_invalid(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	tests := []struct {
		event string
		want  string
	}{
		{"process-invalid", `{"message":"the contact form is invalid","fields":[` +
			`{"field":"name","reason":"contains control characters"},` +
			`{"field":"email","reason":"not a plain e-mail address (want name@example.com)"},` +
			`{"field":"message","reason":"required"}]}`},
		{"process-invalid-email", `{"message":"the contact form is invalid","fields":[` +
			`{"field":"email","reason":"more than one address"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			_, err := bundle.handler.Handle(context.Background(), readEvent(t, tt.event))
			var verr *contactform.ValidationError
			require.True(t, errors.As(err, &verr), "got %v, want a *ValidationError", err)
			require.Equal(t, tt.want, err.Error())
		})
	}
}

func TestHandle_receivedAt(t *testing.T) {
	t.Parallel()
	bundle := setup(t)

	in := readEvent(t, "process-valid")
	in.ReceivedAt = ""
	out, err := bundle.handler.Handle(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, "2025-02-03T04:05:06Z", out.Record.ReceivedAt, "from the clock when the input has none")

	in.ReceivedAt = "yesterday"
	_, err = bundle.handler.Handle(context.Background(), in)
	require.EqualError(t, err, `{"message":"the contact form is invalid","fields":[{"field":"receivedAt","reason":"not an RFC 3339 date-time"}]}`)
}

func TestRecordID(t *testing.T) {
	t.Parallel()

	f := contactform.Form{Name: "a", Email: "b@example.com", Message: "c"}
	id := contactform.RecordID("s1", f)
	require.Equal(t, id, contactform.RecordID("s1", f))
	require.NotEqual(t, id, contactform.RecordID("s2", f), "another submission")
	g := f
	g.Name, g.Message = "a;1:c", ""
	require.NotEqual(t, id, contactform.RecordID("s1", g), "fields are not ambiguous")
	require.False(t, strings.ContainsAny(id, "#/ "))
}
