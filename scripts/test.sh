#!/usr/bin/env bash
# The test command (`make test`): installs everything it needs, then runs every test layer.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -q`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[test] creating virtualenv $VENV" >&2
  python3 -m venv "$VENV"
fi
echo "[test] installing auth0-mtls and the test tools into $VENV" >&2
# A regular (not editable) install: the Pulumi program and the provider process import the package
# exactly as a user's would.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$ROOT[dev]"

AUTH0_MTLS_PULUMI_BIN="$(bash "$ROOT/scripts/ensure-pulumi.sh")"
export AUTH0_MTLS_PULUMI_BIN

cd "$ROOT"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "[test] error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
