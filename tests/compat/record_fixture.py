"""Records a compatibility fixture: the state a released version of auth0-mtls writes.

Run it once per release, with the *released* package installed (the version whose state is being
preserved): ``python tests/compat/record_fixture.py`` writes ``tests/compat/fixtures/v<version>``
(the installed distribution's version) and refuses to overwrite a recorded release. Against the
emulator, it first makes what a user's stack takes over but does not create (an application and
an API, through the Management API), then runs ``tests/compat/program`` with the real Pulumi CLI on
a spec covering every resource the release ships that the emulator alone can serve, then writes:

- ``stack.json``: ``pulumi stack export`` (secrets stay encrypted with the e2e passphrase), with the
  emulator's address replaced by ``{{TENANT_HOST}}``;
- ``emulator.json``: the emulator's state snapshot after ``pulumi up``, so a later test can put the
  tenant back exactly; ``emulator_before.json``: the same before ``pulumi up`` (only what was made
  elsewhere), what destroy must return the tenant to and where a fresh stack of the spec starts;
- ``meta.json``: the package version, the spec the program ran, the plaintext test key, notes;
- ``program/``: the program itself, since a user upgrading the package keeps their program.

Not recorded: ``MtlsDiscoveryCheck``. It reads ``https://<domain>/.well-known/openid-configuration``
as clients do, through the edge, which adds the domain's ``cname-api-key``; without that header the
emulator (like Auth0's origin) serves the tenant's own document (its own issuer, no
``mtls_endpoint_aliases``), so the check cannot pass against the emulator alone, and its refresh
would see drift at every replay. It needs a running edge (tests/e2e/test_mtls_proof.py).

Every later version must refresh, update and destroy these stacks (tests/compat/test_state_compat.py).
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from tests.e2e.harness import CLIENT_ID, CLIENT_SECRET, EmulatorAdmin, Stack, pulumi_bin_dir  # noqa: E402

from certs import make_certificate  # noqa: E402
from mgmt import IDENTIFIER  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROGRAM_DIR = Path(__file__).resolve().parent / "program"
# Certificates in a fixture must outlive every later version that replays it: a hundred years.
CERTIFICATE_DAYS = 36500

DOMAINS_AND_TENANT: dict[str, Any] = {
    "domains": [
        {"name": "login", "domain": "login.example.com", "type": "self_managed_certs",
         "tls_policy": "recommended", "custom_client_ip_header": "true-client-ip",
         "domain_metadata": {"team": "identity"},
         "verify": {"timeout_seconds": 30, "poll_interval_seconds": 1}},
        {"name": "legacy", "domain": "legacy.example.com", "type": "auth0_managed_certs",
         "domain_metadata": {"owner": "platform"}},
    ],
    "tenant": {"enable_endpoint_aliases": True},
}

NOTES = [
    "emulator.json and emulator_before.json hold the client_secret the emulator generated for the application "
    "made elsewhere (client_secrets): a test value of a throwaway emulator tenant, never a real credential. "
    "Pulumi state (stack.json) holds no client secret: the provider reads clients with fields=.",
    "The certificates in the spec are public test certificates valid for 100 years; their private keys were "
    "never written anywhere.",
    "MtlsDiscoveryCheck is not in this fixture: it needs an edge adding the domain's cname-api-key "
    "(see record_fixture.py).",
]


def made_elsewhere(emu: EmulatorAdmin) -> tuple[str, str]:
    """The application and the API a user makes in the dashboard or another stack."""
    api = emu.management()
    base = f"{emu.base_url}/api/v2"
    app = api.post(f"{base}/clients", json={"name": "partner-a", "app_type": "non_interactive",
                                           "token_endpoint_auth_method": "client_secret_post",
                                           "grant_types": ["client_credentials"]})
    app.raise_for_status()
    server = api.post(f"{base}/resource-servers", json={"name": "Payments", "identifier": IDENTIFIER,
                                                        "scopes": [{"value": "pay"}]})
    server.raise_for_status()
    return app.json()["client_id"], server.json()["id"]


def release_spec(client_id: str) -> dict[str, Any]:
    ca = make_certificate("partner CA", org="Partner B", days=CERTIFICATE_DAYS)
    return {
        **DOMAINS_AND_TENANT,
        "credentials": [
            # Self-signed, matched by thumbprint; the one the client authenticates with.
            {"name": "partner-a-2026", "client_id": client_id, "credential_type": "x509_cert",
             "pem": make_certificate("partner-a", days=CERTIFICATE_DAYS).pem, "display_name": "partner-a 2026"},
            # CA-signed, matched by subject DN: given as the certificate, and as the DN alone.
            {"name": "partner-b-ca", "client_id": client_id, "credential_type": "cert_subject_dn",
             "pem": make_certificate("partner-b", org="Partner B", days=CERTIFICATE_DAYS, issuer=ca).pem},
            {"name": "partner-c-dn", "client_id": client_id, "credential_type": "cert_subject_dn",
             "subject_dn": "C=US\nO=Partner C\nCN=partner-c"},
        ],
        "auths": [{"name": "partner-a", "client_id": client_id, "method": "self_signed_tls_client_auth",
                   "credentials": ["partner-a-2026"], "require_proof_of_possession": True}],
        # By identifier, as most programs name an API.
        "apis": [{"name": "payments-api", "resource_server_id": IDENTIFIER, "mechanism": "mtls", "required": True}],
    }


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def main(out: Path) -> None:
    from auth0_mtls.emulator import Emulator

    if (out / "stack.json").exists():
        raise SystemExit(f"{out} is already recorded; a release's fixture is never rewritten")
    out.mkdir(parents=True, exist_ok=True)
    with TemporaryDirectory() as tmp, Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                               auto_dns=True) as emulator:
        emu = EmulatorAdmin(emulator.base_url)
        client_id, api_id = made_elsewhere(emu)
        before = emu.state()
        spec = release_spec(client_id)
        stack = Stack(Path(tmp), emulator.base_url, pulumi_bin_dir(), program_dir=PROGRAM_DIR)
        stack.write_spec(spec)
        stack.up()
        key = stack.outputs(show_secrets=True)["login_cname_api_key"]
        exported = stack.run("stack", "export").stdout.replace(emu.host, "{{TENANT_HOST}}")
        secrets = [key, *before["client_secrets"].values()]
        assert not [secret for secret in secrets if secret in exported], "no secret in plain text in the state"
        write_json(out / "stack.json", json.loads(exported))
        snapshot = emu.state()
        write_json(out / "emulator.json", snapshot)
        write_json(out / "emulator_before.json", before)
        meta = {"package_version": version("auth0-mtls"), "spec": spec, "passphrase": "e2e-passphrase",
                "cname_api_keys": {next(d["custom_domain_id"] for d in snapshot["custom_domains"]
                                        if d["domain"] == "login.example.com"): key},
                "made_elsewhere": {"client_id": client_id, "resource_server_id": api_id, "identifier": IDENTIFIER},
                "notes": NOTES}
        write_json(out / "meta.json", meta)
        (out / "program").mkdir(exist_ok=True)
        shutil.copy(PROGRAM_DIR / "__main__.py", out / "program" / "__main__.py")
        stack.run("stack", "rm", "--yes", "--force")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES / f"v{version('auth0-mtls')}")
