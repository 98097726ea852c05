package sestask_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task/sestask"
)

const resource = "arn:aws:states:::aws-sdk:sesv2:sendEmail"

// sent is what a test reads back of a sent message.
type sent struct {
	From, Subject, Text, HTML string
	To, Cc, ReplyTo           []string
}

// backend is one implementation under the shared cases.
type backend struct {
	name   string
	client sestask.Client
	read   func(t *testing.T, messageID, subject string) sent
}

func outboxBackend(t *testing.T) (backend, *sestask.Outbox) {
	dir := t.TempDir()
	o, err := sestask.NewOutbox(dir, sestask.OutboxOptions{NowFunc: func() time.Time {
		return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	}})
	require.NoError(t, err)
	return backend{name: "outbox", client: o, read: func(t *testing.T, messageID, _ string) sent {
		return readEML(t, emlPath(t, dir, messageID))
	}}, o
}

func emlPath(t *testing.T, dir, messageID string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*-"+messageID+".eml"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "one .eml per message")
	return matches[0]
}

func addresses(t *testing.T, h mail.Header, name string) []string {
	t.Helper()
	if h.Get(name) == "" {
		return nil
	}
	list, err := h.AddressList(name)
	require.NoError(t, err, "header %s", name)
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
		if a.Name != "" {
			out[i] = a.Name + " <" + a.Address + ">"
		}
	}
	return out
}

// readEML parses an .eml file with net/mail and mime/multipart.
func readEML(t *testing.T, path string) sent {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotContains(t, strings.ReplaceAll(string(data), "\r\n", ""), "\n", "lines end with CRLF")
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	from := addresses(t, msg.Header, "From")
	require.Len(t, from, 1)
	s := sent{From: from[0], Subject: subject, To: addresses(t, msg.Header, "To"),
		Cc: addresses(t, msg.Header, "Cc"), ReplyTo: addresses(t, msg.Header, "Reply-To")}
	require.Equal(t, "1.0", msg.Header.Get("MIME-Version"))
	_, err = mail.ParseDate(msg.Header.Get("Date"))
	require.NoError(t, err)
	require.Regexp(t, `^<[0-9a-f-]{36}@stepwise\.local>$`, msg.Header.Get("Message-ID"))
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mediaType)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		require.NoError(t, err)
		switch p.Header.Get("Content-Type") {
		case "text/plain; charset=UTF-8":
			s.Text = strings.ReplaceAll(string(body), "\r\n", "\n") // lines end with CRLF on the wire
		case "text/html; charset=UTF-8":
			s.HTML = string(body)
		default:
			t.Fatalf("unexpected part %v", p.Header)
		}
	}
	return s
}

func sesBackend(t *testing.T) backend {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SESV2")
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	require.NoError(t, err)
	return backend{name: "aws-ses-v2-local", client: sesv2.NewFromConfig(cfg), read: func(t *testing.T, _, subject string) sent {
		resp, err := http.Get(endpoint + "/store")
		require.NoError(t, err)
		defer resp.Body.Close()
		var store struct {
			Emails []struct {
				From        string
				ReplyTo     []string
				Destination struct{ To, Cc []string }
				Subject     string
				Body        struct{ HTML, Text string }
			}
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&store))
		for _, e := range store.Emails {
			if e.Subject == subject {
				return sent{From: e.From, Subject: e.Subject, Text: e.Body.Text, HTML: e.Body.HTML,
					To: e.Destination.To, Cc: nilIfEmpty(e.Destination.Cc), ReplyTo: nilIfEmpty(e.ReplyTo)}
			}
		}
		t.Fatalf("no mail with subject %q in the store", subject)
		return sent{}
	}}
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	runShared(t, func(t *testing.T) backend { b, _ := outboxBackend(t); return b })
}

func TestAWS(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_SESV2") == "" {
		t.Skip("AWS_ENDPOINT_URL_SESV2 is not set: skipping the tests against aws-ses-v2-local (scripts/localaws.sh starts it)")
	}
	runShared(t, sesBackend)
}

func runShared(t *testing.T, newBackend func(t *testing.T) backend) {
	tests := []struct {
		name string
		args string // %s is a unique subject suffix
		want sent
	}{
		{name: "contact form", args: `{
			"FromEmailAddress": "forms@example.com",
			"Destination": {"ToAddresses": ["team@example.com"]},
			"ReplyToAddresses": ["ada@example.com"],
			"Content": {"Simple": {
				"Subject": {"Data": "New message from Ada%s", "Charset": "UTF-8"},
				"Body": {"Text": {"Data": "About <stepwise> & its\nsecond line", "Charset": "UTF-8"},
				         "Html": {"Data": "<p>About &lt;stepwise&gt; &amp; its</p>", "Charset": "UTF-8"}}}}}`,
			want: sent{From: "forms@example.com", Subject: "New message from Ada", To: []string{"team@example.com"},
				ReplyTo: []string{"ada@example.com"}, Text: "About <stepwise> & its\nsecond line",
				HTML: "<p>About &lt;stepwise&gt; &amp; its</p>"}},
		{name: "non-ASCII and long lines", args: `{
			"FromEmailAddress": "forms@example.com",
			"Destination": {"ToAddresses": ["team@example.com", "other@example.com"], "CcAddresses": ["cc@example.com"]},
			"Content": {"Simple": {
				"Subject": {"Data": "Grüße aus Zürich — ça va? Ein sehr langer Betreff, der gefaltet werden muss%s"},
				"Body": {"Text": {"Data": "Ünïcödé ✓ ` + strings.Repeat("x", 120) + `"}, "Html": {"Data": "<b>✓</b>"}}}}}`,
			want: sent{From: "forms@example.com", Subject: "Grüße aus Zürich — ça va? Ein sehr langer Betreff, der gefaltet werden muss",
				To: []string{"team@example.com", "other@example.com"}, Cc: []string{"cc@example.com"},
				Text: "Ünïcödé ✓ " + strings.Repeat("x", 120), HTML: "<b>✓</b>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			suffix := fmt.Sprintf(" [%d]", time.Now().UnixNano())
			raw, err := json.Marshal(suffix)
			require.NoError(t, err)
			args, err := value.DecodeString(fmt.Sprintf(tt.args, strings.Trim(string(raw), `"`)))
			require.NoError(t, err)
			got, serr, err := sestask.New(b.client).Invoke(context.Background(), &interp.TaskRequest{Resource: resource, Input: args})
			require.NoError(t, err)
			require.Nil(t, serr)
			res := got.(map[string]any)
			require.Len(t, res, 1, "an AWS SDK integration returns the API's answer only: %v", res)
			id, _ := res["MessageId"].(string)
			require.NotEmpty(t, id)
			want := tt.want
			want.Subject += suffix
			require.Equal(t, want, b.read(t, id, want.Subject))
		})
	}
}

func TestOutboxErrors(t *testing.T) {
	t.Parallel()
	base := func(mod string) string {
		return `{"FromEmailAddress": "forms@example.com", "Destination": {"ToAddresses": ["team@example.com"]},
			"Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}` + mod + `}}}`
	}
	tests := []struct {
		name, args, errName, cause string
	}{
		{"header injection in the subject",
			`{"FromEmailAddress": "f@example.com", "Destination": {"ToAddresses": ["t@example.com"]}, "Content": {"Simple": {"Subject": {"Data": "hi\r\nBcc: victim@example.com"}, "Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", "The value of the Subject header must not contain CR or LF"},
		{"header injection in an address",
			`{"FromEmailAddress": "f@example.com\nBcc: victim@example.com", "Destination": {"ToAddresses": ["t@example.com"]}, "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", "The value of the From header must not contain CR or LF"},
		{"header injection in a reply-to address",
			`{"FromEmailAddress": "f@example.com", "ReplyToAddresses": ["a@example.com\r\nX: y"], "Destination": {"ToAddresses": ["t@example.com"]}, "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", "The value of the Reply-To header must not contain CR or LF"},
		{"header injection in a custom header", base(`, "Headers": [{"Name": "X-Id", "Value": "1\nBcc: v@example.com"}]`),
			"SesV2.BadRequestException", "The value of the X-Id header must not contain CR or LF"},
		{"invalid custom header name", base(`, "Headers": [{"Name": "Bad Name", "Value": "1"}]`),
			"SesV2.BadRequestException", `Invalid header name "Bad Name"`},
		{"illegal address",
			`{"FromEmailAddress": "f@example.com", "Destination": {"ToAddresses": ["not an address"]}, "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", `Illegal address in To: "not an address"`},
		{"no recipient", `{"FromEmailAddress": "f@example.com", "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", "Missing required field Destination: a message needs at least one recipient"},
		{"no content", `{"FromEmailAddress": "f@example.com", "Destination": {"ToAddresses": ["t@example.com"]}}`,
			"SesV2.BadRequestException", "Missing required field Content"},
		{"no subject", `{"FromEmailAddress": "f@example.com", "Destination": {"ToAddresses": ["t@example.com"]}, "Content": {"Simple": {"Body": {"Text": {"Data": "t"}}}}}`,
			"SesV2.BadRequestException", "Missing required field Content.Simple.Subject.Data"},
		{"template", `{"Destination": {"ToAddresses": ["t@example.com"]}, "Content": {"Template": {"TemplateName": "welcome"}}}`,
			"SesV2.NotFoundException", "Template welcome does not exist (stepwise's local outbox does not render templates)"},
		{"unknown member", `{"From": "f@example.com"}`, "States.Runtime",
			`The Parameters '{"From":"f@example.com"}' could not be used to start the Task: [The field 'From' is not supported by Step Functions]`},
		{"wrong type", `{"Destination": {"ToAddresses": "t@example.com"}}`, "States.Runtime",
			`The Parameters '{"Destination":{"ToAddresses":"t@example.com"}}' could not be used to start the Task: [The value for the field 'Destination.ToAddresses' must be an ARRAY, not string]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, o := outboxBackend(t)
			args, err := value.DecodeString(tt.args)
			require.NoError(t, err)
			_, serr, err := sestask.New(b.client).Invoke(context.Background(), &interp.TaskRequest{Resource: resource, Input: args})
			require.NoError(t, err)
			require.NotNil(t, serr)
			require.Equal(t, tt.errName, serr.Name)
			if tt.errName == asl.StatesRuntime {
				require.Equal(t, tt.cause, serr.Cause)
			} else {
				require.Regexp(t, `^`+regexpQuote(tt.cause)+` \(Service: SesV2, Status Code: 4\d\d, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$`, serr.Cause)
			}
			entries, err := os.ReadDir(o.Dir())
			require.NoError(t, err)
			require.Empty(t, entries, "nothing is written for a refused message")
		})
	}
}

func regexpQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `.`, `\.`, `(`, `\(`, `)`, `\)`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `+`, `\+`, `?`, `\?`, `{`, `\{`, `}`, `\}`, `^`, `\^`, `$`, `\$`, `|`, `\|`)
	return r.Replace(s)
}

func TestOutboxAttachmentsAndRaw(t *testing.T) {
	t.Parallel()
	b, o := outboxBackend(t)
	in := sestask.New(b.client)
	args, err := value.DecodeString(`{"FromEmailAddress": "Forms Bot <forms@example.com>",
		"Destination": {"ToAddresses": ["Zoë Smith <zoe@example.com>"]},
		"ConfigurationSetName": "cs", "EmailTags": [{"Name": "k", "Value": "v"}],
		"Content": {"Simple": {"Subject": {"Data": "files"}, "Body": {"Text": {"Data": "see attached"}},
			"Headers": [{"Name": "X-Ref", "Value": "réf-1"}],
			"Attachments": [{"FileName": "report é.csv", "RawContent": "YSxiCjEsMgo=", "ContentId": "r1"}]}}}`)
	require.NoError(t, err)
	got, serr, err := in.Invoke(context.Background(), &interp.TaskRequest{Resource: resource, Input: args})
	require.NoError(t, err)
	require.Nil(t, serr)
	data, err := os.ReadFile(emlPath(t, o.Dir(), got.(map[string]any)["MessageId"].(string)))
	require.NoError(t, err)
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, []string{"Zoë Smith <zoe@example.com>"}, addresses(t, msg.Header, "To"))
	require.Equal(t, []string{"Forms Bot <forms@example.com>"}, addresses(t, msg.Header, "From"))
	require.Equal(t, "cs", msg.Header.Get("X-Ses-Configuration-Set"))
	require.Equal(t, "k=v", msg.Header.Get("X-Ses-Message-Tags"))
	var dec mime.WordDecoder
	ref, err := dec.DecodeHeader(msg.Header.Get("X-Ref"))
	require.NoError(t, err)
	require.Equal(t, "réf-1", ref)

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/mixed", mediaType)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := mr.NextPart()
	require.NoError(t, err)
	altType, altParams, err := mime.ParseMediaType(alt.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", altType)
	text, err := multipart.NewReader(alt, altParams["boundary"]).NextPart()
	require.NoError(t, err)
	body, err := io.ReadAll(text)
	require.NoError(t, err)
	require.Equal(t, "see attached", string(body))
	att, err := mr.NextPart()
	require.NoError(t, err)
	require.Equal(t, "report é.csv", att.FileName())
	require.Equal(t, "text/csv; charset=utf-8", att.Header.Get("Content-Type"))
	require.Equal(t, "<r1>", att.Header.Get("Content-ID"))
	encoded, err := io.ReadAll(att)
	require.NoError(t, err)
	require.Equal(t, "YSxiCjEsMgo=\r\n", string(encoded))
	_, err = mr.NextPart()
	require.Equal(t, io.EOF, err)

	raw := "From: a@example.com\r\nTo: b@example.com\r\nSubject: raw\r\n\r\nbody\r\n"
	args, err = value.DecodeString(fmt.Sprintf(`{"Content": {"Raw": {"Data": %q}}}`, b64(raw)))
	require.NoError(t, err)
	got, serr, err = in.Invoke(context.Background(), &interp.TaskRequest{Resource: resource, Input: args})
	require.NoError(t, err)
	require.Nil(t, serr)
	data, err = os.ReadFile(emlPath(t, o.Dir(), got.(map[string]any)["MessageId"].(string)))
	require.NoError(t, err)
	require.Equal(t, raw, string(data), "raw content is written as it is")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
