"""Custom-domain CRUD and list: status codes, bodies and shapes of the recorded real responses."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests

from auth0_mtls.emulator import Emulator

from .conftest import Api

ID_RE = re.compile(r"^cd_[A-Za-z0-9]{16}$")
CREATED_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def edge(domain_id: str) -> str:
    return f"emulator-{domain_id.lower().replace('_', '-')}.edge.tenants.us.auth0.com"


def test_create_self_managed_shape(api: Api) -> None:
    response = api.post(
        "/api/v2/custom-domains",
        json={"domain": "login.example.com", "type": "self_managed_certs", "tls_policy": "recommended"},
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    # Key order of the recorded real response (reference 7.1); tls_policy is dropped even when sent.
    assert list(body) == [
        "custom_domain_id", "domain", "primary", "is_default", "status", "type",
        "verification", "custom_client_ip_header", "created_at",
    ]
    assert ID_RE.match(body["custom_domain_id"])
    assert CREATED_RE.match(body["created_at"])
    assert body["domain"] == "login.example.com"
    assert body["primary"] is False and body["is_default"] is False
    assert body["status"] == "pending_verification"
    assert body["type"] == "self_managed_certs"
    assert body["custom_client_ip_header"] is None
    (method,) = body["verification"]["methods"]
    assert list(body["verification"]) == ["methods"]
    assert method["name"] == "TXT"
    assert method["domain"] == "_cf-custom-hostname.login.example.com"
    assert str(uuid.UUID(method["record"])) == method["record"]


def test_create_auth0_managed_shape(api: Api) -> None:
    body = api.create(
        "auth.example.com",
        "auth0_managed_certs",
        domain_metadata={"key1": "value1", "key2": "value2"},
        relying_party_identifier="example.com",
    )
    assert list(body) == [
        "custom_domain_id", "domain", "primary", "is_default", "status", "type",
        "verification", "tls_policy", "domain_metadata", "created_at", "relying_party_identifier",
    ]
    assert body["tls_policy"] == "recommended"
    assert "custom_client_ip_header" not in body
    assert body["domain_metadata"] == {"key1": "value1", "key2": "value2"}
    assert body["relying_party_identifier"] == "example.com"
    assert body["verification"]["methods"] == [
        {"name": "CNAME", "record": edge(body["custom_domain_id"]), "domain": "auth.example.com"}
    ]


def test_create_auth0_managed_with_ip_header(api: Api) -> None:
    body = api.create("ip.example.com", "auth0_managed_certs", custom_client_ip_header="true-client-ip")
    assert body["custom_client_ip_header"] == "true-client-ip"


def test_create_self_managed_with_options(api: Api) -> None:
    body = api.create(
        "mtls.example.com", custom_client_ip_header="x-forwarded-for", verification_method="txt",
        domain_metadata={"env": "test"},
    )
    assert body["custom_client_ip_header"] == "x-forwarded-for"
    assert body["domain_metadata"] == {"env": "test"}
    assert "tls_policy" not in body


def test_create_form_encoded(api: Api) -> None:
    response = api.post("/api/v2/custom-domains", data={"domain": "form.example.com", "type": "self_managed_certs"})
    assert response.status_code == 201, response.text


def test_duplicate_is_case_insensitive(api: Api) -> None:
    api.create("dup.example.com")
    response = api.post("/api/v2/custom-domains", json={"domain": "DUP.Example.com", "type": "auth0_managed_certs"})
    assert response.status_code == 409
    assert response.json() == {
        "statusCode": 409,
        "error": "Conflict",
        "message": "The specified custom domain already exists.",
        "errorCode": "custom_domain_already_exists",
    }


DOMAIN_PATTERN = (
    r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])$"
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"domain": "a.example.com", "type": "self_managed_certs", "foo": 1},
         "Payload validation error: 'Additional properties not allowed: foo'."),
        ({"type": "self_managed_certs"}, "Payload validation error: 'Missing required property: domain'."),
        ({"domain": "a.example.com"}, "Payload validation error: 'Missing required property: type'."),
        ({"domain": 5, "type": "self_managed_certs"},
         "Payload validation error: 'Expected type string but found type integer' on property domain (Domain name)."),
        ({"domain": "ab", "type": "self_managed_certs"},
         "Payload validation error: 'String is too short (2 chars), minimum 3' on property domain (Domain name)."),
        ({"domain": "a" * 250 + ".com.x", "type": "self_managed_certs"},
         "Payload validation error: 'String is too long (256 chars), maximum 255' on property domain (Domain name)."),
        ({"domain": "under_score.example.com", "type": "self_managed_certs"},
         f"Payload validation error: 'String does not match pattern {DOMAIN_PATTERN}: under_score.example.com' "
         "on property domain (Domain name)."),
        ({"domain": "a.example.com", "type": "managed"},
         "Payload validation error: 'No enum match for: \"managed\"' on property type (Custom domain provisioning "
         "type. Must be `auth0_managed_certs` or `self_managed_certs`)."),
        ({"domain": "a.example.com", "type": "auth0_managed_certs", "tls_policy": "compatible"},
         "Payload validation error: 'No enum match for: \"compatible\"' on property tls_policy (Custom domain TLS "
         "policy. Must be `recommended`, includes TLS 1.2)."),
        ({"domain": "a.example.com", "type": "self_managed_certs", "custom_client_ip_header": "x-real-ip"},
         "Payload validation error: 'Data does not match any schemas from 'oneOf'' on property "
         "custom_client_ip_header (The HTTP header to fetch the client's IP address)."),
        ({"domain": "a.example.com", "type": "self_managed_certs", "verification_method": "cname"},
         "Payload validation error: 'No enum match for: \"cname\"' on property verification_method (Custom domain "
         "verification method. Must be `txt`)."),
    ],
)
def test_create_validation_messages(api: Api, body: dict[str, Any], message: str) -> None:
    response = api.post("/api/v2/custom-domains", json=body)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "error": "Bad Request", "message": message,
                               "errorCode": "invalid_body"}


@pytest.mark.parametrize(
    "extra",
    [
        {"domain_metadata": {f"k{i}": "v" for i in range(11)}},
        {"domain_metadata": {"k": "v" * 256}},
        {"domain_metadata": {"k": 1}},
        {"domain_metadata": "k=v"},
        {"relying_party_identifier": "not a host"},
        {"relying_party_identifier": 7},
        {"custom_client_ip_header": 3},
    ],
)
def test_create_validation_other_fields(api: Api, extra: dict[str, Any]) -> None:
    response = api.post("/api/v2/custom-domains", json={"domain": "a.example.com", "type": "self_managed_certs",
                                                         **extra})
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "invalid_body"
    assert response.json()["message"].startswith("Payload validation error: ")


def test_create_accepts_limits(api: Api) -> None:
    label = "a" * 63
    body = api.create(f"{label}.example.com", domain_metadata={f"k{i}": "v" * 255 for i in range(10)},
                      custom_client_ip_header="")
    assert body["custom_client_ip_header"] == ""
    assert len(body["domain_metadata"]) == 10
    response = api.post("/api/v2/custom-domains", json={"domain": "a" * 64 + ".example.com",
                                                         "type": "self_managed_certs"})
    assert response.status_code == 400


def test_create_bad_json_and_non_object(api: Api) -> None:
    response = api.post("/api/v2/custom-domains", data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request payload JSON format"
    response = api.post("/api/v2/custom-domains", json=["a"])
    assert response.json()["message"] == "Payload validation error: 'Expected type object but found type array'."
    response = api.post("/api/v2/custom-domains")
    assert response.status_code == 400


def test_get_one(api: Api) -> None:
    created = api.create("get.example.com")
    response = api.get(f"/api/v2/custom-domains/{created['custom_domain_id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_get_unknown_and_malformed(api: Api) -> None:
    response = api.get("/api/v2/custom-domains/cd_6hxWGEsXvZyIUcoI")
    assert response.status_code == 404
    assert response.json() == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "The custom domain cd_6hxWGEsXvZyIUcoI does not exist",
        "errorCode": "inexistent_custom_domain",
    }
    response = api.get("/api/v2/custom-domains/not-an-id")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "invalid_uri"
    assert body["message"].startswith("Path validation error: ")
    assert body["message"].endswith("on property id (ID of the custom domain to retrieve).")


def _make(api: Api, names: list[str]) -> list[dict[str, Any]]:
    return [api.create(name) for name in names]


def test_list_bare_array(api: Api) -> None:
    assert api.get("/api/v2/custom-domains").json() == []
    created = _make(api, ["b.example.com", "a.example.com"])
    response = api.get("/api/v2/custom-domains")
    assert response.status_code == 200
    assert response.json() == created


def test_list_paginated(api: Api) -> None:
    created = _make(api, [f"p{i}.example.com" for i in range(5)])
    first = api.get("/api/v2/custom-domains", params={"take": 2}).json()
    assert set(first) == {"custom_domains", "next"}
    assert first["custom_domains"] == created[:2]
    second = api.get("/api/v2/custom-domains", params={"take": 2, "from": first["next"]}).json()
    assert second["custom_domains"] == created[2:4]
    last = api.get("/api/v2/custom-domains", params={"take": 2, "from": second["next"]}).json()
    assert last == {"custom_domains": created[4:]}
    whole = api.get("/api/v2/custom-domains", params={"take": 100}).json()
    assert whole == {"custom_domains": created}


def test_list_cursor_survives_deletion(api: Api) -> None:
    created = _make(api, [f"d{i}.example.com" for i in range(4)])
    first = api.get("/api/v2/custom-domains", params={"take": 2}).json()
    api.delete(f"/api/v2/custom-domains/{created[1]['custom_domain_id']}")
    api.delete(f"/api/v2/custom-domains/{created[2]['custom_domain_id']}")
    rest = api.get("/api/v2/custom-domains", params={"take": 2, "from": first["next"]}).json()
    assert rest == {"custom_domains": [created[3]]}


def test_list_query_filter(api: Api) -> None:
    created = _make(api, ["authninja-1.example.com", "authninja-2.example.com", "other.example.com"])
    prefix = api.get("/api/v2/custom-domains", params={"q": "domain:authninja*", "take": 100}).json()
    assert prefix == {"custom_domains": created[:2]}
    exact = api.get("/api/v2/custom-domains", params={"q": "domain:OTHER.example.com"}).json()
    assert exact == [created[2]]
    quoted = api.get("/api/v2/custom-domains", params={"q": 'domain:"other.example.com"'}).json()
    assert quoted == [created[2]]
    assert api.get("/api/v2/custom-domains", params={"q": "domain:none"}).json() == []
    assert api.get("/api/v2/custom-domains", params={"q": "status:ready"}).json() == []
    bad = api.get("/api/v2/custom-domains", params={"q": "(domain:a OR domain:b)"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_query_string"


def test_list_sort_and_fields(api: Api) -> None:
    _make(api, ["c.example.com", "a.example.com", "b.example.com"])
    ordered = api.get("/api/v2/custom-domains", params={"sort": "domain:1"}).json()
    assert [item["domain"] for item in ordered] == ["a.example.com", "b.example.com", "c.example.com"]
    only = api.get("/api/v2/custom-domains", params={"fields": "domain,status", "include_fields": "true"}).json()
    assert all(set(item) == {"domain", "status"} for item in only)
    without = api.get("/api/v2/custom-domains", params={"fields": "verification", "include_fields": "false"}).json()
    assert all("verification" not in item and "domain" in item for item in without)
    assert api.get("/api/v2/custom-domains", params={"sort": "domain:-1"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"take": "0"}, "'Value 0 is less than minimum 1' on property take"),
        ({"take": "101"}, "'Value 101 is greater than maximum 100' on property take"),
        ({"take": "ten"}, "'Expected type integer but found type string' on property take"),
        ({"take": "2", "from": "garbage"}, "on property from"),
        ({"include_fields": "maybe"}, "on property include_fields"),
    ],
)
def test_list_invalid_query(api: Api, params: dict[str, str], detail: str) -> None:
    response = api.get("/api/v2/custom-domains", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "invalid_query_string"
    assert body["message"].startswith("Query validation error: ")
    assert detail in body["message"]


def test_patch_metadata_merges_and_null_deletes(api: Api) -> None:
    created = api.create("meta.example.com", "auth0_managed_certs", domain_metadata={"key": "value"})
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    response = api.patch(path, json={"domain_metadata": {"key2": "value2"}})
    assert response.status_code == 200
    assert response.json()["domain_metadata"] == {"key": "value", "key2": "value2"}
    emptied = api.patch(path, json={"domain_metadata": {"key": None, "key2": None}}).json()
    assert emptied["domain_metadata"] == {}
    assert api.get(path).json()["domain_metadata"] == {}


def test_patch_metadata_total_limit(api: Api) -> None:
    created = api.create("meta10.example.com", domain_metadata={f"k{i}": "v" for i in range(6)})
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    response = api.patch(path, json={"domain_metadata": {f"n{i}": "v" for i in range(5)}})
    assert response.status_code == 400
    assert len(api.get(path).json()["domain_metadata"]) == 6


def test_patch_ip_header_and_tls(api: Api) -> None:
    created = api.create("ip.example.com")
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    body = api.patch(path, json={"tls_policy": "recommended", "custom_client_ip_header": "true-client-ip"}).json()
    assert body["custom_client_ip_header"] == "true-client-ip"
    assert "tls_policy" not in body
    assert list(body) == list(created)
    assert api.patch(path, json={"custom_client_ip_header": ""}).json()["custom_client_ip_header"] == ""
    assert api.patch(path, json={"custom_client_ip_header": None}).json()["custom_client_ip_header"] is None
    assert api.patch(path, json={}).json() == api.get(path).json()


def test_patch_auth0_managed_ip_header_null_hides_key(api: Api) -> None:
    created = api.create("a0.example.com", "auth0_managed_certs")
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    assert api.patch(path, json={"custom_client_ip_header": "cf-connecting-ip"}).json()[
        "custom_client_ip_header"] == "cf-connecting-ip"
    assert "custom_client_ip_header" not in api.patch(path, json={"custom_client_ip_header": None}).json()


def test_patch_relying_party_identifier(api: Api) -> None:
    created = api.create("rp.login.example.com", relying_party_identifier="login.example.com")
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    assert api.patch(path, json={"relying_party_identifier": "example.com"}).json()[
        "relying_party_identifier"] == "example.com"
    assert "relying_party_identifier" not in api.patch(path, json={"relying_party_identifier": None}).json()


@pytest.mark.parametrize(
    "body",
    [
        {"domain": "new.example.com"},
        {"type": "auth0_managed_certs"},
        {"verification_method": "txt"},
        {"tls_policy": "compatible"},
        {"custom_client_ip_header": "x-real-ip"},
        {"domain_metadata": {"k": 5}},
    ],
)
def test_patch_rejects(api: Api, body: dict[str, Any]) -> None:
    created = api.create("rej.example.com")
    response = api.patch(f"/api/v2/custom-domains/{created['custom_domain_id']}", json=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "invalid_body"


def test_patch_unknown_and_additional_message(api: Api) -> None:
    response = api.patch("/api/v2/custom-domains/cd_0000000000000000", json={"tls_policy": "recommended"})
    assert response.status_code == 404
    assert response.json()["errorCode"] == "inexistent_custom_domain"
    response = api.patch("/api/v2/custom-domains/cd_0000000000000000", json={"domain": "x.example.com"})
    assert response.json()["message"] == "Payload validation error: 'Additional properties not allowed: domain'."


def test_delete_is_idempotent(api: Api) -> None:
    created = api.create("del.example.com")
    path = f"/api/v2/custom-domains/{created['custom_domain_id']}"
    response = api.delete(path)
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert api.get(path).status_code == 404
    assert api.delete(path).status_code == 204
    assert api.delete("/api/v2/custom-domains/cd_neverexisted000").status_code == 204
    malformed = api.delete("/api/v2/custom-domains/oops")
    assert malformed.status_code == 400 and malformed.json()["errorCode"] == "invalid_uri"
    # The name is free again.
    api.create("del.example.com")


def test_unknown_route_and_method(api: Api) -> None:
    response = api.post("/api/v2/custom-domains/cd_0000000000000000")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}
    assert api.get("/api/v2/connections").status_code == 404
    assert requests.get(api.base + "/", timeout=10).status_code == 404


def test_dns_admin(api: Api, emu: Emulator) -> None:
    response = api.admin("PUT", "/dns/_CF-Custom-Hostname.Login.Example.com",
                         json={"type": "TXT", "value": "abc"})
    assert response.status_code == 200
    assert api.admin("GET", "/dns").json() == {"_cf-custom-hostname.login.example.com": {"type": "TXT",
                                                                                          "value": "abc"}}
    assert emu.state.dns_records() == api.admin("GET", "/dns").json()
    assert api.admin("PUT", "/dns/x.example.com", json={"type": "MX", "value": "a"}).status_code == 400
    assert api.admin("DELETE", "/dns/_cf-custom-hostname.login.example.com.").status_code == 200
    assert api.admin("DELETE", "/dns/_cf-custom-hostname.login.example.com").status_code == 404
    assert api.admin("GET", "/dns").json() == {}


def test_responses_are_compact_json(api: Api) -> None:
    created = api.create("compact.example.com")
    raw = api.get(f"/api/v2/custom-domains/{created['custom_domain_id']}").text
    assert raw == json.dumps(created, separators=(",", ":"))
