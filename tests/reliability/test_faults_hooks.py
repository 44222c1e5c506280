"""Each provider call survives each transient fault kind; the lost-response cases are handled; no
secret reaches an error. Hooks are called in-process against the emulator (fast); the same matrix
runs through the real CLI in tests/e2e/test_fault_matrix.py."""

from __future__ import annotations

import traceback

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf
from auth0_mtls.client import shared_client
from auth0_mtls.credentials import resolve
from auth0_mtls.errors import ApiError, RateLimitError, UnsafeInputError
from fault_catalog import CALLS, DOMAIN_ID_PATH, FAULTS, NOT_SURVIVABLE

SECRET = "emulator-secret"


def lifecycle(emu) -> tuple[dict, str]:
    """Create, verify, read, update, delete a domain and the tenant setting; returns outputs."""
    domains = cd.CustomDomainProvider()
    created = domains.create(cd.normalize_inputs({"domain": "login.example.com",
                                                  "custom_client_ip_header": "true-client-ip"}))
    emu.state.publish_expected_dns(created.id)
    verified = vf.CustomDomainVerificationProvider().create(
        vf.normalize_inputs({"custom_domain_id": created.id, "poll_interval_seconds": 1, "timeout_seconds": 20}))
    read = domains.read(created.id, created.outs)
    updated = domains.update(created.id, read.outs, cd.normalize_inputs(
        {"domain": "login.example.com", "custom_client_ip_header": "x-forwarded-for"}))
    assert emu.state.get_custom_domain(created.id)["custom_client_ip_header"] == "x-forwarded-for"
    settings = ts.TenantMtlsSettingsProvider()
    mtls = settings.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    assert emu.state.get_tenant_settings().get("mtls") == {"enable_endpoint_aliases": True}
    settings.delete(mtls.id, mtls.outs)
    domains.delete(created.id, updated.outs)
    return verified.outs, created.id


CELLS = [(call, fault) for call in CALLS for fault in FAULTS if (call, fault) not in NOT_SURVIVABLE]


@pytest.mark.parametrize("call, fault", CELLS)
def test_every_call_survives_every_transient_fault(call, fault, emulator_env):
    emu = emulator_env
    emu.state.add_fault({**CALLS[call], **FAULTS[fault], "count": 1})
    outs, domain_id = lifecycle(emu)
    fired = [f for f in emu.state.faults() if f["fired"]]
    assert len(fired) == 1, f"the {fault} fault on {call} never fired"
    assert outs["status"] == "ready" and len(outs["cname_api_key"]) == 128
    assert emu.state.snapshot()["custom_domains"] == []
    assert "mtls" not in emu.state.get_tenant_settings()
    creates = [c for c in emu.state.calls() if c["method"] == "POST" and c["path"] == "/api/v2/custom-domains"]
    assert len([c for c in creates if c["applied"]]) == 1, "exactly one domain was created"


def test_lost_create_response_adopts_the_domain_it_made(emulator_env):
    emu = emulator_env
    emu.state.add_fault({"method": "POST", "path": "/api/v2/custom-domains", "kind": "drop_after"})
    created = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    [only] = emu.state.snapshot()["custom_domains"]
    assert created.id == only["custom_domain_id"]
    statuses = [c["status"] for c in emu.state.calls() if c["path"] == "/api/v2/custom-domains"]
    assert statuses[:2] == [None, 409]


def test_lost_verify_response_says_the_key_is_gone_and_how_to_recover(emulator_env):
    emu = emulator_env
    created = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    emu.state.publish_expected_dns(created.id)
    emu.state.add_fault({"method": "POST", "path_regex": DOMAIN_ID_PATH + "/verify", "kind": "drop_after"})
    with pytest.raises(vf.CnameApiKeyLost) as err:
        vf.CustomDomainVerificationProvider().create(vf.normalize_inputs({"custom_domain_id": created.id}))
    assert "lost in transit" in str(err.value) and "--replace" in str(err.value)
    assert emu.state.cname_api_key_issued(created.id)


def test_sustained_429_ends_with_a_rate_limit_error_within_the_budget(emulator_env, monkeypatch):
    import time

    monkeypatch.setenv("AUTH0_MTLS_RETRY_BUDGET_SECONDS", "3")
    from auth0_mtls import client as client_module
    client_module._clients.clear()
    emulator_env.state.add_fault({"method": "GET", "path": "/api/v2/tenants/settings", "kind": "status",
                                  "status": 429, "reset_after_seconds": 1, "count": 100})
    started = time.monotonic()
    with pytest.raises(RateLimitError) as err:
        ts.TenantMtlsSettingsProvider().create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"waited {elapsed:.1f}s past a 3s budget"
    assert "429" in str(err.value) and "rate limit" in str(err.value).lower()
    gets = [c for c in emulator_env.state.calls() if c["path"] == "/api/v2/tenants/settings"]
    assert 2 <= len(gets) <= 5, "waits for the reset instead of spinning"


def test_revoked_token_is_renewed_once(emulator_env):
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    emulator_env.state.revoke_tokens()
    provider.read(created.id, created.outs)
    statuses = [(c["path"], c["status"]) for c in emulator_env.state.calls()]
    assert statuses.count(("/oauth/token", 200)) == 2
    assert ("/api/v2/tenants/settings", 401) in statuses


def test_missing_scope_names_the_scope(emulator_env):
    emulator_env.state.set_granted_scopes(["read:custom_domains"])
    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    assert err.value.status == 403 and "create:custom_domains" in str(err.value)


HOSTILE_IDS = ["cd_x/../../clients", "cd_%2e%2e", "cd_a\nGET /", "../clients", "cd_a?x=1", "cd_a#b",
               "cd_" + "a" * 5000, "", "cd_a/verify", "cd_ä"]


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_ids_are_refused_before_any_request(bad, emulator_env):
    client = shared_client(resolve())
    for call in (client.get_custom_domain, client.read_custom_domain, client.delete_custom_domain,
                 client.verify_custom_domain):
        with pytest.raises(UnsafeInputError):
            call(bad)
    with pytest.raises(UnsafeInputError):
        client.update_custom_domain(bad, {})
    failures = vf.check_failures(vf.normalize_inputs({"custom_domain_id": bad}))
    assert [p for p, _ in failures] == ["custom_domain_id"]
    assert emulator_env.state.calls() == []


HOSTILE_DOMAINS = ["login.example.com/../../clients", "%2e%2e.example.com", "login.example.com\r\nX: y",
                   "a" * 300 + ".com", "login..example.com", "login.example.com:443", "user@login.example.com",
                   "*.example.com", " "]


@pytest.mark.parametrize("bad", HOSTILE_DOMAINS)
def test_hostile_domains_fail_check(bad):
    failures = cd.check_failures(cd.normalize_inputs({"domain": bad}))
    assert [p for p, _ in failures] == ["domain"]


def test_no_secret_in_errors_tracebacks_or_logs(emulator_env, capsys, caplog, monkeypatch):
    import logging

    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "wrong-" + SECRET)
    from auth0_mtls import client as client_module
    client_module._clients.clear()
    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    text = "".join(traceback.format_exception(err.value)) + capsys.readouterr().err + caplog.text
    assert err.value.status == 401
    assert SECRET not in text and "Bearer" not in text


def test_key_and_token_never_logged_on_success(emulator_env, capsys, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    outs, _ = lifecycle(emulator_env)
    client = shared_client(resolve())
    text = capsys.readouterr().err + caplog.text
    assert outs["cname_api_key"] not in text
    assert client._token not in text and SECRET not in text
