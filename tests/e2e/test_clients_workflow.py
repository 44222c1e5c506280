"""Certificate-bound clients through the real Pulumi CLI against the emulator: a credential, the
client's mTLS authentication and the API's proof-of-possession. Preview tells the truth with zero
calls, up makes the fewest calls the API allows, refresh sees drift, rotation never leaves the
client without a credential, and destroy restores exactly what was there."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from auth0_mtls.certificates import parse_certificate
from certs import make_certificate
from mgmt import IDENTIFIER, Mgmt

from .harness import EmulatorAdmin, Stack, ops, steps


@pytest.fixture
def tenant(emu: EmulatorAdmin) -> Mgmt:
    """Changes 'elsewhere': the application, the API, and edits behind Pulumi's back."""
    return emu.mgmt()


def calls(emu: EmulatorAdmin) -> list[str]:
    """``["POST /clients/{id}/credentials", …]``: the Management API calls in order, ids elided."""
    out = []
    for call in emu.api_calls():
        path = re.sub(r"/clients/[^/]+", "/clients/{id}", call["path"].removeprefix("/api/v2"))
        path = re.sub(r"/credentials/[^/]+", "/credentials/{cred}", path)
        path = re.sub(r"/resource-servers/.+$", "/resource-servers/{id}", path)
        out.append(f"{call['method']} {path}")
    return out


def spec_for(client_id: str, api_ref: str, certs: dict[str, str], listed: list[str],
             pop: bool | None = True, **auth: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "credentials": [{"name": name, "client_id": client_id, "credential_type": "x509_cert", "pem": pem}
                        for name, pem in certs.items()],
        "auths": [{"name": "app", "client_id": client_id, "method": "self_signed_tls_client_auth",
                   "credentials": listed, **auth}],
        "apis": [{"name": "payments", "resource_server_id": api_ref, "mechanism": "mtls", "required": True}],
    }
    if pop is not None:
        spec["auths"][0]["require_proof_of_possession"] = pop
    return spec


def attached(client: dict[str, Any]) -> tuple[str | None, list[str]]:
    methods = client.get("client_authentication_methods") or {}
    if not methods:
        return None, []
    [(method, slot)] = methods.items()
    return method, [item["id"] for item in slot["credentials"]]


def test_fresh_preview_makes_no_call_then_up_creates_with_the_fewest_calls(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client()
    api = tenant.create_api()
    cert = make_certificate("partner-a")
    clients_stack.write_spec(spec_for(app["client_id"], IDENTIFIER, {"cred-a": cert.pem}, ["cred-a"]))
    emu.clear_calls()

    preview = clients_stack.preview()
    assert ops(preview) == {"ClientCertificateCredential:cred-a": ["create"],
                            "ClientMtlsAuthentication:app": ["create"],
                            "ResourceServerProofOfPossession:payments": ["create"]}
    assert emu.api_calls() == [], "a preview makes no Management API call, not even for a token"
    [cred_step] = [s for s in steps(preview) if "ClientCertificateCredential" in s["urn"]]
    shown = cred_step["newState"]["inputs"]
    facts = parse_certificate(cert.pem)
    assert shown["thumbprint_sha256"] == facts.thumbprint_sha256, "the preview shows the thumbprint"
    assert shown["subject_dn"] == "C=US\nO=Partner A\nCN=partner-a" and shown["expires_at"] == facts.expires_at

    clients_stack.up()
    made = calls(emu)
    assert sorted(made) == sorted([
        "POST /oauth/token",
        "POST /clients/{id}/credentials",
        "GET /clients/{id}", "PATCH /clients/{id}",
        "GET /resource-servers/{id}", "PATCH /resource-servers/{id}",
    ]), made
    assert made.index("POST /clients/{id}/credentials") < made.index("PATCH /clients/{id}")

    outputs = clients_stack.outputs()
    cred_id = outputs["cred-a_id"]
    assert re.fullmatch(r"cred_[A-Za-z0-9]+", cred_id)
    assert outputs["cred-a_thumbprint"] == facts.thumbprint_sha256
    [live_cred] = tenant.credentials(app["client_id"])
    assert live_cred["thumbprint_sha256"] == facts.thumbprint_sha256, "Auth0's value equals the local one"
    assert outputs["app_method"] == "self_signed_tls_client_auth" and outputs["app_credential_ids"] == [cred_id]
    assert outputs["app_previous"]["token_endpoint_auth_method"] == "client_secret_post"
    assert outputs["payments_api_id"] == api["id"], "the resource id is the API's id, whichever form was given"

    live = tenant.client(app["client_id"])
    assert attached(live) == ("self_signed_tls_client_auth", [cred_id])
    assert "token_endpoint_auth_method" not in live and "client_secret" not in live
    assert live["require_proof_of_possession"] is True
    assert tenant.resource_server(api["id"])["proof_of_possession"] == {"mechanism": "mtls", "required": True}

    state = clients_stack.state_file_text()
    assert app["client_secret"] not in state, "the client secret never enters state"
    for kind, module in (("ClientCertificateCredential", b"auth0_mtls.client_credential"),
                         ("ClientMtlsAuthentication", b"auth0_mtls.client_authentication"),
                         ("ResourceServerProofOfPossession", b"auth0_mtls.resource_server_pop")):
        [resource] = clients_stack.resources(kind)
        pickled = base64.b64decode(resource["inputs"]["__provider"])
        assert len(pickled) < 1024 and module in pickled, "provider pickled by reference, no code in state"

    emu.clear_calls()
    preview = clients_stack.preview()
    assert {op for o in ops(preview).values() for op in o} == {"same"}
    clients_stack.up("--expect-no-changes")
    assert emu.api_calls() == [], "an unchanged stack makes no call"


def test_refresh_sees_drift_and_up_reverts_it(clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client()
    api = tenant.create_api()
    clients_stack.write_spec(spec_for(app["client_id"], api["id"], {"cred-a": make_certificate().pem}, ["cred-a"]))
    clients_stack.up()
    cred_id = clients_stack.outputs()["cred-a_id"]

    # Someone switches the client back to a secret and turns PoP off on the API.
    tenant.patch_client(app["client_id"], {"client_authentication_methods": None,
                                           "token_endpoint_auth_method": "client_secret_post"})
    tenant.patch_api(api["id"], {"proof_of_possession": None})
    emu.clear_calls()
    clients_stack.refresh()
    assert sorted(calls(emu)) == sorted(["POST /oauth/token", "GET /clients/{id}", "GET /resource-servers/{id}",
                                         "GET /clients/{id}/credentials/{cred}"]), "one GET per resource"
    [auth] = clients_stack.resources("ClientMtlsAuthentication")
    assert auth["outputs"].get("method") is None and auth["outputs"]["credential_ids"] == []
    [pop] = clients_stack.resources("ResourceServerProofOfPossession")
    assert pop["outputs"].get("mechanism") is None

    preview = clients_stack.preview()
    assert ops(preview) == {"ClientCertificateCredential:cred-a": ["same"], "ClientMtlsAuthentication:app": ["update"],
                            "ResourceServerProofOfPossession:payments": ["update"]}
    emu.clear_calls()
    clients_stack.up()
    assert sorted(calls(emu)) == sorted(["POST /oauth/token", "PATCH /clients/{id}", "PATCH /resource-servers/{id}"])
    assert attached(tenant.client(app["client_id"])) == ("self_signed_tls_client_auth", [cred_id])
    assert tenant.resource_server(api["id"])["proof_of_possession"] == {"mechanism": "mtls", "required": True}
    clients_stack.up("--expect-no-changes")


def test_rotation_adds_then_moves_then_deletes_without_a_gap(clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client()
    api = tenant.create_api()
    old, new = make_certificate("partner-a", org="2026").pem, make_certificate("partner-a", org="2027").pem
    cid = app["client_id"]
    clients_stack.write_spec(spec_for(cid, api["id"], {"a-2026": old}, ["a-2026"]))
    clients_stack.up()
    old_id = clients_stack.outputs()["a-2026_id"]

    # Step 1: add the new certificate and list both.
    clients_stack.write_spec(spec_for(cid, api["id"], {"a-2026": old, "a-2027": new}, ["a-2026", "a-2027"]))
    preview = clients_stack.preview()
    assert ops(preview) == {"ClientCertificateCredential:a-2026": ["same"],
                            "ClientCertificateCredential:a-2027": ["create"],
                            "ClientMtlsAuthentication:app": ["update"],
                            "ResourceServerProofOfPossession:payments": ["same"]}
    emu.clear_calls()
    clients_stack.up()
    assert calls(emu) == ["POST /oauth/token", "POST /clients/{id}/credentials", "PATCH /clients/{id}"]
    new_id = clients_stack.outputs()["a-2027_id"]
    assert attached(tenant.client(cid)) == ("self_signed_tls_client_auth", [old_id, new_id])

    # Step 2: drop the old one. The client moves to the new id first, then the old credential goes.
    clients_stack.write_spec(spec_for(cid, api["id"], {"a-2027": new}, ["a-2027"]))
    preview = clients_stack.preview()
    assert ops(preview) == {"ClientCertificateCredential:a-2027": ["same"], "ClientMtlsAuthentication:app": ["update"],
                            "ClientCertificateCredential:a-2026": ["delete"],
                            "ResourceServerProofOfPossession:payments": ["same"]}
    emu.clear_calls()
    clients_stack.up()
    assert calls(emu) == ["POST /oauth/token", "PATCH /clients/{id}", "DELETE /clients/{id}/credentials/{cred}"]
    assert [c["status"] for c in emu.api_calls()][1:] == [200, 204]
    assert attached(tenant.client(cid)) == ("self_signed_tls_client_auth", [new_id])
    assert [c["id"] for c in tenant.credentials(cid)] == [new_id]
    clients_stack.up("--expect-no-changes")


def test_new_certificate_in_place_replaces_creating_first(clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    """One `up` with a new pem: new credential, client moved to it, old one deleted, in that order."""
    app = tenant.create_client()
    api = tenant.create_api()
    cid = app["client_id"]
    clients_stack.write_spec(spec_for(cid, api["id"], {"cred": make_certificate(org="v1").pem}, ["cred"]))
    clients_stack.up()
    old_id = clients_stack.outputs()["cred_id"]
    clients_stack.write_spec(spec_for(cid, api["id"], {"cred": make_certificate(org="v2").pem}, ["cred"]))
    preview = clients_stack.preview()
    [replace] = [s for s in steps(preview) if s["op"] == "replace"]
    assert replace["replaceReasons"] == ["pem"]
    assert ops(preview)["ClientMtlsAuthentication:app"] == ["update"]
    emu.clear_calls()
    clients_stack.up()
    assert calls(emu) == ["POST /oauth/token", "POST /clients/{id}/credentials", "PATCH /clients/{id}",
                          "DELETE /clients/{id}/credentials/{cred}"]
    new_id = clients_stack.outputs()["cred_id"]
    assert new_id != old_id and attached(tenant.client(cid)) == ("self_signed_tls_client_auth", [new_id])


def test_destroy_restores_settings_and_deletes_only_this_stacks_credentials(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client(token_endpoint_auth_method="client_secret_basic")
    api = tenant.create_api(proof_of_possession={"mechanism": "mtls", "required": False})
    cid = app["client_id"]
    foreign = tenant.create_credential(cid, credential_type="x509_cert", name="made elsewhere",
                                       pem=make_certificate("elsewhere").pem)
    clients_stack.write_spec(spec_for(cid, IDENTIFIER, {"cred": make_certificate().pem}, ["cred"]))
    clients_stack.up()
    assert tenant.client(cid)["require_proof_of_possession"] is True
    before = {k: v for k, v in app.items() if k != "client_secret"}

    emu.clear_calls()
    clients_stack.destroy()
    made = calls(emu)
    assert sorted(made) == sorted(["POST /oauth/token", "PATCH /clients/{id}",
                                   "DELETE /clients/{id}/credentials/{cred}", "PATCH /resource-servers/{id}"]), made
    assert made.index("PATCH /clients/{id}") < made.index("DELETE /clients/{id}/credentials/{cred}"), \
        "the client is detached before its credential is deleted"
    live = tenant.client(cid)
    assert live["token_endpoint_auth_method"] == "client_secret_basic"
    assert not live.get("client_authentication_methods")
    assert live.get("require_proof_of_possession", False) is False
    assert live.get("client_secret"), "the client has its secret back"
    assert {k: live.get(k) for k in ("app_type", "name", "grant_types")} == {
        k: before.get(k) for k in ("app_type", "name", "grant_types")}
    assert [c["id"] for c in tenant.credentials(cid)] == [foreign["id"]], "a credential made elsewhere survives"
    assert tenant.resource_server(api["id"])["proof_of_possession"] == {"mechanism": "mtls", "required": False}


def test_destroy_restores_an_api_without_pop_to_null(clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    api = tenant.create_api()
    clients_stack.write_spec({"apis": [{"name": "payments", "resource_server_id": IDENTIFIER, "mechanism": "mtls",
                                        "required": True}]})
    clients_stack.up()
    clients_stack.destroy()
    assert tenant.resource_server(api["id"]).get("proof_of_possession") is None


def test_ca_signed_credentials_by_pem_and_by_subject_dn(clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client("partner-b")
    cid = app["client_id"]
    ca = make_certificate("Partner CA", org="Partner B")
    leaf = make_certificate("partner-b", org="Partner B", issuer=ca)
    clients_stack.write_spec({
        "credentials": [
            {"name": "by-pem", "client_id": cid, "credential_type": "cert_subject_dn", "pem": leaf.pem},
            {"name": "by-dn", "client_id": cid, "credential_type": "cert_subject_dn",
             "subject_dn": "C=US\nO=Partner B\nCN=partner-b-next"}],
        "auths": [{"name": "b", "client_id": cid, "method": "tls_client_auth", "credentials": ["by-pem", "by-dn"]}],
    })
    clients_stack.up()
    outputs = clients_stack.outputs()
    assert outputs["by-pem_subject_dn"] == "C=US\nO=Partner B\nCN=partner-b"
    assert outputs["by-dn_subject_dn"] == "C=US\nO=Partner B\nCN=partner-b-next"
    live = {c["id"]: c for c in tenant.credentials(cid)}
    assert live[outputs["by-pem_id"]]["subject_dn"] == outputs["by-pem_subject_dn"]
    assert attached(tenant.client(cid)) == ("tls_client_auth", [outputs["by-pem_id"], outputs["by-dn_id"]])
    clients_stack.up("--expect-no-changes")
    clients_stack.destroy()
    assert tenant.credentials(cid) == []
    assert tenant.client(cid)["token_endpoint_auth_method"] == "client_secret_post"


def test_external_credential_of_the_wrong_type_fails_at_apply_with_advice(
        clients_stack: Stack, emu: EmulatorAdmin, tenant: Mgmt):
    app = tenant.create_client()
    cid = app["client_id"]
    external = tenant.create_credential(cid, credential_type="cert_subject_dn", name="elsewhere",
                                        subject_dn="C=US\nCN=elsewhere")
    clients_stack.write_spec({"auths": [{"name": "app", "client_id": cid, "method": "self_signed_tls_client_auth",
                                         "credentials": [external["id"]]}]})
    assert clients_stack.preview().returncode == 0, "an id from outside the program cannot be checked at preview"
    result = clients_stack.up(check=False)
    assert result.returncode != 0
    assert external["id"] in result.output and "could not check" in result.output
    assert tenant.client(cid)["token_endpoint_auth_method"] == "client_secret_post", "the client is unchanged"


# -- bad input: the preview fails, naming the problem, with no API call ------------------------------

def _bad_specs() -> dict[str, tuple[dict[str, Any], list[str]]]:
    cert = make_certificate()
    ca_leaf = make_certificate("b", issuer=make_certificate("ca"))
    cred = {"name": "cred", "client_id": "abcDEF0123456789", "credential_type": "x509_cert", "pem": cert.pem}
    auth = {"name": "app", "client_id": "abcDEF0123456789", "method": "self_signed_tls_client_auth",
            "credentials": ["cred"]}
    return {
        "two certificates": ({"credentials": [{**cred, "pem": cert.pem + ca_leaf.pem}]}, ["2 certificates"]),
        "garbage": ({"credentials": [{**cred, "pem": "not a certificate"}]}, ["no -----BEGIN CERTIFICATE-----"]),
        "expired": ({"credentials": [{**cred, "pem": make_certificate(days=-1, starts_days_ago=30).pem}]},
                    ["pem: the certificate", "expired at"]),
        "subject_dn with x509_cert": ({"credentials": [{**cred, "subject_dn": "CN=b"}]},
                                      ["subject_dn", "cert_subject_dn"]),
        "method vs type": ({"credentials": [cred], "auths": [{**auth, "method": "tls_client_auth"}]},
                           ["credential_ids[0] is a x509_cert credential", "self_signed_tls_client_auth"]),
        "three ids": ({"auths": [{**auth, "credentials": ["cred_a1", "cred_b2", "cred_c3"]}]}, ["at most 2"]),
        "empty ids": ({"auths": [{**auth, "credentials": []}]}, ["credential_ids is empty"]),
        "unknown mechanism": ({"apis": [{"name": "p", "resource_server_id": IDENTIFIER, "mechanism": "tls",
                                         "required": True}]}, ["mechanism", "mtls, dpop"]),
    }


def test_bad_input_fails_the_preview_with_no_call(clients_stack: Stack, emu: EmulatorAdmin):
    for case, (spec, expected) in _bad_specs().items():
        clients_stack.write_spec(spec)
        result = clients_stack.preview(check=False)
        assert result.returncode != 0, case
        for text in expected:
            assert text in result.output, (case, text, result.output[-2000:])
    assert emu.api_calls() == []


def test_a_certificate_expiring_soon_warns_in_the_preview(clients_stack: Stack, emu: EmulatorAdmin):
    cert = make_certificate(days=10)
    clients_stack.write_spec({"credentials": [{"name": "cred", "client_id": "abcDEF0123456789",
                                               "credential_type": "x509_cert", "pem": cert.pem}]})
    result = clients_stack.preview(check=False)
    assert result.returncode == 0, result.output[-2000:]
    assert ops(result) == {"ClientCertificateCredential:cred": ["create"]}
    expires_at = parse_certificate(cert.pem).expires_at
    warning = re.search(r"auth0-mtls warning: credential 'cred': the certificate \(C=US, O=Partner A, "
                        r"CN=partner-a\) expires at (\S+), in 9 day\(s\); rotate it soon", result.output)
    assert warning and warning.group(1) == expires_at, result.output[-2000:]
    assert emu.api_calls() == []


def test_private_key_in_pem_is_refused_and_never_printed(clients_stack: Stack, emu: EmulatorAdmin):
    issued = make_certificate()
    key_lines = issued.key_pem.splitlines()[1:-1]
    for pem in (issued.key_pem, issued.pem + issued.key_pem):
        clients_stack.write_spec({"credentials": [{"name": "cred", "client_id": "abcDEF0123456789",
                                                   "credential_type": "x509_cert", "pem": pem}]})
        for result in (clients_stack.preview(check=False), clients_stack.up(check=False)):
            assert result.returncode != 0
            assert "pem contains a private key" in result.output
            leaked = [line for line in key_lines if line in result.output]
            assert leaked == [], "a line of the private key reached the CLI output"
    assert emu.api_calls() == []
    assert clients_stack.resources("ClientCertificateCredential") == []
