"""A Management API session against an in-process emulator, for changes made "elsewhere": the
application and the API that the client resources take over, and edits behind Pulumi's back."""

from __future__ import annotations

from typing import Any

import requests

IDENTIFIER = "https://api.example.com/payments"


class Mgmt:
    def __init__(self, emu: Any) -> None:
        self.base = emu.base_url
        token = requests.post(f"{self.base}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
            "audience": f"{self.base}/api/v2/"}, timeout=10).json()["access_token"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        response = self.http.request(method, f"{self.base}/api/v2{path}", timeout=10, **kw)
        assert response.status_code in ((expect,) if isinstance(expect, int) else expect), response.text
        return response.json() if response.content else None

    def create_client(self, **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/clients", 201, json={"name": "partner-a", "app_type": "non_interactive",
                                                        "token_endpoint_auth_method": "client_secret_post", **extra})

    def client(self, client_id: str) -> dict[str, Any]:
        return self.call("GET", f"/clients/{client_id}")

    def create_api(self, **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/resource-servers", 201, json={"name": "Payments", "identifier": IDENTIFIER, **extra})
