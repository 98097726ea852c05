#!/bin/sh
# Tests of the console: installs the pinned npm packages (npm ci), checks
# that the committed dist/ is a fresh build of src/, runs the status
# derivation and SigV4 signer tests, then the browser tests: Debian's chromium (driven by
# playwright-core) against a real `stepwise serve` (bin/stepwise, built
# unless STEPWISE_BIN names one). Without chromium the browser tests are
# skipped with a message. Screenshots and timings go to test/artifacts/.
set -eu
cd "$(dirname "$0")/.."
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if ! command -v node >/dev/null 2>&1; then
	echo "console/test/run.sh: SKIP: node is not installed"
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error

# The committed bundle must be a fresh build of src/.
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
OUTDIR="$fresh" node build.mjs
for f in index.html app.js app.css; do
	if ! cmp -s "$fresh/$f" "dist/$f"; then
		echo "console/test/run.sh: dist/$f is not a fresh build of src/: run 'npm run build' in console/ and commit dist/" >&2
		exit 1
	fi
done

node --test test/status.test.mjs test/sigv4.test.mjs

if [ ! -x "$CHROMIUM" ]; then
	echo "console/test/run.sh: SKIP browser tests: no chromium at $CHROMIUM (apt-get install -y --no-install-recommends chromium)"
	exit 0
fi
CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 --test-reporter=spec test/console.test.mjs
