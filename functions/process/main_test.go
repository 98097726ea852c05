package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBootstrapUnderRIE builds the function as SAM does and invokes it
// through the Lambda runtime interface emulator (what `sam local invoke`
// runs) with the events/process-*.json files. It skips when aws-lambda-rie
// is not on PATH (scripts/test.sh installs it).
func TestBootstrapUnderRIE(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts a process; skipped with -short")
	}
	rie, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		t.Skip("aws-lambda-rie not on PATH; scripts/test.sh installs it")
	}

	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building bootstrap: %s", out)

	addr, apiAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr, bootstrap)
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_FUNCTION_NAME=process", "AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		"SENDER_EMAIL=forms@example.com", "RECIPIENT_EMAIL=team@example.com")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})

	invoke := func(event string) map[string]any {
		t.Helper()
		body, err := os.ReadFile(filepath.Join("..", "..", "events", event+".json"))
		require.NoError(t, err)
		url := fmt.Sprintf("http://%s/2015-03-31/functions/function/invocations", addr)
		var resp *http.Response
		for deadline := time.Now().Add(10 * time.Second); ; {
			resp, err = http.Post(url, "application/json", bytes.NewReader(body))
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		require.NoError(t, err)
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "body %s", data)
		var v map[string]any
		require.NoError(t, json.Unmarshal(data, &v), "body %s", data)
		return v
	}

	// Invocations are serial: one RIE runs one invocation at a time.
	valid := invoke("process-valid")
	require.Contains(t, valid, "record")
	require.Equal(t, "forms@example.com", valid["email"].(map[string]any)["from"])

	invalid := invoke("process-invalid")
	require.Equal(t, "ValidationError", invalid["errorType"], "the Step Functions error name")
	require.Contains(t, invalid["errorMessage"], `"field":"email"`)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
