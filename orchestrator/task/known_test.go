package task_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/task"
)

func TestKnown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource string
		want     bool
	}{
		{"arn:aws:states:::lambda:invoke", true},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", true},
		{"arn:aws:states:::lambda:invoke.sync", false},
		{"arn:aws-cn:states:::lambda:invoke", true},
		{"arn:aws-us-gov:states:::lambda:invoke", true},
		{"arn:aws-iso:states:::lambda:invoke", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:process", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:process:live", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:process:$LATEST", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:process:7", true},
		{"arn:aws:lambda:us-gov-west-1:123456789012:function:process", true},
		{"arn:aws:lambda:eu-central-2:123456789012:function:my_fn-2", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:a:b:c", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:bad.name", false},
		{"arn:aws:lambda:us-east-1:12345:function:process", false},
		{"arn:aws:lambda:useast1:123456789012:function:process", false},
		{"arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:process", false},
		{"${ProcessFunctionArn}", false},
		{"arn:aws:lambda:us-east-1:123456789012:layer:x", false},
		{"arn:aws:states:::dynamodb:putItem", true},
		{"arn:aws:states:::dynamodb:getItem", true},
		{"arn:aws:states:::dynamodb:updateItem", true},
		{"arn:aws:states:::dynamodb:deleteItem", true},
		{"arn:aws:states:::dynamodb:putItem.waitForTaskToken", false},
		{"arn:aws:states:::dynamodb:query", false},
		{"arn:aws:states:::aws-sdk:dynamodb:putItem", false},
		{"arn:aws:states:::aws-sdk:sesv2:sendEmail", true},
		{"arn:aws:states:::aws-sdk:sesv2:sendEmail.waitForTaskToken", true},
		{"arn:aws:states:::aws-sdk:sesv2:createContact", false},
		{"arn:aws:states:::aws-sdk:ses:sendEmail", false},
		{"arn:aws:states:::sqs:sendMessage", true},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", true},
		{"arn:aws:states:::sqs:sendMessage.sync", false},
		{"arn:aws:states:::states:startExecution", true},
		{"arn:aws:states:::states:startExecution.sync", true},
		{"arn:aws:states:::states:startExecution.sync:2", true},
		{"arn:aws:states:::states:startExecution.waitForTaskToken", true},
		{"arn:aws:states:::states:startExecution.sync:3", false},
		{"arn:aws:states:us-east-1:123456789012:activity:approve-order", true},
		{"arn:aws:states:us-east-1:123456789012:activity:bad name", false},
		{"arn:aws:states:us-east-1:123456789012:activity:${Name}", false},
		{"arn:aws:states:us-east-1:123456789012:activity:", false},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:child", false},
		{"arn:aws:states:us-east-1::lambda:invoke", false},
		{"arn:aws:states:::sns:publish", false},
		{"arn:aws:states:::events:putEvents", false},
		{"arn:aws:states:::lambda:invoke ", false},
		{"ARN:aws:states:::lambda:invoke", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, task.Known(tt.resource))
		})
	}
}
