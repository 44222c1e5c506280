"""`pulumi up` killed (the CLI and everything it started) right after Auth0 applied a call of a
certificate-bound client resource, and the recovery the README gives for each, run command by
command. Runs tests/e2e/clients_program; the application and the API are made outside the stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certs import make_certificate

from .harness import EmulatorAdmin, Stack
from .test_killed_runs import killed_up, only_same, pending

PROGRAM = Path(__file__).resolve().parent / "clients_program"
IDENTIFIER = "https://api.example.com/payments"
CLIENT_PATH = r"/api/v2/clients/[^/]+"
CREDENTIALS_PATH = r"/api/v2/clients/[^/]+/credentials"
API_PATH = r"/api/v2/resource-servers/.+"


@pytest.fixture
def cstack(tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path) -> Stack:
    return Stack(tmp_path, emu.base_url, pulumi_bin, program_dir=PROGRAM)


class Tenant:
    """The application and the API, made and inspected outside the stack."""

    def __init__(self, emu: EmulatorAdmin) -> None:
        self.api = emu.management()
        self.base = f"{emu.base_url}/api/v2"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.api.request(method, f"{self.base}{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


@pytest.fixture
def tenant(emu: EmulatorAdmin) -> Tenant:
    return Tenant(emu)


def credential(name: str, client_id: str) -> dict[str, Any]:
    return {"name": name, "client_id": client_id, "credential_type": "x509_cert", "pem": make_certificate(name).pem}


def test_a_killed_credential_create_leaves_a_copy_that_is_deleted_by_hand(
        cstack: Stack, emu: EmulatorAdmin, tenant: Tenant):
    app = tenant.call("POST", "/clients", {"name": "partner-a", "app_type": "non_interactive",
                                            "token_endpoint_auth_method": "client_secret_post"})
    client_id = app["client_id"]
    cstack.write_spec({"credentials": [credential("cred-a", client_id)]})
    emu.add_fault(method="POST", path_regex=CREDENTIALS_PATH, kind="hang_after", delay_seconds=120)
    killed_up(cstack, emu, "POST", CREDENTIALS_PATH)
    [made] = tenant.call("GET", f"/clients/{client_id}/credentials")
    assert pending(cstack) == [("creating", "ClientCertificateCredential:cred-a")]

    cstack.run("cancel", "--yes")
    cstack.refresh("--clear-pending-creates")
    cstack.up()
    # The create ran again: a second credential of the same name; the first one is in no stack.
    [state] = cstack.resources("ClientCertificateCredential")
    pool = tenant.call("GET", f"/clients/{client_id}/credentials")
    assert sorted(c["id"] for c in pool) == sorted([made["id"], state["id"]]) and made["id"] != state["id"]
    assert {c["name"] for c in pool} == {"cred-a"}

    # Recovery: delete the credential of that name whose id is not the resource's credential_id.
    orphans = [c for c in pool if c["name"] == "cred-a" and c["id"] != cstack.outputs()["cred-a_id"]]
    assert [c["id"] for c in orphans] == [made["id"]]
    tenant.call("DELETE", f"/clients/{client_id}/credentials/{made['id']}")
    only_same(cstack)
    cstack.destroy()
    assert tenant.call("GET", f"/clients/{client_id}/credentials") == []


def test_a_killed_client_authentication_is_recovered_by_putting_the_client_back_first(
        cstack: Stack, emu: EmulatorAdmin, tenant: Tenant):
    app = tenant.call("POST", "/clients", {"name": "partner-a", "app_type": "non_interactive",
                                            "token_endpoint_auth_method": "client_secret_post"})
    client_id = app["client_id"]
    cstack.write_spec({"credentials": [credential("cred-a", client_id)],
                       "auths": [{"name": "app", "client_id": client_id, "method": "self_signed_tls_client_auth",
                                  "credentials": ["cred-a"], "require_proof_of_possession": True}]})
    emu.add_fault(method="PATCH", path_regex=CLIENT_PATH, kind="hang_after", delay_seconds=120)
    killed_up(cstack, emu, "PATCH", CLIENT_PATH)

    live = tenant.call("GET", f"/clients/{client_id}")
    assert list(live["client_authentication_methods"]) == ["self_signed_tls_client_auth"]
    assert live["require_proof_of_possession"] is True
    assert pending(cstack) == [("creating", "ClientMtlsAuthentication:app")]
    assert [r["id"] for r in cstack.resources("ClientCertificateCredential")], "the credential was recorded"

    cstack.run("cancel", "--yes")
    cstack.refresh("--clear-pending-creates")
    # Put the client back as it was before the killed run, so the next run records that.
    tenant.call("PATCH", f"/clients/{client_id}", {"client_authentication_methods": None,
                                                   "token_endpoint_auth_method": "client_secret_post",
                                                   "require_proof_of_possession": False})
    cstack.up()
    [auth] = cstack.resources("ClientMtlsAuthentication")
    assert auth["outputs"]["previous_settings"]["token_endpoint_auth_method"] == "client_secret_post"
    assert auth["outputs"]["previous_settings"]["require_proof_of_possession"] is False
    only_same(cstack)

    cstack.destroy()
    live = tenant.call("GET", f"/clients/{client_id}")
    assert live["token_endpoint_auth_method"] == "client_secret_post"
    assert not live.get("client_authentication_methods") and live["require_proof_of_possession"] is False
    assert tenant.call("GET", f"/clients/{client_id}/credentials") == []


def test_a_killed_api_proof_of_possession_is_recovered_by_putting_the_api_back_first(
        cstack: Stack, emu: EmulatorAdmin, tenant: Tenant):
    api = tenant.call("POST", "/resource-servers", {"name": "Payments", "identifier": IDENTIFIER})
    assert api.get("proof_of_possession") is None
    cstack.write_spec({"apis": [{"name": "payments", "resource_server_id": api["id"], "mechanism": "mtls",
                                 "required": True}]})
    emu.add_fault(method="PATCH", path_regex=API_PATH, kind="hang_after", delay_seconds=120)
    killed_up(cstack, emu, "PATCH", API_PATH)
    assert tenant.call("GET", f"/resource-servers/{api['id']}")["proof_of_possession"] == {
        "mechanism": "mtls", "required": True}
    assert pending(cstack) == [("creating", "ResourceServerProofOfPossession:payments")]

    cstack.run("cancel", "--yes")
    cstack.refresh("--clear-pending-creates")
    tenant.call("PATCH", f"/resource-servers/{api['id']}", {"proof_of_possession": None})
    cstack.up()
    [pop] = cstack.resources("ResourceServerProofOfPossession")
    assert pop["outputs"].get("previous_proof_of_possession") is None
    only_same(cstack)

    cstack.destroy()
    assert tenant.call("GET", f"/resource-servers/{api['id']}").get("proof_of_possession") is None
