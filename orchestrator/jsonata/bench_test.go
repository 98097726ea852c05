package jsonata

import (
	"testing"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

func BenchmarkEval(b *testing.B) {
	items := make([]any, 1000)
	for i := range items {
		items[i] = map[string]any{"id": value.Int(int64(i)), "price": value.Float(float64(i) * 1.5)}
	}
	input := map[string]any{"order": map[string]any{"customer": map[string]any{"name": "Ada"}}, "items": items, "a": value.Int(7)}
	vars := VarsMap{"states": map[string]any{"input": input}}
	for _, bb := range []struct{ name, expr string }{
		{"path", "$states.input.order.customer.name"},
		{"arithmetic", "($states.input.a * 3 + 4) / 2 - 1"},
		{"map1000", "$map($states.input.items, function($v){$v.price * 2})"},
		{"filter1000", "$states.input.items[price > 100].id"},
	} {
		e := MustCompile(bb.expr)
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.Eval(vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(`$states.input.items[price > 100].{"id": id, "total": $sum(price)}`); err != nil {
			b.Fatal(err)
		}
	}
}
