package contactform_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
)

func readAPIEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "events", name+".json"))
	require.NoError(t, err)
	var req events.APIGatewayV2HTTPRequest
	require.NoError(t, json.Unmarshal(data, &req))
	return req
}

// The API events and the Process events describe the same submissions.
func TestInputFromHTTP_events(t *testing.T) {
	t.Parallel()

	for _, pair := range [][2]string{
		{"api-contact-valid", "process-valid"},
		{"api-contact-invalid", "process-invalid"},
	} {
		t.Run(pair[0], func(t *testing.T) {
			t.Parallel()
			got, err := contactform.InputFromHTTP(readAPIEvent(t, pair[0]))
			require.NoError(t, err)
			require.Equal(t, readEvent(t, pair[1]), got)
		})
	}
}

func TestInputFromHTTP(t *testing.T) {
	t.Parallel()

	form := `{"name":"Ada","email":"ada@example.com","message":"Hi"}`
	tests := []struct {
		name    string
		edit    func(*events.APIGatewayV2HTTPRequest)
		want    contactform.Form
		wantErr string
	}{
		{name: "JSON", edit: func(r *events.APIGatewayV2HTTPRequest) { r.Body = form },
			want: contactform.Form{Name: "Ada", Email: "ada@example.com", Message: "Hi"}},
		{name: "base64", edit: func(r *events.APIGatewayV2HTTPRequest) {
			r.Body, r.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(form)), true
		}, want: contactform.Form{Name: "Ada", Email: "ada@example.com", Message: "Hi"}},
		{name: "form data", edit: func(r *events.APIGatewayV2HTTPRequest) {
			r.Headers = map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
			r.Body = "name=Ada&email=ada%40example.com&message=Hi+there"
		}, want: contactform.Form{Name: "Ada", Email: "ada@example.com", Message: "Hi there"}},
		{name: "bad base64", edit: func(r *events.APIGatewayV2HTTPRequest) { r.Body, r.IsBase64Encoded = "%%%", true },
			wantErr: `{"message":"the contact form is invalid","fields":[{"field":"body","reason":"not valid base64"}]}`},
		{name: "not JSON", edit: func(r *events.APIGatewayV2HTTPRequest) { r.Body = "[1]" },
			wantErr: `{"message":"the contact form is invalid","fields":[{"field":"body","reason":"not a JSON object with name, email and message: json: cannot unmarshal array into Go value of type contactform.Form"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := events.APIGatewayV2HTTPRequest{}
			req.RequestContext.RequestID = "r1"
			tt.edit(&req)
			got, err := contactform.InputFromHTTP(req)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, contactform.Input{SubmissionID: "r1", Form: tt.want}, got)
		})
	}
}
