"""Transient faults, lost responses, concurrency and secrets, through the real Pulumi CLI."""

from __future__ import annotations

import pytest

from fault_catalog import CALLS, FAULTS, NOT_SURVIVABLE

from .harness import CLIENT_SECRET, EmulatorAdmin, Stack

SPEC = {
    "domains": [{"name": "login", "domain": "login.example.com", "custom_client_ip_header": "true-client-ip",
                 "verify": {"timeout_seconds": 60, "poll_interval_seconds": 1}}],
    "tenant": {"enable_endpoint_aliases": True},
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_matrix_every_call_of_the_lifecycle(fault, stack: Stack, emu: EmulatorAdmin):
    """One fault of this kind on the first call of each kind; up, update, refresh and destroy all
    complete and the tenant ends as the program says."""
    for call, where in CALLS.items():
        if (call, fault) in NOT_SURVIVABLE:
            continue  # test_lost_verify_response_is_reported
        emu.add_fault(**where, **FAULTS[fault], count=1)
    stack.write_spec(SPEC)
    stack.up()
    [domain] = emu.domains()
    assert domain["status"] == "ready"
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    assert len(stack.outputs(show_secrets=True)["login_cname_api_key"]) == 128

    spec = {**SPEC, "domains": [{**SPEC["domains"][0], "custom_client_ip_header": "x-forwarded-for"}]}
    stack.write_spec(spec)
    stack.up()
    assert emu.domains()[0]["custom_client_ip_header"] == "x-forwarded-for"
    stack.refresh()
    stack.up("--expect-no-changes")
    stack.destroy()
    assert emu.domains() == [] and "mtls" not in emu.state()["tenant_settings"]

    faults = emu.http.get(f"{emu.base_url}/__emulator/faults").json()
    unfired = [f for f in faults if not f["fired"]]
    assert unfired == [], f"faults that never fired: {unfired}"
    created = [c for c in emu.calls() if c["method"] == "POST" and c["path"] == "/api/v2/custom-domains"
               and c["applied"]]
    assert len(created) == 1, "no duplicate domain was created"


def test_lost_verify_response_is_reported(stack: Stack, emu: EmulatorAdmin):
    emu.add_fault(**CALLS["verify"], kind="drop_after", count=1)
    stack.write_spec(SPEC)
    result = stack.up(check=False)
    assert result.returncode != 0
    assert "lost in transit" in result.output and "--replace" in result.output


def test_twenty_domains_in_parallel_share_one_token(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": f"d{i:02d}", "domain": f"d{i:02d}.example.com",
                                   "domain_metadata": {"n": str(i)}} for i in range(20)]})
    stack.up("--parallel", "8")
    domains = emu.domains()
    assert sorted(d["domain"] for d in domains) == [f"d{i:02d}.example.com" for i in range(20)]
    assert all(d["domain_metadata"] == {"n": d["domain"][1:3].lstrip("0") or "0"} for d in domains)
    assert len([c for c in emu.calls() if c["path"] == "/oauth/token"]) == 1
    ids = {r["id"] for r in stack.resources("CustomDomain")}
    assert ids == {d["custom_domain_id"] for d in domains}
    stack.destroy("--parallel", "8")
    assert emu.domains() == []


def test_no_secret_in_state_or_cli_output(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(SPEC)
    stack.up()
    stack.refresh()
    key = stack.outputs(show_secrets=True)["login_cname_api_key"]
    stack.history.pop()  # the one command asked to show secrets
    state = stack.state_file_text()
    config = (stack.project / f"Pulumi.{stack.name}.yaml").read_text()
    for secret in (key, CLIENT_SECRET):
        assert secret not in state
        assert secret not in config
        for result in stack.history:
            assert secret not in result.output, f"pulumi {' '.join(result.args)} printed a secret"
    assert "Bearer" not in state
