"""PUT /__emulator/state and EmulatorState.load: put a tenant back exactly as a snapshot shows it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from auth0_mtls.emulator import Emulator, EmulatorState

from .conftest import Api

FIXTURE = Path(__file__).resolve().parents[1] / "compat" / "fixtures" / "v0.1.0"
# Areas added after 0.1.0: a 0.1.0 snapshot lacks their keys, which load as empty.
LATER_AREAS = {"clients": [], "client_secrets": {}, "client_credentials": {}, "resource_servers": [],
               "client_grants": []}


def _fixture() -> tuple[dict[str, Any], dict[str, str]]:
    snapshot = json.loads((FIXTURE / "emulator.json").read_text())
    keys = json.loads((FIXTURE / "meta.json").read_text())["cname_api_keys"]
    return snapshot, keys


def test_release_0_1_0_fixture_loads_exactly(api: Api, emu: Emulator) -> None:
    snapshot, keys = _fixture()
    response = api.admin("PUT", "/state", json={**snapshot, "cname_api_keys": keys})
    assert response.status_code == 200, response.text
    assert response.json() == {**snapshot, **LATER_AREAS}
    assert api.admin("GET", "/state").json() == {**snapshot, **LATER_AREAS}

    # The Management API serves the loaded records as they were recorded.
    listed = api.get("/api/v2/custom-domains").json()
    assert listed == snapshot["custom_domains"]
    (ready,) = [d for d in listed if d["status"] == "ready"]
    assert ready["origin_domain_name"] == "emulator-cd-njedia1jvptqabcr.edge.tenants.us.auth0.com"
    assert api.get("/api/v2/tenants/settings").json() == snapshot["tenant_settings"]

    # The restored key is accepted by the edge-side check, and is not handed out again.
    (domain_id, key), = keys.items()
    assert emu.state.check_cname_api_key(domain_id, key)
    assert not emu.state.check_cname_api_key(domain_id, key[:-1] + "0")
    emu.publish_dns_for(domain_id)
    again = api.verify(domain_id).json()
    assert again["status"] == "ready" and "cname_api_key" not in again

    # Ordinary API use continues: new ids, deletes, the 409 on a loaded name.
    assert api.post("/api/v2/custom-domains", json={"domain": "login.example.com",
                                                     "type": "self_managed_certs"}).status_code == 409
    created = api.create("new.example.com")
    assert created["custom_domain_id"] not in {d["custom_domain_id"] for d in listed}
    assert [d["domain"] for d in api.get("/api/v2/custom-domains").json()] == [
        "legacy.example.com", "login.example.com", "new.example.com"]
    assert api.delete(f"/api/v2/custom-domains/{domain_id}").status_code == 204


def test_key_not_given_back_stays_issued_but_unusable() -> None:
    snapshot, keys = _fixture()
    state = EmulatorState()
    assert state.load(snapshot) == {**snapshot, **LATER_AREAS}
    (domain_id, key), = keys.items()
    assert state.cname_api_key_issued(domain_id)
    assert not state.check_cname_api_key(domain_id, key)


def test_live_state_round_trips(api: Api, emu: Emulator, make_emu: Callable[..., Emulator]) -> None:
    pending = api.create("pending.example.com", domain_metadata={"a": "1"}, relying_party_identifier="example.com")
    managed = api.create("managed.example.com", "auth0_managed_certs", custom_client_ip_header="x-forwarded-for")
    ready = api.create("ready.example.com")
    api.verify(pending["custom_domain_id"])  # remembers the failed check
    emu.publish_dns_for(managed["custom_domain_id"])
    api.verify(managed["custom_domain_id"])
    emu.publish_dns_for(ready["custom_domain_id"])
    key = api.verify(ready["custom_domain_id"]).json()["cname_api_key"]
    emu.state.unpublish_dns("managed.example.com")
    api.verify(managed["custom_domain_id"])  # ready, with a failed re-check
    failed = api.create("failed.example.com")
    emu.state.set_domain_status(failed["custom_domain_id"], "failed", error_msg="gave up")
    api.patch("/api/v2/tenants/settings", json={"mtls": {"enable_endpoint_aliases": True}})
    snapshot = emu.state.snapshot()

    other = make_emu()
    loaded = Api(other).admin("PUT", "/state", json={**snapshot, "cname_api_keys": {ready["custom_domain_id"]: key}})
    assert loaded.status_code == 200, loaded.text
    assert other.state.snapshot() == snapshot
    assert other.state.check_cname_api_key(ready["custom_domain_id"], key)
    assert Api(other).get(f"/api/v2/custom-domains/{managed['custom_domain_id']}").json() == \
        api.get(f"/api/v2/custom-domains/{managed['custom_domain_id']}").json()


def test_load_keeps_control_state(api: Api, emu: Emulator) -> None:
    snapshot, _ = _fixture()
    emu.state.add_fault({"path": "/nowhere", "kind": "drop_before"})
    assert api.get("/api/v2/custom-domains").status_code == 200
    calls_before = len(emu.state.calls())
    emu.state.load(snapshot)
    # The session's token still works, the fault is still armed, the log is still there.
    assert api.get("/api/v2/custom-domains").status_code == 200
    assert len(emu.state.faults()) == 1
    assert len(emu.state.calls()) == calls_before + 1


def test_missing_keys_mean_empty(api: Api, emu: Emulator) -> None:
    api.create("gone.example.com")
    api.patch("/api/v2/tenants/settings", json={"friendly_name": "Changed"})
    emu.state.publish_dns("x.example.com", "TXT", "v")
    assert api.admin("PUT", "/state", json={}).status_code == 200
    state = emu.state.snapshot()
    assert state["custom_domains"] == [] and state["dns"] == {}
    assert state["tenant_settings"]["friendly_name"] == "My Test Tenant"


def _broken(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    snapshot, _ = _fixture()
    copied = copy.deepcopy(snapshot)
    mutate(copied)
    return copied


@pytest.mark.parametrize(
    ("snapshot", "fragment"),
    [
        ([1], "JSON object"),
        ({"custom_domains": [], "colours": {}}, "unknown snapshot keys ['colours']"),
        (_broken(lambda s: s["custom_domains"].append(s["custom_domains"][0])), "duplicate"),
        (_broken(lambda s: s["custom_domains"][0].update(status="weird")), "status"),
        (_broken(lambda s: s["custom_domains"][0].update(custom_domain_id="nope")), "does not match"),
        (_broken(lambda s: s["custom_domains"][0].pop("verification")), "lacks"),
        (_broken(lambda s: s["custom_domains"][0].update(colour="red")), "cannot reproduce: ['colour']"),
        (_broken(lambda s: s.update(cname_api_keys={"cd_unknown000000000": "k"})), "unknown custom domains"),
        (_broken(lambda s: s["dns"].update({"x.example.com": {"type": "MX", "value": "a"}})), "dns[x.example.com]"),
        (_broken(lambda s: s.update(tenant_settings=[])), "tenant_settings must be an object"),
    ],
)
def test_malformed_snapshot_changes_nothing(api: Api, emu: Emulator, snapshot: Any, fragment: str) -> None:
    api.create("kept.example.com")
    before = emu.state.snapshot()
    response = api.admin("PUT", "/state", json=snapshot)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert emu.state.snapshot() == before


def test_clients_apis_and_grants_round_trip(api: Api, emu: Emulator, make_emu: Callable[..., Emulator]) -> None:
    from .conftest import make_certificate

    created = api.post("/api/v2/clients", json={"name": "app", "app_type": "non_interactive",
                                                 "token_endpoint_auth_method": "client_secret_post"}).json()
    client_id = created["client_id"]
    cred = api.post(f"/api/v2/clients/{client_id}/credentials",
                    json={"credential_type": "x509_cert", "pem": make_certificate()}).json()
    spare = api.post(f"/api/v2/clients/{client_id}/credentials",
                     json={"credential_type": "cert_subject_dn", "subject_dn": "CN=spare"}).json()
    api.patch(f"/api/v2/clients/{client_id}", json={
        "client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": cred["id"]}]}},
        "token_endpoint_auth_method": None, "require_proof_of_possession": True})
    rs = api.post("/api/v2/resource-servers", json={"identifier": "https://api.example.com", "proof_of_possession": {
        "mechanism": "mtls", "required": True}}).json()
    api.post("/api/v2/client-grants", json={"client_id": client_id, "audience": rs["identifier"], "scope": ["a"]})
    plain = api.post("/api/v2/clients", json={"name": "plain"}).json()
    snapshot = emu.state.snapshot()
    assert snapshot["client_secrets"] == {client_id: created["client_secret"],
                                          plain["client_id"]: plain["client_secret"]}

    other = make_emu()
    assert Api(other).admin("PUT", "/state", json=snapshot).json() == snapshot
    again = Api(other)
    assert again.get(f"/api/v2/clients/{client_id}").json() == api.get(f"/api/v2/clients/{client_id}").json()
    assert again.get(f"/api/v2/clients/{client_id}/credentials").json() == [cred, spare]
    # The loaded tenant keeps working: the attached credential is still protected, the secret comes back.
    assert again.delete(f"/api/v2/clients/{client_id}/credentials/{cred['id']}").status_code == 400
    reverted = again.patch(f"/api/v2/clients/{client_id}", json={
        "client_authentication_methods": None, "token_endpoint_auth_method": "client_secret_post"}).json()
    assert reverted["client_secret"] == created["client_secret"]

    broken = copy.deepcopy(snapshot)
    broken["client_credentials"][client_id] = [spare]
    response = Api(make_emu()).admin("PUT", "/state", json=broken)
    assert response.status_code == 400 and "not in its pool" in response.json()["error"]
