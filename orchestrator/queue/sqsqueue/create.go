package sqsqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// CreateQueueParams are the parameters of CreateQueue.
type CreateQueueParams struct {
	// Name of the queue; the dead-letter queue is Name + "-dlq".
	Name string
	// VisibilityTimeout is the queue's default; zero leaves SQS's 30 s.
	VisibilityTimeout time.Duration
	// MaxReceives, when positive, creates the dead-letter queue and a
	// RedrivePolicy that moves a message there after this many receives.
	MaxReceives int
}

// CreatedQueue is the result of CreateQueue.
type CreatedQueue struct {
	// QueueURL is the main queue.
	QueueURL string
	// DeadLetterQueueURL is empty when MaxReceives was not positive.
	DeadLetterQueueURL string
}

// CreateQueue creates a standard queue and, if asked, its dead-letter queue.
// It is meant for tests and local setup; deployed stacks create their queues
// in the SAM template.
func CreateQueue(ctx context.Context, client *sqs.Client, params *CreateQueueParams) (*CreatedQueue, error) {
	created := &CreatedQueue{}
	attrs := map[string]string{}
	if params.VisibilityTimeout > 0 {
		attrs[string(types.QueueAttributeNameVisibilityTimeout)] = strconv.Itoa(int(delaySeconds(params.VisibilityTimeout)))
	}
	if params.MaxReceives > 0 {
		dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(params.Name + "-dlq")})
		if err != nil {
			return nil, fmt.Errorf("creating queue %s-dlq: %w", params.Name, err)
		}
		created.DeadLetterQueueURL = aws.ToString(dlq.QueueUrl)
		got, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       dlq.QueueUrl,
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return nil, fmt.Errorf("reading the ARN of %s-dlq: %w", params.Name, err)
		}
		policy, err := json.Marshal(map[string]string{
			"deadLetterTargetArn": got.Attributes[string(types.QueueAttributeNameQueueArn)],
			"maxReceiveCount":     strconv.Itoa(params.MaxReceives),
		})
		if err != nil {
			return nil, fmt.Errorf("encoding the redrive policy: %w", err)
		}
		attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(params.Name), Attributes: attrs})
	if err != nil {
		return nil, fmt.Errorf("creating queue %s: %w", params.Name, err)
	}
	created.QueueURL = aws.ToString(q.QueueUrl)
	return created, nil
}

// DeleteQueue deletes the queues that CreateQueue made.
func DeleteQueue(ctx context.Context, client *sqs.Client, created *CreatedQueue) error {
	for _, u := range []string{created.QueueURL, created.DeadLetterQueueURL} {
		if u == "" {
			continue
		}
		if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(u)}); err != nil {
			return fmt.Errorf("deleting queue %s: %w", u, mapError(err))
		}
	}
	return nil
}
