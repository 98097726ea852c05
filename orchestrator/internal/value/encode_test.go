package value

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEncodeMatchesEncodingJSON checks the hand-written writer against
// encoding/json on values of every kind and on strings that need escapes.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, false, "", "plain", "quote \" backslash \\ slash /",
		"\x00\x01\x07\b\t\n\v\f\r\x1b\x1f\x7f", "<html> & 'x'", "é ünïcödé 🎉", "\u2028\u2029",
		"bad \xff\xfe utf-8 \xed\xa0\x80", json.Number("0"), json.Number("-1.5e+10"), json.Number("12345678901234567890"),
		json.Number(""), []any{}, []any(nil), map[string]any{}, map[string]any(nil),
		map[string]any{"b": json.Number("1"), "a": []any{nil, "x", map[string]any{"z\n": true}}, "\u2028k": "v", "<": ">"},
	}
	for _, v := range values {
		want, err := encodeJSON(v)
		require.NoError(t, err)
		got, ok := appendJSON(nil, v)
		require.True(t, ok, "%#v", v)
		require.Equal(t, string(want), string(got), "%#v", v)
	}
	// Other types and invalid numbers go through encoding/json.
	for _, v := range []any{1, 2.5, json.Number("01"), json.Number("1."), json.Number("abc"), []string{"x"}, map[string]string{}} {
		_, ok := appendJSON(nil, v)
		require.False(t, ok, "%#v", v)
	}
	_, err := Encode(json.Number("abc"))
	require.Error(t, err)
}

// TestAppendQuoted checks AppendQuoted against its definition: the JSON
// string of MustString, escaped as AppendString (and encoding/json) escapes.
func TestAppendQuoted(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, "", "<html> & 'x' \"q\" \\", "\u2028\u2029 \xff é", json.Number("-1.5e+10"), json.Number("abc"),
		[]any{}, map[string]any{"b": json.Number("1"), "a": []any{nil, "x</script>", map[string]any{"z\n": true}}},
		1, 2.5, []string{"<x>"}, map[string]string{"k": "&"}, make(chan int),
	}
	for _, v := range values {
		for _, html := range []bool{false, true} {
			want := AppendString([]byte("prefix"), MustString(v), html)
			require.Equal(t, string(want), string(AppendQuoted([]byte("prefix"), v, html)), "%#v", v)
		}
		want, err := json.Marshal(MustString(v))
		require.NoError(t, err)
		require.Equal(t, string(want), string(AppendQuoted(nil, v, true)), "%#v", v)
	}
}

func TestIdentical(t *testing.T) {
	t.Parallel()
	m := map[string]any{"a": json.Number("1")}
	l := []any{"x", nil}
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{m, m, true}, {m, map[string]any{"a": json.Number("1")}, false}, {map[string]any(nil), map[string]any(nil), false},
		{l, l, true}, {l, l[:1], false}, {l, []any{"x", nil}, false}, {[]any{}, []any{}, false},
		{nil, nil, true}, {nil, m, false}, {"s", "s", true}, {"s", json.Number("1"), false},
		{json.Number("1"), json.Number("1"), true}, {json.Number("1"), json.Number("1.0"), false},
		{true, true, true}, {true, false, false}, {1, 1, false}, {m, l, false},
	} {
		require.Equal(t, c.want, Identical(c.a, c.b), "%#v %#v", c.a, c.b)
		if c.want {
			require.Equal(t, MustString(c.a), MustString(c.b))
		}
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{`null`, `{"a":[1,"x\u2028",{"b":true}],"c":-0.5e3}`, `"\u0000<>&\ud800"`, `[1.0,2e5,-0]`} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte(`{}`), "\xff\x00\u2029")
	f.Fuzz(func(t *testing.T, doc []byte, s string) {
		for _, v := range []any{s, json.Number(s), []any{s, map[string]any{s: s}}} {
			want, werr := encodeJSON(v)
			got, ok := appendJSON(nil, v)
			if ok {
				if werr != nil || string(got) != string(want) {
					t.Fatalf("%#v: got %q, encoding/json %q (%v)", v, got, want, werr)
				}
			} else if werr == nil {
				if _, isNum := v.(json.Number); !isNum {
					t.Fatalf("%#v: not handled, encoding/json gives %q", v, want)
				}
			}
		}
		v, err := Decode(doc)
		if err != nil {
			return
		}
		want, err := encodeJSON(v)
		if err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		got, ok := appendJSON(nil, v)
		if !ok || string(got) != string(want) {
			t.Fatalf("%s: got %q (%v), encoding/json %q", doc, got, ok, want)
		}
		quoted, _ := json.Marshal(string(want))
		if q := AppendQuoted(nil, v, true); string(q) != string(quoted) {
			t.Fatalf("%s: AppendQuoted %s, encoding/json %s", doc, q, quoted)
		}
	})
}
