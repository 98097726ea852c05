#!/usr/bin/env bash
# The `make run` flow as a user runs it on a fresh machine, driven with curl:
#
#   1. `make run DATA=<fresh folder> ADDR=127.0.0.1:<free port>` (it builds
#      bin/stepwise and runs `stepwise serve` on the embedded store);
#   2. the contact form: a valid and an invalid form, as JSON and
#      form-encoded, asynchronous (202, then GET /contact/{id}) and
#      synchronous (?mode=sync); the sent e-mail as .eml in DATA/outbox/;
#   3. a Wait state machine created and started through the Step Functions
#      API, then Ctrl-C (SIGINT to make's process group) while it waits: a
#      clean shutdown;
#   4. `make run` again: the execution resumes and succeeds, and what was
#      stored before is still there; Ctrl-C again.
#
#   e2e/make-run.sh [DATA_DIR]
#
# DATA_DIR defaults to a new temporary folder (removed at the end unless
# KEEP=1). The AWS_ENDPOINT_URL_* variables are unset: `make run` on a
# fresh machine has none. Needs make, curl and python3. Prints "ok" at the
# end; exits non-zero naming the failed check.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in make curl python3; do
  command -v "$tool" >/dev/null || { echo "make-run.sh: $tool not found" >&2; exit 2; }
done
while read -r v; do unset "$v"; done < <(env | sed -n 's/^\(AWS_ENDPOINT_URL[A-Z_]*\)=.*/\1/p')

work=$(mktemp -d)
data=${1:-$work/data}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port
base=http://$addr
pid=""

fail() {
  echo "FAILED: $*" >&2
  for f in "$work"/run*.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }
  done
  exit 1
}
cleanup() {
  if [ -n "$pid" ] && kill -0 -- "-$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  [ "${KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

# json FILE EXPR: prints the Python expression EXPR over the JSON in FILE
# (bound to d); strings as they are, anything else as JSON.
json() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))
EOF
}
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

run=0
# start: `make run` in its own process group (job control), so that SIGINT
# reaches make and stepwise as Ctrl-C in a terminal does.
start() {
  run=$((run + 1))
  set -m
  make --no-print-directory run DATA="$data" ADDR="$addr" >"$work/run$run.log" 2>&1 &
  pid=$!
  set +m
  local i
  for i in $(seq 1200); do # the first run builds bin/stepwise
    if curl -fs -o /dev/null "$base/console/"; then
      echo "make run #$run listens on $addr (after ~$((i / 10)) s)"
      return
    fi
    kill -0 "$pid" 2>/dev/null || fail "make run #$run ended before listening"
    sleep 0.1
  done
  fail "make run #$run does not answer on $base after 120 s"
}
# stop: Ctrl-C, then a clean shutdown within 15 s: stepwise says it stops,
# logs no error, leaves no process behind, and the port is closed.
stop() {
  kill -INT -- "-$pid"
  local i status=0
  for i in $(seq 150); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 -- "-$pid" 2>/dev/null && fail "make run #$run still runs 15 s after SIGINT"
  wait "$pid" || status=$?
  pid=""
  # make itself dies of the SIGINT it got (130) after its child exited.
  case "$status" in 0 | 130) ;; *) fail "make run #$run exited with status $status" ;; esac
  grep -q "stepwise serve: stopping" "$work/run$run.log" || fail "stepwise serve did not say it stops"
  if grep -E "level=ERROR|panic|stepwise serve: .*error|Error [0-9]" "$work/run$run.log"; then
    fail "errors in the log of make run #$run"
  fi
  curl -fs -o /dev/null "$base/console/" && fail "something still answers on $addr"
  echo "make run #$run stopped cleanly on SIGINT (status $status)"
}

# post_contact QUERY CONTENT-TYPE CURL-DATA-ARGS...: POST /contact; prints
# the HTTP status; the body is in $work/body.
post_contact() {
  local query=$1 ctype=$2
  shift 2
  curl -s -o "$work/body" -w '%{http_code}' -H "Content-Type: $ctype" "$@" "$base/contact$query"
}
# settle URL: polls GET URL until the status is no longer RUNNING; prints
# the HTTP status; the body is in $work/body.
settle() {
  local code i
  for i in $(seq 300); do
    code=$(curl -s -o "$work/body" -w '%{http_code}' "$base$1")
    [ "$(json "$work/body" 'd.get("status")')" = RUNNING ] || { echo "$code"; return; }
    sleep 0.1
  done
  fail "GET $1 still RUNNING after 30 s"
}
# sfn OPERATION JSON: the Step Functions API (AWS JSON 1.0) with curl.
sfn() {
  curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/x-amz-json-1.0' \
    -H "X-Amz-Target: AWSStepFunctions.$1" -d "$2" "$base/"
}

start

echo "--- a valid form as JSON, asynchronous"
code=$(post_contact "" application/json \
  -d '{"name": "Ada Lovelace", "email": "ada@example.com", "message": "Hi <script>alert(1)</script> & bye"}')
expect "POST /contact" "$code" 202
status_url=$(json "$work/body" 'd["statusUrl"]')
code=$(settle "$status_url")
expect "GET $status_url" "$code" 200
expect "status" "$(json "$work/body" 'd["status"]')" SUCCEEDED
message_id=$(json "$work/body" 'd["result"]["messageId"]')
first_url=$status_url

echo "--- its e-mail in $data/outbox/"
shopt -s nullglob
emls=("$data"/outbox/*.eml)
expect ".eml files" "${#emls[@]}" 1
python3 - "${emls[0]}" "$message_id" <<'EOF' || fail "the .eml of the valid form"
import email, sys
from email import policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
assert msg["To"] == "team@example.com", msg["To"]
assert msg["Reply-To"] == "ada@example.com", msg["Reply-To"]
assert msg["From"] == "forms@example.com", msg["From"]
assert "Ada Lovelace" in msg["Subject"], msg["Subject"]
assert sys.argv[2] in sys.argv[1] or sys.argv[2] in msg["Message-ID"], (sys.argv[2], sys.argv[1], msg["Message-ID"])
html = msg.get_body(("html",)).get_content()
text = msg.get_body(("plain",)).get_content()
assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; bye" in html, html
assert "<script>" not in html, html
assert "<script>alert(1)</script> & bye" in text, text
EOF

echo "--- a valid form, form-encoded (as a browser sends it), synchronous"
code=$(post_contact "?mode=sync" application/x-www-form-urlencoded \
  --data-urlencode "name=Grace Hopper" --data-urlencode "email=grace@example.com" --data-urlencode "message=Hello & <b>bye</b>")
expect "POST /contact?mode=sync" "$code" 200
expect "status" "$(json "$work/body" 'd["status"]')" SUCCEEDED
emls=("$data"/outbox/*.eml)
expect ".eml files" "${#emls[@]}" 2

echo "--- an invalid form, form-encoded, asynchronous (header injection in the name)"
code=$(post_contact "" application/x-www-form-urlencoded \
  --data-urlencode $'name=Mallory\r\nBcc: victim@example.org' --data-urlencode "email=mallory@example.com" \
  --data-urlencode "message=hi")
expect "POST /contact" "$code" 202
code=$(settle "$(json "$work/body" 'd["statusUrl"]')")
expect "GET the invalid submission" "$code" 400
expect "error" "$(json "$work/body" 'd["error"]')" ValidationError
expect "fields" "$(json "$work/body" '[f["field"] for f in d["fields"]]')" '["name"]'

echo "--- an invalid form as JSON, synchronous"
code=$(post_contact "?mode=sync" application/json -d '{"name": "", "email": "not an address", "message": "x"}')
expect "POST /contact?mode=sync" "$code" 400
expect "fields" "$(json "$work/body" '[f["field"] for f in d["fields"]]')" '["name", "email"]'
code=$(post_contact "" application/json -d '{"name": ')
expect "POST /contact with a body that is not JSON" "$code" 400
expect "fields" "$(json "$work/body" '[f["field"] for f in d["fields"]]')" '["body"]'
emls=("$data"/outbox/*.eml)
expect ".eml files after the invalid forms" "${#emls[@]}" 2

echo "--- a Wait state machine through the Step Functions API"
definition='{"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":4,"Next":"Done"},"Done":{"Type":"Pass","Result":"rested","End":true}}}'
code=$(sfn CreateStateMachine "$(python3 -c 'import json,sys; print(json.dumps({"name": "nap", "definition": sys.argv[1], "roleArn": "arn:aws:iam::123456789012:role/r"}))' "$definition")")
expect "CreateStateMachine" "$code" 200
sm=$(json "$work/body" 'd["stateMachineArn"]')
code=$(sfn StartExecution "{\"stateMachineArn\": \"$sm\", \"name\": \"resume-me\", \"input\": \"{}\"}")
expect "StartExecution" "$code" 200
exec_arn=$(json "$work/body" 'd["executionArn"]')
code=$(sfn DescribeExecution "{\"executionArn\": \"$exec_arn\"}")
expect "DescribeExecution" "$code" 200
expect "status before Ctrl-C" "$(json "$work/body" 'd["status"]')" RUNNING

stop

echo "--- make run again: the execution resumes"
start
grep -q "resumed  *1 unfinished execution" "$work/run$run.log" ||
  fail "make run #$run does not say it resumed 1 unfinished execution"
status=RUNNING
for _ in $(seq 300); do
  sfn DescribeExecution "{\"executionArn\": \"$exec_arn\"}" >/dev/null
  status=$(json "$work/body" 'd["status"]')
  [ "$status" = RUNNING ] || break
  sleep 0.1
done
expect "status after the restart" "$status" SUCCEEDED
expect "output" "$(json "$work/body" 'd["output"]')" '"rested"'
code=$(settle "$first_url")
expect "GET the first submission after the restart" "$code" 200
expect "its status" "$(json "$work/body" 'd["status"]')" SUCCEEDED
emls=("$data"/outbox/*.eml)
expect ".eml files after the restart (nothing sent twice)" "${#emls[@]}" 2
stop

echo ok
