package engine

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

// benchCheckpoint is a checkpoint as a Pass chain's step writes it.
func benchCheckpoint() *checkpoint {
	at := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	return &checkpoint{Thread: interp.Thread{ID: "root", Status: interp.Running, State: "S42", Started: true,
		Input:          map[string]any{"n": json.Number("1"), "name": "order-1234", "items": []any{"a", "b"}},
		EnteredEventID: 84, EnteredTime: at, LastEventID: 85}, Events: 85, Time: at.UnixNano()}
}

// benchMessage is a Pass chain's next-step message, carrying the
// checkpoint.
func benchMessage(b *testing.B) *message {
	cp, err := benchCheckpoint().encode()
	if err != nil {
		b.Fatal(err)
	}
	return &message{Kind: kindStep, Exec: "arn:aws:states:us-east-1:123456789012:execution:chain:e0-42", Thread: "root", Seq: 43, CP: cp}
}

func BenchmarkWireCheckpointEncode(b *testing.B) {
	cp := benchCheckpoint()
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cp.encode(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cp.encodeJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWireCheckpointDecode(b *testing.B) {
	data, err := benchCheckpoint().encode()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeCheckpoint(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeCheckpointJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWireMessageEncode(b *testing.B) {
	m := benchMessage(b)
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = m.encode()
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		// As the engine did before wire.go: the lean message through
		// encoding/json, the checkpoint spliced in.
		b.ReportAllocs()
		for b.Loop() {
			lean := *m
			lean.CP = nil
			out, err := json.Marshal(&lean)
			if err != nil {
				b.Fatal(err)
			}
			body := make([]byte, 0, len(out)+len(m.CP)+6)
			body = append(body, out[:len(out)-1]...)
			body = append(body, `,"cp":`...)
			body = append(body, m.CP...)
			_ = append(body, '}')
		}
	})
}

func BenchmarkWireMessageDecode(b *testing.B) {
	m := benchMessage(b)
	body := m.encode()
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeMessage(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	old, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m message
			if err := json.Unmarshal(old, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
