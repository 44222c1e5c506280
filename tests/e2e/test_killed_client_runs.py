"""`pulumi up` killed (the CLI and everything it started) right after Auth0 applied a call of a
certificate-bound client resource, and the recovery the README gives for each, run command by
command. Runs tests/e2e/clients_program; the application and the API are made outside the stack."""

from __future__ import annotations

from typing import Any

import pytest

from certs import make_certificate
from mgmt import IDENTIFIER, Mgmt

from .harness import EmulatorAdmin, Stack
from .test_killed_runs import killed_up, only_same, pending

CLIENT_PATH = r"/api/v2/clients/[^/]+"
CREDENTIALS_PATH = r"/api/v2/clients/[^/]+/credentials"
API_PATH = r"/api/v2/resource-servers/.+"


@pytest.fixture
def tenant(emu: EmulatorAdmin) -> Mgmt:
    """The application and the API, made and inspected outside the stack."""
    return emu.mgmt()


def credential(name: str, client_id: str) -> dict[str, Any]:
    return {"name": name, "client_id": client_id, "credential_type": "x509_cert", "pem": make_certificate(name).pem}


def test_a_killed_credential_create_leaves_a_copy_that_is_deleted_by_hand(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.call("POST", "/clients", 201, json={"name": "partner-a", "app_type": "non_interactive",
                                                     "token_endpoint_auth_method": "client_secret_post"})
    client_id = app["client_id"]
    clients_stack.write_spec({"credentials": [credential("cred-a", client_id)]})
    emu.add_fault(method="POST", path_regex=CREDENTIALS_PATH, kind="hang_after", delay_seconds=120)
    killed_up(clients_stack, emu, "POST", CREDENTIALS_PATH)
    [made] = tenant.call("GET", f"/clients/{client_id}/credentials")
    assert pending(clients_stack) == [("creating", "ClientCertificateCredential:cred-a")]

    clients_stack.run("cancel", "--yes")
    clients_stack.refresh("--clear-pending-creates")
    clients_stack.up()
    # The create ran again: a second credential of the same name; the first one is in no stack.
    [state] = clients_stack.resources("ClientCertificateCredential")
    pool = tenant.call("GET", f"/clients/{client_id}/credentials")
    assert sorted(c["id"] for c in pool) == sorted([made["id"], state["id"]]) and made["id"] != state["id"]
    assert {c["name"] for c in pool} == {"cred-a"}

    # Recovery: delete the credential of that name whose id is not the resource's credential_id.
    orphans = [c for c in pool if c["name"] == "cred-a" and c["id"] != clients_stack.outputs()["cred-a_id"]]
    assert [c["id"] for c in orphans] == [made["id"]]
    tenant.call("DELETE", f"/clients/{client_id}/credentials/{made['id']}", 204)
    only_same(clients_stack)
    clients_stack.destroy()
    assert tenant.call("GET", f"/clients/{client_id}/credentials") == []


def test_a_killed_client_authentication_is_recovered_by_declaring_what_delete_restores(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    # The application authenticates with client_secret_basic: not the default of its app type, so a
    # restore that guesses would put it on the wrong method.
    app = tenant.call("POST", "/clients", 201, json={"name": "partner-a", "app_type": "non_interactive",
                                                     "token_endpoint_auth_method": "client_secret_basic"})
    client_id = app["client_id"]
    auth = {"name": "app", "client_id": client_id, "method": "self_signed_tls_client_auth",
            "credentials": ["cred-a"], "require_proof_of_possession": True}
    cred = credential("cred-a", client_id)
    clients_stack.write_spec({"credentials": [cred], "auths": [auth]})
    emu.add_fault(method="PATCH", path_regex=CLIENT_PATH, kind="hang_after", delay_seconds=120)
    killed_up(clients_stack, emu, "PATCH", CLIENT_PATH)

    live = tenant.call("GET", f"/clients/{client_id}")
    assert list(live["client_authentication_methods"]) == ["self_signed_tls_client_auth"]
    assert live["require_proof_of_possession"] is True
    assert pending(clients_stack) == [("creating", "ClientMtlsAuthentication:app")]
    assert [r["id"] for r in clients_stack.resources("ClientCertificateCredential")], "the credential was recorded"

    clients_stack.run("cancel", "--yes")
    clients_stack.refresh("--clear-pending-creates")
    # What the client had before the killed run is declared, not guessed; the client keeps
    # authenticating with its certificate throughout.
    clients_stack.write_spec({"credentials": [cred], "auths": [{**auth, "restore_to": "client_secret_basic"}]})
    emu.clear_calls()
    rerun = clients_stack.up()
    assert "cannot tell" in rerun.output, "the run says it could not see the settings from before"
    assert [(c["method"], c["path"]) for c in emu.api_calls() if c["path"].startswith("/api/")] == [
        ("GET", f"/api/v2/clients/{client_id}")], "already as declared: no PATCH"
    [state] = clients_stack.resources("ClientMtlsAuthentication")
    assert state["outputs"]["previous_settings_captured"] is False
    assert state["outputs"]["restore_to"] == "client_secret_basic"
    only_same(clients_stack)

    emu.clear_calls()
    clients_stack.destroy()
    assert [c["method"] for c in emu.api_calls() if c["path"] == f"/api/v2/clients/{client_id}"] == ["PATCH"]
    live = tenant.call("GET", f"/clients/{client_id}")
    assert live["token_endpoint_auth_method"] == "client_secret_basic", "the method declared, not the app default"
    # Proof of possession this resource managed, whose value before was never known: Auth0's default.
    assert not live.get("client_authentication_methods") and live["require_proof_of_possession"] is False
    assert tenant.call("GET", f"/clients/{client_id}/credentials") == []


def test_a_killed_api_proof_of_possession_is_recovered_by_declaring_what_delete_restores(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    api = tenant.call("POST", "/resource-servers", 201, json={"name": "Payments", "identifier": IDENTIFIER})
    assert api.get("proof_of_possession") is None
    payments = {"name": "payments", "resource_server_id": api["id"], "mechanism": "mtls", "required": True}
    clients_stack.write_spec({"apis": [payments]})
    emu.add_fault(method="PATCH", path_regex=API_PATH, kind="hang_after", delay_seconds=120)
    killed_up(clients_stack, emu, "PATCH", API_PATH)
    assert tenant.call("GET", f"/resource-servers/{api['id']}")["proof_of_possession"] == {
        "mechanism": "mtls", "required": True}
    assert pending(clients_stack) == [("creating", "ResourceServerProofOfPossession:payments")]

    clients_stack.run("cancel", "--yes")
    clients_stack.refresh("--clear-pending-creates")
    # The API had no proof-of-possession setting before the killed run: declared, not guessed.
    clients_stack.write_spec({"apis": [{**payments, "restore_to": "none"}]})
    emu.clear_calls()
    rerun = clients_stack.up()
    assert "cannot tell" in rerun.output
    assert [c["method"] for c in emu.api_calls() if c["path"].startswith("/api/")] == ["GET"], "no PATCH"
    [pop] = clients_stack.resources("ResourceServerProofOfPossession")
    assert pop["outputs"]["previous_proof_of_possession_captured"] is False
    assert pop["outputs"]["restore_to"] == "none"
    only_same(clients_stack)

    clients_stack.destroy()
    assert tenant.call("GET", f"/resource-servers/{api['id']}").get("proof_of_possession") is None
