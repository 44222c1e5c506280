#!/usr/bin/env bash
# `make lint`: ruff (likely bugs, naming, imports, line length) and mypy (strict types) over the
# tree, with the versions pinned in the dev extra; configuration in pyproject.toml. Installs what
# it needs first, like `make test`. Runs both and fails if either finds anything.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"
PHASE_TAG=lint
# shellcheck source=scripts/phase.sh
. "$ROOT/scripts/phase.sh"
# shellcheck source=scripts/dev-venv.sh
. "$ROOT/scripts/dev-venv.sh"

ensure_dev_venv
cd "$ROOT"
rc=0
say "ruff $("$VENV/bin/ruff" --version | awk '{print $2}'): check the whole tree"
"$VENV/bin/ruff" check . || rc=1
say "mypy $("$VENV/bin/mypy" --version | awk '{print $2}'): the package and examples/mtls-tenant, strict"
"$VENV/bin/mypy" || rc=1
[ "$rc" -eq 0 ] || say "error: lint found problems (above)"
exit "$rc"
