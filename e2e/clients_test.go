package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// awsCLI returns the AWS CLI to run: /usr/bin/aws when it is v2 (Debian's
// awscli package, which scripts/test.sh installs), else aws on PATH (the
// image's v1), else it skips.
func awsCLI(t *testing.T) (path string, major string) {
	t.Helper()
	version := func(p string) string {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err != nil {
			return ""
		}
		m := regexp.MustCompile(`aws-cli/(\d+)\.`).FindSubmatch(out)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	if v := version("/usr/bin/aws"); v == "2" {
		return "/usr/bin/aws", v
	}
	p, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("no AWS CLI: /usr/bin/aws is not v2 and aws is not on PATH (apt-get install awscli gives v2)")
	}
	v := version(p)
	if v == "" {
		t.Skipf("%s --version does not say which AWS CLI it is", p)
	}
	if v != "2" {
		t.Logf("running with AWS CLI v%s (%s): /usr/bin/aws is not v2 (apt-get install awscli gives v2)", v, p)
	}
	return p, v
}

// script runs one of this folder's scripts with args and checks that it
// ends with "ok".
func script(t *testing.T, timeout time.Duration, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	interp := "bash"
	if strings.HasSuffix(name, ".py") {
		interp = "python3"
	}
	cmd := exec.CommandContext(ctx, interp, append([]string{filepath.Join(repoRoot, "e2e", name)}, args...)...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("%s ran in %s:\n%s", name, time.Since(start).Round(10*time.Millisecond), out)
	require.NoError(t, err, "%s failed", name)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Equal(t, "ok", lines[len(lines)-1], "the last line of %s", name)
}

// TestAWSCLI drives `stepwise serve` with the AWS CLI (e2e/awscli.sh).
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("each AWS CLI call takes about 2 s; skipped with -short")
	}
	cli, _ := awsCLI(t)
	needTool(t, "python3", "awscli.sh reads JSON with it")
	s := startServe(t, false)
	script(t, 3*time.Minute, childEnv(false, "AWS_CLI="+cli), "awscli.sh", s.url, s.data, suffix(t))
}

// TestBoto3 drives `stepwise serve` with boto3 (e2e/boto3_sfn.py).
func TestBoto3(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts stepwise serve and python; skipped with -short")
	}
	needTool(t, "python3", "boto3 runs on it")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("python3 cannot import boto3 (the image ships it)")
	}
	s := startServe(t, false)
	script(t, 2*time.Minute, childEnv(false), "boto3_sfn.py", s.url, suffix(t))
}
