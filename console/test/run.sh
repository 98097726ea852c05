#!/bin/sh
# Browser tests of the console: installs the pinned npm packages, builds the
# page and runs test/console.test.mjs in Debian's chromium. Skips (exit 0)
# with a message when chromium is missing. Screenshots: test/artifacts/.
set -eu
cd "$(dirname "$0")/.."
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
	echo "console/test/run.sh: SKIP: no chromium at $CHROMIUM (apt-get install -y chromium)"
	exit 0
fi
if ! command -v node >/dev/null 2>&1; then
	echo "console/test/run.sh: SKIP: node is not installed"
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
# The committed bundle must match the sources.
if command -v git >/dev/null 2>&1 && ! git diff --quiet -- dist 2>/dev/null; then
	echo "console/test/run.sh: dist/ differs from a fresh build of src/; commit the rebuilt dist/" >&2
	git diff --stat -- dist >&2
	exit 1
fi
CHROMIUM="$CHROMIUM" exec node --test --test-concurrency=1 test/console.test.mjs
