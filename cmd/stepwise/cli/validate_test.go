package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	validDefinition   = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	invalidDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nope"}}}`
	waitForTaskToken  = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.asl.json", validDefinition)
	invalid := writeFile(t, dir, "invalid.asl.json", invalidDefinition)
	wftt := writeFile(t, dir, "wftt.asl.json", waitForTaskToken)
	missing := filepath.Join(dir, "missing.asl.json")

	tests := []struct {
		name       string
		args       []string
		wantStatus int
		wantOut    string
		wantErr    string // a substring of stderr
	}{
		{
			name:       "valid",
			args:       []string{valid},
			wantStatus: 0,
			wantOut:    valid + ": valid\n",
		},
		{
			name:       "invalid",
			args:       []string{valid, invalid},
			wantStatus: 1,
			wantOut: valid + ": valid\n" +
				invalid + ": MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/P/Next\n" +
				invalid + ": MISSING_END_STATE: Workflow has no terminal state\n",
		},
		{
			name:       "express rejects waitForTaskToken",
			args:       []string{"--type", "express", wftt},
			wantStatus: 1,
			wantOut:    wftt + ": SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration at /States/T/Resource\n",
		},
		{
			name:       "standard accepts waitForTaskToken",
			args:       []string{"--type=STANDARD", wftt},
			wantStatus: 0,
			wantOut:    wftt + ": valid\n",
		},
		{
			name:       "missing file",
			args:       []string{missing, invalid},
			wantStatus: 2,
			wantOut: invalid + ": MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/P/Next\n" +
				invalid + ": MISSING_END_STATE: Workflow has no terminal state\n",
			wantErr: "stepwise validate: reading " + missing,
		},
		{
			name:       "no file",
			args:       nil,
			wantStatus: 2,
			wantErr:    "stepwise validate: no FILE given",
		},
		{
			name:       "bad type",
			args:       []string{"--type", "FAST", valid},
			wantStatus: 2,
			wantErr:    `--type must be STANDARD or EXPRESS, not "FAST"`,
		},
		{
			name:       "unknown flag",
			args:       []string{"--nope", valid},
			wantStatus: 2,
			wantErr:    "flag provided but not defined: -nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			status := Validate(context.Background(), tt.args, &stdout, &stderr)
			require.Equal(t, tt.wantStatus, status, "stderr: %s", stderr.String())
			require.Equal(t, tt.wantOut, stdout.String())
			if tt.wantErr == "" {
				require.Empty(t, stderr.String())
			} else {
				require.Contains(t, stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestValidateHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Validate(context.Background(), []string{"--help"}, &stdout, &stderr))
	require.True(t, strings.HasPrefix(stdout.String(), "Usage: stepwise validate"), stdout.String())
	require.Contains(t, stdout.String(), "-json")
	require.Empty(t, stderr.String())
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.asl.json", validDefinition)
	invalid := writeFile(t, dir, "invalid.asl.json", invalidDefinition)
	missing := filepath.Join(dir, "missing.asl.json")

	var stdout, stderr bytes.Buffer
	status := Validate(context.Background(), []string{"--json", valid, invalid, missing}, &stdout, &stderr)
	require.Equal(t, 2, status)
	require.Empty(t, stderr.String())

	var got []validateReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	require.Len(t, got, 3)
	require.Equal(t, validateReport{File: valid, Valid: true, Diagnostics: []validateDiagnostic{}}, got[0])
	require.Equal(t, validateReport{File: invalid, Diagnostics: []validateDiagnostic{
		{Code: "MISSING_TRANSITION_TARGET", Message: "Missing 'Next' target: Nope", Location: "/States/P/Next"},
		{Code: "MISSING_END_STATE", Message: "Workflow has no terminal state"},
	}}, got[1])
	require.Equal(t, missing, got[2].File)
	require.False(t, got[2].Valid)
	require.Contains(t, got[2].Error, "reading "+missing)
}

func TestValidateTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := writeFile(t, dir, "big.asl.json", `{"Comment":"`+strings.Repeat("x", 2<<20)+`"}`)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, Validate(context.Background(), []string{big}, &stdout, &stderr))
	require.Equal(t, big+": SCHEMA_VALIDATION_FAILED: Definition is larger than the limit of 1048576 bytes (1 MB)\n", stdout.String())
}
