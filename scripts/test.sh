#!/usr/bin/env bash
# The test command (`make test`): installs everything it needs, then runs every test layer.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -q`. Set-up prints one line per
# phase; the logs of pip and of a Pulumi CLI build are kept and shown only on failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"
PHASE_TAG=test
# shellcheck source=scripts/phase.sh
. "$ROOT/scripts/phase.sh"
# shellcheck source=scripts/dev-venv.sh
. "$ROOT/scripts/dev-venv.sh"

ensure_dev_venv
AUTH0_MTLS_PULUMI_BIN="$(bash "$ROOT/scripts/ensure-pulumi.sh")"
export AUTH0_MTLS_PULUMI_BIN

cd "$ROOT"
say "pytest ${*:-(every layer)}"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  say "error: pytest collected no tests"
  exit 1
fi
exit "$rc"
