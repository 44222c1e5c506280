"""GET/PATCH /tenants/settings, with the mtls object."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from auth0_mtls.emulator import Emulator

from .conftest import Api

PATH = "/api/v2/tenants/settings"


def test_initial_document(api: Api) -> None:
    response = api.get(PATH)
    assert response.status_code == 200
    body = response.json()
    assert "mtls" not in body
    assert body["friendly_name"] == "My Test Tenant"
    assert body["flags"]["enable_sso"] is True
    assert "x-ratelimit-limit" in response.headers


def test_fields_projection(api: Api) -> None:
    assert api.get(PATH, params={"fields": "mtls", "include_fields": "true"}).json() == {}
    assert api.get(PATH, params={"fields": "friendly_name,support_email"}).json() == {
        "friendly_name": "My Test Tenant", "support_email": "support@mycompany.org"}
    without = api.get(PATH, params={"fields": "flags", "include_fields": "false"}).json()
    assert "flags" not in without and "friendly_name" in without
    bad = api.get(PATH, params={"include_fields": "yes"})
    assert bad.status_code == 400 and bad.json()["errorCode"] == "invalid_query_string"


def test_enable_disable_and_remove_mtls(api: Api) -> None:
    response = api.patch(PATH, json={"mtls": {"enable_endpoint_aliases": True}})
    assert response.status_code == 200
    whole = response.json()
    assert whole["mtls"] == {"enable_endpoint_aliases": True}
    assert whole["friendly_name"] == "My Test Tenant"  # the whole document comes back
    assert api.get(PATH, params={"fields": "mtls"}).json() == {"mtls": {"enable_endpoint_aliases": True}}

    # Unrelated PATCHes leave mtls alone.
    assert api.patch(PATH, json={"friendly_name": "Other"}).json()["mtls"] == {"enable_endpoint_aliases": True}
    assert api.patch(PATH, json={"mtls": {"enable_endpoint_aliases": False}}).json()["mtls"] == {
        "enable_endpoint_aliases": False}

    removed = api.patch(PATH, json={"mtls": None}).json()
    assert "mtls" not in removed
    assert api.get(PATH, params={"fields": "mtls", "include_fields": "true"}).json() == {}
    assert api.get(PATH).json()["friendly_name"] == "Other"


def test_empty_mtls_object(api: Api) -> None:
    assert api.patch(PATH, json={"mtls": {}}).json()["mtls"] == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"mtls": "on"},
         "Payload validation error: 'Expected type object,null but found type string' on property mtls "
         "(mTLS configuration)."),
        ({"mtls": {"enable_endpoint_aliases": True, "extra": 1}},
         "Payload validation error: 'Additional properties not allowed: extra' on property mtls "
         "(mTLS configuration)."),
        ({"mtls": {"enable_endpoint_aliases": "true"}},
         "Payload validation error: 'Expected type boolean but found type string' on property "
         "mtls.enable_endpoint_aliases (If true, enables mTLS endpoint aliases)."),
        ({"not_a_setting": 1}, "Payload validation error: 'Additional properties not allowed: not_a_setting'."),
        (["mtls"], "Payload validation error: 'Expected type object but found type array'."),
    ],
)
def test_patch_validation(api: Api, body: Any, message: str) -> None:
    response = api.patch(PATH, json=body)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "error": "Bad Request", "message": message,
                               "errorCode": "invalid_body"}
    assert "mtls" not in api.get(PATH).json()


def test_admin_replace_and_constructor_document(api: Api, make_emu: Callable[..., Emulator]) -> None:
    doc = {"friendly_name": "Seeded", "mtls": {"enable_endpoint_aliases": True}}
    assert api.admin("PUT", "/tenant-settings", json=doc).json() == doc
    assert api.get(PATH).json() == doc
    assert api.admin("PUT", "/tenant-settings", json=[1]).status_code == 400
    seeded_emu = make_emu(tenant_settings=doc)
    seeded = Api(seeded_emu)
    assert seeded.get(PATH).json() == doc
    seeded.patch(PATH, json={"friendly_name": "Changed"})
    seeded.admin("POST", "/reset")
    # Reset also forgets issued tokens.
    assert seeded.get(PATH).status_code == 401
    assert Api(seeded_emu).get(PATH).json() == doc
