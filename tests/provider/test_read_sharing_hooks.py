"""Refresh reads each custom domain once: the CustomDomain and its CustomDomainVerification read the
same object, so in one provider process they share one GET. Only reads share; a write to the domain
drops the shared answer, an answer is reused only for a few seconds, a failure is never kept, and
each tenant's answers stay its own."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import shared_reads
from auth0_mtls import verification as vf
from auth0_mtls.emulator import Emulator
from auth0_mtls.errors import ApiError
from auth0_mtls.shared_reads import SHARE_WINDOW_SECONDS
from stack_config import configured, two_tenant_config


def domain_gets(emu: Emulator, domain_id: str) -> int:
    path = f"/api/v2/custom-domains/{domain_id}"
    return len([c for c in emu.state.calls() if c["method"] == "GET" and c["path"] == path])


def verified_domain(emu: Emulator, **inputs: Any) -> tuple[Any, Any]:
    """A CustomDomain and its CustomDomainVerification as `pulumi up` leaves them; the call log cleared."""
    domain = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com",
                                                                   "custom_client_ip_header": "true-client-ip",
                                                                   **inputs}))
    emu.state.publish_expected_dns(domain.id)
    verification = vf.CustomDomainVerificationProvider().create(
        vf.normalize_inputs({"custom_domain_id": domain.id, "poll_interval_seconds": 1, "timeout_seconds": 20}))
    emu.state.clear_calls()
    return domain, verification


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_a_domain_and_its_verification_read_in_one_process_cost_one_get(emulator_env):
    emu = emulator_env
    domain, verification = verified_domain(emu)

    read_domain = cd.CustomDomainProvider().read(domain.id, domain.outs)
    read_verification = vf.CustomDomainVerificationProvider().read(domain.id, verification.outs)

    assert domain_gets(emu, domain.id) == 1
    assert read_domain.outs["status"] == "ready" and read_verification.outs["status"] == "ready"
    assert read_domain.outs["origin_domain_name"] == read_verification.outs["origin_domain_name"]
    assert read_verification.outs["cname_api_key"] == verification.outs["cname_api_key"]


def test_concurrent_reads_of_one_domain_make_one_get(emulator_env):
    emu = emulator_env
    domain, verification = verified_domain(emu)
    # The answer takes a second: every read below starts while the first is still waiting for it.
    emu.state.add_fault({"method": "GET", "path": f"/api/v2/custom-domains/{domain.id}", "kind": "slow",
                         "delay_seconds": 1.0})
    domain_provider, verification_provider = cd.CustomDomainProvider(), vf.CustomDomainVerificationProvider()
    start = threading.Barrier(8)
    results: list[Any] = []
    errors: list[BaseException] = []

    def read(provider: Any, outs: dict[str, Any]) -> None:
        start.wait(10)
        try:
            results.append(provider.read(domain.id, outs))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(domain_provider, domain.outs)) for _ in range(4)]
    threads += [threading.Thread(target=read, args=(verification_provider, verification.outs)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(results) == 8 and {r.outs["status"] for r in results} == {"ready"}
    assert domain_gets(emu, domain.id) == 1


@pytest.mark.parametrize("write", ["update", "verify", "delete"])
def test_a_write_between_two_reads_makes_the_second_read_fetch_again(emulator_env, write):
    emu = emulator_env
    domain, verification = verified_domain(emu)
    domain_provider, verification_provider = cd.CustomDomainProvider(), vf.CustomDomainVerificationProvider()
    if write == "verify":
        emu.state.set_domain_status(domain.id, "pending_verification")

    before = verification_provider.read(domain.id, verification.outs)
    domain_provider.read(domain.id, domain.outs)
    assert domain_gets(emu, domain.id) == 1, "without a write, the two reads share one GET"

    if write == "update":
        news = cd.normalize_inputs({"domain": "login.example.com", "custom_client_ip_header": "x-forwarded-for"})
        domain_provider.update(domain.id, domain.outs, news)
        after = domain_provider.read(domain.id, domain.outs)
        assert after.outs["custom_client_ip_header"] == "x-forwarded-for", "the read after the PATCH sees it"
    elif write == "verify":
        assert before.outs["status"] == "pending_verification"
        verification_provider.update(domain.id, before.outs, vf.normalize_inputs(
            {"custom_domain_id": domain.id, "poll_interval_seconds": 1, "timeout_seconds": 20}))
        after = domain_provider.read(domain.id, domain.outs)
        assert after.outs["status"] == "ready", "the read after the verify does not reuse 'pending_verification'"
    else:
        domain_provider.delete(domain.id, domain.outs)
        after = verification_provider.read(domain.id, verification.outs)
        assert after.id is None, "the read after the DELETE sees the domain gone"
    assert domain_gets(emu, domain.id) == 2


def test_an_answer_older_than_the_window_is_not_reused(emulator_env, monkeypatch):
    emu = emulator_env
    clock = Clock()
    monkeypatch.setattr(shared_reads, "now", clock)
    domain, verification = verified_domain(emu)
    domain_provider, verification_provider = cd.CustomDomainProvider(), vf.CustomDomainVerificationProvider()

    domain_provider.read(domain.id, domain.outs)
    # Someone changes the domain outside the program (here: it falls back to pending_verification).
    emu.state.set_domain_status(domain.id, "pending_verification")
    clock.now += SHARE_WINDOW_SECONDS - 0.05
    within = verification_provider.read(domain.id, verification.outs)
    assert within.outs["status"] == "ready" and domain_gets(emu, domain.id) == 1, "one answer within the window"

    clock.now += 0.1
    later = verification_provider.read(domain.id, verification.outs)
    assert later.outs["status"] == "pending_verification"
    assert domain_gets(emu, domain.id) == 2


def test_a_domain_gone_is_seen_gone_by_both_resources_from_one_get(emulator_env, capsys):
    emu = emulator_env
    domain, verification = verified_domain(emu)
    emu.state.delete_custom_domain(domain.id)
    emu.state.clear_calls()

    assert cd.CustomDomainProvider().read(domain.id, domain.outs).id is None
    assert vf.CustomDomainVerificationProvider().read(domain.id, verification.outs).id is None
    assert domain_gets(emu, domain.id) == 1
    warnings = capsys.readouterr().err
    assert "removing it from state" in warnings and "its verification is removed from state" in warnings


def test_a_failed_read_is_not_kept(emulator_env):
    emu = emulator_env
    domain, verification = verified_domain(emu)
    emu.state.add_fault({"method": "GET", "path": f"/api/v2/custom-domains/{domain.id}", "kind": "status",
                         "status": 403, "count": 1})

    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().read(domain.id, domain.outs)
    assert err.value.status == 403
    again = vf.CustomDomainVerificationProvider().read(domain.id, verification.outs)
    assert again.outs["status"] == "ready"
    assert domain_gets(emu, domain.id) == 2, "the failure was not kept: the next read sent its own GET"
    cd.CustomDomainProvider().read(domain.id, domain.outs)
    assert domain_gets(emu, domain.id) == 2, "the answer that came is shared"


def test_only_reads_share_an_answer(emulator_env):
    """Create, update and verify never use an answer a read left: they send their own call."""
    emu = emulator_env
    domain, verification = verified_domain(emu)
    domain_provider = cd.CustomDomainProvider()
    domain_provider.read(domain.id, domain.outs)
    emu.state.set_domain_status(domain.id, "pending_verification")
    verified = vf.CustomDomainVerificationProvider().create(
        vf.normalize_inputs({"custom_domain_id": domain.id, "poll_interval_seconds": 1, "timeout_seconds": 20}))
    assert verified.outs["status"] == "ready"
    assert [c["method"] for c in emu.state.calls() if c["path"].startswith("/api/v2/")] == ["GET", "POST"]


def test_answers_are_never_shared_across_tenants(tenants):
    us, eu = tenants
    values = two_tenant_config(us, eu)
    domain_provider, verification_provider = cd.CustomDomainProvider(), vf.CustomDomainVerificationProvider()
    configured(domain_provider, values)
    configured(verification_provider, values)
    created = domain_provider.create(cd.normalize_inputs({"domain": "login.example.com"}))
    us.state.publish_expected_dns(created.id)
    us.state.verify_custom_domain(created.id)
    # The other tenant holds a domain with the same id, still pending.
    eu.state.load(us.state.snapshot())
    eu.state.set_domain_status(created.id, "pending_verification")
    us.state.clear_calls()
    eu.state.clear_calls()

    in_us = domain_provider.read(created.id, created.outs)
    in_eu = verification_provider.read(created.id, {"custom_domain_id": created.id, "tenant": "auth0-eu",
                                                    "tenant_host": eu.base_url.split("://")[1]})
    assert in_us.outs["status"] == "ready" and in_eu.outs["status"] == "pending_verification"
    assert domain_gets(us, created.id) == 1 and domain_gets(eu, created.id) == 1
