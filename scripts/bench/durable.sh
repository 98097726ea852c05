#!/bin/sh
# durable.sh measures the durable runtime on the embedded store: the engine
# on boltstore (a file in a temporary directory, fdatasync on) and memqueue,
# with a pool of 16 x GOMAXPROCS worker goroutines, as `stepwise serve` runs.
#
#   lone:        one execution of a 1,000-state Pass chain at a time
#   concurrent:  100 executions of a 100-state Pass chain at once
#
# It prints, per run, transitions/s (wall clock), fdatasyncs and store
# commits per transition, and the CPU time (user + system) per transition,
# which is steadier than the wall clock on a shared machine. Then the
# store alone: BenchmarkCommit (one step's commit, 1 and 32 writers).
#
#   scripts/bench/durable.sh            # BENCHTIME=3x COUNT=3
#
# TMPDIR chooses the disk the files go to. Needs Go.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go test -c -o "$tmp/engine.test" ./orchestrator/engine
go test -c -o "$tmp/boltstore.test" ./orchestrator/store/boltstore

echo "Machine: $(uname -sm), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null), $(go version | cut -d' ' -f3)"
echo "Files in: $(df -hT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1 " (" $2 ")"}')"
echo
echo "== engine + boltstore (fsync on) + memqueue"
cd "$root/orchestrator/engine"
"$tmp/engine.test" -test.run '^$' -test.bench '^BenchmarkEmbedded(Lone|Concurrent)$' \
	-test.benchtime "${BENCHTIME:-3x}" -test.count "${COUNT:-3}" |
	awk '/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkEmbedded/, "", name)
		line = sprintf("%-11s", name)
		for (i = 3; i < NF; i += 2) {
			if ($(i+1) == "ns/op") continue
			line = line sprintf("  %10.4g %s", $i, $(i+1))
		}
		print line
	}'
echo
echo "== boltstore alone: a step's commit (1 KB checkpoint, 2 events)"
cd "$root/orchestrator/store/boltstore"
"$tmp/boltstore.test" -test.run '^$' -test.bench '^BenchmarkCommit$' -test.benchtime "${COMMITTIME:-2s}" |
	awk '/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkCommit\//, "", name)
		line = sprintf("%-13s", name)
		for (i = 3; i < NF; i += 2) {
			if ($(i+1) == "ns/op") continue
			line = line sprintf("  %10.4g %s", $i, $(i+1))
		}
		print line
	}'
