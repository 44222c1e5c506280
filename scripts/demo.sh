#!/usr/bin/env bash
# `make demo`: the whole story of examples/mtls-tenant against a local emulator of Auth0, from a
# fresh clone: preview, up, a certificate rotation, then a real nginx edge started from the stack's
# own configuration, the discovery check through it, and a client that gets an access token bound
# to its certificate; destroy; and that token's claims, decoded. Nothing leaves this machine.
#
# nginx is installed from Debian's packages when it is missing and this user can (root, apt-get);
# otherwise, or with AUTH0_MTLS_DEMO_NGINX=no, the demo says what it skips and asks the emulator for
# the token directly, with the headers the edge would add.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${AUTH0_MTLS_VENV:-$ROOT/.venv}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "virtualenv and package"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
rm -rf "$ROOT/build"  # setuptools would reuse a stale build/lib, modules deleted from the source included
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$ROOT"

step "Pulumi CLI"
BIN="$(bash "$ROOT/scripts/ensure-pulumi.sh")"

WORK="$(mktemp -d)"
EMU_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
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

step "the application, the API, its grant and two certificates, made elsewhere"
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
                  "identifier": "https://api.example.com/payments", "scopes": [{"value": "pay"}]}).json()
# Which application may get tokens for which API, and with which scopes.
api.post(f"{url}/api/v2/client-grants", json={"client_id": app["client_id"], "audience": server["identifier"],
         "scope": ["pay"]}).raise_for_status()
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
echo "application $APP_CLIENT_ID (client_secret_post, granted scope pay), API $API_ID, certificates in $WORK/certs"

step "the edge's certificate, and a port for it"
# nginx will serve login.example.com and mtls.login.example.com: one certificate must name both. A
# private CA stands in for the public one a real edge would use.
EDGE_PORT="$("$VENV/bin/python" - "$WORK" <<'PY'
import datetime, socket, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

work = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("demo edge CA")).issuer_name(name("demo edge CA"))
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=30))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
key = ec.generate_private_key(ec.SECP256R1())
hosts = ["login.example.com", "mtls.login.example.com"]
cert = (x509.CertificateBuilder().subject_name(name(hosts[0])).issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256()))
open(f"{work}/certs/edge-ca.pem", "wb").write(ca.public_bytes(serialization.Encoding.PEM))
open(f"{work}/certs/edge.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(f"{work}/certs/edge.key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1])
PY
)"
echo "certificate for login.example.com and mtls.login.example.com; the edge will listen on 127.0.0.1:$EDGE_PORT"

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
# The edge: nginx in front of Auth0's origin for the domain, here the emulator.
pulumi config set edgeCertificate "$WORK/certs/edge.pem"
pulumi config set edgeCertificateKey "$WORK/certs/edge.key"
pulumi config set edgeListen "127.0.0.1:$EDGE_PORT"
pulumi config set edgeOrigin "$URL"

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

step "the edge: nginx, started from the stack's nginx_conf output"
NGINX=""
if [ "${AUTH0_MTLS_DEMO_NGINX:-yes}" = "no" ]; then
  SKIPPED="AUTH0_MTLS_DEMO_NGINX=no was set"
else
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || echo "nginx is not installed: installing Debian's nginx package"
  NGINX="$("$VENV/bin/python" - "$ROOT/tests" 2>"$WORK/nginx-install.log" <<'PY' || true
import sys
sys.path.insert(0, sys.argv[1])
from system_packages import ensure_command
print(ensure_command("nginx", package="nginx", also=("/usr/sbin/nginx", "/usr/local/sbin/nginx")))
PY
)"
  SKIPPED="$(tail -n 1 "$WORK/nginx-install.log" | sed 's/^system_packages.PackageError: //')"
fi
if [ -n "$NGINX" ]; then
  mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
  # The configuration holds the domain's cname_api_key: written readable by this user only, never shown.
  (umask 077; pulumi stack output --show-secrets nginx_conf >"$WORK/nginx/site.conf")
  {
    [ "$(id -u)" = 0 ] && echo "user root root;"  # workers read this user's private files
    echo "worker_processes 1; pid $WORK/nginx/nginx.pid; error_log $WORK/nginx/logs/error.log info;"
    echo "events { worker_connections 64; }"
    echo "http { access_log $WORK/nginx/logs/access.log; client_body_temp_path $WORK/nginx/tmp/body;"
    echo "  proxy_temp_path $WORK/nginx/tmp/proxy; fastcgi_temp_path $WORK/nginx/tmp/fastcgi;"
    echo "  uwsgi_temp_path $WORK/nginx/tmp/uwsgi; scgi_temp_path $WORK/nginx/tmp/scgi;"
    echo "  include $WORK/nginx/site.conf; }"
  } >"$WORK/nginx/nginx.conf"
  "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;' &
  NGINX_PID=$!
  for _ in $(seq 1 100); do
    [ "$(cat "$WORK/nginx/nginx.pid" 2>/dev/null)" = "$NGINX_PID" ] && break
    kill -0 "$NGINX_PID" 2>/dev/null || { tail -n 20 "$WORK/nginx/logs/error.log"; exit 1; }
    sleep 0.1
  done
  grep -E '^(server|    server_name|    listen|    location|    ssl_verify_client)' "$WORK/nginx/site.conf" | sed 's/^/  /'
  echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') (pid $NGINX_PID) serves both hosts on 127.0.0.1:$EDGE_PORT"

  step "the discovery check, through the edge"
  pulumi config set checkDiscovery true
  pulumi config set edgeAddress "127.0.0.1:$EDGE_PORT"  # the edge, before any DNS points at it
  pulumi config set edgeCaBundle "$WORK/certs/edge-ca.pem"
  pulumi config set discoveryTimeoutSeconds 30
  pulumi up --yes --skip-preview --non-interactive --color never
  echo "mtls_token_endpoint: $(pulumi stack output mtls_token_endpoint)"
else
  echo "SKIPPED: the real edge, because ${SKIPPED:-nginx could not be found or installed}."
  echo "SKIPPED: the discovery check, which reads the document through the edge."
  echo "The token request below goes straight to the emulator, with the headers the edge would add."
fi

step "partner A asks for a token with its certificate"
KEY="$WORK/certs/partner-a-2027.key" CERT="$WORK/certs/partner-a-2027.pem"
# What the token response says, without the token itself; the whole answer if it is an error.
SUMMARY='import json, sys
answer = json.load(sys.stdin)
if "access_token" not in answer:
    sys.exit(f"no token: {json.dumps(answer)}")
print("token_type %s, scope %s, expires_in %s (the token itself is not shown)"
      % (answer["token_type"], answer["scope"], answer["expires_in"]))'

FORM="grant_type=client_credentials&client_id=$APP_CLIENT_ID&audience=https%3A%2F%2Fapi.example.com%2Fpayments"
if [ -n "$NGINX" ]; then
  edge_curl() {  # curl as a client on the internet would, with DNS for both hosts pointing at the edge
    curl -s --resolve "login.example.com:$EDGE_PORT:127.0.0.1" --resolve "mtls.login.example.com:$EDGE_PORT:127.0.0.1" \
      --cacert "$WORK/certs/edge-ca.pem" "$@"
  }
  echo "\$ curl --cert partner-a-2027.pem --key partner-a-2027.key -d '$FORM' https://mtls.login.example.com:$EDGE_PORT/oauth/token"
  edge_curl --cert "$CERT" --key "$KEY" -d "$FORM" "https://mtls.login.example.com:$EDGE_PORT/oauth/token" \
    >"$WORK/token.json"
  echo "-> $("$VENV/bin/python" -c "$SUMMARY" <"$WORK/token.json")"
  echo "\$ the same without a certificate"
  echo "-> $(edge_curl -d "$FORM" "https://mtls.login.example.com:$EDGE_PORT/oauth/token")"
  edge_curl "https://login.example.com:$EDGE_PORT/.well-known/jwks.json" >"$WORK/jwks.json"
  JWKS_FROM="https://login.example.com/.well-known/jwks.json, through the edge"
else
  (umask 077; pulumi stack output --show-secrets cname_api_key >"$WORK/cname_api_key")
  "$VENV/bin/python" - "$URL" "$CERT" "$FORM" "$WORK" <<'PY'
import sys, urllib.parse
import requests
url, cert, form, work = sys.argv[1:]
headers = {"cname-api-key": open(f"{work}/cname_api_key").read().strip(),
           "client-certificate": urllib.parse.quote(open(cert).read(), safe=""),
           "client-certificate-ca-verified": "FAILED:self-signed certificate"}
print("POST /oauth/token with cname-api-key, client-certificate (partner-a-2027.pem) and client-certificate-ca-verified")
token = requests.post(f"{url}/oauth/token", data=dict(urllib.parse.parse_qsl(form)), headers=headers)
open(f"{work}/token.json", "w").write(token.text)
jwks = requests.get(f"{url}/.well-known/jwks.json", headers={"cname-api-key": headers["cname-api-key"]})
open(f"{work}/jwks.json", "w").write(jwks.text)
PY
  echo "-> $("$VENV/bin/python" -c "$SUMMARY" <"$WORK/token.json")"
  JWKS_FROM="the emulator's /.well-known/jwks.json for the custom domain"
fi
pulumi stack output --json certificate_thumbprints >"$WORK/thumbprints.json"

step "pulumi destroy"
if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""; fi
pulumi destroy --yes --skip-preview --non-interactive --color never
show_calls
step "the application after destroy (back to client_secret_post)"
show_client
pulumi stack rm --yes --non-interactive demo >/dev/null

step "the certificate-bound token partner A got, decoded"
"$VENV/bin/python" - "$WORK" "$CERT" "$JWKS_FROM" <<'PY'
import base64, hashlib, json, ssl, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

work, cert_path, jwks_from = sys.argv[1:]
def b64(part): return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
token = json.load(open(f"{work}/token.json"))["access_token"]
head, body, signature = token.split(".")
header, claims = json.loads(b64(head)), json.loads(b64(body))
(key,) = [k for k in json.load(open(f"{work}/jwks.json"))["keys"] if k["kid"] == header["kid"]]
public = rsa.RSAPublicNumbers(int.from_bytes(b64(key["e"]), "big"), int.from_bytes(b64(key["n"]), "big")).public_key()
public.verify(b64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
own = base64.urlsafe_b64encode(hashlib.sha256(ssl.PEM_cert_to_DER_cert(open(cert_path).read())).digest())
own = own.decode().rstrip("=")
registered = json.load(open(f"{work}/thumbprints.json"))["partner-a-2027"]
print("header:", json.dumps(header))
print("claims:", json.dumps(claims, indent=2))
print(f"signature: RS256, verified with key {header['kid']} from {jwks_from}")
print(f"cnf.x5t#S256 {claims['cnf']['x5t#S256']}")
print(f"  = SHA-256 of partner-a-2027.pem      {own}")
print(f"  = its credential's thumbprint_sha256 {registered}")
assert claims["cnf"]["x5t#S256"] == own == registered, "the token is not bound to the certificate"
PY
echo "Done: the tenant is back as it was."
