package contactform

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// InputFromHTTP builds the execution input from an API Gateway HTTP API
// (payload v2) request for POST /contact: the body is the form, as JSON or
// as application/x-www-form-urlencoded; the submission ID is the request ID
// and receivedAt the request time, so a retried delivery of the same request
// yields the same record ID. A body that cannot be decoded is a
// *ValidationError on the field "body".
func InputFromHTTP(req events.APIGatewayV2HTTPRequest) (Input, error) {
	body := []byte(req.Body)
	if req.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return Input{}, bodyError("not valid base64")
		}
		body = b
	}
	var form Form
	contentType := strings.ToLower(header(req.Headers, "content-type"))
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return Input{}, bodyError("not valid form data")
		}
		form = Form{Name: values.Get("name"), Email: values.Get("email"), Message: values.Get("message")}
	} else if err := json.Unmarshal(body, &form); err != nil {
		return Input{}, bodyError(fmt.Sprintf("not a JSON object with name, email and message: %v", err))
	}
	rc := req.RequestContext
	in := Input{SubmissionID: rc.RequestID, SourceIP: rc.HTTP.SourceIP, Form: form}
	if rc.TimeEpoch > 0 {
		in.ReceivedAt = time.UnixMilli(rc.TimeEpoch).UTC().Format(time.RFC3339Nano)
	}
	return in, nil
}

func bodyError(reason string) error {
	return &ValidationError{Fields: []FieldError{{Field: "body", Reason: reason}}}
}

// header returns the value of a header, whatever the case of its name
// (API Gateway passes them lower-cased, test events may not).
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}
