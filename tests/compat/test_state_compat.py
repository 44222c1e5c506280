"""State written by every recorded release, driven by this version with the real Pulumi CLI.

Each directory under fixtures/ is one release's stack (``pulumi stack export``), the tenant as it
was then (the emulator's snapshot; from 0.2.0 also the tenant before the release's ``pulumi up``,
holding the application and API made elsewhere), and the program and spec that made them. The
tenant is loaded into a fresh emulator, the stack imported into a fresh project, and then, with the
code installed now: preview, refresh, preview, an unchanged up, ups that each change one field (of
a domain, and of the API's and the client's settings where the release has them), and destroy.
A release adds its own directory with ``python tests/compat/record_fixture.py``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from e2e.harness import CLIENT_ID, CLIENT_SECRET, PROGRAM, EmulatorAdmin, Stack, ops

from .pickled import fixture_dirs

PLACEHOLDER = "{{TENANT_HOST}}"
FIXTURES = fixture_dirs()


def running_emulator() -> Iterator[EmulatorAdmin]:
    from auth0_mtls.emulator import Emulator

    # auto_dns off: a fixture's domains are verified already, and nothing here may verify again.
    with Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=False) as emulator:
        yield EmulatorAdmin(emulator.base_url)


@pytest.fixture
def emu() -> Iterator[EmulatorAdmin]:
    yield from running_emulator()


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
    exported = (fixture / "stack.json").read_text().replace(PLACEHOLDER, emu.host)
    (workdir / "import.json").write_text(exported)
    stack.run("stack", "import", "--file", str(workdir / "import.json"))
    return stack, json.loads(exported)


def before_up(fixture: Path) -> dict[str, Any] | None:
    """The tenant before the release's ``pulumi up`` (what was made elsewhere), when recorded (0.2 on)."""
    path = fixture / "emulator_before.json"
    return json.loads(path.read_text()) if path.is_file() else None


def fresh_state_shape(spec: dict[str, Any], workdir: Path, bin_dir: Path, program: Path,
                      before: dict[str, Any] | None) -> dict[str, set[str]]:
    """The output names this version writes when it creates the fixture's resources itself, in a
    tenant holding what the release's tenant held before its ``pulumi up``."""
    for emu in running_emulator():
        if before is not None:
            emu.load_state(before)
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
    tenant_recorded = emu.state()
    tenant_before_up = before_up(fixture)

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
    shape = fresh_state_shape(meta["spec"], tmp_path / "fresh", pulumi_bin, stack.program_dir, tenant_before_up)
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

    # 4. One field changed in the program at a time: one update, sending exactly one PATCH, to that
    # object, and nothing else of it changes.
    spec = copy.deepcopy(meta["spec"])
    login = next(d for d in spec["domains"] if d.get("custom_client_ip_header"))
    login["custom_client_ip_header"] = "cf-connecting-ip"
    domain_id = next(d["custom_domain_id"] for d in tenant_recorded["custom_domains"] if d["domain"] == login["domain"])
    one_change(stack, emu, spec, f"CustomDomain:{login['name']}", f"/api/v2/custom-domains/{domain_id}")
    live = {d["custom_domain_id"]: d for d in emu.domains()}
    assert live[domain_id]["custom_client_ip_header"] == "cf-connecting-ip"
    unchanged = {k: v for k, v in live[domain_id].items() if k != "custom_client_ip_header"}
    recorded_domain = next(d for d in tenant_recorded["custom_domains"] if d["custom_domain_id"] == domain_id)
    assert unchanged == {k: v for k, v in recorded_domain.items() if k != "custom_client_ip_header"}
    for api in spec.get("apis", []):
        api["required"] = not api["required"]
        [state] = [s for s in before.values() if s["urn"].endswith(f"ResourceServerProofOfPossession::{api['name']}")]
        one_change(stack, emu, spec, f"ResourceServerProofOfPossession:{api['name']}",
                   f"/api/v2/resource-servers/{state['id']}")
        assert live_api(emu, state["id"])["proof_of_possession"]["required"] is api["required"]
    for auth in spec.get("auths", []):
        auth["require_proof_of_possession"] = not auth["require_proof_of_possession"]
        one_change(stack, emu, spec, f"ClientMtlsAuthentication:{auth['name']}", f"/api/v2/clients/{auth['client_id']}")
        client = live_client(emu, auth["client_id"])
        assert client["require_proof_of_possession"] is auth["require_proof_of_possession"]
        assert list(client["client_authentication_methods"]) == [auth["method"]], "still on its certificate"
    emu.clear_calls()
    stack.up("--expect-no-changes")
    assert emu.api_calls() == []

    # 5. Destroy with this version: the domains and credentials are deleted, and the tenant setting,
    # the application and the API are put back as the release recorded they were before (the
    # application on its secret method).
    settings = [s for s in before.values() if s["type"].endswith(":TenantMtlsSettings")]
    auths = [s for s in before.values() if s["type"].endswith(":ClientMtlsAuthentication")]
    apis = [s for s in before.values() if s["type"].endswith(":ResourceServerProofOfPossession")]
    credentials = [s for s in before.values() if s["type"].endswith(":ClientCertificateCredential")]
    stack.destroy()
    assert emu.domains() == [], "every domain the stack held is deleted"
    tenant = emu.state()
    for state in settings:
        previous = state["outputs"].get("previous_mtls")
        assert tenant["tenant_settings"].get("mtls") == previous, "the tenant's mtls is restored"
    for state in auths:
        previous = state["outputs"]["previous_settings"]
        client = live_client(emu, state["id"])
        assert previous["token_endpoint_auth_method"], "the release recorded the secret method it found"
        assert client.get("token_endpoint_auth_method") == previous["token_endpoint_auth_method"]
        assert not client.get("client_authentication_methods")
        assert client.get("require_proof_of_possession", False) is previous["require_proof_of_possession"]
    for state in apis:
        assert live_api(emu, state["id"]).get("proof_of_possession") == state["outputs"].get(
            "previous_proof_of_possession")
    left = {cred["id"] for creds in tenant["client_credentials"].values() for cred in creds}
    assert not left & {state["id"] for state in credentials}, "every credential the stack held is deleted"
    if tenant_before_up is not None:
        # Everything made elsewhere is exactly as it was before the release's `pulumi up`, except that
        # an absent require_proof_of_possession (false, Auth0's default) is now written out as false.
        for client in tenant_before_up["clients"]:
            client.setdefault("require_proof_of_possession", False)
        for area in ("clients", "client_secrets", "client_credentials", "resource_servers", "client_grants",
                     "tenant_settings"):
            assert tenant.get(area) == tenant_before_up.get(area), (area, differences(tenant.get(area),
                                                                                      tenant_before_up.get(area)))
    assert ours(stack.export()["deployment"]) == {}


def one_change(stack: Stack, emu: EmulatorAdmin, spec: dict[str, Any], resource: str, path: str) -> None:
    """Apply ``spec``, which changes one field of ``resource``: the preview shows that one update, and
    ``pulumi up`` sends one PATCH to ``path`` and makes no other Management API call."""
    stack.write_spec(spec)
    emu.clear_calls()
    preview = stack.preview()
    changed = {name: steps for name, steps in ops(preview).items() if steps != ["same"]}
    assert changed == {resource: ["update"]}, ops(preview)
    assert emu.api_calls() == [], "a preview makes no call"
    stack.up()
    calls = [(c["method"], c["path"]) for c in emu.api_calls() if c["path"].startswith("/api/")]
    assert calls == [("PATCH", path)], calls


def live_client(emu: EmulatorAdmin, client_id: str) -> dict[str, Any]:
    [client] = [c for c in emu.state()["clients"] if c["client_id"] == client_id]
    return dict(client)


def live_api(emu: EmulatorAdmin, api_id: str) -> dict[str, Any]:
    [api] = [a for a in emu.state()["resource_servers"] if a["id"] == api_id]
    return dict(api)


def differences(now: Any, then: Any, where: str = "") -> list[str]:
    """Where two snapshots of an area differ, by path (values left out: they may be secrets)."""
    if isinstance(now, dict) and isinstance(then, dict):
        return [item for key in sorted(set(now) | set(then), key=str)
                for item in differences(now.get(key, "<absent>"), then.get(key, "<absent>"), f"{where}/{key}")]
    if isinstance(now, list) and isinstance(then, list) and len(now) == len(then):
        return [item for i, (a, b) in enumerate(zip(now, then, strict=True))
                for item in differences(a, b, f"{where}[{i}]")]
    return [] if now == then else [where or "/"]
