"""One deadline for a verification: rate-limit waits inside the client count against
timeout_seconds; and a provider process whose engine is gone stops calling Auth0 promptly."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import verification as vf
from auth0_mtls.emulator import Emulator
from fault_catalog import DOMAIN_ID_PATH
from processes import alive, start_engine

ROOT = Path(__file__).resolve().parents[2]


def test_rate_limit_waits_count_against_the_verification_timeout(emulator_env):
    emu = emulator_env  # AUTH0_MTLS_RETRY_BUDGET_SECONDS is 20 here: far more than the timeout
    created = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    emu.state.add_fault({"method": "POST", "path_regex": DOMAIN_ID_PATH + "/verify", "kind": "status",
                         "status": 429, "reset_after_seconds": 1, "count": 1000})
    started = time.monotonic()
    with pytest.raises(vf.VerificationTimeout) as err:
        vf.CustomDomainVerificationProvider().create(vf.normalize_inputs(
            {"custom_domain_id": created.id, "timeout_seconds": 3, "poll_interval_seconds": 1}))
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f}s for a 3s timeout"
    assert "429" in str(err.value) and "rate" in str(err.value).lower()
    # No verify call was answered, so one GET of the domain (not a verify call) found the record the
    # message names, as every verification timeout does.
    record = (f'TXT record {created.outs["verification_record_name"]} with value '
              f'"{created.outs["verification_record_value"]}"')
    assert record in str(err.value), str(err.value)
    assert [c["method"] for c in emu.state.calls() if c["path"] == f"/api/v2/custom-domains/{created.id}"] == ["GET"]


def test_a_verification_timeout_names_where_the_record_is_when_it_cannot_be_read(emulator_env):
    emu = emulator_env
    created = cd.CustomDomainProvider().create(cd.normalize_inputs({"domain": "login.example.com"}))
    emu.state.add_fault({"method": "POST", "path_regex": DOMAIN_ID_PATH + "/verify", "kind": "status",
                         "status": 429, "reset_after_seconds": 1, "count": 1000})
    emu.state.add_fault({"method": "GET", "path_regex": DOMAIN_ID_PATH, "kind": "status", "status": 503,
                         "count": 1000})
    started = time.monotonic()
    with pytest.raises(vf.VerificationTimeout) as err:
        vf.CustomDomainVerificationProvider().create(vf.normalize_inputs(
            {"custom_domain_id": created.id, "timeout_seconds": 3, "poll_interval_seconds": 1}))
    assert time.monotonic() - started < 3 + vf.RECORD_LOOKUP_SECONDS + 1
    assert "verification_record_name" in str(err.value) and "CustomDomain" in str(err.value)


CHILD = """
import os, sys
sys.path.insert(0, {provider!r})
from auth0_mtls import verification as vf
print("polling", flush=True)
vf.CustomDomainVerificationProvider().create(vf.normalize_inputs(
    {{"custom_domain_id": {domain_id!r}, "timeout_seconds": 600, "poll_interval_seconds": 30}}))
"""




def test_an_orphaned_provider_stops_polling_within_a_second(tmp_path: Path):
    with Emulator(port=0, auto_dns=False, verify_rate=None) as emu:
        domain = emu.state.create_custom_domain({"domain": "login.example.com", "type": "self_managed_certs"})
        child_script = tmp_path / "provider.py"
        child_script.write_text(CHILD.format(provider=str(ROOT / "provider"), domain_id=domain["custom_domain_id"]))
        out = tmp_path / "provider.out"
        env = {**os.environ, "AUTH0_DOMAIN": emu.base_url, "AUTH0_CLIENT_ID": emu.client_id,
               "AUTH0_CLIENT_SECRET": emu.client_secret}
        env.pop("AUTH0_API_TOKEN", None)
        parent, child_pid = start_engine(child_script, out, env)
        try:
            deadline = time.monotonic() + 20
            while not [c for c in emu.state.calls() if c["path"].endswith("/verify")]:
                assert time.monotonic() < deadline, "the provider never started verifying"
                time.sleep(0.1)
            # The engine dies (a second Ctrl-C): the provider process is orphaned mid-wait.
            parent.send_signal(signal.SIGKILL)
            parent.wait()
            killed_at = time.time()
            stop_by = time.monotonic() + 5
            while alive(child_pid) and time.monotonic() < stop_by:
                time.sleep(0.1)
            assert not alive(child_pid), f"the orphan is still running:\n{out.read_text()}"
            assert time.time() - killed_at < 2.5
            assert "engine" in out.read_text().lower(), out.read_text()
            late = [c for c in emu.state.calls() if c["time"] > killed_at]
            assert late == [], f"the orphan kept calling Auth0: {late}"
        finally:
            if alive(child_pid):
                os.kill(child_pid, signal.SIGKILL)
