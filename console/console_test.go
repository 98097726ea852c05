package console_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/console"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string
		wantBody     string
	}{
		{"GET", "/console/", http.StatusOK, "text/html; charset=utf-8", `<main id="app"`},
		{"GET", "/", http.StatusOK, "text/html; charset=utf-8", `<script src="app.js">`},
		{"GET", "/console/app.js", http.StatusOK, "text/javascript; charset=utf-8", "AWSStepFunctions."},
		{"GET", "/console/app.css", http.StatusOK, "text/css; charset=utf-8", "svg.graph"},
		{"HEAD", "/console/app.js", http.StatusOK, "text/javascript; charset=utf-8", ""},
		{"GET", "/console", http.StatusMovedPermanently, "", ""},
		{"GET", "/console/nope.js", http.StatusNotFound, "", ""},
		{"POST", "/console/", http.StatusMethodNotAllowed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			console.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			require.Equal(t, tt.wantStatus, rec.Code)
			if tt.wantType != "" {
				require.Equal(t, tt.wantType, rec.Header().Get("Content-Type"))
			}
			require.Contains(t, rec.Body.String(), tt.wantBody)
		})
	}
}
