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
CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 test/console.test.mjs
