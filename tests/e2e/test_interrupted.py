"""Interrupted runs and drift, through the real Pulumi CLI: a tenant setting whose PATCH response
was lost, a verification whose one-time key was lost, a verification that fell back to pending."""

from __future__ import annotations

import pytest

from fault_catalog import CALLS

from .harness import EmulatorAdmin, Stack, ops

VERIFY = {"timeout_seconds": 30, "poll_interval_seconds": 1}


def clear_faults(emu: EmulatorAdmin) -> None:
    emu.http.delete(f"{emu.base_url}/__emulator/faults").raise_for_status()


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "auth0-mtls warning" in line]


@pytest.mark.parametrize("restore_to, after_destroy", [
    (None, {"enable_endpoint_aliases": True}),
    ("absent", None),
    ("disabled", {"enable_endpoint_aliases": False}),
])
def test_lost_settings_response_then_rerun_says_so_and_restore_to_decides_what_destroy_puts_back(
        restore_to, after_destroy, stack: Stack, emu: EmulatorAdmin):
    spec = {"enable_endpoint_aliases": True} | ({"restore_to": restore_to} if restore_to else {})
    stack.write_spec({"tenant": spec})
    # Every attempt of the PATCH is applied and its answer lost, as when `pulumi up` is killed.
    emu.add_fault(**CALLS["settings_patch"], kind="drop_after", count=50)
    failed = stack.up(check=False)
    assert failed.returncode != 0
    assert "was absent before" in failed.output, "the failed run says what the tenant had"
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}

    clear_faults(emu)
    rerun = stack.up()
    lines = [w for w in warnings(rerun.output) if "cannot tell" in w]
    assert lines and all("restore_to" in line for line in lines), rerun.output
    [state] = stack.resources("TenantMtlsSettings")
    assert state["outputs"]["previous_mtls_captured"] is False

    destroyed = stack.destroy()
    assert emu.state()["tenant_settings"].get("mtls") == after_destroy
    if restore_to is None:
        assert [w for w in warnings(destroyed.output) if "restore_to" in w], "destroy says what it could not know"


def test_key_lost_to_an_interrupted_verify_is_reported_truthfully(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "verify": VERIFY}]})
    # Auth0 verifies the domain, and every answer (the one carrying the key included) is lost.
    emu.add_fault(**CALLS["verify"], kind="drop_after", count=50)
    failed = stack.up(check=False)
    assert failed.returncode != 0
    assert "cname_api_key" in failed.output, "the failed run already warns that the key may be gone"
    clear_faults(emu)

    rerun = stack.up()
    text = " ".join(warnings(rerun.output))
    assert "interrupted" in text and "before this resource existed" not in text, text
    assert "replace" in text
    [state] = stack.resources("CustomDomainVerification")
    assert state["outputs"]["cname_api_key_captured"] is False

    # A program that needs the key fails the run, with the recovery.
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com",
                                   "verify": {**VERIFY, "require_cname_api_key": True}}]})
    required = stack.up(check=False)
    assert required.returncode != 0
    assert "require_cname_api_key" in required.output and "--replace" in required.output


def test_require_cname_api_key_fails_when_the_domain_was_verified_outside_the_program(stack: Stack, emu: EmulatorAdmin):
    api = emu.management()
    created = api.post(f"{emu.base_url}/api/v2/custom-domains",
                       json={"domain": "login.example.com", "type": "self_managed_certs"}).json()
    api.post(f"{emu.base_url}/api/v2/custom-domains/{created['custom_domain_id']}/verify").raise_for_status()
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "adopt_existing": True,
                                   "verify": {**VERIFY, "require_cname_api_key": True}}]})
    result = stack.up(check=False)
    assert result.returncode != 0
    assert "require_cname_api_key" in result.output and "--replace" in result.output
    assert stack.resources("CustomDomainVerification") == [], "the failed verification is not recorded"


def test_verification_drift_is_seen_by_refresh_and_repaired_by_up_keeping_the_key(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "verify": VERIFY}]})
    stack.up()
    key = stack.outputs(show_secrets=True)["login_cname_api_key"]
    [domain] = emu.domains()
    # The domain falls back to pending_verification (its DNS record was removed and re-checked).
    emu.http.patch(f"{emu.base_url}/__emulator/custom-domains/{domain['custom_domain_id']}",
                   json={"status": "pending_verification"}).raise_for_status()

    assert ops(stack.preview())["CustomDomainVerification:login"] == ["same"], "a preview alone cannot know"
    stack.refresh()
    [state] = stack.resources("CustomDomainVerification")
    assert state["outputs"]["status"] == "pending_verification"
    assert ops(stack.preview())["CustomDomainVerification:login"] == ["update"]

    emu.clear_calls()
    stack.up()
    verifies = [c for c in emu.calls() if c["path"].endswith("/verify")]
    assert len(verifies) == 1 and emu.domains()[0]["status"] == "ready"
    assert stack.outputs(show_secrets=True)["login_cname_api_key"] == key, "the key in state is kept"
    assert stack.outputs()["login_verified_status"] == "ready"
    stack.up("--expect-no-changes")


def test_up_refresh_repairs_verification_drift_in_one_command(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "verify": VERIFY}]})
    stack.up()
    [domain] = emu.domains()
    emu.http.patch(f"{emu.base_url}/__emulator/custom-domains/{domain['custom_domain_id']}",
                   json={"status": "pending_verification"}).raise_for_status()
    stack.up("--refresh")
    assert emu.domains()[0]["status"] == "ready"
    stack.up("--expect-no-changes")
