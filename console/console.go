// Package console serves the stepwise web console: a single page that
// shows state machines, their executions and one execution's graph, state
// details and event history, reading only the Step Functions API (AWS JSON
// 1.0, POST / on the same origin). Against a deployed stack, whose API
// Gateway accepts only SigV4-signed requests (IAM authorization), the page
// signs its calls itself (service execute-api) with credentials the user
// enters in its Request signing dialog, kept in the tab's sessionStorage;
// signing is off by default.
//
// The page is built from src/ with npm (see build.mjs) into dist/, which is
// committed and embedded here, so go build needs no npm.
//
// Mount it at /console/:
//
//	mux.Handle("/console/", console.Handler())
package console

import (
	"embed"
	"net/http"
	"strings"
)

//go:embed dist/index.html dist/app.js dist/app.css
var dist embed.FS

// Prefix is the path the console is served under.
const Prefix = "/console/"

// Handler serves the embedded console files. It accepts paths with or
// without the /console prefix; "/console" redirects to "/console/".
func Handler() http.Handler {
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/dist/" + strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, Prefix), "/")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r2)
	})
}
