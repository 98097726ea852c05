package api_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// boto3Script drives the API with boto3, a client nobody here wrote: its
// own parsing of dates, pages and errors. It prints "ok" at the end.
const boto3Script = `
import json, sys, time, boto3
from botocore.config import Config
c = boto3.client("stepfunctions", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x",
                 config=Config(retries={"max_attempts": 1}, inject_host_prefix=False))
definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}})
sm = c.create_state_machine(name="boto", definition=definition, roleArn="arn:aws:iam::123456789012:role/r")
arn = sm["stateMachineArn"]
assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:boto", arn
assert sm["creationDate"].year >= 2024
ex = c.start_execution(stateMachineArn=arn, name="b1", input='{"a": 1}')
for _ in range(2000):
    d = c.describe_execution(executionArn=ex["executionArn"])
    if d["status"] != "RUNNING":
        break
    time.sleep(0.005)
assert d["status"] == "SUCCEEDED", d
assert json.loads(d["output"]) == {"ok": True}, d
assert d["stopDate"] >= d["startDate"]
execs = [e for page in c.get_paginator("list_executions").paginate(stateMachineArn=arn, PaginationConfig={"PageSize": 1}) for e in page["executions"]]
assert [e["name"] for e in execs] == ["b1"], execs
events = [e for page in c.get_paginator("get_execution_history").paginate(executionArn=ex["executionArn"], PaginationConfig={"PageSize": 1}) for e in page["events"]]
assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], events
try:
    c.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:boto:nope")
    raise SystemExit("no error")
except c.exceptions.ExecutionDoesNotExist as e:
    assert e.response["Error"]["Message"] == "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:boto:nope'", e.response
try:
    c.create_state_machine(name="bad", definition="{}", roleArn="arn:aws:iam::123456789012:role/r")
    raise SystemExit("no error")
except c.exceptions.InvalidDefinition as e:
    assert "SCHEMA_VALIDATION_FAILED" in e.response["Error"]["Message"], e.response
try:
    c.list_executions(stateMachineArn=arn, statusFilter="succeeded")
    raise SystemExit("no error")
except c.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException", e.response
c.delete_state_machine(stateMachineArn=arn)
print("ok")
`

func TestBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("boto3 takes seconds to start; the SDK tests cover the same calls")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 is not installed")
	}
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "python3", "-c", boto3Script, e.url).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "ok", strings.TrimSpace(string(out)))
}
