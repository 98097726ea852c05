package intrinsic

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJavaNumber compares with Double.toString on a JVM (Java 21).
func TestJavaNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"1", "1"}, {"-12", "-12"}, {"123456789012345678901", "123456789012345678901"},
		{"1.10", "1.1"}, {"1e2", "100.0"}, {"1e7", "1.0E7"}, {"1.5e7", "1.5E7"}, {"0.0001", "1.0E-4"},
		{"123456.789", "123456.789"}, {"1e-3", "0.001"}, {"9999999.5", "9999999.5"}, {"1e21", "1.0E21"},
		{"-0.0", "-0.0"}, {"0.30000000000000004", "0.30000000000000004"}, {"2.5e-8", "2.5E-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, javaNumber(json.Number(tt.in)))
		})
	}
}
