// Package httpmeta builds the SdkHttpMetadata and SdkResponseMetadata fields
// that Step Functions' optimized integrations add to a service's result:
//
//	"SdkHttpMetadata": {
//	  "AllHttpHeaders": {"Content-Type": ["application/x-amz-json-1.0"], ...},
//	  "HttpHeaders": {"Content-Type": "application/x-amz-json-1.0", ...},
//	  "HttpStatusCode": 200
//	},
//	"SdkResponseMetadata": {"RequestId": "..."}
//
// from the HTTP response of an SDK call, or from the response a local
// stand-in describes with SetResponse.
package httpmeta

import (
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

type responseKey struct{}

// SetResponse records the HTTP response a local stand-in answers with, and
// its request ID, in an SDK output's metadata.
func SetResponse(md *middleware.Metadata, resp *http.Response, requestID string) {
	md.Set(responseKey{}, resp)
	awsmiddleware.SetRequestIDMetadata(md, requestID)
}

// LocalResponse is the response of a local stand-in that answers like a
// JSON service: status 200, the content type, the body's length and CRC32
// (as DynamoDB sends), the date and the request ID.
func LocalResponse(contentType string, body []byte, now time.Time, requestID string, crc bool) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Connection", "keep-alive")
	if crc {
		h.Set("X-Amz-Crc32", fmt.Sprint(crc32.ChecksumIEEE(body)))
	}
	return &http.Response{StatusCode: http.StatusOK, Header: h}
}

// response returns the HTTP response recorded in md, from the SDK or from
// SetResponse.
func response(md middleware.Metadata) *http.Response {
	if r, ok := md.Get(responseKey{}).(*http.Response); ok {
		return r
	}
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && r != nil {
		return r.Response
	}
	return nil
}

// awsCase spells headers as AWS's services send them; Go's HTTP client
// canonicalises names, and HTTP names are case-insensitive, but Step
// Functions shows them as received.
var awsCase = map[string]string{
	"X-Amzn-Requestid":               "x-amzn-RequestId",
	"X-Amz-Crc32":                    "x-amz-crc32",
	"X-Amzn-Remapped-Content-Length": "x-amzn-Remapped-Content-Length",
	"X-Amz-Executed-Version":         "X-Amz-Executed-Version",
	"X-Amzn-Trace-Id":                "X-Amzn-Trace-Id",
	"X-Amz-Function-Error":           "X-Amz-Function-Error",
	"X-Amz-Log-Result":               "X-Amz-Log-Result",
}

// Add sets SdkHttpMetadata and SdkResponseMetadata in result from the
// response recorded in md. Without a recorded response it sets status 200
// and no headers.
func Add(result map[string]any, md middleware.Metadata) {
	all, single := map[string]any{}, map[string]any{}
	status := http.StatusOK
	requestID, _ := awsmiddleware.GetRequestIDMetadata(md)
	if r := response(md); r != nil {
		status = r.StatusCode
		for name, vals := range r.Header {
			if len(vals) == 0 {
				continue
			}
			if c, ok := awsCase[name]; ok {
				name = c
			}
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			all[name] = list
			single[name] = vals[0]
		}
		if requestID == "" {
			requestID = r.Header.Get("X-Amzn-Requestid")
		}
	}
	result["SdkHttpMetadata"] = map[string]any{
		"AllHttpHeaders": all,
		"HttpHeaders":    single,
		"HttpStatusCode": value.Int(int64(status)),
	}
	result["SdkResponseMetadata"] = map[string]any{"RequestId": requestID}
}
