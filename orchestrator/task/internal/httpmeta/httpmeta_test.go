package httpmeta_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
)

func TestAdd(t *testing.T) {
	t.Parallel()
	var md middleware.Metadata
	now := time.Date(2025, 1, 15, 11, 30, 0, 0, time.UTC)
	httpmeta.SetResponse(&md, httpmeta.LocalResponse("application/x-amz-json-1.0", []byte("{}"), now, "R1", true), "R1")
	got := map[string]any{}
	httpmeta.Add(got, md)
	require.Equal(t, map[string]any{
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"Connection": []any{"keep-alive"}, "Content-Length": []any{"2"}, "Content-Type": []any{"application/x-amz-json-1.0"},
				"Date": []any{"Wed, 15 Jan 2025 11:30:00 GMT"}, "x-amz-crc32": []any{"2745614147"}, "x-amzn-RequestId": []any{"R1"},
			},
			"HttpHeaders": map[string]any{
				"Connection": "keep-alive", "Content-Length": "2", "Content-Type": "application/x-amz-json-1.0",
				"Date": "Wed, 15 Jan 2025 11:30:00 GMT", "x-amz-crc32": "2745614147", "x-amzn-RequestId": "R1",
			},
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": "R1"},
	}, got, "headers are spelt as AWS sends them")

	empty := map[string]any{}
	httpmeta.Add(empty, middleware.Metadata{})
	require.Equal(t, json.Number("200"), empty["SdkHttpMetadata"].(map[string]any)["HttpStatusCode"])
	require.Equal(t, map[string]any{"RequestId": ""}, empty["SdkResponseMetadata"])
}
