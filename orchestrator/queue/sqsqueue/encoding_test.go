package sqsqueue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEncodeBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     []byte
		wantBody string
		wantEnc  string
	}{
		{"JSON", []byte(`{"a":"é😀"}`), `{"a":"é😀"}`, ""},
		{"TabAndNewline", []byte("a\tb\nc"), "a\tb\nc", ""},
		{"Empty", []byte{}, "-", "empty"},
		{"CarriageReturn", []byte("a\r\n"), "YQ0K", "base64"},
		{"NUL", []byte{0}, "AA==", "base64"},
		{"InvalidUTF8", []byte{0xff}, "/w==", "base64"},
		{"Surrogate", []byte{0xed, 0xa0, 0x80}, "7aCA", "base64"},
		{"NonCharacter", []byte("\uffff"), "77+/", "base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, enc := encodeBody(tt.body)
			require.Equal(t, tt.wantBody, body)
			require.Equal(t, tt.wantEnc, enc)
			back, err := decodeBody(body, enc)
			require.NoError(t, err)
			require.Equal(t, tt.body, back)
		})
	}
}

func TestDecodeBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, enc string
	}{
		{"BadBase64", "!!", "base64"},
		{"UnknownEncoding", "x", "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeBody(tt.body, tt.enc)
			require.Error(t, err)
		})
	}
}

func TestNewEntry(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_000_000)
	tests := []struct {
		name      string
		delay     time.Duration
		wantDelay int32
		wantDue   bool
	}{
		{"None", 0, 0, false},
		{"SubSecondRoundsUp", 1500 * time.Millisecond, 2, false},
		{"Max", 900 * time.Second, 900, false},
		{"Long", 901 * time.Second, 900, true},
		{"Year", 365 * 24 * time.Hour, 900, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEntry(0, "x", "", now, tt.delay, time.Time{}, "")
			require.Equal(t, tt.wantDelay, delaySeconds(e.delay))
			_, hasDue := e.attrs[AttrDue]
			require.Equal(t, tt.wantDue, hasDue)
			if tt.wantDue {
				require.Equal(t, formatMillis(now.Add(tt.delay)), *e.attrs[AttrDue].StringValue)
			}
		})
	}
}

func formatMillis(t time.Time) string { return *numberAttr(t.UnixMilli()).StringValue }

func TestQueueARN(t *testing.T) {
	t.Parallel()
	require.Equal(t, "arn:aws:sqs:eu-west-1:123456789012:work",
		queueARN("eu-west-1", "http://127.0.0.1:5000/123456789012/work"))
}
