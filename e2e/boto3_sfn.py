"""Drives the Step Functions API of a running `stepwise serve` with boto3, a
client nobody here wrote: an activity worker (CreateActivity, GetActivityTask,
SendTaskSuccess/Failure/Heartbeat), executions listed with a status filter,
history pages in both orders, a stop, and typed errors.

    python3 e2e/boto3_sfn.py ENDPOINT [SUFFIX]

Prints "ok" at the end; otherwise exits non-zero listing every failed check.
"""

import json
import sys
import time

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
sfx = sys.argv[2] if len(sys.argv) > 2 else str(int(time.time()))
account = "123456789012"
role = f"arn:aws:iam::{account}:role/stepwise-e2e"
c = boto3.client(
    "stepfunctions",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="x",
    aws_secret_access_key="x",
    config=Config(retries={"max_attempts": 1}, read_timeout=70),
)
failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")
        print(f"FAILED: {failures[-1]}", file=sys.stderr)


def expect_error(code, fn, **kwargs):
    """The call fails with the typed error code (a class of c.exceptions)."""
    exc = getattr(c.exceptions, code)
    try:
        fn(**kwargs)
    except exc as e:
        return e.response["Error"]["Message"]
    except c.exceptions.ClientError as e:
        check(f"{fn.__name__} error", e.response["Error"]["Code"], code)
        return None
    check(f"{fn.__name__} error", "no error", code)
    return None


def settle(arn):
    for _ in range(400):
        d = c.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        time.sleep(0.025)
    return d


print("--- activity and state machine")
activity = c.create_activity(name=f"boto-work-{sfx}")["activityArn"]
check("activityArn", activity, f"arn:aws:states:us-east-1:{account}:activity:boto-work-{sfx}")
definition = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Task", "Resource": activity, "HeartbeatSeconds": 60, "TimeoutSeconds": 300, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}
name = f"boto-{sfx}"
sm = c.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
check("stateMachineArn", sm, f"arn:aws:states:us-east-1:{account}:stateMachine:{name}")
msg = expect_error("StateMachineAlreadyExists", c.create_state_machine, name=name, roleArn=role,
                   definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
check("StateMachineAlreadyExists message", msg, f"State Machine Already Exists: '{sm}'")
msg = expect_error("InvalidDefinition", c.create_state_machine, name=f"{name}-bad", roleArn=role,
                   definition=json.dumps({"StartAt": "Nowhere", "States": {"P": {"Type": "Pass", "End": True}}}))
if msg is not None and "MISSING_TRANSITION_TARGET" not in msg:
    check("InvalidDefinition message names the problem", msg, "... MISSING_TRANSITION_TARGET ...")

print("--- three executions, one activity task each")
arns = {}
for e in ("ok", "fail", "stop"):
    arns[e] = c.start_execution(stateMachineArn=sm, name=e, input=json.dumps({"job": e}))["executionArn"]
    check(f"executionArn of {e}", arns[e], f"arn:aws:states:us-east-1:{account}:execution:{name}:{e}")
again = c.start_execution(stateMachineArn=sm, name="ok", input=json.dumps({"job": "ok"}))
check("the same start again (same name and input)", again["executionArn"], arns["ok"])
expect_error("ExecutionAlreadyExists", c.start_execution, stateMachineArn=sm, name="ok", input='{"job": "other"}')
expect_error("ExecutionDoesNotExist", c.describe_execution,
             executionArn=f"arn:aws:states:us-east-1:{account}:execution:{name}:nope")
expect_error("ActivityDoesNotExist", c.get_activity_task,
             activityArn=f"arn:aws:states:us-east-1:{account}:activity:boto-nope-{sfx}")

print("--- the activity worker")
c.stop_execution(executionArn=arns["stop"], error="E2E.Stopped", cause="stopped by boto3_sfn.py")
tasks = {}
deadline = time.time() + 30
while not {"ok", "fail"} <= tasks.keys() and time.time() < deadline:
    t = c.get_activity_task(activityArn=activity, workerName="boto3")
    if t.get("taskToken"):
        tasks[json.loads(t["input"])["job"]] = t["taskToken"]
check("tasks handed out", sorted(tasks.keys() & {"ok", "fail"}), ["fail", "ok"])
if "stop" in tasks:  # handed out before the stop took effect: closed now
    expect_error("TaskTimedOut", c.send_task_success, taskToken=tasks["stop"], output="{}")
if "ok" in tasks:
    c.send_task_heartbeat(taskToken=tasks["ok"])
    c.send_task_success(taskToken=tasks["ok"], output=json.dumps({"done": True}))
if "fail" in tasks:
    c.send_task_failure(taskToken=tasks["fail"], error="E2E.Failed", cause="failed by boto3_sfn.py")
# AWS: InvalidToken for a token it never issued (../shared/conformance,
# test_sfn_send_task_outcome_with_no_such_token).
expect_error("InvalidToken", c.send_task_success, taskToken="NoSuchTaskToken", output="{}")

print("--- results")
d = settle(arns["ok"])
check("status of ok", d["status"], "SUCCEEDED")
check("output of ok", json.loads(d.get("output", "null")), {"done": True})
if "ok" in tasks:  # answered, and its execution ended: the task is closed
    expect_error("TaskTimedOut", c.send_task_success, taskToken=tasks["ok"], output="{}")
d = settle(arns["fail"])
check("status of fail", (d["status"], d.get("error"), d.get("cause")), ("FAILED", "E2E.Failed", "failed by boto3_sfn.py"))
d = settle(arns["stop"])
check("status of stop", (d["status"], d.get("error"), d.get("cause")), ("ABORTED", "E2E.Stopped", "stopped by boto3_sfn.py"))

print("--- list_executions with a status filter, one a page")
pages = c.get_paginator("list_executions")
for status, want in (("SUCCEEDED", ["ok"]), ("FAILED", ["fail"]), ("ABORTED", ["stop"]), ("RUNNING", [])):
    got = [e["name"] for p in pages.paginate(stateMachineArn=sm, statusFilter=status, PaginationConfig={"PageSize": 1})
           for e in p["executions"]]
    check(f"executions {status}", got, want)
got = [e["name"] for p in pages.paginate(stateMachineArn=sm, PaginationConfig={"PageSize": 1}) for e in p["executions"]]
check("all executions, newest first", got, ["stop", "fail", "ok"])

print("--- get_execution_history, two a page, both orders")
history = c.get_paginator("get_execution_history")
forward = [e for p in history.paginate(executionArn=arns["ok"], PaginationConfig={"PageSize": 2}) for e in p["events"]]
check("history of ok", [e["type"] for e in forward],
      ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
       "TaskStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"])
check("event ids", [e["id"] for e in forward], list(range(1, len(forward) + 1)))
started = [e for e in forward if e["type"] == "ActivityStarted"]
if started:
    check("ActivityStarted worker", started[0].get("activityStartedEventDetails", {}).get("workerName"), "boto3")
backward = [e for p in history.paginate(executionArn=arns["ok"], reverseOrder=True, PaginationConfig={"PageSize": 2})
            for e in p["events"]]
check("reverse order", [e["id"] for e in backward], [e["id"] for e in reversed(forward)])
first = c.get_execution_history(executionArn=arns["fail"], reverseOrder=True, maxResults=1)
check("last event of fail", (first["events"][0]["type"], first["events"][0]["executionFailedEventDetails"]),
      ("ExecutionFailed", {"error": "E2E.Failed", "cause": "failed by boto3_sfn.py"}))
if "nextToken" not in first:
    check("nextToken after 1 event", "none", "a token")
expect_error("InvalidToken", c.get_execution_history, executionArn=arns["ok"], nextToken="not-a-page-token")

if failures:
    print(f"{len(failures)} check(s) failed:", file=sys.stderr)
    for f in failures:
        print(f"  {f}", file=sys.stderr)
    sys.exit(1)
print("ok")
