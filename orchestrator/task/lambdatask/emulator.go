package lambdatask

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// EmulatorCompat is a lambda.Options function for a client whose endpoint
// is the Lambda runtime interface emulator (what `sam local invoke` and
// `sam local start-lambda` run). The emulator reports function errors
// differently from Lambda:
//
//   - a handler's error is HTTP 200 with {"errorMessage", "errorType"} and
//     no X-Amz-Function-Error header;
//   - a timeout is HTTP 200 with a plain-text message ("Task timed out
//     after 3.00 seconds");
//   - a crash or a panic is HTTP 502 with {"errorType": "Runtime.ExitError",
//     ...}, which the SDK would retry and then report as UnknownError.
//
// EmulatorCompat turns these replies into the ones Lambda sends: 200 with
// X-Amz-Function-Error: Unhandled and the error as the payload. A function
// whose successful result is exactly an object of errorType and
// errorMessage (and optionally stackTrace, requestId) is read as an error:
// the emulator's reply does not tell them apart.
func EmulatorCompat(o *lambda.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(emulatorCompat{}, middleware.After)
	})
}

type emulatorCompat struct{}

// ID names the middleware in the stack.
func (emulatorCompat) ID() string { return "StepwiseLambdaEmulatorCompat" }

// HandleDeserialize rewrites the emulator's function error replies.
func (emulatorCompat) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.Header.Get("X-Amz-Function-Error") != "" {
		return out, md, nil
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadGateway {
		return out, md, nil
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return out, md, nil //nolint:nilerr // the SDK's deserializer reports the read failure
	}
	if isEmulatorError(resp.StatusCode, body) {
		resp.StatusCode = http.StatusOK
		resp.Header.Set("X-Amz-Function-Error", "Unhandled")
	}
	return out, md, nil
}

// isEmulatorError reports whether an emulator's reply is a function error.
func isEmulatorError(status int, body []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		if status == http.StatusOK {
			return strings.HasPrefix(string(body), "Task timed out after")
		}
		return false
	}
	var typ string
	if json.Unmarshal(obj["errorType"], &typ) != nil || typ == "" {
		return false
	}
	if status == http.StatusBadGateway {
		return true
	}
	if _, ok := obj["errorMessage"]; !ok {
		return false
	}
	for k := range obj {
		switch k {
		case "errorType", "errorMessage", "stackTrace", "requestId", "cause":
		default:
			return false
		}
	}
	return true
}
