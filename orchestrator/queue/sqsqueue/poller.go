package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

// PollerConfig configures a Poller. The zero value is usable.
type PollerConfig struct {
	// BatchSize is the most records per event, 1 to 10; zero means 10.
	BatchSize int
	// Wait is the long-poll time of each receive, at most 20 s; zero means
	// 20 s.
	Wait time.Duration
	// VisibilityTimeout of received messages; zero means the queue's.
	VisibilityTimeout time.Duration
	// Region fills EventSourceARN and AWSRegion; empty means "us-east-1".
	Region string
	// Logger reports receive, handler and delete failures; nil discards.
	Logger *slog.Logger
}

// Poller does what Lambda's SQS event source mapping does, so that a
// worker's Lambda handler runs locally and in tests against any SQS API:
// it receives a batch, passes it to the handler as an events.SQSEvent
// (MessageId, ReceiptHandle, Body, Md5OfBody, Attributes with
// ApproximateReceiveCount, MessageAttributes, EventSource "aws:sqs",
// EventSourceARN, AWSRegion) and deletes the records that succeeded. With a
// partial batch response only the records in BatchItemFailures stay for
// redelivery; a BatchItemFailures entry naming no record of the batch, or a
// handler error, keeps the whole batch (Lambda's rules).
type Poller struct {
	client   sqsAPI
	queueURL string
	handler  Handler
	batch    int
	wait     time.Duration
	vt       time.Duration
	region   string
	arn      string
	logger   *slog.Logger
}

// NewPoller returns a Poller that feeds handler from the queue at queueURL;
// cfg may be nil.
func NewPoller(client sqsAPI, queueURL string, handler Handler, cfg *PollerConfig) *Poller {
	if cfg == nil {
		cfg = &PollerConfig{}
	}
	p := &Poller{
		client:   client,
		queueURL: queueURL,
		handler:  handler,
		batch:    cfg.BatchSize,
		wait:     cfg.Wait,
		vt:       cfg.VisibilityTimeout,
		region:   cfg.Region,
		logger:   cfg.Logger,
	}
	if p.batch <= 0 || p.batch > maxBatch {
		p.batch = maxBatch
	}
	if p.wait <= 0 || p.wait > maxWait {
		p.wait = maxWait
	}
	if p.region == "" {
		p.region = "us-east-1"
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	p.arn = queueARN(p.region, queueURL)
	return p
}

// queueARN derives arn:aws:sqs:<region>:<account>:<name> from a queue URL
// of the form https://host/<account>/<name>.
func queueARN(region, queueURL string) string {
	account, name := "000000000000", queueURL
	if u, err := url.Parse(queueURL); err == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) == 2 {
			account, name = parts[0], parts[1]
		}
	}
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name)
}

// Run polls until ctx is done and then returns nil. Receive failures are
// logged and retried after a second; ErrNotFound ends Run with the error.
func (p *Poller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		_, err := p.Poll(ctx)
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, queue.ErrNotFound):
			return err
		default:
			p.logger.WarnContext(ctx, "polling sqs", slog.String("queue_url", p.queueURL), slog.Any("error", err))
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}
	}
	return nil
}

// Poll runs one round: one receive (long-polling up to the configured
// wait), one handler call if anything came, one delete. It returns the
// number of records the handler got. The delete of the records that
// succeeded runs even if ctx ends during the handler. Handler failures are not errors of
// Poll (the messages stay in the queue) but are logged.
func (p *Poller) Poll(ctx context.Context) (int, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.queueURL),
		MaxNumberOfMessages:         int32(p.batch),
		WaitTimeSeconds:             delaySeconds(p.wait),
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	}
	if p.vt > 0 {
		in.VisibilityTimeout = delaySeconds(min(p.vt, maxVisibility))
	}
	out, err := p.client.ReceiveMessage(ctx, in)
	if err != nil {
		return 0, fmt.Errorf("receiving messages from %s: %w", p.queueURL, mapError(err))
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	event := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	for i, m := range out.Messages {
		event.Records[i] = p.record(m)
	}
	resp, err := p.handler(ctx, event)
	if err != nil {
		p.logger.WarnContext(ctx, "sqs handler failed; keeping the batch", slog.Int("records", len(event.Records)), slog.Any("error", err))
		return len(event.Records), nil
	}
	keep := make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		keep[f.ItemIdentifier] = true
	}
	handles := make([]string, 0, len(event.Records))
	known := 0
	for _, r := range event.Records {
		if keep[r.MessageId] {
			known++
			continue
		}
		handles = append(handles, r.ReceiptHandle)
	}
	if known != len(keep) {
		p.logger.WarnContext(ctx, "sqs handler reported unknown item identifiers; keeping the batch", slog.Int("records", len(event.Records)))
		return len(event.Records), nil
	}
	if len(keep) > 0 {
		p.logger.InfoContext(ctx, "sqs handler reported failures", slog.Int("records", len(event.Records)), slog.Int("failed", len(keep)))
	}
	if len(handles) == 0 {
		return len(event.Records), nil
	}
	// Work that succeeded is acknowledged even if ctx ended meanwhile
	// (shutdown), so it is not done again.
	delCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	q := &Queue{client: p.client, queueURL: p.queueURL}
	if err := q.MessageDelete(delCtx, &queue.MessageDeleteParams{ReceiptHandles: handles}); err != nil {
		return len(event.Records), err
	}
	return len(event.Records), nil
}

// record builds the Lambda event record for m.
func (p *Poller) record(m types.Message) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             make(map[string]string, len(m.Attributes)),
		MessageAttributes:      make(map[string]events.SQSMessageAttribute, len(m.MessageAttributes)),
		EventSource:            "aws:sqs",
		EventSourceARN:         p.arn,
		AWSRegion:              p.region,
	}
	for k, v := range m.Attributes {
		r.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: v.StringListValues,
			BinaryListValues: v.BinaryListValues,
			DataType:         aws.ToString(v.DataType),
		}
	}
	return r
}
