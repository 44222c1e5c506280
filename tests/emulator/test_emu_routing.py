"""Routing: areas plug in with one registration, and routes can be chosen by request predicates."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from auth0_mtls.emulator import Emulator
from auth0_mtls.emulator import state as state_module
from auth0_mtls.emulator.router import Headers, Reply, Request, Router, Site, api, auth
from auth0_mtls.emulator.store import Area

from .conftest import Api, fetch_token

SITE = Site("http://127.0.0.1:1", "http://127.0.0.1:1/api/v2/", frozenset())


def _request(method: str, path: str, **headers: str) -> Request:
    return Request.build(method, path, Headers(headers.items()), b"", SITE)


def test_predicate_route_wins_over_plain_route_on_same_path() -> None:
    router = Router()
    plain = auth("POST", "/oauth/token", lambda area, r: (200, "plain"))
    guarded = auth("POST", "/oauth/token", lambda area, r: (200, "edge"),
                   when=lambda r: "cname-api-key" in r.headers)
    router.add("first", [plain])
    router.add("second", [guarded])
    assert router.match(_request("POST", "/oauth/token")).target == "first"
    assert router.match(_request("POST", "/oauth/token", **{"CNAME-API-KEY": "k"})).target == "second"
    assert router.match(_request("GET", "/oauth/token")) is None


def test_path_parameters_are_url_decoded() -> None:
    router = Router()
    router.add("rs", [api("GET", "/resource-servers/{id}", "read:resource_servers", lambda a, r: (200, None))])
    request = _request("GET", "/api/v2/resource-servers/https:%2F%2Fapi.example.com%2Fv1")
    assert router.match(request) is not None
    assert request.params == {"id": "https://api.example.com/v1"}


class _Origin(Area):
    """A stand-in for a later area: the Authentication API behind a customer edge."""

    name = "test_origin"
    scopes = ("read:widgets",)

    def reset(self) -> None:
        self.seen: list[str] = []

    def token(self, request: Request) -> Reply:
        self.seen.append(request.headers.get("cname-api-key") or "")
        return Reply(200, {"via": "edge"}, {"Cache-Control": "no-store"})

    def snapshot(self) -> dict[str, Any]:
        return {"test_origin_seen": list(self.seen)}

    routes = (
        auth("POST", "/oauth/token", lambda a, r: a.token(r), when=lambda r: "cname-api-key" in r.headers),
        auth("GET", "/.well-known/jwks.json", lambda a, r: (200, {"keys": []})),
        api("GET", "/widgets", "read:widgets", lambda a, r: (200, [])),
    )


@pytest.fixture
def extended(monkeypatch: pytest.MonkeyPatch) -> Any:
    # The stand-in registers ahead of the real Authentication API: its guarded token route wins
    # anyway, but plain routes on one path go in registration order, and its JWKS must answer.
    monkeypatch.setattr(state_module, "AREAS", (_Origin, *state_module.AREAS))
    with Emulator(scopes=(*state_module.ALL_SCOPES, "read:widgets")) as emu:
        yield emu


def test_a_new_area_is_one_registration(extended: Emulator) -> None:
    emu = extended
    # The new area's routes go through the same pipeline: call log, faults, 404 handling.
    edge = requests.post(f"{emu.base_url}/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"cname-api-key": "k1"}, timeout=10)
    assert edge.status_code == 200 and edge.json() == {"via": "edge"}
    assert edge.headers["Cache-Control"] == "no-store"
    # Without the header the management client's token endpoint still answers.
    assert fetch_token(emu)
    assert requests.get(f"{emu.base_url}/.well-known/jwks.json", timeout=10).json() == {"keys": []}
    emu.state.add_fault({"path": "/.well-known/jwks.json", "kind": "status", "status": 503})
    faulted = requests.get(f"{emu.base_url}/.well-known/jwks.json", timeout=10)
    assert faulted.status_code == 503 and set(faulted.json()) == {"error", "error_description"}
    api = Api(emu)
    widgets = api.get("/api/v2/widgets")
    assert widgets.status_code == 200 and "x-ratelimit-limit" in widgets.headers
    assert requests.get(f"{emu.base_url}/api/v2/widgets", timeout=10).status_code == 401
    assert emu.state.test_origin.seen == ["k1"]
    assert emu.state.snapshot()["test_origin_seen"] == ["k1"]
    outcomes = [(c["path"], c["status"], c["outcome"]) for c in emu.state.calls()]
    assert outcomes[:4] == [("/oauth/token", 200, "ok"), ("/oauth/token", 200, "ok"),
                            ("/.well-known/jwks.json", 200, "ok"), ("/.well-known/jwks.json", 503, "fault:status")]
