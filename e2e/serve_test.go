package e2e

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// served is a running `stepwise serve`.
type served struct {
	*proc
	url  string // base URL, without the trailing slash
	data string // --data folder
}

var apiLine = regexp.MustCompile(`Step Functions API\s+(http://[^/\s]+)/`)

// startServe runs `stepwise serve` on a free port with a fresh --data
// folder. With aws false the environment has no AWS_ENDPOINT_URL_*
// variables, so that it runs on the embedded store and the local
// stand-ins; extra is added to its environment.
func startServe(t *testing.T, aws bool, extra ...string) *served {
	t.Helper()
	bin := stepwiseBinary(t)
	data := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = childEnv(aws, extra...)
	p := start(t, "stepwise serve", cmd)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := apiLine.FindStringSubmatch(p.out.String()); m != nil {
			return &served{proc: p, url: m[1], data: data}
		}
		select {
		case <-p.done:
			t.Fatalf("stepwise serve ended: %v\n%s", p.err, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("stepwise serve did not print its address in 60 s:\n%s", p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addr is the host:port it listens on.
func (s *served) addr() string { return strings.TrimPrefix(s.url, "http://") }
