"""Verification against unpublished DNS, tenant-setting restore, and provider code changes."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pytest

from .harness import ROOT, EmulatorAdmin, Stack, ops


def test_verification_times_out_naming_the_record_then_succeeds_and_keeps_key(
        tmp_path: Path, emu_strict_dns: EmulatorAdmin, pulumi_bin: Path):
    emu = emu_strict_dns
    stack = Stack(tmp_path, emu.base_url, pulumi_bin)
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com",
                                   "verify": {"timeout_seconds": 3, "poll_interval_seconds": 1}}]})
    failed = stack.up(check=False)
    assert failed.returncode != 0
    [domain] = emu.domains()
    record = domain["verification"]["methods"][0]
    assert "_cf-custom-hostname.login.example.com" in failed.output
    assert record["record"] in failed.output and "TXT" in failed.output
    assert "not found" in failed.output, "Auth0's verification.error_msg is passed on"

    emu.publish_dns("_cf-custom-hostname.login.example.com", record["record"])
    stack.up()
    key = stack.outputs(show_secrets=True)["login_cname_api_key"]
    assert len(key) == 128
    verify_calls = len([c for c in emu.calls() if c["path"].endswith("/verify")])
    stack.refresh()
    assert stack.outputs(show_secrets=True)["login_cname_api_key"] == key, "refresh must never blank the key"
    [verification] = stack.resources("CustomDomainVerification")
    assert "ciphertext" in verification["outputs"]["cname_api_key"], "still a secret after refresh"
    assert verification["outputs"]["status"] == "ready"
    assert len([c for c in emu.calls() if c["path"].endswith("/verify")]) == verify_calls, "refresh only reads"


@pytest.mark.parametrize("prior", [None, False, True], ids=["absent", "false", "true"])
def test_tenant_setting_restored_exactly_on_destroy(prior, stack: Stack, emu: EmulatorAdmin):
    api = emu.management()
    settings_url = f"{emu.base_url}/api/v2/tenants/settings"
    mtls = None if prior is None else {"enable_endpoint_aliases": prior}
    api.patch(settings_url, json={"mtls": mtls})
    before = api.get(settings_url).json()

    stack.write_spec({"tenant": {"enable_endpoint_aliases": not prior}})
    stack.up()
    assert api.get(settings_url).json()["mtls"] == {"enable_endpoint_aliases": not prior}
    stack.destroy()
    after = api.get(settings_url).json()
    assert after == before
    assert ("mtls" in after) == (prior is not None)


def test_provider_code_change_with_same_inputs_shows_no_diff(stack: Stack, emu: EmulatorAdmin, tmp_path: Path):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "tls_policy": "recommended"}]})
    stack.up()
    [resource] = stack.resources("CustomDomain")
    pickled = base64.b64decode(resource["inputs"]["__provider"])
    assert len(pickled) < 1024 and b"auth0_mtls.custom_domain" in pickled, "provider pickled by reference"

    # A new package version with changed code, found first on the path by both program and provider.
    newer = tmp_path / "newer"
    shutil.copytree(ROOT / "provider" / "auth0_mtls", newer / "auth0_mtls")
    init = newer / "auth0_mtls" / "__init__.py"
    text = init.read_text()
    current = re.search(r'__version__ = "([^"]+)"', text)
    assert current is not None
    init.write_text(text.replace(current.group(0), f'__version__ = "{current.group(1)}.post1"'))
    module = newer / "auth0_mtls" / "custom_domain.py"
    module.write_text(module.read_text() + "\n\ndef _added_in_0_2() -> int:\n    return 2\n")
    stack.env["PYTHONPATH"] = str(newer)
    preview = stack.preview()
    assert set(op for o in ops(preview).values() for op in o) == {"same"}
    stack.up("--expect-no-changes")
