"""CustomDomainVerification after interrupted runs and drift: the truth about a lost key,
require_cname_api_key, and re-verification that keeps the key in state."""

from __future__ import annotations

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import verification as vf
from auth0_mtls.client import ManagementClient
from auth0_mtls.errors import ApiError
from fault_catalog import DOMAIN_ID_PATH

VERIFY = {"method": "POST", "path_regex": DOMAIN_ID_PATH + "/verify"}


def new_domain(emu) -> str:
    created = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    emu.state.publish_expected_dns(created.id)
    return created.id


def verify_inputs(domain_id: str, **kw):
    return vf.normalize_inputs({"custom_domain_id": domain_id, "poll_interval_seconds": 1, "timeout_seconds": 20, **kw})


def test_key_lost_to_an_interrupted_run_is_reported_as_such(emulator_env, capsys):
    emu = emulator_env
    domain_id = new_domain(emu)
    provider = vf.CustomDomainVerificationProvider()
    emu.state.add_fault({**VERIFY, "kind": "drop_after", "count": 50})
    with pytest.raises(ApiError) as err:
        provider.create(verify_inputs(domain_id))
    assert "cname_api_key" in str(err.value), "the failed run warns that the key may have been in a lost answer"
    assert emu.state.cname_api_key_issued(domain_id)
    emu.state.clear_faults()
    capsys.readouterr()

    created = provider.create(verify_inputs(domain_id))
    warning = capsys.readouterr().err
    assert "interrupted" in warning and "outside" in warning and "cannot be recovered" in warning
    assert "before this resource existed" not in warning
    assert "--replace" in warning and "require_cname_api_key" in warning
    assert created.outs["cname_api_key"] is None and created.outs["cname_api_key_captured"] is False

    with pytest.raises(vf.CnameApiKeyLost) as err:
        provider.create(verify_inputs(domain_id, require_cname_api_key=True))
    assert "require_cname_api_key" in str(err.value) and "--replace" in str(err.value)


def test_require_cname_api_key_is_validated_and_0_1_state_without_it_shows_no_diff():
    failures = vf.check_failures(verify_inputs("cd_abc", require_cname_api_key="yes"))
    assert [p for p, _ in failures] == ["require_cname_api_key"]
    provider = vf.CustomDomainVerificationProvider()
    olds = {"custom_domain_id": "cd_abc", "timeout_seconds": 20, "poll_interval_seconds": 1, "status": "ready",
            "cname_api_key": "k", "cname_api_key_captured": True}
    assert provider.diff("cd_abc", olds, verify_inputs("cd_abc")).changes is False
    assert provider.diff("cd_abc", olds, verify_inputs("cd_abc", require_cname_api_key=False)).changes is False
    assert provider.diff("cd_abc", olds, verify_inputs("cd_abc", require_cname_api_key=True)).changes is None


def test_a_domain_back_to_pending_is_seen_by_refresh_and_verified_again_keeping_the_key(emulator_env):
    emu = emulator_env
    domain_id = new_domain(emu)
    provider = vf.CustomDomainVerificationProvider()
    created = provider.create(verify_inputs(domain_id))
    key = created.outs["cname_api_key"]
    emu.state.set_domain_status(domain_id, "pending_verification")

    refreshed = provider.read(domain_id, created.outs)
    assert refreshed.outs["status"] == "pending_verification" and refreshed.outs["cname_api_key"] == key
    news = verify_inputs(domain_id)
    assert refreshed.inputs == news
    diff = provider.diff(domain_id, refreshed.outs, news)
    assert diff.changes is True and not diff.replaces
    # A ready domain does not need it.
    assert provider.diff(domain_id, created.outs, news).changes is False

    emu.state.clear_calls()
    updated = provider.update(domain_id, refreshed.outs, news)
    assert updated.outs["status"] == "ready" and updated.outs["cname_api_key"] == key
    assert updated.outs["cname_api_key_captured"] is True
    assert updated.outs["verified_at"] >= created.outs["verified_at"]
    assert [c["path"].rsplit("/", 1)[-1] for c in emu.state.calls() if c["path"].startswith("/api/")] == ["verify"]


def test_a_new_key_from_a_re_verification_is_taken_with_a_warning(emulator_env, capsys, monkeypatch):
    emu = emulator_env
    domain_id = new_domain(emu)
    provider = vf.CustomDomainVerificationProvider()
    created = provider.create(verify_inputs(domain_id))
    emu.state.set_domain_status(domain_id, "pending_verification")
    pending = provider.read(domain_id, created.outs).outs

    # Auth0 documents the key as returned once; should a re-verification ever return another one:
    real_verify = ManagementClient.verify_custom_domain

    def verify_with_new_key(self, custom_domain_id):
        obj, maybe = real_verify(self, custom_domain_id)
        return {**obj, "cname_api_key": "f" * 128}, maybe

    monkeypatch.setattr(ManagementClient, "verify_custom_domain", verify_with_new_key)
    capsys.readouterr()
    updated = provider.update(domain_id, pending, verify_inputs(domain_id))
    assert updated.outs["cname_api_key"] == "f" * 128
    warning = capsys.readouterr().err
    assert "new cname_api_key" in warning and "edge" in warning and "f" * 128 not in warning


def test_key_after_verify_rules():
    assert vf.key_after_verify(None, {"cname_api_key": "a"}) == ("a", False)
    assert vf.key_after_verify("a", {}) == ("a", False)
    assert vf.key_after_verify("a", {"cname_api_key": "a"}) == ("a", False)
    assert vf.key_after_verify("a", {"cname_api_key": "b"}) == ("b", True)
    assert vf.key_after_verify(None, {}) == (None, False)
