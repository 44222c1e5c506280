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
mkdir -p "$WORK/state" "$WORK/certs"

step "the application, the API and two certificates, made elsewhere"
# Through the Management API, as a dashboard or another stack would. The certificates are the
# partner's: only their public halves are given to the program; the keys stay in $WORK/certs.
"$VENV/bin/python" - "$URL" "$WORK" <<'PY' >"$WORK/elsewhere.env"
import datetime, sys
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

url, work = sys.argv[1], sys.argv[2]
token = requests.post(f"{url}/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-client",
                      "client_secret": "demo-secret", "audience": f"{url}/api/v2/"}).json()["access_token"]
api = requests.Session()
api.headers["Authorization"] = f"Bearer {token}"
app = api.post(f"{url}/api/v2/clients", json={"name": "Partner A", "app_type": "non_interactive",
               "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"]}).json()
server = api.post(f"{url}/api/v2/resource-servers", json={"name": "Payments",
                  "identifier": "https://api.example.com/payments"}).json()
now = datetime.datetime.now(datetime.timezone.utc)
for year in ("2026", "2027"):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Partner A"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"partner-a {year}")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365)).sign(key, hashes.SHA256()))
    with open(f"{work}/certs/partner-a-{year}.pem", "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(f"{work}/certs/partner-a-{year}.key", "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
print(f"APP_CLIENT_ID={app['client_id']}")
print(f"API_ID={server['identifier']}")
PY
# shellcheck disable=SC1091
. "$WORK/elsewhere.env"
echo "application $APP_CLIENT_ID (client_secret_post), API $API_ID, certificates in $WORK/certs"

show_client() {  # through the Management API; its own calls are then dropped from the call log
  "$VENV/bin/python" - "$URL" "$APP_CLIENT_ID" <<'PY'
import json, sys
import requests
url, client_id = sys.argv[1], sys.argv[2]
token = requests.post(f"{url}/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo-client",
                      "client_secret": "demo-secret", "audience": f"{url}/api/v2/"}).json()["access_token"]
headers = {"Authorization": f"Bearer {token}"}
client = requests.get(f"{url}/api/v2/clients/{client_id}", headers=headers).json()
pool = requests.get(f"{url}/api/v2/clients/{client_id}/credentials", headers=headers).json()
shown = {k: client[k] for k in ("token_endpoint_auth_method", "client_authentication_methods",
                                 "require_proof_of_possession") if k in client}
shown["credential pool"] = {c["id"]: c.get("name") for c in pool}
print(json.dumps(shown, indent=2))
PY
  curl -s -X DELETE "$URL/__emulator/calls" >/dev/null
}
show_calls() {  # the Management API calls since the last look, in order
  curl -s "$URL/__emulator/calls" | "$VENV/bin/python" -c "$(cat <<'PY'
import json, sys
for call in json.load(sys.stdin):
    if call["path"].startswith("/api/v2/"):
        print(f"  {call['method']:6} {call['path']} -> {call['status']}")
PY
)"
  curl -s -X DELETE "$URL/__emulator/calls" >/dev/null
}

cd "$ROOT"
pulumi stack init demo --non-interactive >/dev/null
pulumi config set auth0:domain "$URL"
pulumi config set auth0:clientId demo-client
pulumi config set --secret auth0:clientSecret demo-secret
pulumi config set verifyTimeoutSeconds 60
pulumi config set appClientId "$APP_CLIENT_ID"
pulumi config set apiId "$API_ID"
pulumi config set --path 'clientCertificates.partner-a-2026' "$WORK/certs/partner-a-2026.pem"

step "pulumi preview"
pulumi preview --non-interactive --color never
step "pulumi up"
curl -s -X DELETE "$URL/__emulator/calls" >/dev/null
pulumi up --yes --skip-preview --non-interactive --color never
step "Management API calls made by that up"
show_calls
step "stack outputs (secrets masked)"
pulumi stack output --non-interactive
step "the application now"
show_client
step "emulator state: custom domains and the tenant's mtls setting"
curl -s "$URL/__emulator/state" | "$VENV/bin/python" -c 'import json, sys; s = json.load(sys.stdin)
print(json.dumps({"custom_domains": s["custom_domains"], "tenant_settings.mtls": s["tenant_settings"].get("mtls")}, indent=2))'
step "pulumi preview again (expect no changes)"
pulumi preview --non-interactive --color never --expect-no-changes

step "rotation, 1 of 2: add the 2027 certificate (both are accepted)"
pulumi config set --path 'clientCertificates.partner-a-2027' "$WORK/certs/partner-a-2027.pem"
pulumi up --yes --skip-preview --non-interactive --color never
show_calls
show_client
step "rotation, 2 of 2: drop the 2026 certificate (the client moves first, then it is deleted)"
pulumi config rm --path 'clientCertificates.partner-a-2026'
pulumi up --yes --skip-preview --non-interactive --color never
show_calls
show_client

step "pulumi destroy"
pulumi destroy --yes --skip-preview --non-interactive --color never
show_calls
step "the application after destroy (back to client_secret_post)"
show_client
pulumi stack rm --yes --non-interactive demo >/dev/null
echo "Done: the tenant is back as it was."
