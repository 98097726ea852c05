package boltdynamo

import (
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// The canonical forms are DynamoDB Local's answers for the same inputs.
func TestParseNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, err string }{
		{"01", "1", ""},
		{"1.0", "1", ""},
		{"1E2", "100", ""},
		{"1e-5", "0.00001", ""},
		{"-0", "0", ""},
		{"0.000", "0", ""},
		{"+5", "5", ""},
		{"123.4500", "123.45", ""},
		{"-0.00100", "-0.001", ""},
		{"1.", "1", ""},
		{".5", "0.5", ""},
		{"1E+100", "1" + zeros(100), ""},
		{"9.9999999999999999999999999999999999999E+125", "99999999999999999999999999999999999999" + zeros(88), ""},
		{"1e-130", "0." + zeros(129) + "1", ""},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678", ""},
		{"1234567890123456789012345678901234567800", "1234567890123456789012345678901234567800", ""},
		{"123456789012345678901234567890123456789", "", "DynamoDB only supports precision up to 38 digits"},
		{"1e126", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"1e-131", "", "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"1e99999999999999999999", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{" 1", "", "A value provided cannot be converted into a number"},
		{"abc", "", "A value provided cannot be converted into a number"},
		{"", "", "A value provided cannot be converted into a number"},
		{"1e", "", "A value provided cannot be converted into a number"},
		{"--1", "", "A value provided cannot be converted into a number"},
		{"0x10", "", "A value provided cannot be converted into a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			n, err := parseNumber(tt.in)
			if tt.err != "" {
				var api smithy.APIError
				require.ErrorAs(t, err, &api)
				require.Equal(t, "ValidationException", api.ErrorCode())
				require.Equal(t, tt.err, api.ErrorMessage())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, n.String())
			again, err := parseNumber(n.String())
			require.NoError(t, err)
			require.Equal(t, 0, n.cmp(again), "the canonical form reads back as the same number")
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestNumberArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b  string
		minus bool
		want  string
		cmp   int
	}{
		{"1.5", "1", false, "2.5", 1},
		{"0.1", "0.2", false, "0.3", -1},
		{"1", "1.000", true, "0", 0},
		{"-5", "10", false, "5", -1},
		{"1e10", "1e-10", false, "10000000000.0000000001", 1},
		{"100", "1e2", true, "0", 0},
	}
	for _, tt := range tests {
		a, err := parseNumber(tt.a)
		require.NoError(t, err)
		b, err := parseNumber(tt.b)
		require.NoError(t, err)
		got, err := a.add(b, tt.minus)
		require.NoError(t, err)
		require.Equal(t, tt.want, got.String(), "%s ± %s", tt.a, tt.b)
		require.Equal(t, tt.cmp, a.cmp(b), "cmp(%s, %s)", tt.a, tt.b)
	}
	big, err := parseNumber("1e100")
	require.NoError(t, err)
	one, err := parseNumber("1")
	require.NoError(t, err)
	_, err = big.add(one, false)
	require.ErrorContains(t, err, "precision up to 38 digits", "a sum needing 101 digits is refused")
}
