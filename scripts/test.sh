#!/usr/bin/env bash
# Runs every test tier on a fresh machine (Debian 12, Go 1.26, Node 20,
# Java 17, python3 with moto); `make test` calls it.
#
#   1. npm ci (DynamoDB Local, aws-ses-v2-local, asl-validator), asl-validator
#      on statemachines/, the Lambda runtime interface emulator (go install)
#      and, as root with apt, the AWS CLI v2 (Debian's awscli) for e2e/
#   2. start the AWS-compatible servers on loopback (scripts/localaws.sh),
#      stopped again on exit, whatever happens
#   3. go test -race ./...      with AWS_ENDPOINT_URL_* set, then the
#      console's tests (console/test/run.sh: chromium against stepwise serve)
#   4. every fuzz target for a few seconds (FUZZ_BUDGET seconds in all)
#   5. every benchmark once
#   6. the conformance corpus in ../shared/conformance (skipped if absent)
#
# Knobs: TEST_TIMEOUT (go test -timeout, default 15m), FUZZ_BUDGET (default
# 120), CONFORMANCE_STRICT=1 to fail when a conformance case fails.
set -euo pipefail

cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
die() { echo "test.sh: $*" >&2; exit 1; }

# Test steps keep going after a failure, so one run reports every broken
# tier; the script fails at the end if any did.
failed=()
try() {
  if ! "$@"; then
    failed+=("$*")
    echo "FAILED: $*"
  fi
}

rie_version=v0.0.0-20261030222936-bef5c4ba774d
test_timeout=${TEST_TIMEOUT:-15m}
fuzz_budget=${FUZZ_BUDGET:-120}
started=$SECONDS

step "checking tools"
for tool in go node npm java python3; do
  command -v "$tool" >/dev/null || die "$tool not found on PATH"
done
python3 -c 'import moto.server' 2>/dev/null ||
  die "python3 cannot import moto.server (the image should ship moto 5.2; PyPI is not reachable here)"
echo "go $(go env GOVERSION), node $(node --version), $(java -version 2>&1 | head -1)"

step "template.yaml: cfn-lint, checks against the code, arm64 builds"; try scripts/lint-template.sh

step "installing npm packages (npm ci)"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "node_modules is current"
else
  npm ci --no-audit --no-fund
fi

step "checking statemachines/*.asl.json with asl-validator"
for f in statemachines/*.asl.json; do
  try npx --no-install asl-validator --json-path "$f"
done

step "installing the Lambda runtime interface emulator"
export PATH="$(go env GOPATH)/bin:$PATH"
if command -v aws-lambda-rie >/dev/null; then
  echo "aws-lambda-rie: $(command -v aws-lambda-rie)"
else
  CGO_ENABLED=0 go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$rie_version"
fi

step "AWS CLI v2 for the e2e client tests (/usr/bin/aws)"
if /usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2\.'; then
  /usr/bin/aws --version
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y --no-install-recommends awscli ||
    { apt-get update && apt-get install -y --no-install-recommends awscli; } ||
    echo "could not install awscli: e2e's TestAWSCLI runs with the aws on PATH (v1) or skips"
else
  echo "no AWS CLI v2 and not root with apt: e2e's TestAWSCLI runs with the aws on PATH (v1) or skips"
fi

step "starting the local AWS-compatible servers"
trap 'scripts/localaws.sh stop' EXIT
trap 'exit 130' INT TERM
scripts/localaws.sh start
eval "$(scripts/localaws.sh env)"
env | grep -E '^AWS_(ENDPOINT_URL_|REGION)' | sort

step "go test -race ./..."
try go test -race -timeout "$test_timeout" ./...

step "console: browser tests against stepwise serve"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y --no-install-recommends chromium ||
    { apt-get update && apt-get install -y --no-install-recommends chromium; } ||
    echo "could not install chromium: console/test/run.sh skips its browser tests"
fi
try console/test/run.sh

step "fuzzing (${fuzz_budget}s in all)"
# fuzz_one runs one target. Go's fuzzer sometimes ends a run with only
# "context deadline exceeded" when -fuzztime runs out while it minimises a
# new input (no failing input is written): that run is tried once more,
# and only a found failure (a new file under testdata/fuzz) or a second
# such ending fails.
fuzz_one() {
  local pkg=$1 name=$2 per=$3 out
  for attempt in 1 2; do
    if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "${per}s" "$pkg" 2>&1); then
      echo "$out" | tail -n 3
      return 0
    fi
    echo "$out"
    if ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written to' <<<"$out"; then
      return 1
    fi
    echo "fuzz: $name ended with a context deadline and no failing input; running it again ($attempt/2)"
  done
  return 1
}
# `go test -list` prints each package's matching names, then its "ok" line.
targets=()
pending=()
while read -r first second _; do
  case "$first" in
  Fuzz*) pending+=("$first") ;;
  ok)
    for name in "${pending[@]}"; do targets+=("$second $name"); done
    pending=()
    ;;
  *) pending=() ;;
  esac
done < <(go test -run '^$' -list '^Fuzz' ./... 2>/dev/null)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "no fuzz targets"
else
  per=$((fuzz_budget / ${#targets[@]}))
  [ "$per" -ge 1 ] || per=1
  [ "$per" -le 10 ] || per=10
  for t in "${targets[@]}"; do
    read -r pkg name <<<"$t"
    echo "--- $name in $pkg (${per}s)"
    try fuzz_one "$pkg" "$name" "$per"
  done
fi

step "benchmarks, each once"
try go test -run '^$' -bench . -benchtime 1x ./...

step "conformance"
if [ ! -x ../shared/conformance/run ]; then
  echo "SKIPPED: ../shared/conformance is missing (the shared folder sits beside the repository)"
elif [ ! -d cmd/stepwise ]; then
  echo "SKIPPED: ./cmd/stepwise does not exist yet"
elif [ "${CONFORMANCE_STRICT:-0}" = 1 ]; then
  try make --no-print-directory conformance
else
  make --no-print-directory conformance ||
    echo "conformance: some cases fail (listed above); set CONFORMANCE_STRICT=1 to make that fatal"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  step "FAILED after $((SECONDS - started))s:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
step "all tests passed in $((SECONDS - started))s"
