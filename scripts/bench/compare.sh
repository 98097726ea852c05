#!/bin/sh
# compare.sh runs the interpreter's benchmark workloads (Pass chain, Choice
# loop, Map 1000x3) with stepwise and with the npm package
# aws-local-stepfunctions (pinned in package-lock.json), and prints a table
# with both timings and their ratio, plus the one-shot wall time of
# `stepwise run` and of aws-local-stepfunctions' local-sfn CLI.
#
#   scripts/bench/compare.sh            # BENCHTIME=2s RUNS=20 ONESHOT=20
#
# Needs Go and Node.js (aws-local-stepfunctions asks for Node 22; it runs on
# Node 20 with an engine warning).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$here"
if [ ! -d node_modules/aws-local-stepfunctions ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi

cd "$root"
go build ${GOFLAGS_EXTRA:-} -o "$tmp/stepwise" ./cmd/stepwise
go test ${GOFLAGS_EXTRA:-} -run '^$' -bench 'BenchmarkPassChain100$|BenchmarkChoiceLoop$|BenchmarkMap1000x3$' \
	-benchtime "${BENCHTIME:-2s}" ./orchestrator/interp > "$tmp/go-bench.txt"

echo "Machine: $(uname -sm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "Versions: $(go version | cut -d' ' -f3), node $(node --version), aws-local-stepfunctions $(node -p "require('$here/node_modules/aws-local-stepfunctions/package.json').version")"
echo
cd "$here"
node compare.mjs --stepwise "$tmp/stepwise" --go-bench "$tmp/go-bench.txt" \
	--runs "${RUNS:-20}" --oneshot "${ONESHOT:-20}"
