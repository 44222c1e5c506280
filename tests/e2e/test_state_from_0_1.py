"""State written by release 0.1.0 (tests/compat/fixtures/v0.1.0), under this version: its pickled
providers load, the outputs it lacks (tenant_host, restore_to, require_cname_api_key,
previous_mtls_captured) cause no diff and no call, and refresh and destroy fill in or tolerate them.
(The full replay, with the tenant's recorded contents loaded into the emulator, is tests/compat.)"""

from __future__ import annotations

import json
from pathlib import Path

from .harness import ROOT, EmulatorAdmin, Stack, ops

FIXTURE = ROOT / "tests" / "compat" / "fixtures" / "v0.1.0"


def import_fixture(stack: Stack, emu: EmulatorAdmin, tmp_path: Path) -> None:
    meta = json.loads((FIXTURE / "meta.json").read_text())
    stack.write_spec(meta["spec"])
    exported = tmp_path / "v0.1.0.json"
    exported.write_text((FIXTURE / "stack.json").read_text().replace("{{TENANT_HOST}}", emu.host))
    stack.run("stack", "import", "--file", str(exported))


def test_0_1_state_previews_unchanged_and_up_makes_no_call(stack: Stack, emu: EmulatorAdmin, tmp_path: Path):
    import_fixture(stack, emu, tmp_path)
    preview = stack.preview()
    assert set(op for o in ops(preview).values() for op in o) == {"same"}, ops(preview)
    stack.up("--expect-no-changes")
    assert emu.api_calls() == []


def test_0_1_tenant_settings_refresh_binds_to_its_host_and_destroy_restores_absent(
        stack: Stack, emu: EmulatorAdmin, tmp_path: Path):
    import_fixture(stack, emu, tmp_path)
    emu.management().patch(f"{emu.base_url}/api/v2/tenants/settings",
                           json={"mtls": {"enable_endpoint_aliases": True}}).raise_for_status()
    stack.refresh()  # the emulator holds no domains: those leave the state; the setting is read
    [settings] = stack.resources("TenantMtlsSettings")
    assert settings["outputs"]["tenant"] == emu.host and settings["outputs"]["tenant_host"] == emu.host
    assert "tenant" not in settings["inputs"], "refresh records no namespace for the default tenant"
    stack.preview()
    stack.destroy()
    assert "mtls" not in emu.state()["tenant_settings"], "0.1 recorded no previous value: absent is restored"
