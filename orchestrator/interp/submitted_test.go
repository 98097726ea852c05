package interp_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/interp"
)

func TestSubmits(t *testing.T) {
	t.Parallel()
	for res, want := range map[string]bool{
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken": true,
		"arn:aws:states:::lambda:invoke.waitForTaskToken":   true,
		"arn:aws:states:::states:startExecution.sync:2":     true,
		"arn:aws:states:::states:startExecution.sync":       true,
		"arn:aws:states:::lambda:invoke":                    false,
		"arn:aws:states:::dynamodb:putItem":                 false,
		"arn:aws:lambda:us-east-1:123456789012:function:f":  false,
		"arn:aws:states:us-east-1:123456789012:activity:a":  false,
		"arn:aws:states:::aws-sdk:sesv2:sendEmail":          false,
	} {
		require.Equal(t, want, interp.Submits(res), res)
	}
}
