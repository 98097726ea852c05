package boltstore

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadSegmentEnds reads segments that end in the ways a log can: the
// zeros written ahead (a whole header of them, or fewer bytes than a
// header when the next record went to the next segment), the file's end,
// and a torn record.
func TestReadSegmentEnds(t *testing.T) {
	payload := appendEntry(nil, entry{key: "b\x00k", val: []byte("v")})
	rec := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	rec = binary.LittleEndian.AppendUint32(rec, crc32.Checksum(payload, crcTable))
	rec = append(rec, payload...)
	body := append(append([]byte{}, logMagic...), rec...)
	for _, tc := range []struct {
		name    string
		data    []byte
		records int
		clean   bool
	}{
		{"file end", body, 1, true},
		{"zeros", append(body[:len(body):len(body)], make([]byte, 100)...), 1, true},
		{"zeros fewer than a header", append(body[:len(body):len(body)], make([]byte, recordHeader-1)...), 1, true},
		{"one zero", append(body[:len(body):len(body)], 0), 1, true},
		{"torn header", append(body[:len(body):len(body)], rec[:3]...), 1, false},
		{"torn payload", append(body[:len(body):len(body)], rec[:len(rec)-1]...), 1, false},
		{"torn header, then zeros", append(append(body[:len(body):len(body)], rec[:5]...), make([]byte, 2)...), 1, false},
		{"header only", logMagic, 0, true},
		{"empty", nil, 0, true},
		{"torn magic", logMagic[:4], 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seg.log")
			require.NoError(t, os.WriteFile(path, tc.data, 0o600))
			n := 0
			_, clean, err := readSegment(path, func([]byte) error { n++; return nil })
			require.NoError(t, err)
			require.Equal(t, tc.records, n)
			require.Equal(t, tc.clean, clean)
		})
	}
}
