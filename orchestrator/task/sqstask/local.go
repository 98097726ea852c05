package sqstask

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SQS's checksums are MD5
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/awserr"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/httpmeta"
	"github.com/stepwise-dev/stepwise/orchestrator/task/internal/localid"
)

// MaxMessageSize is SQS's limit on a message's body and attributes.
const MaxMessageSize = 1024 * 1024

// LocalOptions configure a Local stand-in.
type LocalOptions struct {
	// AutoCreate creates a queue on its first message; otherwise a queue
	// must have been created with CreateQueue, and sending to another is
	// QueueDoesNotExist, as on AWS.
	AutoCreate bool
	// NowFunc returns the current time; nil uses time.Now.
	NowFunc func() time.Time
}

// Local is a Client that appends each message to DIR/<queue name>.jsonl,
// one JSON object (a Message) per line, after the checks SQS makes. The
// queue is the last path segment of the QueueUrl, so any host and account
// work.
type Local struct {
	dir  string
	opts LocalOptions
	mu   sync.Mutex
	seq  uint64 // FIFO sequence numbers
}

// Message is one line of a queue's file.
type Message struct {
	MessageID               string                                          `json:"MessageId"`
	QueueURL                string                                          `json:"QueueUrl"`
	Body                    string                                          `json:"Body"`
	MD5OfBody               string                                          `json:"MD5OfBody"`
	MessageAttributes       map[string]sqstypes.MessageAttributeValue       `json:"MessageAttributes,omitempty"`
	MessageSystemAttributes map[string]sqstypes.MessageSystemAttributeValue `json:"MessageSystemAttributes,omitempty"`
	DelaySeconds            int32                                           `json:"DelaySeconds,omitempty"`
	MessageGroupID          string                                          `json:"MessageGroupId,omitempty"`
	MessageDeduplicationID  string                                          `json:"MessageDeduplicationId,omitempty"`
	SequenceNumber          string                                          `json:"SequenceNumber,omitempty"`
	SentTimestamp           int64                                           `json:"SentTimestamp"` // epoch milliseconds
}

// NewLocal returns a stand-in that keeps its queues in dir (created when
// missing).
func NewLocal(dir string, opts LocalOptions) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the local SQS directory: %w", err)
	}
	if opts.NowFunc == nil {
		opts.NowFunc = time.Now
	}
	return &Local{dir: dir, opts: opts, seq: uint64(opts.NowFunc().UnixNano())}, nil
}

var queueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// validQueueName reports whether name is an SQS queue name (a FIFO queue's
// ends in .fifo, within the 80 characters).
func validQueueName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	return queueName.MatchString(base) && len(name) <= 80
}

// CreateQueue creates a queue (its empty file); creating one that exists
// does nothing.
func (l *Local) CreateQueue(name string) error {
	if !validQueueName(name) {
		return fmt.Errorf("invalid queue name %q: 1 to 80 letters, digits, - and _, with .fifo for a FIFO queue", name)
	}
	f, err := os.OpenFile(l.path(name), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("creating queue %s: %w", name, err)
	}
	return f.Close()
}

func (l *Local) path(name string) string { return filepath.Join(l.dir, name+".jsonl") }

// Messages returns the messages sent to a queue, oldest first.
func (l *Local) Messages(name string) ([]Message, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	data, err := os.ReadFile(l.path(name))
	if err != nil {
		return nil, fmt.Errorf("reading queue %s: %w", name, err)
	}
	var out []Message
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 4*MaxMessageSize)
	for sc.Scan() {
		var m Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("reading queue %s: %w", name, err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

func invalidParameter(format string, args ...any) error {
	return awserr.Generic("InvalidParameterValue", fmt.Sprintf(format, args...), http.StatusBadRequest, localid.New())
}

func missingParameter(name string) error {
	return awserr.Generic("MissingParameter", "The request must contain the parameter "+name+".", http.StatusBadRequest, localid.New())
}

// SendMessage checks the message as SQS does and appends it to its queue.
func (l *Local) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	requestID := localid.New()
	name := ""
	if u, err := url.Parse(aws.ToString(in.QueueUrl)); err == nil {
		name = u.Path[strings.LastIndex(u.Path, "/")+1:]
	}
	if !validQueueName(name) {
		return nil, queueDoesNotExist(requestID)
	}
	fifo := strings.HasSuffix(name, ".fifo")
	body := aws.ToString(in.MessageBody)
	if body == "" {
		return nil, missingParameter("MessageBody")
	}
	if err := checkContents(body); err != nil {
		return nil, err
	}
	size := len(body)
	for k, v := range in.MessageAttributes {
		size += len(k) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
		if err := checkAttribute(k, v.DataType, v.StringValue, v.BinaryValue); err != nil {
			return nil, err
		}
	}
	for k, v := range in.MessageSystemAttributes {
		if k != "AWSTraceHeader" {
			return nil, invalidParameter("Message system attribute name '%s' is invalid.", k)
		}
		if err := checkAttribute(k, v.DataType, v.StringValue, v.BinaryValue); err != nil {
			return nil, err
		}
	}
	if size > MaxMessageSize {
		return nil, invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", MaxMessageSize)
	}
	if in.DelaySeconds < 0 || in.DelaySeconds > 900 {
		return nil, invalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.", in.DelaySeconds)
	}
	msg := Message{
		MessageID: localid.New(), QueueURL: aws.ToString(in.QueueUrl), Body: body, MD5OfBody: md5Hex([]byte(body)),
		MessageAttributes: in.MessageAttributes, MessageSystemAttributes: in.MessageSystemAttributes,
		DelaySeconds: in.DelaySeconds, MessageGroupID: aws.ToString(in.MessageGroupId),
		MessageDeduplicationID: aws.ToString(in.MessageDeduplicationId),
		SentTimestamp:          l.opts.NowFunc().UnixMilli(),
	}
	if fifo {
		if msg.MessageGroupID == "" {
			return nil, missingParameter("MessageGroupId")
		}
		if in.DelaySeconds != 0 {
			return nil, invalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", in.DelaySeconds)
		}
		if msg.MessageDeduplicationID == "" { // as a queue with content-based deduplication does
			sum := sha256.Sum256([]byte(body))
			msg.MessageDeduplicationID = hex.EncodeToString(sum[:])
		}
	} else if in.MessageDeduplicationId != nil {
		return nil, invalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", msg.MessageDeduplicationID)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if fifo {
		l.seq++
		msg.SequenceNumber = fmt.Sprintf("%020d", l.seq)
	}
	flags := os.O_APPEND | os.O_WRONLY
	if l.opts.AutoCreate {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(l.path(name), flags, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, queueDoesNotExist(requestID)
	}
	if err != nil {
		return nil, fmt.Errorf("opening queue %s: %w", name, err)
	}
	line, err := json.Marshal(msg)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("encoding a message: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("writing to queue %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing to queue %s: %w", name, err)
	}

	out := &sqs.SendMessageOutput{MessageId: aws.String(msg.MessageID), MD5OfMessageBody: aws.String(msg.MD5OfBody)}
	if len(in.MessageAttributes) > 0 {
		out.MD5OfMessageAttributes = aws.String(attributesMD5(in.MessageAttributes))
	}
	if len(in.MessageSystemAttributes) > 0 {
		sys := make(map[string]sqstypes.MessageAttributeValue, len(in.MessageSystemAttributes))
		for k, v := range in.MessageSystemAttributes {
			sys[k] = sqstypes.MessageAttributeValue{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
		}
		out.MD5OfMessageSystemAttributes = aws.String(attributesMD5(sys))
	}
	if fifo {
		out.SequenceNumber = aws.String(msg.SequenceNumber)
	}
	reply, _ := json.Marshal(out)
	httpmeta.SetResponse(&out.ResultMetadata, httpmeta.LocalResponse("application/x-amz-json-1.0", reply, l.opts.NowFunc(), requestID, false), requestID)
	return out, nil
}

func queueDoesNotExist(requestID string) error {
	return awserr.Service(&sqstypes.QueueDoesNotExist{Message: aws.String("The specified queue does not exist.")}, http.StatusBadRequest, requestID)
}

// checkContents rejects the characters SQS does not allow in a message.
func checkContents(s string) error {
	if !utf8.ValidString(s) {
		return invalidContents()
	}
	for _, r := range s {
		switch {
		case r == 0x9, r == 0xA, r == 0xD,
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
		default:
			return invalidContents()
		}
	}
	return nil
}

func invalidContents() error {
	return awserr.Service(&sqstypes.InvalidMessageContents{Message: aws.String(
		"Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")},
		http.StatusBadRequest, localid.New())
}

// checkAttribute checks one message attribute's type and value.
func checkAttribute(name string, dataType, str *string, bin []byte) error {
	t := aws.ToString(dataType)
	if t == "" {
		return invalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	base, _, _ := strings.Cut(t, ".")
	switch base {
	case "String", "Number":
		if str == nil {
			return invalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, t)
		}
		return checkContents(*str)
	case "Binary":
		if bin == nil {
			return invalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, t)
		}
		return nil
	}
	return invalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b) //nolint:gosec // SQS's checksum
	return hex.EncodeToString(sum[:])
}

// attributesMD5 is SQS's MD5 of message attributes: for each attribute in
// name order, the length-prefixed name, data type, a transport byte (1 for
// String and Number, 2 for Binary) and the length-prefixed value.
func attributesMD5(attrs map[string]sqstypes.MessageAttributeValue) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	put := func(b []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(b)))
		buf.Write(b)
	}
	for _, k := range names {
		v := attrs[k]
		put([]byte(k))
		put([]byte(aws.ToString(v.DataType)))
		if strings.HasPrefix(aws.ToString(v.DataType), "Binary") {
			buf.WriteByte(2)
			put(v.BinaryValue)
		} else {
			buf.WriteByte(1)
			put([]byte(aws.ToString(v.StringValue)))
		}
	}
	return md5Hex(buf.Bytes())
}
