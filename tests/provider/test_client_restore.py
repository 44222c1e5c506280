"""ClientMtlsAuthentication and ResourceServerProofOfPossession after an interrupted run: when the
client or the API is already as declared at create, what it had before cannot be known; the run
says so, records it (``previous_settings_captured`` / ``previous_proof_of_possession_captured``), and
``restore_to`` declares what delete puts back."""

from __future__ import annotations

from typing import Any

import pytest

from auth0_mtls import client_authentication as ca
from auth0_mtls import client_credential as cc
from auth0_mtls import resource_server_pop as rs
from auth0_mtls.errors import ApiError
from certs import make_certificate
from mgmt import Mgmt, call_shapes

CLIENT_PATCH = {"method": "PATCH", "path_regex": r"/api/v2/clients/[^/]+"}
API_PATCH = {"method": "PATCH", "path_regex": r"/api/v2/resource-servers/.+"}
POP = {"mechanism": "mtls", "required": True}


def client_with_credential(mgmt: Mgmt, method: str = "client_secret_basic") -> tuple[str, str]:
    """An application made elsewhere (on ``method``) and one certificate credential of it."""
    cid = mgmt.create_client(token_endpoint_auth_method=method)["client_id"]
    inputs, failures, _ = cc.check_inputs({"client_id": cid, "credential_type": "x509_cert",
                                           "pem": make_certificate().pem, "name": "partner-a 2026"})
    assert failures == []
    return cid, cc.ClientCertificateCredentialProvider().create(inputs).id


def auth_inputs(cid: str, cred: str, **kw: Any) -> dict[str, Any]:
    return ca.normalize_inputs({"client_id": cid, "method": "self_signed_tls_client_auth", "credential_ids": [cred],
                                "credential_types": ["x509_cert"], "require_proof_of_possession": True, **kw})


def attach(mgmt: Mgmt, cid: str, cred: str, pop: bool = True) -> None:
    """What a killed run (or someone outside Pulumi) left: the client already as declared."""
    mgmt.call("PATCH", f"/clients/{cid}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": cred}]}},
        "token_endpoint_auth_method": None, "require_proof_of_possession": pop})


def method_of(mgmt: Mgmt, cid: str) -> tuple[Any, Any, bool]:
    live = mgmt.client(cid)
    return (live.get("token_endpoint_auth_method"), live.get("client_authentication_methods"),
            live.get("require_proof_of_possession", False))


# -- the client ---------------------------------------------------------------------------------

def test_a_lost_client_patch_then_a_rerun_warns_that_the_previous_settings_are_unknown(
        emulator_env, mgmt: Mgmt, capsys: pytest.CaptureFixture[str]):
    emu = emulator_env
    cid, cred = client_with_credential(mgmt, "client_secret_basic")
    provider = ca.ClientMtlsAuthenticationProvider()
    emu.state.add_fault({**CLIENT_PATCH, "kind": "drop_after", "count": 50})
    with pytest.raises(ApiError) as err:
        provider.create(auth_inputs(cid, cred))
    assert "token_endpoint_auth_method client_secret_basic" in str(err.value), "the failed run says what it had"
    assert "restore_to" in str(err.value)
    assert method_of(mgmt, cid)[2] is True, "the PATCH was applied; its answers were lost"
    emu.state.clear_faults()
    capsys.readouterr()

    emu.state.clear_calls()
    created = provider.create(auth_inputs(cid, cred))
    assert call_shapes(emu) == ["GET /clients/{id}"], "already as declared: the read is all it takes"
    warning = capsys.readouterr().err
    assert "auth0-mtls warning" in warning and "cannot tell" in warning and "restore_to" in warning
    assert "client_secret_post, client_secret_basic or none" in warning
    assert created.outs["previous_settings_captured"] is False

    emu.state.clear_calls()
    provider.delete(created.id, created.outs)
    assert call_shapes(emu) == ["PATCH /clients/{id}"]
    assert "auth0-mtls warning" in capsys.readouterr().err, "delete says it restores settings it could not know"
    # Not what it had (client_secret_basic): the app type's default, and proof of possession off.
    assert method_of(mgmt, cid) == ("client_secret_post", None, False)


@pytest.mark.parametrize("restore_to", ["client_secret_basic", "client_secret_post", "none"])
@pytest.mark.parametrize("captured", [True, False])
def test_client_restore_to_is_honoured_whatever_was_captured(emulator_env, mgmt: Mgmt, restore_to: str,
                                                             captured: bool):
    cid, cred = client_with_credential(mgmt, "client_secret_post")
    mgmt.call("PATCH", f"/clients/{cid}", json={"require_proof_of_possession": True})
    if not captured:
        attach(mgmt, cid, cred)
    provider = ca.ClientMtlsAuthenticationProvider()
    emulator_env.state.clear_calls()
    created = provider.create(auth_inputs(cid, cred, restore_to=restore_to))
    assert created.outs["previous_settings_captured"] is captured
    assert created.outs["restore_to"] == restore_to
    assert call_shapes(emulator_env) == ["GET /clients/{id}"] + ([] if not captured else ["PATCH /clients/{id}"])
    emulator_env.state.clear_calls()
    provider.delete(created.id, created.outs)
    assert call_shapes(emulator_env) == ["PATCH /clients/{id}"]
    # The method is the one declared; proof of possession goes back to what the client had when that
    # is known (true here), and off when it is not.
    assert method_of(mgmt, cid) == (restore_to, None, captured)


def test_client_restore_to_previous_with_captured_settings_puts_them_back_without_warning(
        emulator_env, mgmt: Mgmt, capsys: pytest.CaptureFixture[str]):
    cid, cred = client_with_credential(mgmt, "client_secret_basic")
    provider = ca.ClientMtlsAuthenticationProvider()
    created = provider.create(auth_inputs(cid, cred, restore_to="previous"))
    assert created.outs["previous_settings_captured"] is True
    provider.delete(created.id, created.outs)
    assert method_of(mgmt, cid) == ("client_secret_basic", None, False)
    assert "warning" not in capsys.readouterr().err


def test_client_restore_to_is_validated_and_changes_in_place_without_a_call(emulator_env, mgmt: Mgmt):
    [(prop, reason)] = ca.check_failures(auth_inputs("clientA", "cred_a", restore_to="private_key_jwt"))
    assert prop == "restore_to"
    assert "previous, client_secret_post, client_secret_basic, none" in reason
    assert ca.check_failures(auth_inputs("clientA", "cred_a", restore_to="none")) == []

    cid, cred = client_with_credential(mgmt)
    provider = ca.ClientMtlsAuthenticationProvider()
    created = provider.create(auth_inputs(cid, cred))
    news = auth_inputs(cid, cred, restore_to="client_secret_basic")
    result = provider.diff(cid, created.outs, news)
    assert result.changes is None and not result.replaces  # an update naming restore_to
    emulator_env.state.clear_calls()
    updated = provider.update(cid, created.outs, news)
    assert call_shapes(emulator_env) == []
    assert updated.outs["restore_to"] == "client_secret_basic" and updated.outs["previous_settings_captured"] is True
    # Unset and "previous" mean the same: no diff either way.
    assert provider.diff(cid, created.outs, auth_inputs(cid, cred, restore_to="previous")).changes is False
    assert provider.diff(cid, {**created.outs, "restore_to": "previous"}, auth_inputs(cid, cred)).changes is False


def test_client_state_without_the_new_outputs_gets_them_at_refresh_and_update(emulator_env, mgmt: Mgmt):
    cid, cred = client_with_credential(mgmt)
    provider = ca.ClientMtlsAuthenticationProvider()
    created = provider.create(auth_inputs(cid, cred))
    old = {k: v for k, v in created.outs.items() if k not in ("previous_settings_captured", "restore_to")}
    # The state before restore_to existed previews with no change.
    assert provider.diff(cid, old, auth_inputs(cid, cred)).changes is False
    emulator_env.state.clear_calls()
    read = provider.read(cid, old)
    assert call_shapes(emulator_env) == ["GET /clients/{id}"]
    assert read.outs["previous_settings_captured"] is True
    assert provider.diff(cid, read.outs, auth_inputs(cid, cred)).changes is False
    updated = provider.update(cid, old, auth_inputs(cid, cred, restore_on_delete=False))
    assert updated.outs["previous_settings_captured"] is True

    # A state whose create found the client as declared (its previous settings are this resource's
    # own method and credential) gets false, the rule create applies.
    found = {**old, "previous_settings": {"token_endpoint_auth_method": None, "require_proof_of_possession": True,
                                          "client_authentication_methods": {
                                              "self_signed_tls_client_auth": {"credentials": [{"id": cred}]}}}}
    assert provider.read(cid, found).outs["previous_settings_captured"] is False


# -- the API ------------------------------------------------------------------------------------

def pop_inputs(api_id: str, **kw: Any) -> dict[str, Any]:
    return rs.normalize_inputs({"resource_server_id": api_id, **POP, **kw})


def live_pop(mgmt: Mgmt, api_id: str) -> Any:
    return mgmt.call("GET", f"/resource-servers/{api_id}").get("proof_of_possession")


def test_a_lost_api_patch_then_a_rerun_warns_that_the_previous_value_is_unknown(
        emulator_env, mgmt: Mgmt, capsys: pytest.CaptureFixture[str]):
    emu = emulator_env
    api = mgmt.create_api()
    provider = rs.ResourceServerProofOfPossessionProvider()
    emu.state.add_fault({**API_PATCH, "kind": "drop_after", "count": 50})
    with pytest.raises(ApiError) as err:
        provider.create(pop_inputs(api["id"]))
    assert "unset (null) before this run" in str(err.value) and "restore_to" in str(err.value)
    assert live_pop(mgmt, api["id"]) == POP, "the PATCH was applied; its answers were lost"
    emu.state.clear_faults()
    capsys.readouterr()

    emu.state.clear_calls()
    created = provider.create(pop_inputs(api["id"]))
    assert call_shapes(emu) == ["GET /resource-servers/{id}"]
    warning = capsys.readouterr().err
    assert "auth0-mtls warning" in warning and "cannot tell" in warning and 'restore_to="none"' in warning
    assert created.outs["previous_proof_of_possession_captured"] is False

    provider.delete(created.id, created.outs)
    assert "auth0-mtls warning" in capsys.readouterr().err
    assert live_pop(mgmt, api["id"]) == POP, "restore_to previous puts back the value found, which was ours"


@pytest.mark.parametrize("captured", [True, False])
def test_api_restore_to_none_is_honoured_whatever_was_captured(emulator_env, mgmt: Mgmt, captured: bool):
    api = mgmt.create_api(proof_of_possession=POP if not captured else {"mechanism": "dpop", "required": False})
    provider = rs.ResourceServerProofOfPossessionProvider()
    emulator_env.state.clear_calls()
    created = provider.create(pop_inputs(api["id"], restore_to="none"))
    assert created.outs["previous_proof_of_possession_captured"] is captured
    assert len(call_shapes(emulator_env)) == (2 if captured else 1)
    emulator_env.state.clear_calls()
    provider.delete(created.id, created.outs)
    assert call_shapes(emulator_env) == ["PATCH /resource-servers/{id}"]
    assert live_pop(mgmt, api["id"]) is None


def test_api_restore_to_is_validated_and_changes_in_place_without_a_call(emulator_env, mgmt: Mgmt):
    [(prop, reason)] = rs.check_failures(pop_inputs("https://api.example.com/x", restore_to="absent"))
    assert prop == "restore_to" and "previous, none" in reason
    api = mgmt.create_api()
    provider = rs.ResourceServerProofOfPossessionProvider()
    created = provider.create(pop_inputs(api["id"]))
    news = pop_inputs(api["id"], restore_to="none")
    assert provider.diff(created.id, created.outs, news).changes is None
    emulator_env.state.clear_calls()
    updated = provider.update(created.id, created.outs, news)
    assert call_shapes(emulator_env) == [] and updated.outs["restore_to"] == "none"
    assert provider.diff(created.id, created.outs, pop_inputs(api["id"], restore_to="previous")).changes is False


def test_api_state_without_the_new_outputs_gets_them_at_refresh_and_update(emulator_env, mgmt: Mgmt):
    api = mgmt.create_api()
    provider = rs.ResourceServerProofOfPossessionProvider()
    created = provider.create(pop_inputs(api["id"]))
    old = {k: v for k, v in created.outs.items() if k not in ("previous_proof_of_possession_captured", "restore_to")}
    assert provider.diff(created.id, old, pop_inputs(api["id"])).changes is False
    read = provider.read(created.id, old)
    assert read.outs["previous_proof_of_possession_captured"] is True
    assert provider.diff(created.id, read.outs, pop_inputs(api["id"])).changes is False
    updated = provider.update(created.id, old, pop_inputs(api["id"], restore_on_delete=False))
    assert updated.outs["previous_proof_of_possession_captured"] is True
    found = {**old, "previous_proof_of_possession": dict(POP)}
    assert provider.read(created.id, found).outs["previous_proof_of_possession_captured"] is False
