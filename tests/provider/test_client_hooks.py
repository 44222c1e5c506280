"""The credential, client-authentication and API proof-of-possession hooks called directly (as the
engine would) against the emulator on loopback. The application and the API are made through the
Management API first, the way a user's are made elsewhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from auth0_mtls import client_authentication as ca
from auth0_mtls import client_credential as cc
from auth0_mtls import resource_server_pop as rs
from auth0_mtls.certificates import parse_timestamp
from auth0_mtls.errors import ApiError
from certs import make_certificate
from mgmt import IDENTIFIER, Mgmt, call_shapes


def names_tenant(emu, err: ApiError) -> bool:
    """Whether an error says which tenant answered, as every Management API error does."""
    return f" at {urlsplit(emu.base_url).netloc} " in str(err)


def credential(client_id: str, pem: str | None = None, **kw: Any) -> dict[str, Any]:
    inputs, failures, _ = cc.check_inputs({"client_id": client_id, "credential_type": "x509_cert",
                                           "pem": pem or make_certificate().pem, "name": "partner-a 2026", **kw})
    assert failures == []
    return inputs


def test_credential_create_read_delete(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    provider = cc.ClientCertificateCredentialProvider()
    inputs = credential(app["client_id"])
    emulator_env.state.clear_calls()
    created = provider.create(inputs)
    assert call_shapes(emulator_env) == ["POST /clients/{id}/credentials"], "outputs come from the POST's answer"
    assert created.id.startswith("cred_")
    assert created.outs["thumbprint_sha256"] == inputs["thumbprint_sha256"]
    assert created.outs["expires_at"] == inputs["expires_at"] and created.outs["created_at"]
    [live] = mgmt.call("GET", f"/clients/{app['client_id']}/credentials")
    assert live["id"] == created.id and live["thumbprint_sha256"] == inputs["thumbprint_sha256"]
    assert "pem" not in live

    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.outs == created.outs
    assert provider.diff(created.id, read.outs, credential(app["client_id"], pem=inputs["pem"])).changes is False

    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)  # already gone: success
    assert mgmt.call("GET", f"/clients/{app['client_id']}/credentials") == []
    gone = provider.read(created.id, created.outs)
    assert gone.id is None and gone.outs == {}


def test_check_warns_about_a_certificate_of_the_other_kind_with_no_call(emulator_env, capsys):
    ca_cert = make_certificate("partner-ca", org="Partner CA")
    provider = cc.ClientCertificateCredentialProvider()
    cases = [("x509_cert", make_certificate("b", issuer=ca_cert).pem, "not self-signed", "cert_subject_dn"),
             ("cert_subject_dn", make_certificate("a").pem, "is self-signed", "x509_cert")]
    for ctype, pem, kind, fits in cases:
        result = provider.check({}, {"client_id": "abcDEF0123456789", "credential_type": ctype, "pem": pem,
                                     "name": "partner-a 2026"})
        assert result.failures == []
        err = capsys.readouterr().err
        assert "auth0-mtls warning: credential 'partner-a 2026': the certificate" in err and kind in err, err
        assert f"use credential_type {fits}" in err.lower(), err
    assert call_shapes(emulator_env) == []


def test_credential_for_a_missing_client_says_so(emulator_env):
    with pytest.raises(ApiError) as err:
        cc.ClientCertificateCredentialProvider().create(credential("NoSuchClient0000"))
    assert err.value.status == 404 and "create it first" in str(err.value)
    assert names_tenant(emulator_env, err.value), str(err.value)


def test_lost_create_response_leaves_exactly_one_credential(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    emulator_env.state.add_fault({"method": "POST", "path_regex": r"/api/v2/clients/[^/]+/credentials",
                                  "kind": "drop_after", "count": 1})
    emulator_env.state.clear_calls()
    created = cc.ClientCertificateCredentialProvider().create(credential(app["client_id"]))
    assert call_shapes(emulator_env) == ["POST /clients/{id}/credentials", "POST /clients/{id}/credentials",
                                         "GET /clients/{id}/credentials", "DELETE /clients/{id}/credentials/{cred}"]
    posts = [c for c in emulator_env.state.calls() if c["method"] == "POST" and c["path"].endswith("/credentials")]
    assert [c["applied"] for c in posts] == [True, True], "the retry made a second copy"
    [only] = mgmt.call("GET", f"/clients/{app['client_id']}/credentials")
    assert only["id"] == created.id


def _drop_first_credential_post(emu) -> None:
    emu.state.add_fault({"method": "POST", "path_regex": r"/api/v2/clients/[^/]+/credentials",
                         "kind": "drop_after", "count": 1})


def _backdate(emu, client_id: str, credential_id: str, by: timedelta) -> None:
    """Make a credential look as if it was made ``by`` earlier (the emulator's snapshot round trip)."""
    snapshot = emu.state.snapshot()
    for item in snapshot["client_credentials"][client_id]:
        if item["id"] == credential_id:
            stamp = (parse_timestamp(item["created_at"]) - by).isoformat(timespec="milliseconds")
            item["created_at"] = item["updated_at"] = stamp.replace("+00:00", "Z")
    emu.state.load(snapshot)


def test_lost_create_response_keeps_a_look_alike_made_earlier_by_someone_else(emulator_env, mgmt: Mgmt, capsys):
    app = mgmt.create_client()
    cid = app["client_id"]
    inputs = credential(cid)
    # Same certificate, same name, made a minute ago elsewhere (the dashboard, another stack).
    theirs = mgmt.call("POST", f"/clients/{cid}/credentials", 201, json={
        "credential_type": "x509_cert", "name": inputs["name"], "pem": inputs["pem"]})
    _backdate(emulator_env, cid, theirs["id"], timedelta(minutes=1))
    _drop_first_credential_post(emulator_env)
    emulator_env.state.clear_calls()
    created = cc.ClientCertificateCredentialProvider().create(inputs)
    assert call_shapes(emulator_env) == ["POST /clients/{id}/credentials", "POST /clients/{id}/credentials",
                                         "GET /clients/{id}/credentials", "DELETE /clients/{id}/credentials/{cred}"]
    [deleted] = [c["path"] for c in emulator_env.state.calls() if c["method"] == "DELETE"]
    assert not deleted.endswith(theirs["id"]) and not deleted.endswith(created.id)
    live = {c["id"] for c in mgmt.call("GET", f"/clients/{cid}/credentials")}
    assert live == {theirs["id"], created.id}, "their credential and ours remain; only the copy is gone"
    assert "second copy; deleted" in capsys.readouterr().err


def test_lost_create_response_keeps_a_recent_look_alike_the_client_uses(emulator_env, mgmt: Mgmt, capsys):
    app = mgmt.create_client()
    cid = app["client_id"]
    inputs = credential(cid)
    # Made and attached elsewhere moments before this create: inside the clock-skew allowance, so
    # only the attachment tells it apart from a copy.
    theirs = mgmt.call("POST", f"/clients/{cid}/credentials", 201, json={
        "credential_type": "x509_cert", "name": inputs["name"], "pem": inputs["pem"]})
    mgmt.call("PATCH", f"/clients/{cid}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": theirs["id"]}]}},
        "token_endpoint_auth_method": None})
    _drop_first_credential_post(emulator_env)
    emulator_env.state.clear_calls()
    created = cc.ClientCertificateCredentialProvider().create(inputs)
    deletes = [c for c in emulator_env.state.calls() if c["method"] == "DELETE"]
    assert sorted(c["status"] for c in deletes) == [204, 400], "the copy went; Auth0 refused to delete theirs"
    assert len(call_shapes(emulator_env)) == 5, "no read of the client: the DELETE's refusal is the check"
    live = {c["id"] for c in mgmt.call("GET", f"/clients/{cid}/credentials")}
    assert live == {theirs["id"], created.id}
    assert mgmt.client(cid)["client_authentication_methods"]["self_signed_tls_client_auth"]["credentials"] == \
        [{"id": theirs["id"]}]
    err = capsys.readouterr().err
    assert f"credential {theirs['id']} looks like {created.id}" in err and "kept it" in err, err


def test_deleting_an_attached_credential_explains_what_to_do(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    cred = cc.ClientCertificateCredentialProvider().create(credential(app["client_id"]))
    mgmt.call("PATCH", f"/clients/{app['client_id']}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": cred.id}]}},
        "token_endpoint_auth_method": None})
    with pytest.raises(ApiError) as err:
        cc.ClientCertificateCredentialProvider().delete(cred.id, cred.outs)
    assert "still attached" in str(err.value) and "credential_ids" in str(err.value)
    assert names_tenant(emulator_env, err.value), str(err.value)


def auth_inputs(client_id: str, ids: list[str], **kw: Any) -> dict[str, Any]:
    return ca.normalize_inputs({"client_id": client_id, "method": "self_signed_tls_client_auth",
                                "credential_ids": ids, "credential_types": ["x509_cert"] * len(ids), **kw})


def test_authentication_create_update_refresh_delete(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    cid = app["client_id"]
    creds = cc.ClientCertificateCredentialProvider()
    first = creds.create(credential(cid))
    second = creds.create(credential(cid, name="partner-a 2027"))
    provider = ca.ClientMtlsAuthenticationProvider()

    emulator_env.state.clear_calls()
    created = provider.create(auth_inputs(cid, [first.id], require_proof_of_possession=True))
    assert call_shapes(emulator_env) == ["GET /clients/{id}", "PATCH /clients/{id}"]
    assert created.id == cid
    assert created.outs["method"] == "self_signed_tls_client_auth" and created.outs["credential_ids"] == [first.id]
    assert created.outs["previous_settings"] == {"token_endpoint_auth_method": "client_secret_post",
                                                 "client_authentication_methods": None,
                                                 "require_proof_of_possession": False}
    assert "client_secret" not in created.outs and app["client_secret"] not in str(created.outs)
    live = mgmt.client(cid)
    assert live["require_proof_of_possession"] is True and "token_endpoint_auth_method" not in live

    emulator_env.state.clear_calls()
    read = provider.read(cid, created.outs)
    assert call_shapes(emulator_env) == ["GET /clients/{id}"]
    assert read.outs["credential_ids"] == [first.id] and read.outs["require_proof_of_possession"] is True
    unchanged = auth_inputs(cid, [first.id], require_proof_of_possession=True)
    assert provider.diff(cid, read.outs, unchanged).changes is False

    emulator_env.state.clear_calls()
    news = auth_inputs(cid, [first.id, second.id], require_proof_of_possession=True)
    updated = provider.update(cid, read.outs, news)
    assert call_shapes(emulator_env) == ["PATCH /clients/{id}"]
    assert updated.outs["credential_ids"] == [first.id, second.id]
    assert updated.outs["previous_settings"] == created.outs["previous_settings"], "the remembered settings stay"

    emulator_env.state.clear_calls()
    provider.delete(cid, updated.outs)
    assert call_shapes(emulator_env) == ["PATCH /clients/{id}"]
    live = mgmt.client(cid)
    assert live["token_endpoint_auth_method"] == "client_secret_post" and not live.get("client_authentication_methods")
    assert live.get("require_proof_of_possession", False) is False
    creds.delete(first.id, first.outs)  # detached: the deletes the engine runs next succeed
    creds.delete(second.id, second.outs)


def test_create_skips_the_patch_when_the_client_already_is_as_declared(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    cid = app["client_id"]
    cred = cc.ClientCertificateCredentialProvider().create(credential(cid))
    mgmt.call("PATCH", f"/clients/{cid}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": cred.id}]}},
        "token_endpoint_auth_method": None})
    emulator_env.state.clear_calls()
    created = ca.ClientMtlsAuthenticationProvider().create(auth_inputs(cid, [cred.id]))
    assert call_shapes(emulator_env) == ["GET /clients/{id}"]
    # The earlier method was mTLS with this very credential: delete falls back to the app type's default.
    ca.ClientMtlsAuthenticationProvider().delete(cid, created.outs)
    assert mgmt.client(cid)["token_endpoint_auth_method"] == "client_secret_post"


def test_delete_restores_earlier_methods_or_falls_back_when_they_are_gone(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    cid = app["client_id"]
    creds = cc.ClientCertificateCredentialProvider()
    earlier = creds.create(credential(cid, name="earlier"))
    mine = creds.create(credential(cid, name="mine"))
    mgmt.call("PATCH", f"/clients/{cid}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": earlier.id}]}},
        "token_endpoint_auth_method": None})
    provider = ca.ClientMtlsAuthenticationProvider()
    created = provider.create(auth_inputs(cid, [mine.id]))
    provider.delete(cid, created.outs)
    assert mgmt.client(cid)["client_authentication_methods"] == {
        "self_signed_tls_client_auth": {"credentials": [{"id": earlier.id}]}}

    created = provider.create(auth_inputs(cid, [mine.id]))
    # The earlier credential is deleted behind our back: restoring it is refused, so fall back.
    mgmt.call("PATCH", f"/clients/{cid}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": mine.id}]}},
        "token_endpoint_auth_method": None})
    creds.delete(earlier.id, earlier.outs)
    provider.delete(cid, created.outs)
    live = mgmt.client(cid)
    assert live["token_endpoint_auth_method"] == "client_secret_post" and not live.get("client_authentication_methods")


def test_delete_keeps_the_client_when_asked_and_tolerates_a_deleted_client(emulator_env, mgmt: Mgmt):
    app = mgmt.create_client()
    cid = app["client_id"]
    cred = cc.ClientCertificateCredentialProvider().create(credential(cid))
    provider = ca.ClientMtlsAuthenticationProvider()
    created = provider.create(auth_inputs(cid, [cred.id], restore_on_delete=False))
    emulator_env.state.clear_calls()
    provider.delete(cid, created.outs)
    assert call_shapes(emulator_env) == []
    assert ca.live_settings(mgmt.client(cid))["credential_ids"] == [cred.id]

    created = provider.create(auth_inputs(cid, [cred.id]))
    mgmt.call("DELETE", f"/clients/{cid}", 204)
    provider.delete(cid, created.outs)  # nothing left to restore
    assert provider.read(cid, created.outs).id is None


def test_authentication_for_a_missing_client_says_so(emulator_env):
    with pytest.raises(ApiError) as err:
        ca.ClientMtlsAuthenticationProvider().create(auth_inputs("NoSuchClient0000", ["cred_abc"]))
    assert "create it first" in str(err.value)
    assert names_tenant(emulator_env, err.value), str(err.value)


def test_resource_server_pop_by_identifier_then_restore_null(emulator_env, mgmt: Mgmt):
    api = mgmt.create_api()
    provider = rs.ResourceServerProofOfPossessionProvider()
    inputs = rs.normalize_inputs({"resource_server_id": IDENTIFIER, "mechanism": "mtls", "required": True})
    emulator_env.state.clear_calls()
    created = provider.create(inputs)
    assert call_shapes(emulator_env) == ["GET /resource-servers/{id}", "PATCH /resource-servers/{id}"]
    assert created.id == api["id"] and created.outs["identifier"] == IDENTIFIER
    assert created.outs["previous_proof_of_possession"] is None
    assert mgmt.call("GET", f"/resource-servers/{api['id']}")["proof_of_possession"] == {"mechanism": "mtls",
                                                                                        "required": True}
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False

    updated = provider.update(created.id, read.outs, {**inputs, "required": False})
    assert updated.outs["required"] is False

    provider.delete(created.id, updated.outs)
    assert mgmt.call("GET", f"/resource-servers/{api['id']}").get("proof_of_possession") is None


def test_resource_server_pop_restores_an_earlier_value_and_skips_a_needless_patch(emulator_env, mgmt: Mgmt):
    earlier = {"mechanism": "dpop", "required": False, "required_for": "public_clients"}
    api = mgmt.create_api(proof_of_possession=earlier)
    provider = rs.ResourceServerProofOfPossessionProvider()
    created = provider.create(rs.normalize_inputs({"resource_server_id": api["id"], "mechanism": "mtls",
                                                   "required": True}))
    provider.delete(created.id, created.outs)
    assert mgmt.call("GET", f"/resource-servers/{api['id']}")["proof_of_possession"] == earlier

    emulator_env.state.clear_calls()
    same = provider.create(rs.normalize_inputs({"resource_server_id": api["id"], "mechanism": "dpop",
                                                "required": False}))
    assert call_shapes(emulator_env) == ["GET /resource-servers/{id}"]
    assert same.outs["previous_proof_of_possession"] == earlier


def test_resource_server_pop_for_a_missing_api_says_so(emulator_env):
    with pytest.raises(ApiError) as err:
        rs.ResourceServerProofOfPossessionProvider().create(
            rs.normalize_inputs({"resource_server_id": "https://nothing.example.com", "mechanism": "mtls",
                                 "required": True}))
    assert err.value.status == 404 and "create it first" in str(err.value)
    assert names_tenant(emulator_env, err.value), str(err.value)
