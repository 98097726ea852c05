package dynamostore

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// A step item holds a thread's checkpoint at one Seq, its outbox and the
// history events of the step, in one binary attribute (attrStep):
//
//	format byte: blobPlain, or blobFlate (DEFLATE with flateDict)
//	body:        uvarint len, data
//	             uvarint count, then uvarint len + message per message
//	             uvarint count, then per event: uvarint len + key suffix
//	             (the event key after the step key), uvarint len + data
//
// One attribute instead of one per field keeps attribute names out of
// the item's size, and compressing the whole step pays off because a
// state's payload appears in it up to three times (the checkpoint's
// input, the StateEntered event's input, the StateExited event's output).
const (
	blobPlain byte = 0
	blobFlate byte = 1

	// compressFrom is the smallest body worth compressing.
	compressFrom = 200
)

// flateDict primes DEFLATE with strings that recur in checkpoints and
// Step Functions history events, so that a step of a few hundred bytes
// compresses too. It is part of the stored format: change it only with a
// new format byte.
var flateDict = []byte(`"executionArn":"arn:aws:states:us-east-1:123456789012:execution:` +
	`"timestamp":"previousEventId":"id":"type":"name":"input":"output":"inputDetails":{"truncated":false}` +
	`"outputDetails":{"truncated":false}"stateEnteredEventDetails":{"stateExitedEventDetails":{` +
	`"PassStateEntered""PassStateExited""TaskStateEntered""TaskStateExited""ChoiceStateEntered""ChoiceStateExited"` +
	`"WaitStateEntered""WaitStateExited""MapStateEntered""MapStateExited""ParallelStateEntered""ParallelStateExited"` +
	`"MapIterationStarted""MapIterationSucceeded""mapIterationStartedEventDetails":{"mapIterationSucceededEventDetails":{"index":` +
	`"ExecutionStarted""ExecutionSucceeded""executionSucceededEventDetails":{"TaskScheduled""TaskStarted""TaskSucceeded"` +
	`"resource":"resourceType":"parameters":"region":"us-east-1""lambda""invoke""arn:aws:states:::lambda:invoke"` +
	`"status":"RUNNING","phase":"state":"started":true,"enteredTime":"0001-01-01T00:00:00Z","due":"0001-01-01T00:00:00Z"` +
	`{"th":{"id":"root","machine":"","vars":"lastEventId":"enteredEventId":"taskInput":"hasItem":true,"itemIndex":"itemValue":` +
	`{"k":"step","e":"arn:aws:states:us-east-1:123456789012:execution:","t":"root","s":{"b":{"n":"e":{"p":"i":"g":`)

var (
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriterDict(nil, flate.DefaultCompression, flateDict)
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReaderDict(nil, flateDict) }}
)

// stepBlob is a step as stored.
type stepBlob struct {
	data   []byte
	outbox [][]byte
	events []blobEvent
}

type blobEvent struct {
	suffix string // the event key after the step key
	data   []byte
}

// size is the blob's size before encoding and compression.
func (s *stepBlob) size() int {
	n := len(s.data)
	for _, m := range s.outbox {
		n += len(m)
	}
	for _, e := range s.events {
		n += len(e.suffix) + len(e.data)
	}
	return n
}

// encode returns the attribute value of s, compressed when it is worth
// it.
func (s *stepBlob) encode() []byte {
	body := make([]byte, 1, 1+s.size()+8*(2+len(s.outbox)+2*len(s.events)))
	body[0] = blobPlain
	body = appendBytes(body, s.data)
	body = binary.AppendUvarint(body, uint64(len(s.outbox)))
	for _, m := range s.outbox {
		body = appendBytes(body, m)
	}
	body = binary.AppendUvarint(body, uint64(len(s.events)))
	for _, e := range s.events {
		body = appendBytes(body, []byte(e.suffix))
		body = appendBytes(body, e.data)
	}
	if len(body) < compressFrom {
		return body
	}
	var buf bytes.Buffer
	buf.Grow(len(body) / 2)
	buf.WriteByte(blobFlate)
	w := flateWriters.Get().(*flate.Writer)
	w.Reset(&buf)
	_, _ = w.Write(body[1:])
	_ = w.Close()
	flateWriters.Put(w)
	if buf.Len() >= len(body) {
		return body
	}
	return buf.Bytes()
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

var errBadBlob = errors.New("malformed step item")

// decodeStepBlob decodes what stepBlob.encode returned.
func decodeStepBlob(b []byte) (*stepBlob, error) {
	if len(b) == 0 {
		return nil, errBadBlob
	}
	body := b[1:]
	switch b[0] {
	case blobPlain:
	case blobFlate:
		r := flateReaders.Get().(io.ReadCloser)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(body), flateDict); err != nil {
			return nil, fmt.Errorf("%w: %v", errBadBlob, err)
		}
		plain, err := io.ReadAll(r)
		flateReaders.Put(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadBlob, err)
		}
		body = plain
	default:
		return nil, fmt.Errorf("%w: format %d", errBadBlob, b[0])
	}
	d := blobDecoder{b: body}
	s := &stepBlob{data: d.bytes()}
	if n := d.count(); n > 0 {
		s.outbox = make([][]byte, n)
		for i := range s.outbox {
			s.outbox[i] = d.bytes()
		}
	}
	if n := d.count(); n > 0 {
		s.events = make([]blobEvent, n)
		for i := range s.events {
			s.events[i] = blobEvent{suffix: string(d.bytes()), data: d.bytes()}
		}
	}
	if d.err || len(d.b) != 0 {
		return nil, errBadBlob
	}
	if len(s.data) == 0 {
		s.data = nil
	}
	return s, nil
}

type blobDecoder struct {
	b   []byte
	err bool
}

func (d *blobDecoder) count() int {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)) {
		d.err = true
		d.b = nil
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *blobDecoder) bytes() []byte {
	n := d.count()
	if d.err || n > len(d.b) {
		d.err = true
		d.b = nil
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}
