"""`pulumi up` killed mid-operation with the real CLI: what each kill leaves behind, and the recovery
the README gives for it, run command by command.

A kill here is SIGKILL of the CLI and of every process it started (the language host and the
provider run in process groups of their own), while the emulator holds the answer to a call it has
already applied (fault ``hang_after``) or while a verification waits for DNS. One test kills the CLI
alone, as ``kill -9 <pid>`` or an OOM kill does, and checks the provider left behind stops calling
and ends its process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    PROGRAM,
    EmulatorAdmin,
    Stack,
    alive,
    descendants,
    kill_tree,
    ops,
    short_name,
    start,
    wait_for_calls,
)

CREATE_PATH = "/api/v2/custom-domains"
VERIFY_PATH = r"/api/v2/custom-domains/cd_[A-Za-z0-9]+/verify"
DOMAIN_URN = "urn:pulumi:e2e::auth0-mtls-e2e::pulumi-python:dynamic/auth0_mtls:CustomDomain::login"
VERIFY = {"timeout_seconds": 60, "poll_interval_seconds": 1}
LOGIN = {"name": "login", "domain": "login.example.com"}
FULL = {"domains": [{**LOGIN, "verify": VERIFY}], "tenant": {"enable_endpoint_aliases": True}}
HELD = 120  # seconds the emulator holds an applied call's answer; stopping the emulator releases it
ENGINE_PENDING_WARNING = "pending operations from previous deployment"


def killed_up(stack: Stack, emu: EmulatorAdmin, method: str, path_regex: str, count: int = 1) -> None:
    """Start `pulumi up`, wait until the emulator has applied ``count`` matching calls, then kill the
    CLI and everything it started. Asserts that nothing it started survives or calls Auth0 again."""
    proc = start(stack, "up", "--yes", "--skip-preview", "--parallel", "1")
    wait_for_calls(emu, method, path_regex, count)
    started = kill_tree(proc)
    assert len(started) >= 3, f"the language host, program and provider were running: {started}"
    assert not [pid for pid in started if alive(pid)], "a process the CLI started survived the kill"
    seen = len(emu.calls())
    time.sleep(2 * VERIFY["poll_interval_seconds"] + 0.5)
    assert emu.calls()[seen:] == [], "nothing keeps calling Auth0 after the kill"
    emu.http.delete(f"{emu.base_url}/__emulator/faults").raise_for_status()


def pending(stack: Stack) -> list[tuple[str, str]]:
    deployment = stack.export()["deployment"]
    return [(op["type"], short_name(op["resource"]["urn"])) for op in deployment.get("pending_operations") or []]


def only_same(stack: Stack) -> None:
    preview = stack.preview()
    assert {op for steps in ops(preview).values() for op in steps} == {"same"}, ops(preview)


def dns_published_by_hand(emu: EmulatorAdmin) -> None:
    """Verification then waits until the test publishes the record (the stack fixture's emulator
    otherwise treats every record as published)."""
    emu.http.put(f"{emu.base_url}/__emulator/auto-dns", json={"enabled": False}).raise_for_status()


def outputs_of(stack: Stack, type_suffix: str) -> dict[str, Any]:
    [state] = stack.resources(type_suffix)
    return state["outputs"]


# -- CustomDomain ----------------------------------------------------------------------------------

def test_a_killed_domain_create_meets_a_409_on_every_plain_path(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [LOGIN]})
    emu.add_fault(method="POST", path=CREATE_PATH, kind="hang_after", delay_seconds=HELD)
    killed_up(stack, emu, "POST", CREATE_PATH)

    # Auth0 made the domain; the stack only knows it was being created.
    [orphan] = emu.domains()
    assert stack.resources("CustomDomain") == []
    assert pending(stack) == [("creating", "CustomDomain:login")]

    # The killed CLI left its lock behind.
    locked = stack.up(check=False)
    assert locked.returncode != 0 and "locked" in locked.output and "pulumi cancel" in locked.output
    stack.run("cancel", "--yes")

    # up: the create runs again and meets the domain the killed run made.
    emu.clear_calls()
    rerun = stack.up(check=False)
    assert rerun.returncode != 0
    assert ENGINE_PENDING_WARNING in rerun.output
    assert "409" in rerun.output and orphan["custom_domain_id"] in rerun.output
    # The error names the recovery: adopt it, and clear the pending operation.
    assert "adopt_existing=True" in rerun.output and "pulumi refresh --clear-pending-creates" in rerun.output
    assert [(c["method"], c["status"]) for c in emu.writes()] == [("POST", 409)]
    assert len(emu.domains()) == 1

    # refresh: nothing in state to read, and the pending create stays.
    emu.clear_calls()
    stack.refresh()
    assert emu.api_calls() == []
    assert pending(stack) == [("creating", "CustomDomain:login")]

    # destroy: the domain is not in state, so it is not deleted either.
    emu.clear_calls()
    stack.destroy()
    assert emu.api_calls() == [] and len(emu.domains()) == 1
    assert pending(stack) == [("creating", "CustomDomain:login")]

    # --import-pending-creates: accepted, the pending operation is dropped, and nothing is imported:
    # the engine imports by reading with the id alone, which a dynamic provider cannot do.
    stack.refresh("--import-pending-creates", DOMAIN_URN, "--import-pending-creates", orphan["custom_domain_id"])
    assert pending(stack) == []
    assert stack.resources("CustomDomain") == [], "the domain was not imported"
    assert emu.api_calls() == []

    again = stack.up(check=False)
    assert again.returncode != 0 and "409" in again.output
    assert len(emu.domains()) == 1, "no second domain was ever made"


def test_a_killed_domain_create_is_recovered_by_adopting_the_domain_it_made(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec(FULL)
    emu.add_fault(method="POST", path=CREATE_PATH, kind="hang_after", delay_seconds=HELD)
    killed_up(stack, emu, "POST", CREATE_PATH)
    [orphan] = emu.domains()
    assert "mtls" not in emu.state()["tenant_settings"], "the run was killed before the tenant setting"

    stack.run("cancel", "--yes")
    emu.clear_calls()
    stack.refresh("--clear-pending-creates")
    assert pending(stack) == [] and emu.api_calls() == []

    stack.write_spec({**FULL, "domains": [{**FULL["domains"][0], "adopt_existing": True}]})
    emu.clear_calls()
    recovered = stack.up()
    assert ENGINE_PENDING_WARNING not in recovered.output
    assert [c for c in emu.writes() if c["path"] == CREATE_PATH] == [], "adopted, not created again"
    assert [d["custom_domain_id"] for d in emu.domains()] == [orphan["custom_domain_id"]]
    assert stack.resources("CustomDomain")[0]["id"] == orphan["custom_domain_id"]
    # The domain was not verified yet, so the one-time key is captured as on a normal first run.
    assert outputs_of(stack, "CustomDomainVerification")["cname_api_key_captured"] is True
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    only_same(stack)
    emu.clear_calls()
    stack.up("--expect-no-changes")
    assert emu.api_calls() == []

    # adopt_existing can stay, or go: dropping it is an update of state only.
    stack.write_spec(FULL)
    assert ops(stack.preview())["CustomDomain:login"] == ["update"]
    stack.up()
    assert emu.api_calls() == []

    stack.destroy()
    assert emu.domains() == [] and "mtls" not in emu.state()["tenant_settings"]


# -- TenantMtlsSettings ----------------------------------------------------------------------------

def test_a_killed_tenant_setting_create_is_recovered_by_declaring_what_delete_restores(
        stack: Stack, emu: EmulatorAdmin):
    assert "mtls" not in emu.state()["tenant_settings"]
    stack.write_spec({"tenant": {"enable_endpoint_aliases": True}})
    emu.add_fault(method="PATCH", path="/api/v2/tenants/settings", kind="hang_after", delay_seconds=HELD)
    killed_up(stack, emu, "PATCH", "/api/v2/tenants/settings")

    # The tenant changed; the stack does not know it changed it, nor what was there before.
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    assert stack.resources("TenantMtlsSettings") == []
    assert pending(stack) == [("creating", "TenantMtlsSettings:mtls")]

    stack.run("cancel", "--yes")
    stack.refresh("--clear-pending-creates")
    # What the tenant had before the killed run (absent here) is declared, not guessed.
    stack.write_spec({"tenant": {"enable_endpoint_aliases": True, "restore_to": "absent"}})
    emu.clear_calls()
    rerun = stack.up()
    assert "cannot tell" in rerun.output, "the run says it could not see the value from before"
    assert [c["method"] for c in emu.api_calls() if c["path"].startswith("/api/")] == ["GET"], "already as declared"
    outs = outputs_of(stack, "TenantMtlsSettings")
    assert outs["previous_mtls_captured"] is False and outs["restore_to"] == "absent"
    only_same(stack)

    stack.destroy()
    assert "mtls" not in emu.state()["tenant_settings"], "restored to what the tenant had before the killed run"


# -- CustomDomainVerification ----------------------------------------------------------------------

def test_a_kill_during_the_verification_wait_leaves_a_pending_verification_that_up_resumes(
        stack: Stack, emu: EmulatorAdmin):
    dns_published_by_hand(emu)
    stack.write_spec(FULL)
    killed_up(stack, emu, "POST", VERIFY_PATH, count=2)

    [domain] = emu.domains()
    assert domain["status"] == "pending_verification"
    assert [r["id"] for r in stack.resources("CustomDomain")] == [domain["custom_domain_id"]], "the domain is kept"
    assert pending(stack) == [("creating", "CustomDomainVerification:login")]
    assert "mtls" not in emu.state()["tenant_settings"], "the tenant setting waits for the verification"

    stack.run("cancel", "--yes")
    method = domain["verification"]["methods"][0]
    emu.publish_dns(method["domain"], method["record"])
    emu.clear_calls()
    stack.up()
    assert [c for c in emu.writes() if c["path"] == CREATE_PATH] == [], "the domain is not created again"
    verification = outputs_of(stack, "CustomDomainVerification")
    assert verification["status"] == "ready" and verification["cname_api_key_captured"] is True
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}

    # The verification was created by this run, but the engine keeps the old pending operation
    # (and its warning) until it is cleared.
    assert pending(stack) == [("creating", "CustomDomainVerification:login")]
    stack.refresh("--clear-pending-creates")
    assert pending(stack) == []
    only_same(stack)


def options_stack(stack: Stack) -> Stack:
    """The same stack running tests/e2e/options_program, which adds resource options from the spec."""
    for source in (Path(__file__).parent / "options_program").glob("*.py"):
        shutil.copy(source, stack.project / source.name)
    shutil.copy(PROGRAM, stack.project / "e2e_program.py")
    return stack


def test_a_key_lost_to_a_kill_after_auth0_verified_is_replaced_by_recreating_the_domain(
        stack: Stack, emu: EmulatorAdmin):
    options_stack(stack)
    stack.write_spec(FULL)
    emu.add_fault(method="POST", path_regex=VERIFY_PATH, kind="hang_after", delay_seconds=HELD)
    killed_up(stack, emu, "POST", VERIFY_PATH)
    [domain] = emu.domains()
    assert domain["status"] == "ready", "Auth0 verified the domain; the answer with the key was lost"

    stack.run("cancel", "--yes")
    rerun = stack.up()
    assert "interrupted" in rerun.output and "cname_api_key" in rerun.output
    assert outputs_of(stack, "CustomDomainVerification")["cname_api_key_captured"] is False
    stack.refresh("--clear-pending-creates")

    # Recovery: a new domain (new TXT record, new key). Same name, so the old one must go first.
    spec = {**FULL, "options": {"CustomDomain:login": {"delete_before_replace": True}}}
    stack.write_spec(spec)
    only_same(stack)  # the option alone changes nothing
    emu.clear_calls()
    stack.up("--replace", DOMAIN_URN)
    writes = [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in emu.writes()]
    assert writes == [("DELETE", domain["custom_domain_id"]), ("POST", "custom-domains"),
                      ("POST", "verify")], writes
    [new] = emu.domains()
    assert new["custom_domain_id"] != domain["custom_domain_id"] and new["status"] == "ready"
    verification = outputs_of(stack, "CustomDomainVerification")
    assert verification["custom_domain_id"] == new["custom_domain_id"]
    assert verification["cname_api_key_captured"] is True
    assert len(stack.outputs(show_secrets=True)["login_cname_api_key"]) == 128
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    only_same(stack)


@pytest.mark.parametrize("adopt_existing", [False, True])
def test_replacing_a_domain_in_place_without_delete_before_replace_never_loses_it(
        adopt_existing: bool, stack: Stack, emu: EmulatorAdmin):
    """`pulumi up --replace` bypasses the provider's diff, so the engine creates the replacement
    first: Auth0 refuses a second domain of the same name, and with adopt_existing the replacement
    would take over the very domain the engine deletes next."""
    stack.write_spec({"domains": [{**LOGIN, "adopt_existing": adopt_existing, "verify": VERIFY}]})
    stack.up()
    [domain] = emu.domains()
    emu.clear_calls()
    replaced = stack.up("--replace", DOMAIN_URN, check=False)
    assert "delete_before_replace" in replaced.output, "the run says how to replace a domain in place"
    assert [d["custom_domain_id"] for d in emu.domains()] == [domain["custom_domain_id"]], "the domain is kept"
    assert [c for c in emu.writes() if c["method"] == "DELETE"] == []
    assert [r["id"] for r in stack.resources("CustomDomain")] == [domain["custom_domain_id"]]
    if adopt_existing:
        assert replaced.returncode == 0
        only_same(stack)
    else:
        assert replaced.returncode != 0 and "409" in replaced.output


# -- the CLI killed alone --------------------------------------------------------------------------

PROVIDER_EXIT_SECONDS = 5  # the watchdog's poll (1 s) and grace (1 s), with room for a loaded machine


def providers_among(pids: list[int]) -> list[int]:
    """The Python dynamic-provider processes (`python -u -m pulumi.dynamic`) among ``pids``; not the
    shell script that starts them."""
    found = []
    for pid in pids:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pulumi.dynamic" in args and not any(arg.endswith(b"pulumi-resource-pulumi-python") for arg in args):
            found.append(pid)
    return found


def kill_groups(pids: list[int]) -> None:
    """Whatever a test left running, by process group (plugins run in groups of their own)."""
    for pid in pids:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            continue


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    """Wait up to ``seconds`` for ``pids`` to end; the ones still running."""
    deadline = time.monotonic() + seconds
    while [pid for pid in pids if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def rate_limited_verification(stack: Stack, emu: EmulatorAdmin) -> subprocess.Popen[str]:
    """`pulumi up` of a domain whose verification waits for DNS, with every verify call from the
    third on answered 429: the client waits for the reset and tries again, printing nothing (a
    progress line to a dead CLI's pipe would end the provider's call on its own), for as long as
    the verification's timeout allows. Returns once the provider is in that wait."""
    dns_published_by_hand(emu)
    emu.http.put(f"{emu.base_url}/__emulator/rate-limits", json={"verify": None}).raise_for_status()
    stack.write_spec(FULL)
    proc = start(stack, "up", "--yes", "--skip-preview", "--parallel", "1")
    wait_for_calls(emu, "POST", VERIFY_PATH, count=2)
    emu.add_fault(method="POST", path_regex=VERIFY_PATH, kind="status", status=429, reset_after_seconds=1,
                  count=1000)
    wait_for_calls(emu, "POST", VERIFY_PATH, count=3, applied=False)
    return proc


def test_a_provider_left_running_by_a_killed_cli_stops_calling_auth0_and_exits(stack: Stack, emu: EmulatorAdmin):
    proc = rate_limited_verification(stack, emu)
    left: list[int] = []
    try:
        left = descendants(proc.pid)
        providers = providers_among(left)
        assert providers, f"the provider process was found among {left}"
        proc.send_signal(signal.SIGKILL)  # the CLI only: its plugins run in process groups of their own
        killed, killed_at = time.monotonic(), time.time()
        proc.communicate()
        assert [pid for pid in providers if alive(pid)], "the kill itself does not reach the provider"
        # The provider notices the CLI is gone, stops, and ends its own process.
        assert wait_gone(providers, PROVIDER_EXIT_SECONDS) == [], "the orphaned provider is still running"
        print(f"provider exited {time.monotonic() - killed:.2f}s after the CLI was killed")
        time.sleep(4 * VERIFY["poll_interval_seconds"])
        # A call the provider had already decided on when the CLI died may still land within a second.
        late = [c for c in emu.calls() if c["time"] > killed_at + 1.0]
        assert late == [], "the orphaned provider kept verifying for nobody"
    finally:
        kill_groups(left)


def test_two_ctrl_c_stop_the_cli_and_its_provider(stack: Stack, emu: EmulatorAdmin):
    """Ctrl-C twice in a terminal: SIGINT to the CLI's process group (its plugins are in groups of
    their own) during a verification's wait."""
    proc = rate_limited_verification(stack, emu)
    left: list[int] = []
    try:
        left = descendants(proc.pid)
        providers = providers_among(left)
        assert providers, f"the provider process was found among {left}"
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(1)
        assert proc.poll() is None, "the first Ctrl-C waits for the operation in progress"
        second = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
        exited_at = time.time()
        cli_after = time.monotonic() - second
        assert proc.returncode != 0, output
        remaining = wait_gone(providers, PROVIDER_EXIT_SECONDS)
        provider_after = time.monotonic() - second
        print(f"CLI exited {cli_after:.2f}s and the provider {provider_after:.2f}s after the second Ctrl-C")
        assert remaining == [], "the provider outlived the CLI"
        time.sleep(2 * VERIFY["poll_interval_seconds"])
        late = [c for c in emu.calls() if c["time"] > exited_at + 1.0]
        assert late == [], "the provider kept verifying for nobody"
        assert pending(stack) == [("creating", "CustomDomainVerification:login")]
    finally:
        kill_groups(left)
