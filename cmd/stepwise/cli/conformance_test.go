package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// conformanceSkip lists the conformance cases we fail, with the reason.
// A case is never dropped silently: remove it from here when it passes.
// (Empty: the last one, a one-item JSONata $range that AWS unwraps to
// the number, passes since $range returns a sequence.)
var conformanceSkip = map[string]string{}

var placeholder = regexp.MustCompile(`<[^<>]*>`)

// matches is the corpus's comparison: objects unordered, numbers by value,
// "<...>" placeholders match anything.
func matches(exp, got any) bool {
	if s, ok := exp.(string); ok && placeholder.MatchString(s) {
		if placeholder.FindString(s) == s {
			return true
		}
		g, ok := got.(string)
		if !ok {
			return false
		}
		parts := placeholder.Split(s, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		return regexp.MustCompile("(?s)^" + strings.Join(parts, ".*") + "$").MatchString(g)
	}
	switch e := exp.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		ef, _ := e.Float64()
		gf, _ := g.Float64()
		return ef == gf
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(e) {
			return false
		}
		for k, v := range e {
			gv, ok := g[k]
			if !ok || !matches(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(e) {
			return false
		}
		for i := range e {
			if !matches(e[i], g[i]) {
				return false
			}
		}
		return true
	}
	eb, _ := json.Marshal(exp)
	gb, _ := json.Marshal(got)
	return bytes.Equal(eb, gb)
}

// TestConformance runs every case of ../shared/conformance through
// "stepwise run" in-process and compares it as the corpus's runner does,
// causes included.
func TestConformance(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "..", "shared", "conformance", "cases")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skip("no conformance cases at " + dir)
	}
	passed, skipped := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var c struct {
			Name          string           `json:"name"`
			Definition    json.RawMessage  `json:"definition"`
			DefinitionRaw *string          `json:"definition_raw"`
			Input         json.RawMessage  `json:"input"`
			Type          string           `json:"state_machine_type"`
			Mocks         map[string][]any `json:"mocks"`
			Expect        map[string]any   `json:"expect"`
		}
		require.NoError(t, dec.Decode(&c))
		if reason, ok := conformanceSkip[c.Name]; ok {
			skipped++
			t.Logf("skipping %s: %s", c.Name, reason)
			continue
		}
		tmp := t.TempDir()
		def := []byte(c.Definition)
		if c.DefinitionRaw != nil {
			def = []byte(*c.DefinitionRaw)
		}
		require.NoError(t, os.WriteFile(filepath.Join(tmp, "def.json"), def, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(tmp, "in.json"), c.Input, 0o600))
		typ := c.Type
		if typ == "" {
			typ = "STANDARD"
		}
		args := []string{"--type", typ, "--name", "conformance"}
		if c.Mocks != nil {
			resp := map[string]any{}
			tc := map[string]any{}
			for state, rs := range c.Mocks {
				m := map[string]any{}
				for i, r := range rs {
					m[jsonInt(i)] = r
				}
				resp[state] = m
				tc[state] = state
			}
			cfg := map[string]any{"StateMachines": map[string]any{"conformance": map[string]any{"TestCases": map[string]any{"recorded": tc}}}, "MockedResponses": resp}
			b, _ := json.Marshal(cfg)
			require.NoError(t, os.WriteFile(filepath.Join(tmp, "mocks.json"), b, 0o600))
			args = append(args, "--mock-config", filepath.Join(tmp, "mocks.json"), "--test-case", "recorded")
		}
		args = append(args, filepath.Join(tmp, "def.json"), filepath.Join(tmp, "in.json"))
		var out, errb bytes.Buffer
		Run(context.Background(), args, nil, &out, &errb)
		var got map[string]any
		d := json.NewDecoder(&out)
		d.UseNumber()
		if err := d.Decode(&got); err != nil {
			t.Errorf("%s: no result (stderr %s)", c.Name, errb.String())
			continue
		}
		ok := got["status"] == c.Expect["status"]
		switch {
		case !ok:
		case c.Expect["status"] == "SUCCEEDED":
			ok = matches(c.Expect["output"], got["output"])
		case c.Expect["status"] == "FAILED":
			if e, has := c.Expect["error"]; has {
				ok = matches(e, got["error"])
			}
			if e, has := c.Expect["cause"]; has && ok {
				ok = matches(e, got["cause"])
			}
		}
		if !ok {
			t.Errorf("%s:\n  want %v\n  got  %v", c.Name, c.Expect, got)
			continue
		}
		passed++
	}
	t.Logf("conformance: %d passed, %d skipped (see conformanceSkip)", passed, skipped)
}

func jsonInt(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
