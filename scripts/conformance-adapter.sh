#!/bin/sh
# Adapter between ../shared/conformance/run and the stepwise CLI. The runner
# calls `COMMAND DEFINITION_FILE INPUT_FILE` with ASL_STATE_MACHINE_TYPE,
# ASL_STATE_MACHINE_NAME and, for cases with mocks, ASL_MOCK_CONFIG and
# ASL_TEST_CASE in the environment; this turns them into flags of
#
#   bin/stepwise run --type T --name N [--mock-config F --test-case C] DEFINITION INPUT
#
# STEPWISE (default: bin/stepwise beside this script's folder) names the binary.
set -eu
[ "$#" -eq 2 ] || { echo "usage: $0 DEFINITION_FILE INPUT_FILE" >&2; exit 2; }
def=$1
inp=$2
bin=${STEPWISE:-$(dirname "$0")/../bin/stepwise}
set -- --type "${ASL_STATE_MACHINE_TYPE:-STANDARD}" --name "${ASL_STATE_MACHINE_NAME:-conformance}"
if [ -n "${ASL_MOCK_CONFIG:-}" ]; then
  set -- "$@" --mock-config "$ASL_MOCK_CONFIG" --test-case "${ASL_TEST_CASE:-recorded}"
fi
exec "$bin" run "$@" "$def" "$inp"
