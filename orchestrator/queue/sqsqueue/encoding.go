package sqsqueue

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Message attributes that sqsqueue sets. Other attributes are ignored.
const (
	// AttrEncoding says how the SQS body encodes the queue.Message body:
	// absent means the body is the bytes themselves, "base64" means
	// standard base64 with padding, "empty" means an empty body (SQS
	// rejects empty bodies; the SQS body is then "-").
	AttrEncoding = "stepwise.encoding"
	// AttrDue is the time the message is due, in Unix milliseconds (type
	// Number), set when its delay was longer than SQS's 900 s. A message
	// received before it is due is sent again with the remaining delay.
	AttrDue = "stepwise.due"
	// AttrID is the first SQS message ID of a message that has been sent
	// again to extend its delay, so that queue.Delivery.ID stays the same.
	AttrID = "stepwise.id"
)

const (
	encodingBase64 = "base64"
	encodingEmpty  = "empty"
)

// MaxBody is the largest body, in bytes, that the queue sends: its base64
// form and our attributes fit in SQS's 256 KiB message limit.
const MaxBody = 190 * 1024

// MaxDelay is SQS's largest DelaySeconds; longer delays are re-delayed.
const MaxDelay = 900 * time.Second

// textSafe reports whether SQS accepts b as a body unchanged: UTF-8 of the
// characters #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF. Carriage returns are sent base64 too, since some
// clients and the event JSON path may rewrite line ends.
func textSafe(b []byte) bool {
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		b = b[n:]
	}
	return true
}

// encodeBody returns the SQS body for b and the value of AttrEncoding ("" for none).
func encodeBody(b []byte) (body, encoding string) {
	switch {
	case len(b) == 0:
		return "-", encodingEmpty
	case textSafe(b):
		return string(b), ""
	default:
		return base64.StdEncoding.EncodeToString(b), encodingBase64
	}
}

// decodeBody reverses encodeBody.
func decodeBody(body, encoding string) ([]byte, error) {
	switch encoding {
	case "":
		return []byte(body), nil
	case encodingBase64:
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, fmt.Errorf("decoding base64 body: %w", err)
		}
		return b, nil
	case encodingEmpty:
		return []byte{}, nil
	default:
		return nil, fmt.Errorf("decoding body: unknown %s %q", AttrEncoding, encoding)
	}
}

// wire is a received SQS message, from ReceiveMessage or from a Lambda
// event, reduced to what sqsqueue reads.
type wire struct {
	messageID    string
	receipt      string
	body         string
	encoding     string
	due          time.Time // zero if not set
	firstID      string
	receiveCount int
}

// id returns the delivery ID: the first message ID of a re-delayed message.
func (w *wire) id() string {
	if w.firstID != "" {
		return w.firstID
	}
	return w.messageID
}

func parseDue(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("parsing %s %q: %w", AttrDue, s, err)
	}
	return time.UnixMilli(ms), nil
}

func stringAttr(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func numberAttr(v int64) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(strconv.FormatInt(v, 10))}
}

// entry is one message ready for SendMessageBatch.
type entry struct {
	index int // position in the caller's batch
	body  string
	delay time.Duration // ≤ MaxDelay, rounded up to seconds when sent
	attrs map[string]types.MessageAttributeValue
	size  int // bytes counted against the batch limit
}

// newEntry builds the entry for body sent now with delay d. encoding,
// due and firstID may be empty/zero.
func newEntry(index int, body, encoding string, now time.Time, d time.Duration, due time.Time, firstID string) entry {
	e := entry{index: index, body: body, size: len(body)}
	if d > MaxDelay && due.IsZero() {
		due = now.Add(d)
	}
	e.delay = min(max(d, 0), MaxDelay)
	if encoding != "" || !due.IsZero() || firstID != "" {
		e.attrs = make(map[string]types.MessageAttributeValue, 3)
	}
	if encoding != "" {
		e.attrs[AttrEncoding] = stringAttr(encoding)
	}
	if !due.IsZero() {
		e.attrs[AttrDue] = numberAttr(due.UnixMilli())
	}
	if firstID != "" {
		e.attrs[AttrID] = stringAttr(firstID)
	}
	for k, v := range e.attrs {
		e.size += len(k) + len(*v.DataType) + len(*v.StringValue)
	}
	return e
}

// delaySeconds rounds d up to whole seconds so that no message is early.
func delaySeconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	return int32((d + time.Second - 1) / time.Second)
}
