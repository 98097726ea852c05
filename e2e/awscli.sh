#!/usr/bin/env bash
# Drives the Step Functions API of a running `stepwise serve` with the AWS
# CLI, a client nobody here wrote: state machines, executions, the status
# filter, history pages in both orders, a task token, a stop, typed errors.
#
#   e2e/awscli.sh ENDPOINT DATA_DIR [SUFFIX]
#
# ENDPOINT is serve's base URL, DATA_DIR its --data folder (the local SQS
# stand-in writes DATA_DIR/sqs/<queue>.jsonl, where the task token is read),
# SUFFIX makes the names unique. AWS_CLI is the CLI to run (default: aws on
# PATH). Prints "ok" at the end; otherwise exits non-zero listing every
# failed check (a failed check does not stop the ones after it).
set -euo pipefail

endpoint=${1:?usage: awscli.sh ENDPOINT DATA_DIR [SUFFIX]}
data=${2:?usage: awscli.sh ENDPOINT DATA_DIR [SUFFIX]}
sfx=${3:-$$}
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
unset AWS_PROFILE AWS_SESSION_TOKEN
cli=${AWS_CLI:-aws}
major=$("$cli" --version 2>&1 | sed -n 's|^aws-cli/\([0-9]*\)\..*|\1|p')
echo "using $("$cli" --version 2>&1)"

sfn() { "$cli" --endpoint-url "$endpoint" --cli-read-timeout 30 stepfunctions "$@"; }
failures=()
fail() { echo "FAILED: $*" >&2; failures+=("$*"); }
fatal() { echo "FAILED: $*" >&2; exit 1; }
# words: the words of stdin on one line, one space apart (text output puts
# each page on its own line).
words() { tr -s ' \t\n' '\n' | sed '/^$/d' | paste -sd' ' -; }
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}
# expect_error CODE ARGS...: the call fails with the typed error CODE.
expect_error() {
  local code=$1 out rc=0
  shift
  out=$(sfn "$@" 2>&1) || rc=$?
  # A service error exits 254 in CLI v2 (255 in v1, as any error).
  local want=254
  [ "$major" = 2 ] || want=255
  [ "$rc" = "$want" ] || { fail "$*: exit status $rc, want $want; output: $out"; return; }
  case "$out" in
  *"An error occurred ($code) when calling"*) ;;
  *) fail "$*: want error $code, got: $out" ;;
  esac
}

account=123456789012
name=cli-$sfx
queue=cli-tokens-$sfx
sm_arn=arn:aws:states:us-east-1:$account:stateMachine:$name
role=arn:aws:iam::$account:role/stepwise-e2e
definition='{
  "Comment": "e2e: ask through SQS and wait for the answer",
  "StartAt": "Ask",
  "States": {
    "Ask": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/'$account'/'$queue'",
        "MessageBody": {"token.$": "$$.Task.Token", "input.$": "$"}
      },
      "ResultPath": "$.answer",
      "Next": "Done"
    },
    "Done": {"Type": "Pass", "End": true}
  }
}'

echo "--- create-state-machine"
got=$(sfn create-state-machine --name "$name" --definition "$definition" --role-arn "$role" \
  --query stateMachineArn --output text)
expect "stateMachineArn" "$got" "$sm_arn"
expect_error StateMachineAlreadyExists create-state-machine --name "$name" --role-arn "$role" \
  --definition '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'
expect_error InvalidDefinition create-state-machine --name "$name-bad" --role-arn "$role" \
  --definition '{"StartAt":"Nowhere","States":{"P":{"Type":"Pass","End":true}}}'

echo "--- start-execution x2"
for e in e1 e2; do
  got=$(sfn start-execution --state-machine-arn "$sm_arn" --name "$e" --input "{\"who\":\"$e\"}" \
    --query executionArn --output text)
  expect "executionArn of $e" "$got" "arn:aws:states:us-east-1:$account:execution:$name:$e"
done
expect_error ExecutionDoesNotExist describe-execution \
  --execution-arn "arn:aws:states:us-east-1:$account:execution:$name:nope"

echo "--- the task token, from $data/sqs/$queue.jsonl"
token=""
for _ in $(seq 200); do
  token=$(python3 - "$data/sqs/$queue.jsonl" <<'EOF' 2>/dev/null || true
import json, sys
for line in open(sys.argv[1]):
    body = json.loads(json.loads(line)["Body"])
    if body["input"]["who"] == "e1":
        print(body["token"])
EOF
)
  [ -n "$token" ] && break
  sleep 0.05
done
[ -n "$token" ] || fatal "no message for e1 in $data/sqs/$queue.jsonl"
sfn send-task-success --task-token "$token" --task-output '{"answer":42}'
# AWS: InvalidToken "Invalid Token: 'Invalid token'" for a token it never
# issued (../shared/conformance, test_sfn_send_task_outcome_with_no_such_token).
expect_error InvalidToken send-task-success --task-token "NoSuchTaskToken" --task-output '{}'

echo "--- stop-execution e2"
sfn stop-execution --execution-arn "arn:aws:states:us-east-1:$account:execution:$name:e2" \
  --error E2E.Stopped --cause "stopped by awscli.sh" --query stopDate --output text >/dev/null

echo "--- describe-execution e1"
status=RUNNING
for _ in $(seq 20); do
  status=$(sfn describe-execution --execution-arn "arn:aws:states:us-east-1:$account:execution:$name:e1" \
    --query status --output text)
  [ "$status" = RUNNING ] || break
  sleep 0.2
done
expect "status of e1" "$status" SUCCEEDED
got=$(sfn describe-execution --execution-arn "arn:aws:states:us-east-1:$account:execution:$name:e1" \
  --query output --output text)
expect "output of e1" "$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True))' "$got")" \
  '{"answer": {"answer": 42}, "who": "e1"}'

echo "--- list-executions --status-filter"
expect "SUCCEEDED" "$(sfn list-executions --state-machine-arn "$sm_arn" --status-filter SUCCEEDED \
  --query 'executions[].name' --output text | words)" e1
expect "ABORTED" "$(sfn list-executions --state-machine-arn "$sm_arn" --status-filter ABORTED \
  --query 'executions[].name' --output text | words)" e2
expect "RUNNING" "$(sfn list-executions --state-machine-arn "$sm_arn" --status-filter RUNNING \
  --query 'executions[].name' --output text | words)" ""
# One a page: the CLI follows nextToken; newest first, as on AWS.
expect "all, one a page" "$(sfn list-executions --state-machine-arn "$sm_arn" --page-size 1 \
  --query 'executions[].name' --output text | words)" "e2 e1"

echo "--- get-execution-history"
e1=arn:aws:states:us-east-1:$account:execution:$name:e1
want="ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded"
# Two events a page: the CLI follows nextToken through every page.
got=$(sfn get-execution-history --execution-arn "$e1" --page-size 2 --query 'events[].type' --output text | words)
expect "history, two events a page" "$got" "$want"
reversed=$(echo "$want" | tr ' ' '\n' | tac | words)
got=$(sfn get-execution-history --execution-arn "$e1" --reverse-order --page-size 3 --query 'events[].type' --output text | words)
expect "history, reverse order" "$got" "$reversed"
# --max-items stops after 4 events and hands out a token for the rest.
page=$(sfn get-execution-history --execution-arn "$e1" --reverse-order --max-items 4 --page-size 3 --output json)
next=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("NextToken",""))' "$page")
[ -n "$next" ] || fail "no NextToken after 4 of 10 events: $page"
got=$(sfn get-execution-history --execution-arn "$e1" --reverse-order --page-size 3 --starting-token "$next" \
  --query 'events[].type' --output text | words)
expect "history, the rest after --starting-token" "$got" "$(echo "$reversed" | cut -d' ' -f5-)"
got=$(sfn get-execution-history --execution-arn "arn:aws:states:us-east-1:$account:execution:$name:e2" \
  --reverse-order --max-items 1 --query 'events[0].[type, executionAbortedEventDetails.error, executionAbortedEventDetails.cause]' \
  --output json | python3 -c 'import json,sys; print("|".join(json.load(sys.stdin)))')
expect "last event of e2" "$got" "ExecutionAborted|E2E.Stopped|stopped by awscli.sh"

if [ "${#failures[@]}" -gt 0 ]; then
  printf '%d check(s) failed:\n' "${#failures[@]}" >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
echo ok
