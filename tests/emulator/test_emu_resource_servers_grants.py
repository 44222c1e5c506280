"""/api/v2/resource-servers (with proof_of_possession) and /api/v2/client-grants."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from auth0_mtls.emulator import Emulator

from .conftest import Api

RS = "/api/v2/resource-servers"
GRANTS = "/api/v2/client-grants"
IDENTIFIER = "https://api.example.com/orders"


def new_api(api: Api, identifier: str = IDENTIFIER, **extra: Any) -> dict[str, Any]:
    response = api.post(RS, json={"identifier": identifier, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def new_client(api: Api) -> str:
    return str(api.post("/api/v2/clients", json={"name": "m2m", "app_type": "non_interactive"}).json()["client_id"])


def test_create_defaults_as_recorded(api: Api) -> None:
    body = new_api(api)
    assert re.fullmatch(r"[0-9a-f]{24}", body["id"])
    assert body == {"id": body["id"], "identifier": IDENTIFIER, "allow_offline_access": False,
                    "skip_consent_for_verifiable_first_party_clients": False,
                    "subject_type_authorization": {"client": {"policy": "require_client_grant"},
                                                   "user": {"policy": "allow_all"}},
                    "token_lifetime": 86400, "token_lifetime_for_web": 7200, "signing_alg": "RS256"}
    assert list(body) == ["id", "identifier", "allow_offline_access", "skip_consent_for_verifiable_first_party_clients",
                          "subject_type_authorization", "token_lifetime", "token_lifetime_for_web", "signing_alg"]
    named = new_api(api, "https://api.example.com/other", name="Orders", scopes=[{"value": "read:orders"}])
    assert list(named)[:3] == ["id", "name", "identifier"]


def test_get_by_id_or_encoded_identifier(api: Api) -> None:
    body = new_api(api)
    assert api.get(f"{RS}/{body['id']}").json() == body
    assert api.get(f"{RS}/{quote(IDENTIFIER, safe='')}").json() == body
    missing = api.get(f"{RS}/{quote('https://nope.example.com', safe='')}")
    assert missing.status_code == 404
    assert missing.json() == {"statusCode": 404, "error": "Not Found", "message": "The resource server does not exist",
                              "errorCode": "inexistent_resource_server"}


def test_duplicate_identifier_conflicts(api: Api) -> None:
    new_api(api)
    response = api.post(RS, json={"identifier": IDENTIFIER})
    assert response.status_code == 409 and response.json()["error"] == "Conflict"
    assert len(api.get(RS).json()) == 1


def test_proof_of_possession(api: Api) -> None:
    path = f"{RS}/{new_api(api)['id']}"
    mtls = api.patch(path, json={"proof_of_possession": {"mechanism": "mtls", "required": True}})
    assert mtls.status_code == 200  # the SPEC says 201; the recorded real PATCH answers 200
    assert mtls.json()["proof_of_possession"] == {"mechanism": "mtls", "required": True}
    assert list(mtls.json())[-1] == "proof_of_possession"
    explicit = api.patch(path, json={"proof_of_possession": {"mechanism": "mtls", "required": False,
                                                             "required_for": "all_clients"}})
    assert explicit.json()["proof_of_possession"] == {"mechanism": "mtls", "required": False}
    dpop = api.patch(path, json={"proof_of_possession": {"mechanism": "dpop", "required": True,
                                                         "required_for": "public_clients"}})
    assert dpop.json()["proof_of_possession"] == {"mechanism": "dpop", "required": True,
                                                  "required_for": "public_clients"}
    for bad, fragment in [
        ({"mechanism": "mtls", "required": True, "required_for": "public_clients"}, "all_clients"),
        ({"mechanism": "none", "required": True}, 'No enum match for: "none"'),
        ({"mechanism": "mtls"}, "Missing required property: required"),
        ({"mechanism": "mtls", "required": "yes"}, "Expected type boolean"),
        ({"mechanism": "mtls", "required": True, "extra": 1}, "Additional properties not allowed: extra"),
        ("mtls", "Expected type object,null but found type string"),
    ]:
        response = api.patch(path, json={"proof_of_possession": bad})
        assert response.status_code == 400, bad
        assert fragment in response.json()["message"], (bad, response.json())
    unset = api.patch(path, json={"proof_of_possession": None})
    assert "proof_of_possession" not in unset.json()
    assert api.patch(path, json={"identifier": "https://x"}).json()["message"] == \
        "Payload validation error: 'Additional properties not allowed: identifier'."


def test_list_and_delete(api: Api) -> None:
    first, second = new_api(api), new_api(api, "https://api.example.com/b")
    assert api.get(RS).json() == [first, second]
    paged = api.get(RS, params={"include_totals": "true", "page": "1", "per_page": "1"}).json()
    assert paged == {"start": 1, "limit": 1, "total": 2, "resource_servers": [second]}
    assert api.get(RS, params={"identifiers": "https://api.example.com/b"}).json() == [second]
    assert api.delete(f"{RS}/{first['id']}").status_code == 204
    assert api.delete(f"{RS}/{first['id']}").status_code == 204
    assert api.get(RS).json() == [second]


def test_grant_shape_and_rules(api: Api, emu: Emulator) -> None:
    new_api(api)
    client_id = new_client(api)
    created = api.post(GRANTS, json={"client_id": client_id, "audience": IDENTIFIER, "scope": ["read:orders"]})
    assert created.status_code == 201, created.text
    grant = created.json()
    assert re.fullmatch(r"cgr_[A-Za-z0-9]{16}", grant["id"])
    assert grant == {"id": grant["id"], "client_id": client_id, "audience": IDENTIFIER, "scope": ["read:orders"]}
    again = api.post(GRANTS, json={"client_id": client_id, "audience": IDENTIFIER, "scope": []})
    assert again.status_code == 409
    user = api.post(GRANTS, json={"client_id": client_id, "audience": IDENTIFIER, "scope": [],
                                  "subject_type": "user"})
    assert user.status_code == 201 and user.json()["subject_type"] == "user"
    unknown_client = api.post(GRANTS, json={"client_id": "nope", "audience": IDENTIFIER, "scope": []})
    assert unknown_client.status_code == 404
    unknown_api = api.post(GRANTS, json={"client_id": client_id, "audience": "https://nope", "scope": []})
    assert unknown_api.status_code == 404
    assert unknown_api.json()["message"] == "No resource with identifier https://nope"
    # The tenant's own Management API is a valid audience, as on a real tenant.
    assert api.post(GRANTS, json={"client_id": client_id, "audience": emu.audience,
                                  "scope": ["read:clients"]}).status_code == 201
    assert api.post(GRANTS, json={"client_id": client_id}).status_code == 400


def test_grant_list_get_patch_delete(api: Api) -> None:
    new_api(api)
    new_api(api, "https://api.example.com/b")
    a, b = new_client(api), new_client(api)
    grants = [api.post(GRANTS, json={"client_id": c, "audience": aud, "scope": []}).json()
              for c in (a, b) for aud in (IDENTIFIER, "https://api.example.com/b")]
    assert api.get(GRANTS).json() == grants
    assert api.get(GRANTS, params={"audience": IDENTIFIER, "client_id": b}).json() == [grants[2]]
    totals = api.get(GRANTS, params={"audience": IDENTIFIER, "client_id": a, "include_totals": "true",
                                     "per_page": "50"}).json()
    assert totals == {"total": 1, "start": 0, "limit": 50, "client_grants": [grants[0]]}
    first = api.get(GRANTS, params={"take": "3"}).json()
    assert first["client_grants"] == grants[:3] and "next" in first
    rest = api.get(GRANTS, params={"take": "3", "from": first["next"]}).json()
    assert rest == {"client_grants": grants[3:]}

    path = f"{GRANTS}/{grants[0]['id']}"
    assert api.get(path).json() == grants[0]
    all_scopes = api.patch(path, json={"allow_all_scopes": True}).json()
    assert "scope" not in all_scopes and all_scopes["allow_all_scopes"] is True
    assert api.patch(path, json={"allow_all_scopes": False, "scope": ["x"]}).json()["scope"] == ["x"]
    assert api.patch(path, json={"audience": "y"}).status_code == 400
    assert api.delete(path).status_code == 204
    assert api.delete(path).status_code == 204  # recorded: a second delete also answers 204
    assert api.get(path).json() == {"statusCode": 404, "error": "Not Found", "message": "The grant does not exist.",
                                    "errorCode": "inexistent_client_grant"}


@pytest.mark.parametrize("removed", ["client", "api"])
def test_grants_go_with_their_client_or_api(api: Api, removed: str) -> None:
    rs = new_api(api)
    client_id = new_client(api)
    api.post(GRANTS, json={"client_id": client_id, "audience": IDENTIFIER, "scope": []})
    path = f"/api/v2/clients/{client_id}" if removed == "client" else f"{RS}/{rs['id']}"
    assert api.delete(path).status_code == 204
    assert api.get(GRANTS).json() == []
