"""POST /oauth/token and bearer-token checks on /api/v2."""

from __future__ import annotations

import base64
from typing import Any, Callable

import requests

from auth0_mtls.emulator import ALL_SCOPES, Emulator

from .conftest import Api, FakeClock, fetch_token


def _token_request(emu: Emulator, **override: Any) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "audience": emu.audience,
    }
    data.update(override)
    return requests.post(f"{emu.base_url}/oauth/token", data=data, timeout=10)


def test_form_token_response_shape(emu: Emulator) -> None:
    response = _token_request(emu)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert len(body["access_token"]) >= 40
    assert body["expires_in"] == 86400
    assert body["token_type"] == "Bearer"
    assert body["scope"].split() == list(ALL_SCOPES)


def test_json_body_and_localhost_audience(emu: Emulator) -> None:
    response = requests.post(
        f"{emu.base_url}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "audience": f"http://localhost:{emu.port}/api/v2/",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_client_secret_basic(emu: Emulator) -> None:
    basic = base64.b64encode(f"{emu.client_id}:{emu.client_secret}".encode()).decode()
    response = requests.post(
        f"{emu.base_url}/oauth/token",
        data={"grant_type": "client_credentials", "audience": emu.audience},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_wrong_credentials(emu: Emulator) -> None:
    response = _token_request(emu, client_secret="nope")
    assert response.status_code == 401
    assert response.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    assert _token_request(emu, client_id="other").status_code == 401


def test_wrong_audience(emu: Emulator) -> None:
    audience = "https://tenant.example.com/api/v2/"
    response = _token_request(emu, audience=audience)
    assert response.status_code == 403
    assert response.json() == {
        "error": "access_denied",
        "error_description": f"Service not enabled within domain: {audience}",
    }
    # The audience needs its trailing slash, as Auth0's does.
    assert _token_request(emu, audience=emu.audience.rstrip("/")).status_code == 403


def test_other_grant_type_rejected(emu: Emulator) -> None:
    response = _token_request(emu, grant_type="password")
    assert response.status_code == 403
    assert response.json()["error"] == "unauthorized_client"


def test_extra_audience(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(extra_audiences=["https://tenant.example.com/api/v2/"])
    assert _token_request(emu, audience="https://tenant.example.com/api/v2/").status_code == 200


INVALID = {"statusCode": 401, "error": "Unauthorized", "message": "Invalid token", "errorCode": "invalid_token"}


def test_missing_and_unknown_token(emu: Emulator) -> None:
    url = f"{emu.base_url}/api/v2/custom-domains"
    response = requests.get(url, timeout=10)
    assert response.status_code == 401
    assert response.json() == INVALID
    # Even rejected calls carry the rate-limit headers.
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(response.headers)
    response = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert response.json() == INVALID
    response = requests.get(url, headers={"Authorization": "Basic abc"}, timeout=10)
    assert response.status_code == 401


def test_revoked_token_then_refetch(emu: Emulator, api: Api) -> None:
    assert api.get("/api/v2/custom-domains").status_code == 200
    revoked = api.admin("POST", "/tokens/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] >= 1
    response = api.get("/api/v2/custom-domains")
    assert response.status_code == 401
    assert response.json() == INVALID
    fresh = Api(emu)
    assert fresh.get("/api/v2/custom-domains").status_code == 200


def test_expired_token(make_emu: Callable[..., Emulator], clock: FakeClock) -> None:
    emu = make_emu(token_ttl=60, clock=clock)
    api = Api(emu)
    clock.advance(59)
    assert api.get("/api/v2/custom-domains").status_code == 200
    clock.advance(1)
    response = api.get("/api/v2/custom-domains")
    assert response.status_code == 401
    assert response.json() == {**INVALID, "message": "Expired token"}


def test_admin_expire(emu: Emulator, api: Api) -> None:
    assert api.admin("POST", "/tokens/expire").json() == {"expired": 1}
    assert api.get("/api/v2/custom-domains").json()["message"] == "Expired token"


def test_insufficient_scope(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(scopes=["read:custom_domains", "update:custom_domains"])
    token_scope = _token_request(emu).json()["scope"]
    assert token_scope == "read:custom_domains update:custom_domains"
    api = Api(emu)
    response = api.post("/api/v2/custom-domains", json={"domain": "a.example.com", "type": "self_managed_certs"})
    assert response.status_code == 403
    assert response.json() == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Insufficient scope, expected any of: create:custom_domains",
        "errorCode": "insufficient_scope",
    }
    # Verify is guarded by create:, not update:.
    response = api.post("/api/v2/custom-domains/cd_0000000000000001/verify")
    assert response.status_code == 403
    assert response.json()["message"].endswith("create:custom_domains")
    assert api.get("/api/v2/tenants/settings").json()["message"].endswith("read:tenant_settings")
    assert api.patch("/api/v2/tenants/settings", json={}).json()["message"].endswith("update:tenant_settings")
    assert api.delete("/api/v2/custom-domains/cd_0000000000000001").json()["message"].endswith(
        "delete:custom_domains"
    )


def test_requested_scope_narrows_and_admin_scopes(emu: Emulator) -> None:
    narrow = Api(emu, fetch_token(emu, scope="read:custom_domains"))
    assert narrow.get("/api/v2/custom-domains").status_code == 200
    assert narrow.get("/api/v2/tenants/settings").status_code == 403
    response = narrow.admin("PUT", "/scopes", json={"scopes": ["read:tenant_settings"]})
    assert response.json() == {"scopes": ["read:tenant_settings"]}
    later = Api(emu)
    assert later.get("/api/v2/custom-domains").status_code == 403
    assert later.get("/api/v2/tenants/settings").status_code == 200


def test_static_api_token(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(api_token="static-token-for-tests")
    api = Api(emu, "static-token-for-tests")
    assert api.get("/api/v2/custom-domains").status_code == 200
    api.admin("POST", "/tokens/revoke")
    assert api.get("/api/v2/custom-domains").status_code == 200
    api.admin("POST", "/tokens/revoke", json={"include_static": True})
    assert api.get("/api/v2/custom-domains").status_code == 401
