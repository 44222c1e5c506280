"""POST /custom-domains/{id}/verify against the emulated DNS, and cname_api_key handling."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Callable

from auth0_mtls.emulator import Emulator

from .conftest import Api

HEX128 = re.compile(r"^[0-9a-f]{128}$")


def edge(domain_id: str) -> str:
    return f"emulator-{domain_id.lower().replace('_', '-')}.edge.tenants.us.auth0.com"


def test_pending_when_dns_missing(api: Api) -> None:
    created = api.create("pending.example.com")
    response = api.verify(created["custom_domain_id"])
    assert response.status_code == 200
    body = response.json()
    assert "is_default" not in body
    assert body["status"] == "pending_verification"
    assert "origin_domain_name" not in body and "cname_api_key" not in body
    assert body["verification"] == {
        "methods": created["verification"]["methods"],
        "status": "pending",
        "error_msg": "TXT record _cf-custom-hostname.pending.example.com not found",
    }
    # The failed check is remembered.
    assert api.get(f"/api/v2/custom-domains/{created['custom_domain_id']}").json()["verification"]["status"] == \
        "pending"


def test_wrong_value(api: Api) -> None:
    created = api.create("wrong.example.com")
    record = created["verification"]["methods"][0]["record"]
    api.admin("PUT", "/dns/_cf-custom-hostname.wrong.example.com", json={"type": "TXT", "value": "nope"})
    body = api.verify(created["custom_domain_id"]).json()
    assert body["status"] == "pending_verification"
    assert body["verification"]["error_msg"] == (
        f"TXT record _cf-custom-hostname.wrong.example.com has value nope, expected {record}"
    )


def test_self_managed_ready_and_key_once(api: Api, emu: Emulator) -> None:
    created = api.create("ready.example.com", relying_party_identifier="example.com")
    domain_id = created["custom_domain_id"]
    method = created["verification"]["methods"][0]
    api.admin("PUT", f"/dns/{method['domain']}", json={"type": "TXT", "value": method["record"]})
    body = api.verify(domain_id).json()
    assert list(body) == [
        "custom_domain_id", "domain", "primary", "status", "type", "origin_domain_name", "cname_api_key",
        "verification", "custom_client_ip_header", "created_at",
    ]
    assert body["status"] == "ready"
    assert body["origin_domain_name"] == edge(domain_id)
    key = body["cname_api_key"]
    assert HEX128.match(key)
    assert body["verification"]["status"] == "verified"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["verification"]["last_verified_at"])
    assert "error_msg" not in body["verification"]

    again = api.verify(domain_id).json()
    assert again["status"] == "ready" and "cname_api_key" not in again
    fetched = api.get(f"/api/v2/custom-domains/{domain_id}").json()
    assert "cname_api_key" not in fetched
    assert fetched["origin_domain_name"] == edge(domain_id)
    assert fetched["relying_party_identifier"] == "example.com"

    # Only a digest is kept.
    snapshot = api.admin("GET", "/state").json()
    assert snapshot["cname_api_keys_issued"] == {domain_id: True}
    assert key not in json.dumps(snapshot)
    assert key not in json.dumps(emu.state.calls())
    assert emu.state.cname_api_key_issued(domain_id)
    assert emu.state.check_cname_api_key(domain_id, key)
    assert not emu.state.check_cname_api_key(domain_id, hashlib.sha256(key.encode()).hexdigest())


def test_auth0_managed_ready_via_cname(api: Api) -> None:
    created = api.create("a0.example.com", "auth0_managed_certs")
    domain_id = created["custom_domain_id"]
    pending = api.verify(domain_id).json()
    assert pending["verification"]["error_msg"] == "CNAME record a0.example.com not found"
    api.admin("PUT", "/dns/A0.example.com", json={"type": "CNAME", "value": edge(domain_id).upper() + "."})
    body = api.verify(domain_id).json()
    assert body["status"] == "ready"
    assert "cname_api_key" not in body
    assert body["tls_policy"] == "recommended"
    assert body["origin_domain_name"] == edge(domain_id)
    assert body["certificate"]["status"] == "provisioned"
    assert body["certificate"]["certificate_authority"] == "letsencrypt"


def test_auto_dns(make_emu: Callable[..., Emulator]) -> None:
    api = Api(make_emu(auto_dns=True))
    created = api.create("auto.example.com")
    body = api.verify(created["custom_domain_id"]).json()
    assert body["status"] == "ready" and HEX128.match(body["cname_api_key"])


def test_admin_auto_dns_and_publish_helper(api: Api, emu: Emulator) -> None:
    created = api.create("helper.example.com")
    domain_id = created["custom_domain_id"]
    assert api.admin("POST", f"/custom-domains/{domain_id}/publish-dns").json() == {
        "type": "TXT", "value": created["verification"]["methods"][0]["record"]}
    assert api.verify(domain_id).json()["status"] == "ready"
    other = api.create("auto2.example.com")
    assert api.admin("PUT", "/auto-dns", json={"enabled": True}).json() == {"enabled": True}
    assert api.verify(other["custom_domain_id"]).json()["status"] == "ready"


def test_ready_domain_losing_its_record(api: Api, emu: Emulator) -> None:
    created = api.create("lost.example.com")
    domain_id = created["custom_domain_id"]
    emu.publish_dns_for(domain_id)
    assert api.verify(domain_id).json()["status"] == "ready"
    emu.state.unpublish_dns("_cf-custom-hostname.lost.example.com")
    body = api.verify(domain_id).json()
    # The real API keeps serving (status ready) while reporting the failed re-check.
    assert body["status"] == "ready"
    assert body["verification"]["status"] == "failed"
    assert "not found" in body["verification"]["error_msg"]


def test_verify_unknown_and_malformed(api: Api) -> None:
    response = api.verify("cd_0000000000000000")
    assert response.status_code == 404
    assert response.json()["message"] == "The custom domain cd_0000000000000000 does not exist"
    response = api.verify("bogus")
    assert response.status_code == 400
    assert response.json()["message"].endswith("on property id (ID of the custom domain to verify).")


def test_admin_force_status(api: Api) -> None:
    created = api.create("failed.example.com")
    domain_id = created["custom_domain_id"]
    response = api.admin("PATCH", f"/custom-domains/{domain_id}", json={"status": "failed"})
    assert response.status_code == 200
    assert api.get(f"/api/v2/custom-domains/{domain_id}").json()["status"] == "failed"
    assert api.admin("PATCH", "/custom-domains/cd_0000000000000000", json={"status": "ready"}).status_code == 404
    assert api.admin("PATCH", f"/custom-domains/{domain_id}", json={"status": "weird"}).status_code == 400
