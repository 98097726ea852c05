// Package e2e holds stepwise's end-to-end tests: the built binaries and
// Lambda bootstraps, run as processes, driven from outside the way a user
// or AWS drives them. It has no code of its own besides this comment.
//
//   - TestContactForm: the contact form through the SAM app's three
//     functions, each a bootstrap built by its Makefile target and run under
//     the Lambda runtime interface emulator: the API function fed API
//     Gateway HTTP API events, the worker fed by sqsqueue.Poller from SQS
//     (what Lambda's event source mapping does), the process function
//     invoked by both; DynamoDB Local, moto's SQS and aws-ses-v2-local.
//   - TestBootstrapEvents: the api and worker bootstraps with the sample
//     events of events/ (functions/process/main_test.go does the process
//     function's).
//   - TestMakeRun: make-run.sh, `make run` on a fresh data folder driven
//     with curl, stopped with SIGINT and started again.
//   - TestAWSCLI, TestBoto3, TestGoSDK: clients nobody here wrote (the
//     AWS CLI, boto3, aws-sdk-go-v2's service/sfn) against `stepwise serve`.
//
// Every test skips with a log line when a server or tool it needs is
// missing; `make test` (scripts/test.sh) provides them all.
package e2e
