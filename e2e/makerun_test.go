package e2e

import (
	"testing"
	"time"
)

// TestMakeRun runs e2e/make-run.sh: `make run` on a fresh data folder,
// driven with curl, stopped with SIGINT and started again.
func TestMakeRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds bin/stepwise and runs make run twice; skipped with -short")
	}
	for _, tool := range []string{"make", "curl", "python3"} {
		needTool(t, tool, "make-run.sh uses it")
	}
	// CGO_ENABLED=0 as the other builds of this package (buildEnv), so
	// that make run's build of bin/stepwise reuses their packages.
	warm()
	script(t, 4*time.Minute, childEnv(false, "CGO_ENABLED=0"), "make-run.sh", t.TempDir()+"/data")
}
