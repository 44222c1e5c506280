#!/usr/bin/env bash
# `make bench`: installs what it needs, then prints the benchmark table (and writes JSON).
# Arguments go to bench/bench.py, e.g. `scripts/bench.sh --repeat 5`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$ROOT[dev]"
AUTH0_MTLS_PULUMI_BIN="$(bash "$ROOT/scripts/ensure-pulumi.sh")"
export AUTH0_MTLS_PULUMI_BIN
exec "$VENV/bin/python" "$ROOT/bench/bench.py" "$@"
