package boltstore

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The log is a directory beside the file (path + "-wal") of numbered
// segments, "00000000000000000001.log" and up. A segment starts with
// logMagic and holds records:
//
//	length   uint32, little-endian: the payload's size
//	checksum uint32, little-endian: CRC-32C of the payload
//	payload  entries, each: flags (1 = deleted), key length (uvarint),
//	         key (bucket name, NUL, key), and unless deleted value
//	         length (uvarint), value
//
// One record is one group commit. A record is complete or it is not
// there: replay stops at the first record whose length runs past the end
// of the segment or whose checksum is wrong (a write torn by a crash),
// which can only be at the end of the last segment. A header of zeros
// (never written: records are not empty) is the end of the segment:
// segments are written ahead in chunks of zeros, so that the fdatasync
// after a record need not update the file's size or extents.

var logMagic = []byte("stepwise boltstore log 1\n")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

const recordHeader = 8

// maxRecord bounds a record's length when reading, against garbage.
const maxRecord = 1 << 30

// segmentName returns the file name of segment n.
func segmentName(n uint64) string {
	return fmt.Sprintf("%020d.log", n)
}

// listSegments returns the segment numbers in dir, in order.
func listSegments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok || len(name) != 20 {
			continue
		}
		n, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// appendEntries appends entries to buf as a record's payload: a
// record's payload is the concatenation of those of its writes, and
// replay applies them in order.
func appendEntries(buf []byte, entries []entry) []byte {
	for _, e := range entries {
		buf = appendEntry(buf, e)
	}
	return buf
}

func appendEntry(buf []byte, e entry) []byte {
	if e.del {
		buf = append(buf, 1)
	} else {
		buf = append(buf, 0)
	}
	buf = binary.AppendUvarint(buf, uint64(len(e.key)))
	buf = append(buf, e.key...)
	if !e.del {
		buf = binary.AppendUvarint(buf, uint64(len(e.val)))
		buf = append(buf, e.val...)
	}
	return buf
}

// encodedSize is the size of e in a payload.
func encodedSize(e entry) int {
	n := 1 + binary.MaxVarintLen64 + len(e.key)
	if !e.del {
		n += binary.MaxVarintLen64 + len(e.val)
	}
	return n
}

var errCorruptRecord = errors.New("corrupt log record")

// decodeRecord calls f for each entry of a record's payload.
func decodeRecord(p []byte, f func(entry)) error {
	for len(p) > 0 {
		flags := p[0]
		p = p[1:]
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return errCorruptRecord
		}
		e := entry{key: string(p[k : k+int(n)]), del: flags&1 != 0}
		p = p[k+int(n):]
		if !e.del {
			n, k = binary.Uvarint(p)
			if k <= 0 || n > uint64(len(p)-k) {
				return errCorruptRecord
			}
			e.val = p[k : k+int(n) : k+int(n)]
			p = p[k+int(n):]
		}
		f(e)
	}
	return nil
}

// readSegment reads the complete records of a segment file and calls f
// with each payload. It returns the offset after the last complete record
// and whether the segment ended cleanly (no torn or corrupt tail).
func readSegment(path string, f func(payload []byte) error) (end int64, clean bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false, err
	}
	if len(data) < len(logMagic) || string(data[:len(logMagic)]) != string(logMagic) {
		// A segment whose header is incomplete was created by a
		// crash before its first record was written.
		return 0, len(data) == 0, nil
	}
	off := len(logMagic)
	for off < len(data) {
		if len(data)-off < recordHeader {
			// Zeros too few for a header end a segment whose next
			// record did not fit (it went to the next segment).
			return int64(off), !slices.ContainsFunc(data[off:], func(b byte) bool { return b != 0 }), nil
		}
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n == 0 && sum == 0 {
			return int64(off), true, nil // the allocated, unwritten rest
		}
		if n == 0 || n > maxRecord || int(n) > len(data)-off-recordHeader {
			return int64(off), false, nil
		}
		payload := data[off+recordHeader : off+recordHeader+int(n)]
		if crc32.Checksum(payload, crcTable) != sum {
			return int64(off), false, nil
		}
		if err := f(payload); err != nil {
			return int64(off), false, err
		}
		off += recordHeader + int(n)
	}
	return int64(off), true, nil
}

// anyRecords reports whether one of the segments ns in dir has a record
// (a header that is not zeros) after its magic.
func anyRecords(dir string, ns []uint64) (bool, error) {
	for _, n := range ns {
		f, err := os.Open(filepath.Join(dir, segmentName(n)))
		if err != nil {
			return false, err
		}
		head := make([]byte, len(logMagic)+recordHeader)
		k, err := io.ReadFull(f, head)
		_ = f.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("reading log segment %s: %w", segmentName(n), err)
		}
		if k == len(head) && slices.ContainsFunc(head[len(logMagic):], func(b byte) bool { return b != 0 }) {
			return true, nil
		}
	}
	return false, nil
}

// segment is the log segment being written.
type segment struct {
	n      uint64
	f      *os.File
	size   int64 // bytes written
	alloc  int64 // bytes written ahead as zeros (0 with NoSync)
	ahead  int64 // how many more to write ahead when they run out
	noSync bool
}

// allocChunk is how far ahead a segment is written with zeros.
const allocChunk = 4 << 20

// zeroChunk is what segment.write writes ahead (only read).
var zeroChunk [allocChunk]byte

// createSegment creates segment n in dir, writes its header and, unless
// noSync, zeros up to ahead bytes, piece bytes at a time, each piece
// synced, and makes the new file durable, so that records synced into
// it later survive a crash. syncs counts the fsync calls.
func createSegment(dir string, n uint64, noSync bool, ahead, piece int64, syncs func()) (*segment, error) {
	path := filepath.Join(dir, segmentName(n))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating log segment: %w", err)
	}
	fail := func(what string, err error) (*segment, error) {
		_ = f.Close()
		return nil, fmt.Errorf("%s log segment: %w", what, err)
	}
	if _, err := f.Write(logMagic); err != nil {
		return fail("writing header of", err)
	}
	seg := &segment{n: n, f: f, size: int64(len(logMagic)), noSync: noSync}
	if noSync {
		return seg, nil
	}
	seg.alloc = seg.size
	seg.ahead = min(ahead, allocChunk)
	for seg.alloc < ahead {
		chunk := min(piece, ahead-seg.alloc, allocChunk)
		if _, err := f.WriteAt(zeroChunk[:chunk], seg.alloc); err != nil {
			return fail("writing", err)
		}
		seg.alloc += chunk
		if err := fdatasync(f); err != nil {
			return fail("syncing", err)
		}
		syncs()
	}
	if err := syncDir(dir); err != nil {
		_ = f.Close()
		return nil, err
	}
	syncs()
	return seg, nil
}

// defaultSegmentBytes is how much of a spare segment is written ahead
// with zeros, and spareSyncBytes how much between its fdatasyncs: small
// pieces, so that a record's fdatasync, which waits for every write in
// the device, does not wait long behind them.
const (
	defaultSegmentBytes = 8 << 20
	spareSyncBytes      = 256 << 10
)

// spareSegment is the next log segment, written ahead with zeros by a
// goroutine while records go to the current one: a record that does not
// fit in the current segment starts the spare instead of writing zeros
// ahead and syncing them on its own way to durability (which held every
// commit for the time of a 4 MB fdatasync, every 4 MB of log).
type spareSegment struct {
	n    uint64
	done chan struct{}
	seg  *segment
	err  error
}

// startSpare starts writing segment n ahead, unless a spare is being
// written or the store is closing. The syncer calls it (writeRecord).
func (s *Store) startSpare(n uint64) {
	if s.spare != nil || s.opts.NoSync || s.noSpare {
		return
	}
	sp := &spareSegment{n: n, done: make(chan struct{})}
	s.spare = sp
	ahead := cmp.Or(s.opts.segmentBytes, defaultSegmentBytes)
	go func() {
		defer close(sp.done)
		sp.seg, sp.err = createSegment(s.walDir, n, false, ahead, spareSyncBytes, func() {
			s.syncs.Add(1)
			s.aheadSyncs.Add(1)
		})
	}()
}

// takeSpare returns the spare segment and forgets it; with wait, it waits
// for it to be written, else it returns nil while it is not. It returns
// nil when there is no spare.
func (s *Store) takeSpare(wait bool) (*segment, error) {
	sp := s.spare
	if sp == nil {
		return nil, nil
	}
	if wait {
		<-sp.done
	} else {
		select {
		case <-sp.done:
		default:
			return nil, nil
		}
	}
	s.spare = nil
	if sp.err != nil {
		return nil, fmt.Errorf("preparing log of %s: %w", s.path, sp.err)
	}
	return sp.seg, nil
}

// write appends encoded records at the end of the segment. Past the
// zeros written ahead, it first writes the next chunk of zeros: a record
// then overwrites blocks already written, which changes none of the
// file's metadata, so that its fdatasync writes the data and need not
// commit the file system's journal (as it would for a growing file, or
// for blocks allocated with fallocate, which are marked unwritten until
// written). The fdatasync after the record syncs the zeros too.
func (s *segment) write(b []byte) error {
	if end := s.size + int64(len(b)); !s.noSync && end > s.alloc {
		chunk := max(s.ahead, end-s.alloc)
		zeros := zeroChunk[:min(chunk, allocChunk)]
		if chunk > allocChunk {
			zeros = make([]byte, chunk)
		}
		if _, err := s.f.WriteAt(zeros, s.alloc); err != nil {
			return err
		}
		s.alloc += chunk
	}
	if _, err := s.f.WriteAt(b, s.size); err != nil {
		return err
	}
	s.size += int64(len(b))
	return nil
}

// syncDir makes the directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}

// removeSegments removes the segments numbered up to n.
func removeSegments(dir string, upTo uint64) error {
	segs, err := listSegments(dir)
	if err != nil {
		return err
	}
	for _, n := range segs {
		if n > upTo {
			break
		}
		if err := os.Remove(filepath.Join(dir, segmentName(n))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
