"""Every call the credential, client-authentication and API proof-of-possession hooks make survives
every transient fault kind, and the tenant ends exactly as it started: no orphan credential, the
client's method and the API's setting restored. Hooks are called in-process against the emulator."""

from __future__ import annotations

import pytest

from auth0_mtls import client_authentication as ca
from auth0_mtls import client_credential as cc
from auth0_mtls import resource_server_pop as rs
from certs import make_certificate
from fault_catalog import FAULTS
from mgmt import Mgmt

CLIENT = r"/api/v2/clients/[A-Za-z0-9_.-]+"
CREDENTIAL = CLIENT + r"/credentials/cred_[A-Za-z0-9]+"
API = r"/api/v2/resource-servers/[^/]+"

# call name -> emulator fault selector
CLIENT_CALLS = {
    "credential_create": {"method": "POST", "path_regex": CLIENT + "/credentials"},
    "credential_read": {"method": "GET", "path_regex": CREDENTIAL},
    "credential_delete": {"method": "DELETE", "path_regex": CREDENTIAL},
    "client_get": {"method": "GET", "path_regex": CLIENT},
    "client_patch": {"method": "PATCH", "path_regex": CLIENT},
    "api_get": {"method": "GET", "path_regex": API},
    "api_patch": {"method": "PATCH", "path_regex": API},
}


def lifecycle(mgmt, client_id: str, api_id: str) -> None:
    pem = make_certificate().pem
    cred_inputs, failures, _ = cc.check_inputs({"client_id": client_id, "credential_type": "x509_cert", "pem": pem,
                                                "name": "partner-a"})
    assert failures == []
    creds = cc.ClientCertificateCredentialProvider()
    cred = creds.create(cred_inputs)
    auth = ca.ClientMtlsAuthenticationProvider()
    auth_inputs = ca.normalize_inputs({"client_id": client_id, "method": "self_signed_tls_client_auth",
                                       "credential_ids": [cred.id], "require_proof_of_possession": True})
    attached = auth.create(auth_inputs)
    pop = rs.ResourceServerProofOfPossessionProvider()
    pop_inputs = rs.normalize_inputs({"resource_server_id": api_id, "mechanism": "mtls", "required": True})
    required = pop.create(pop_inputs)
    read = creds.read(cred.id, cred.outs)
    assert read.id == cred.id
    updated = auth.update(client_id, attached.outs, {**auth_inputs, "require_proof_of_possession": False})
    assert mgmt.client(client_id)["require_proof_of_possession"] is False
    auth.delete(client_id, updated.outs)
    pop.delete(required.id, required.outs)
    creds.delete(cred.id, cred.outs)


CELLS = [(call, fault) for call in CLIENT_CALLS for fault in FAULTS]


@pytest.mark.parametrize("call, fault", CELLS)
def test_every_client_call_survives_every_transient_fault(call, fault, emulator_env):
    emu = emulator_env
    mgmt = Mgmt.of(emu)
    app = mgmt.create_client()
    api = mgmt.create_api()
    emu.state.add_fault({**CLIENT_CALLS[call], **FAULTS[fault], "count": 1})
    lifecycle(mgmt, app["client_id"], api["id"])
    fired = [f for f in emu.state.faults() if f["fired"]]
    assert len(fired) == 1, f"the {fault} fault on {call} never fired"
    live = mgmt.client(app["client_id"])
    assert live["token_endpoint_auth_method"] == "client_secret_post" and not live.get("client_authentication_methods")
    assert live.get("require_proof_of_possession", False) is False
    assert mgmt.call("GET", f"/clients/{app['client_id']}/credentials") == [], "no orphan credential"
    assert mgmt.call("GET", f"/resource-servers/{api['id']}").get("proof_of_possession") is None
