"""A Management API session against an emulator, for changes made "elsewhere": the application and
the API that the client resources take over, and edits behind Pulumi's back."""

from __future__ import annotations

import re
from typing import Any

import requests

IDENTIFIER = "https://api.example.com/payments"


class Mgmt:
    """One token, fetched once, and the calls made with it; every call checks its status code."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, audience: str | None = None,
                 verify: str | bool = True) -> None:
        self.base = base_url
        # Nothing from the environment: REQUESTS_CA_BUNDLE would replace `verify`, and a test's proxy
        # variables must not apply to calls on loopback.
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = verify
        token = self.http.post(f"{self.base}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret,
            "audience": audience or f"{self.base}/api/v2/"}, timeout=10).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def of(cls, emu: Any) -> "Mgmt":
        """For an in-process ``Emulator``, with the credentials it was started with."""
        return cls(emu.base_url, emu.client_id, emu.client_secret, emu.audience)

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        response = self.http.request(method, f"{self.base}/api/v2{path}", timeout=10, **kw)
        assert response.status_code in ((expect,) if isinstance(expect, int) else expect), response.text
        return response.json() if response.content else None

    def create_client(self, name: str = "partner-a", **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/clients", 201, json={
            "name": name, "app_type": "non_interactive", "token_endpoint_auth_method": "client_secret_post",
            "grant_types": ["client_credentials"], **extra})

    def client(self, client_id: str) -> dict[str, Any]:
        return self.call("GET", f"/clients/{client_id}")

    def patch_client(self, client_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call("PATCH", f"/clients/{client_id}", json=body)

    def credentials(self, client_id: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/clients/{client_id}/credentials")

    def create_credential(self, client_id: str, **body: Any) -> dict[str, Any]:
        return self.call("POST", f"/clients/{client_id}/credentials", 201, json=body)

    def create_api(self, identifier: str = IDENTIFIER, **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/resource-servers", 201, json={"name": "Payments", "identifier": identifier,
                                                                  **extra})

    def resource_server(self, api_id: str) -> dict[str, Any]:
        return self.call("GET", f"/resource-servers/{api_id}")

    def patch_api(self, api_id: str, body: dict[str, Any]) -> None:
        self.call("PATCH", f"/resource-servers/{api_id}", (200, 201), json=body)


def call_shapes(emu: Any) -> list[str]:
    """``["POST /clients/{id}/credentials", ...]``: an in-process emulator's Management API calls in
    order, token excluded, ids elided."""
    out = []
    for call in emu.state.calls():
        if call["path"].startswith("/__emulator") or call["path"] == "/oauth/token":
            continue
        path = re.sub(r"/clients/[^/]+", "/clients/{id}", call["path"].removeprefix("/api/v2"))
        path = re.sub(r"/credentials/[^/]+", "/credentials/{cred}", path)
        path = re.sub(r"/resource-servers/.+$", "/resource-servers/{id}", path)
        out.append(f"{call['method']} {path}")
    return out
