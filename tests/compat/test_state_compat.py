"""State written by every recorded release, driven by this version with the real Pulumi CLI.

Each directory under fixtures/ is one release's stack (``pulumi stack export``), the tenant as it
was then (the emulator's snapshot), and the program and spec that made them. The tenant is loaded
into a fresh emulator, the stack imported into a fresh project, and then, with the code installed
now: preview, refresh, preview, an unchanged up, an up that changes one field, and destroy.
A release adds its own directory with ``python tests/compat/record_fixture.py``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from e2e.harness import CLIENT_ID, CLIENT_SECRET, PROGRAM, EmulatorAdmin, Stack, ops, pulumi_bin_dir

from .pickled import fixture_dirs

PLACEHOLDER = "{{TENANT_HOST}}"
FIXTURES = fixture_dirs()


@pytest.fixture(scope="module")
def pulumi_bin() -> Path:
    return pulumi_bin_dir()


def running_emulator() -> Iterator[EmulatorAdmin]:
    from auth0_mtls.emulator import Emulator

    # auto_dns off: a fixture's domains are verified already, and nothing here may verify again.
    with Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=False) as emulator:
        yield EmulatorAdmin(emulator.base_url)


@pytest.fixture
def emu() -> Iterator[EmulatorAdmin]:
    yield from running_emulator()


def host_of(emu: EmulatorAdmin) -> str:
    return emu.base_url.split("://", 1)[1]


def ours(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The dynamic resources of a deployment by URN."""
    return {r["urn"]: r for r in deployment.get("resources", []) if r["type"].startswith("pulumi-python:dynamic")}


def restore_stack(fixture: Path, workdir: Path, emu: EmulatorAdmin, bin_dir: Path) -> tuple[Stack, dict[str, Any]]:
    """A fresh project and stack holding the fixture's state, against a tenant holding its objects."""
    meta = json.loads((fixture / "meta.json").read_text())
    program = fixture / "program" if (fixture / "program" / "__main__.py").is_file() else PROGRAM.parent
    stack = Stack(workdir, emu.base_url, bin_dir, program_dir=program)
    assert stack.env["PULUMI_CONFIG_PASSPHRASE"] == meta["passphrase"], "the recorder uses the harness passphrase"
    stack.write_spec(meta["spec"])
    emu.load_state(json.loads((fixture / "emulator.json").read_text()), cname_api_keys=meta["cname_api_keys"])
    exported = (fixture / "stack.json").read_text().replace(PLACEHOLDER, host_of(emu))
    (workdir / "import.json").write_text(exported)
    stack.run("stack", "import", "--file", str(workdir / "import.json"))
    return stack, json.loads(exported)


def fresh_state_shape(spec: dict[str, Any], workdir: Path, bin_dir: Path, program: Path) -> dict[str, set[str]]:
    """The output names this version writes when it creates the fixture's resources itself."""
    for emu in running_emulator():
        emu.http.put(f"{emu.base_url}/__emulator/auto-dns", json={"enabled": True}).raise_for_status()
        stack = Stack(workdir, emu.base_url, bin_dir, program_dir=program)
        stack.write_spec(spec)
        stack.up()
        shape = {urn: set(state.get("outputs", {})) for urn, state in ours(stack.export()["deployment"]).items()}
        stack.destroy()
    return shape


@pytest.mark.parametrize("fixture", FIXTURES, ids=[d.name for d in FIXTURES])
def test_release_state_previews_refreshes_updates_and_destroys_with_this_version(
        fixture: Path, tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path):
    stack, recorded = restore_stack(fixture, tmp_path / "stack", emu, pulumi_bin)
    meta = json.loads((fixture / "meta.json").read_text())
    before = ours(recorded["deployment"])
    tenant_before = emu.state()

    # 1. The first preview after an upgrade: nothing to do, and nothing asked of Auth0.
    emu.clear_calls()
    preview = stack.preview()
    assert {op for steps in ops(preview).values() for op in steps} == {"same"}, ops(preview)
    assert emu.api_calls() == [], "a preview makes no Management API call"

    # 2. Refresh reads every object (GETs only) and finds no drift: the tenant is as recorded.
    stack.refresh("--expect-no-changes")
    calls = emu.api_calls()
    assert {c["method"] for c in calls if c["path"].startswith("/api/")} == {"GET"}, calls
    after_refresh = ours(stack.export()["deployment"])
    assert set(after_refresh) == set(before), "refresh kept every resource"
    for urn, state in before.items():
        new = after_refresh[urn]
        assert new["id"] == state["id"], urn
        assert new["inputs"] == state["inputs"], f"{urn}: refresh changed the recorded inputs"
        # The pickled provider in state is the one read and delete will load: refresh keeps it.
        assert new["outputs"]["__provider"] == state["outputs"]["__provider"]
        # No output this release recorded is lost, and none changes except what Auth0 says now.
        lost = set(state["outputs"]) - set(new["outputs"])
        assert not lost, f"{urn}: refresh dropped outputs {lost}"

    # Whatever this version records and the release did not, refresh has filled in: an old stack's
    # state has the shape of a new one without an update.
    shape = fresh_state_shape(meta["spec"], tmp_path / "fresh", pulumi_bin, stack.program_dir)
    assert set(shape) == set(after_refresh), "the fixture and a fresh stack hold the same resources"
    for urn, names in shape.items():
        missing = names - set(after_refresh[urn]["outputs"])
        assert not missing, f"{urn}: outputs this version writes that refresh did not record: {sorted(missing)}"

    # 3. Preview again, then an unchanged up: no changes and no calls at all.
    emu.clear_calls()
    preview = stack.preview()
    assert {op for steps in ops(preview).values() for op in steps} == {"same"}, ops(preview)
    stack.up("--expect-no-changes")
    assert emu.api_calls() == [], "an unchanged stack makes no call, whichever release wrote its state"

    # 4. One field changed in the program: exactly one PATCH, to that domain.
    spec = copy.deepcopy(meta["spec"])
    login = next(d for d in spec["domains"] if d.get("custom_client_ip_header"))
    login["custom_client_ip_header"] = "cf-connecting-ip"
    stack.write_spec(spec)
    emu.clear_calls()
    preview = stack.preview()
    changed = {name: steps for name, steps in ops(preview).items() if steps != ["same"]}
    assert changed == {f"CustomDomain:{login['name']}": ["update"]}, ops(preview)
    stack.up()
    writes = emu.writes()
    domain_id = next(d["custom_domain_id"] for d in tenant_before["custom_domains"] if d["domain"] == login["domain"])
    assert [(w["method"], w["path"]) for w in writes] == [("PATCH", f"/api/v2/custom-domains/{domain_id}")], writes
    live = {d["custom_domain_id"]: d for d in emu.domains()}
    assert live[domain_id]["custom_client_ip_header"] == "cf-connecting-ip"
    unchanged = {k: v for k, v in live[domain_id].items() if k != "custom_client_ip_header"}
    recorded_domain = next(d for d in tenant_before["custom_domains"] if d["custom_domain_id"] == domain_id)
    assert unchanged == {k: v for k, v in recorded_domain.items() if k != "custom_client_ip_header"}
    stack.up("--expect-no-changes")

    # 5. Destroy with this version: the domains are deleted and the tenant setting is put back as
    # the release recorded it was before (absent, false or true).
    settings = [s for s in before.values() if s["type"].endswith(":TenantMtlsSettings")]
    stack.destroy()
    assert emu.domains() == [], "every domain the stack held is deleted"
    for state in settings:
        previous = state["outputs"].get("previous_mtls")
        assert emu.state()["tenant_settings"].get("mtls") == previous, "the tenant's mtls is restored"
    assert ours(stack.export()["deployment"]) == {}
