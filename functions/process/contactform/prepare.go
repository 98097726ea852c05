package contactform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Input is the Process function's event: the execution input.
type Input struct {
	// SubmissionID identifies one submission (the API request ID); with the
	// form it determines the record's ID.
	SubmissionID string `json:"submissionId"`
	// ReceivedAt is when the API received the form (RFC 3339). When empty,
	// the handler's clock is used.
	ReceivedAt string `json:"receivedAt,omitempty"`
	// SourceIP is the client's address as API Gateway saw it.
	SourceIP string `json:"sourceIp,omitempty"`
	Form     Form   `json:"form"`
}

// Output is the Process function's result.
type Output struct {
	Record Record `json:"record"`
	Email  Email  `json:"email"`
}

// Record is the contacts table item, as plain strings; Store turns it into
// DynamoDB attribute values.
type Record struct {
	PK           string `json:"pk"` // "CONTACT#" + ID
	ID           string `json:"id"`
	SubmissionID string `json:"submissionId"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Message      string `json:"message"`
	ReceivedAt   string `json:"receivedAt"`
	SourceIP     string `json:"sourceIp"` // may be empty; always present so Store can map it
}

// Email is a prepared SES v2 simple message.
type Email struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	ReplyTo []string `json:"replyTo"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
}

// Prepare validates in and builds the record and the e-mail. now is used
// only when in.ReceivedAt is empty.
func Prepare(in Input, sender, recipient string, now time.Time) (*Output, error) {
	form, err := Validate(in.Form)
	if err != nil {
		return nil, err
	}
	received := now.UTC()
	if in.ReceivedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, in.ReceivedAt)
		if err != nil {
			return nil, &ValidationError{Fields: []FieldError{{"receivedAt", "not an RFC 3339 date-time"}}}
		}
		received = t.UTC()
	}
	id := RecordID(in.SubmissionID, form)
	rec := Record{
		PK:           "CONTACT#" + id,
		ID:           id,
		SubmissionID: in.SubmissionID,
		Name:         form.Name,
		Email:        form.Email,
		Message:      form.Message,
		ReceivedAt:   received.Format(time.RFC3339),
		SourceIP:     in.SourceIP,
	}
	mail, err := buildEmail(rec, sender, recipient)
	if err != nil {
		return nil, err
	}
	return &Output{Record: rec, Email: mail}, nil
}

// RecordID derives a record's ID from the submission ID and the normalised
// form: the same submission delivered twice gets the same ID.
func RecordID(submissionID string, f Form) string {
	h := sha256.New()
	for _, s := range []string{submissionID, f.Name, f.Email, f.Message} {
		fmt.Fprintf(h, "%d:%s;", len(s), s) // length-prefixed: no ambiguity between fields
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

var htmlBody = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body>
<h1>New message from the contact form</h1>
<p><strong>From:</strong> {{.Name}} &lt;{{.Email}}&gt;</p>
<p><strong>Received:</strong> {{.ReceivedAt}}</p>
<p>{{range $i, $line := .Lines}}{{if $i}}<br>
{{end}}{{$line}}{{end}}</p>
<p><small>Reference {{.ID}}</small></p>
</body></html>
`))

func buildEmail(rec Record, sender, recipient string) (Email, error) {
	var html bytes.Buffer
	err := htmlBody.Execute(&html, struct {
		Record
		Lines []string
	}{rec, strings.Split(rec.Message, "\n")})
	if err != nil {
		return Email{}, fmt.Errorf("rendering the e-mail: %w", err)
	}
	text := fmt.Sprintf("New message from the contact form\n\nFrom: %s <%s>\nReceived: %s\n\n%s\n\nReference %s\n",
		rec.Name, rec.Email, rec.ReceivedAt, rec.Message, rec.ID)
	return Email{
		From:    sender,
		To:      []string{recipient},
		ReplyTo: []string{rec.Email},
		Subject: "Contact form: " + rec.Name,
		Text:    text,
		HTML:    html.String(),
	}, nil
}
