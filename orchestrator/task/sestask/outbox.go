package sestask

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
)

// MaxMessageSize is SES v2's limit on a message, encoding included.
const MaxMessageSize = 40 * 1024 * 1024

// OutboxOptions configure an Outbox.
type OutboxOptions struct {
	// NowFunc returns the current time (the Date header); nil uses
	// time.Now.
	NowFunc func() time.Time
}

// Outbox is a Client that writes each message to DIR/<time>-<MessageId>.eml
// instead of sending it: an RFC 5322 message that a mail client opens.
// Simple content becomes From, To, Cc, Bcc (kept, as in a sent-mail copy),
// Reply-To, Subject, Date, Message-ID and MIME-Version headers, the custom
// headers, and a multipart/alternative text and HTML body (quoted-printable,
// UTF-8; non-ASCII header text as RFC 2047 encoded-words), inside a
// multipart/mixed with the attachments when there are some. Raw content is
// written as it is. A CR or LF in any header value is refused (no header
// injection), as are addresses that do not parse. Templates are not
// rendered: SendEmail with Template content is a NotFoundException.
type Outbox struct {
	dir  string
	opts OutboxOptions
}

// NewOutbox returns an Outbox writing to dir (created when missing).
func NewOutbox(dir string, opts OutboxOptions) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the outbox: %w", err)
	}
	if opts.NowFunc == nil {
		opts.NowFunc = time.Now
	}
	return &Outbox{dir: dir, opts: opts}, nil
}

// Dir is the directory the Outbox writes to.
func (o *Outbox) Dir() string { return o.dir }

func badRequest(format string, args ...any) error {
	return awserr.Service(&sestypes.BadRequestException{Message: aws.String(fmt.Sprintf(format, args...))},
		http.StatusBadRequest, localid.New())
}

// SendEmail writes the message to the outbox.
func (o *Outbox) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	if err := Check(in); err != nil {
		return nil, err
	}
	id := localid.New()
	now := o.opts.NowFunc()
	var msg []byte
	switch c := in.Content; {
	case c.Template != nil:
		name := aws.ToString(c.Template.TemplateName)
		if name == "" {
			name = aws.ToString(c.Template.TemplateArn)
		}
		return nil, awserr.Service(&sestypes.NotFoundException{Message: aws.String(
			"Template " + name + " does not exist (stepwise's local outbox does not render templates)")},
			http.StatusNotFound, localid.New())
	case c.Raw != nil:
		if _, err := mail.ReadMessage(bytes.NewReader(c.Raw.Data)); err != nil {
			return nil, badRequest("Raw message is not a valid RFC 5322 message: %v", err)
		}
		msg = c.Raw.Data
	default:
		var err error
		if msg, err = simpleMessage(in, id, now); err != nil {
			return nil, err
		}
	}
	if len(msg) > MaxMessageSize {
		return nil, awserr.Service(&sestypes.MessageRejected{Message: aws.String(
			fmt.Sprintf("Message length is more than %d bytes", MaxMessageSize))}, http.StatusBadRequest, localid.New())
	}
	name := now.UTC().Format("20060102T150405.000000000Z") + "-" + id + ".eml"
	tmp := filepath.Join(o.dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, msg, 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(o.dir, name)); err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String(id)}, nil
}

// headerWriter collects header fields, refusing CR and LF in values.
type headerWriter struct {
	buf bytes.Buffer
	err error
}

func (h *headerWriter) add(name, value string) {
	if h.err != nil {
		return
	}
	if strings.ContainsAny(value, "\r\n") {
		h.err = badRequest("The value of the %s header must not contain CR or LF", name)
		return
	}
	h.buf.WriteString(fold(name + ": " + value))
	h.buf.WriteString("\r\n")
}

// text adds an unstructured header (Subject): non-ASCII text becomes
// encoded-words.
func (h *headerWriter) text(name, value string) {
	if strings.ContainsAny(value, "\r\n") {
		h.add(name, value) // refused
		return
	}
	h.add(name, mime.QEncoding.Encode("UTF-8", value))
}

// addresses adds an address-list header; each address must parse.
func (h *headerWriter) addresses(name string, list []string) {
	if len(list) == 0 || h.err != nil {
		return
	}
	out := make([]string, len(list))
	for i, a := range list {
		if strings.ContainsAny(a, "\r\n") {
			h.add(name, a) // refused
			return
		}
		addr, err := mail.ParseAddress(a)
		if err != nil {
			h.err = badRequest("Illegal address in %s: %q", name, a)
			return
		}
		out[i] = addr.String()
		if addr.Name == "" {
			out[i] = addr.Address
		}
	}
	h.add(name, strings.Join(out, ", "))
}

// fold breaks a header line longer than 78 characters at spaces, as RFC
// 5322 section 2.2.3 allows.
func fold(line string) string {
	if len(line) <= 78 {
		return line
	}
	var b strings.Builder
	width := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if width+1+len(word) > 78 && i > 1 { // never right after "Name:"
				b.WriteString("\r\n ")
				width = 1
			} else {
				b.WriteByte(' ')
				width++
			}
		}
		b.WriteString(word)
		width += len(word)
	}
	return b.String()
}

// simpleMessage builds the .eml of Simple content.
func simpleMessage(in *sesv2.SendEmailInput, id string, now time.Time) ([]byte, error) {
	s := in.Content.Simple
	var h headerWriter
	if in.FromEmailAddress == nil {
		return nil, badRequest("Missing required field FromEmailAddress")
	}
	var to, cc, bcc []string
	if d := in.Destination; d != nil {
		to, cc, bcc = d.ToAddresses, d.CcAddresses, d.BccAddresses
	}
	if len(to)+len(cc)+len(bcc) == 0 {
		return nil, badRequest("Missing required field Destination: a message needs at least one recipient")
	}
	h.addresses("From", []string{*in.FromEmailAddress})
	h.addresses("To", to)
	h.addresses("Cc", cc)
	h.addresses("Bcc", bcc)
	h.addresses("Reply-To", in.ReplyToAddresses)
	h.text("Subject", aws.ToString(s.Subject.Data))
	h.add("Date", now.UTC().Format(time.RFC1123Z))
	h.add("Message-ID", "<"+id+"@stepwise.local>")
	h.add("MIME-Version", "1.0")
	if in.ConfigurationSetName != nil {
		h.add("X-SES-CONFIGURATION-SET", *in.ConfigurationSetName)
	}
	if len(in.EmailTags) > 0 {
		tags := make([]string, len(in.EmailTags))
		for i, t := range in.EmailTags {
			tags[i] = aws.ToString(t.Name) + "=" + aws.ToString(t.Value)
		}
		h.add("X-SES-MESSAGE-TAGS", strings.Join(tags, ", "))
	}
	for _, hd := range s.Headers {
		name := aws.ToString(hd.Name)
		if !validHeaderName(name) {
			return nil, badRequest("Invalid header name %q", name)
		}
		h.text(name, aws.ToString(hd.Value))
	}
	if h.err != nil {
		return nil, h.err
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	var contentType string
	if len(s.Attachments) == 0 {
		contentType = "multipart/alternative; boundary=" + mw.Boundary()
		if err := writeAlternatives(mw, s.Body); err != nil {
			return nil, err
		}
	} else {
		contentType = "multipart/mixed; boundary=" + mw.Boundary()
		boundary := multipart.NewWriter(io.Discard).Boundary() // a fresh random boundary
		part, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=" + boundary}})
		if err != nil {
			return nil, err
		}
		alt := multipart.NewWriter(part)
		if err := alt.SetBoundary(boundary); err != nil {
			return nil, err
		}
		if err := writeAlternatives(alt, s.Body); err != nil {
			return nil, err
		}
		if err := alt.Close(); err != nil {
			return nil, err
		}
		for _, a := range s.Attachments {
			if err := writeAttachment(mw, a); err != nil {
				return nil, err
			}
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	h.add("Content-Type", contentType)
	if h.err != nil {
		return nil, h.err
	}
	var msg bytes.Buffer
	msg.Write(h.buf.Bytes())
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

// writeAlternatives writes the text part, then the HTML part.
func writeAlternatives(mw *multipart.Writer, b *sestypes.Body) error {
	if b.Text != nil {
		if err := writeText(mw, "text/plain", aws.ToString(b.Text.Data)); err != nil {
			return err
		}
	}
	if b.Html != nil {
		if err := writeText(mw, "text/html", aws.ToString(b.Html.Data)); err != nil {
			return err
		}
	}
	return nil
}

func writeText(mw *multipart.Writer, mediaType, text string) error {
	part, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mediaType + "; charset=UTF-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(part)
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}

func writeAttachment(mw *multipart.Writer, a sestypes.Attachment) error {
	name := aws.ToString(a.FileName)
	for _, v := range []string{name, aws.ToString(a.ContentType), aws.ToString(a.ContentId), aws.ToString(a.ContentDescription)} {
		if strings.ContainsAny(v, "\r\n") {
			return badRequest("Attachment fields must not contain CR or LF")
		}
	}
	ct := aws.ToString(a.ContentType)
	if ct == "" {
		if ct = mime.TypeByExtension(filepath.Ext(name)); ct == "" {
			ct = "application/octet-stream"
		}
	}
	disposition := strings.ToLower(string(a.ContentDisposition))
	if disposition == "" {
		disposition = "attachment"
	}
	hdr := textproto.MIMEHeader{
		"Content-Type":              {ct},
		"Content-Disposition":       {mime.FormatMediaType(disposition, map[string]string{"filename": name})},
		"Content-Transfer-Encoding": {"base64"},
	}
	if a.ContentId != nil {
		hdr.Set("Content-ID", "<"+strings.Trim(*a.ContentId, "<>")+">")
	}
	if a.ContentDescription != nil {
		hdr.Set("Content-Description", mime.QEncoding.Encode("UTF-8", *a.ContentDescription))
	}
	part, err := mw.CreatePart(hdr)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(part)
	enc := base64.StdEncoding.EncodeToString(a.RawContent)
	for len(enc) > 76 {
		_, _ = w.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	_, _ = w.WriteString(enc + "\r\n")
	return w.Flush()
}
