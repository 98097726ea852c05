package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// BenchmarkDescribeExecution measures one DescribeExecution through the
// SDK, HTTP on loopback, the handler and the embedded store.
func BenchmarkDescribeExecution(b *testing.B) {
	e := newEnv(b)
	sm := e.createMachine(b, "bench", passMachine)
	ex, err := e.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm)})
	if err != nil {
		b.Fatal(err)
	}
	in := &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.client.DescribeExecution(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartExecution measures one StartExecution (a commit and a
// message) through the SDK.
func BenchmarkStartExecution(b *testing.B) {
	e := newEnv(b)
	sm := e.createMachine(b, "bench", passMachine)
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"n":1}`)}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.client.StartExecution(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
