package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"
)

var (
	// repoRoot is the repository's root (this package's parent folder).
	repoRoot string
	// buildDir holds what the tests build, removed at the end.
	buildDir string
)

func TestMain(m *testing.M) {
	flag.Parse()
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot = root
	buildDir, err = os.MkdirTemp("", "stepwise-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(buildDir)
	os.Exit(code)
}

// buildOnce builds one artifact once for all the tests of the run.
type buildOnce struct {
	once sync.Once
	path string
	took time.Duration
	err  error
}

var builds sync.Map // name -> *buildOnce

// build runs fn once per test binary to produce name in buildDir; later
// calls wait for the first and return its result.
func build(name string, fn func(out string) error) (string, time.Duration, error) {
	v, _ := builds.LoadOrStore(name, &buildOnce{})
	b := v.(*buildOnce)
	b.once.Do(func() {
		start := time.Now()
		b.path = filepath.Join(buildDir, name)
		b.err = fn(b.path)
		b.took = time.Since(start)
	})
	return b.path, b.took, b.err
}

// buildEnv is the environment of every build: CGO_ENABLED=0, as the
// Lambda targets build, so that all the binaries share compiled packages.
func buildEnv() []string { return append(os.Environ(), "CGO_ENABLED=0") }

var warmOnce sync.Once

// warm compiles what every binary needs in one go build, before the first
// of them is built: concurrent builds on a cold cache (three make targets,
// bin/stepwise) would each compile the same packages side by side. Its
// errors are left to the builds that follow.
func warm() {
	warmOnce.Do(func() {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "./functions/...", "./cmd/stepwise")
		cmd.Env = buildEnv()
		_ = run(cmd)
	})
}

// stepwiseBinary builds ./cmd/stepwise as `make run` does (with
// CGO_ENABLED=0, see buildEnv).
func stepwiseBinary(t *testing.T) string {
	t.Helper()
	path, took, err := build("stepwise", func(out string) error {
		warm()
		cmd := exec.Command("go", "build", "-o", out, "./cmd/stepwise")
		cmd.Env = buildEnv()
		return run(cmd)
	})
	require.NoError(t, err)
	t.Logf("built ./cmd/stepwise in %s", took.Round(10*time.Millisecond))
	return path
}

// needBootstraps skips unless the bootstraps can be built and run here.
func needBootstraps(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("Lambda bootstraps are linux executables; this is %s", runtime.GOOS)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed: cannot run the build-<LogicalId> targets")
	}
}

// bootstraps builds functions with their SAM targets (see buildBootstrap),
// in parallel, and returns their paths by logical ID.
func bootstraps(t *testing.T, logicalIDs ...string) map[string]string {
	t.Helper()
	needBootstraps(t)
	type result struct {
		id, path string
		took     time.Duration
		err      error
	}
	ch := make(chan result)
	for _, id := range logicalIDs {
		go func() {
			p, took, err := buildBootstrap(id)
			ch <- result{id, p, took, err}
		}()
	}
	paths := map[string]string{}
	var errs []error
	for range logicalIDs {
		r := <-ch
		t.Logf("built %s in %s", r.id, r.took.Round(10*time.Millisecond))
		paths[r.id] = r.path
		errs = append(errs, r.err)
	}
	require.NoError(t, errors.Join(errs...))
	return paths
}

// buildBootstrap builds a function with its SAM target, `make
// build-<logicalID>`, for this machine: the target builds for linux/arm64
// (Lambda's), so its LAMBDA_FLAGS are given with the host's GOARCH and
// otherwise the same flags. It checks that the result is a static
// executable for the host, as provided.al2023 needs (no interpreter).
func buildBootstrap(logicalID string) (string, time.Duration, error) {
	dir, took, err := build(logicalID, func(out string) error {
		warm()
		cmd := exec.Command("make", "--no-print-directory", "-s", "build-"+logicalID, "ARTIFACTS_DIR="+out,
			"LAMBDA_FLAGS=GOOS=linux GOARCH="+runtime.GOARCH+" CGO_ENABLED=0")
		if err := run(cmd); err != nil {
			return err
		}
		return checkExecutable(filepath.Join(out, "bootstrap"))
	})
	return filepath.Join(dir, "bootstrap"), took, err
}

func checkExecutable(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", path, err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]
	if f.Machine != want {
		return fmt.Errorf("%s is for %s, want %s: does the target still use LAMBDA_FLAGS?", path, f.Machine, want)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (CGO_ENABLED=0 missing?)", path)
		}
	}
	return nil
}

// run runs cmd in the repository root and returns its output in the error.
func run(cmd *exec.Cmd) error {
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return nil
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a process a test started, in its own process group, so that
// stopping it also stops what it started (aws-lambda-rie's bootstrap).
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // Wait's result, set when done is closed
}

// start starts cmd and stops it when the test ends; its output is logged
// if the test failed.
func start(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start(), "starting %s", name)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(syscall.SIGTERM, 5*time.Second)
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, tail(p.out.String(), 8000))
		}
	})
	return p
}

// stop sends sig to the process group and waits up to grace before killing
// it; it returns Wait's error.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return p.err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// waitListening waits until addr accepts connections or p ends.
func waitListening(t *testing.T, p *proc, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s ended before listening on %s: %v\n%s", p.name, addr, p.err, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s after 30 s\n%s", p.name, addr, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needEnv skips the test unless every variable is set.
func needEnv(t *testing.T, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if os.Getenv(n) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		t.Skipf("%s not set: start the servers (scripts/localaws.sh start; eval \"$(scripts/localaws.sh env)\") or run make test",
			strings.Join(missing, ", "))
	}
}

// needTool returns the path of a tool on PATH, or skips.
func needTool(t *testing.T, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not on PATH (%s)", name, why)
	}
	return p
}

// awsConfig is the SDK configuration for the local servers: static
// credentials, us-east-1, endpoints from AWS_ENDPOINT_URL_<SERVICE>.
func awsConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("x", "x", "")))
	require.NoError(t, err)
	return cfg
}

// childEnv is the environment of a child process: this one's, with local
// credentials and region, without the AWS_ENDPOINT_URL_* variables unless
// keepEndpoints, plus extra (later entries win).
func childEnv(keepEndpoints bool, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !keepEndpoints && strings.HasPrefix(kv, "AWS_ENDPOINT_URL") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN=",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
	return append(env, extra...)
}

// suffix returns a random name suffix, so that tests never share a table
// or a queue.
func suffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// eventually calls fn until it returns true or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not done after %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var errNotJSON = errors.New("not JSON")
