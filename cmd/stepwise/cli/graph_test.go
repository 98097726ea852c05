package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGraph(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.asl.json", validDefinition)
	invalid := writeFile(t, dir, "invalid.asl.json", invalidDefinition)
	outFile := filepath.Join(dir, "out.svg")

	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string // a substring of stdout
		wantErr    string // a substring of stderr
	}{
		{name: "svg by default", args: []string{valid}, wantOut: `<g class="state pass" data-id="P"`},
		{name: "dot", args: []string{"--format", "dot", valid}, wantOut: "digraph StateMachine {\n"},
		{name: "dot edges", args: []string{"--format=dot", valid}, wantOut: `"P" -> "(end)";`},
		{name: "help", args: []string{"--help"}, wantOut: "Usage: stepwise graph"},
		{name: "invalid definition", args: []string{invalid}, wantStatus: 1, wantErr: invalid + ": MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/P/Next\n"},
		{name: "bad format", args: []string{"--format", "png", valid}, wantStatus: 2, wantErr: `--format must be svg or dot, not "png"`},
		{name: "no file", args: nil, wantStatus: 2, wantErr: "give exactly one DEFINITION"},
		{name: "two files", args: []string{valid, valid}, wantStatus: 2, wantErr: "give exactly one DEFINITION"},
		{name: "missing file", args: []string{filepath.Join(dir, "nope.json")}, wantStatus: 2, wantErr: "reading "},
		{name: "unwritable output", args: []string{"-o", filepath.Join(dir, "no", "such", "dir.svg"), valid}, wantStatus: 2, wantErr: "writing the graph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			got := Graph(context.Background(), tt.args, &stdout, &stderr)
			require.Equal(t, tt.wantStatus, got, "stderr: %s", stderr.String())
			require.Contains(t, stdout.String(), tt.wantOut)
			require.Contains(t, stderr.String(), tt.wantErr)
		})
	}

	t.Run("output file", func(t *testing.T) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, Graph(context.Background(), []string{"-o", outFile, valid}, &stdout, &stderr), stderr.String())
		require.Empty(t, stdout.String())
		data, err := os.ReadFile(outFile)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(data), "<svg "))
	})
}
