// Command bootstrap is internal/testfn as a Lambda function, for the
// runtime interface emulator test.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/stepwise-dev/stepwise/orchestrator/task/lambdatask/internal/testfn"
)

func main() { lambda.Start(testfn.Handle) }
