#!/usr/bin/env bash
# `make demo`: the whole preview-then-apply workflow of examples/mtls-tenant against a local
# emulator of the Auth0 Management API, from a fresh clone. Nothing leaves this machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "virtualenv and package"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$ROOT"

step "Pulumi CLI"
BIN="$(bash "$ROOT/scripts/ensure-pulumi.sh")"

WORK="$(mktemp -d)"
EMU_PID=""
cleanup() {
  [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "emulator"
"$VENV/bin/python" -u -m auth0_mtls.emulator --port 0 --auto-dns --client-id demo-client \
  --client-secret demo-secret >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
for _ in $(seq 1 100); do
  URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/emulator.log" | head -n1 || true)"
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "${URL:-}" ] || { cat "$WORK/emulator.log"; echo "emulator did not start" >&2; exit 1; }
echo "Auth0 Management API emulator at $URL"

export PATH="$BIN:$PATH"
export PULUMI_HOME="$WORK/home" PULUMI_BACKEND_URL="file://$WORK/state" PULUMI_CONFIG_PASSPHRASE="demo"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_PYTHON_CMD="$VENV/bin/python"
mkdir -p "$WORK/state"
cd "$ROOT"
pulumi stack init demo --non-interactive >/dev/null
pulumi config set auth0:domain "$URL"
pulumi config set auth0:clientId demo-client
pulumi config set --secret auth0:clientSecret demo-secret
pulumi config set verifyTimeoutSeconds 60

step "pulumi preview"
pulumi preview --non-interactive --color never
step "pulumi up"
pulumi up --yes --skip-preview --non-interactive --color never
step "stack outputs (secrets masked)"
pulumi stack output --non-interactive
step "emulator state"
curl -s "$URL/__emulator/state" | "$VENV/bin/python" -m json.tool
step "pulumi preview again (expect no changes)"
pulumi preview --non-interactive --color never --expect-no-changes
step "pulumi destroy"
pulumi destroy --yes --skip-preview --non-interactive --color never
pulumi stack rm --yes --non-interactive demo >/dev/null
echo "Done: the tenant is back as it was."
