"""Stack config as the engine hands it to ``configure``, for tests that call provider hooks directly."""

from __future__ import annotations

from typing import Any, TypeVar

from auth0_mtls.emulator import Emulator

P = TypeVar("P")


class Request:
    """The engine's configure request: ``config`` is the whole stack config with namespaced keys.
    A dict has the ``.get(key)`` that ``pulumi.dynamic.Config`` offers."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.config = values


def configured(provider: P, values: dict[str, Any]) -> P:
    provider.configure(Request(values))  # type: ignore[attr-defined]
    return provider


def two_tenant_config(us: Emulator, eu: Emulator, **repoint: str) -> dict[str, Any]:
    """`auth0` on one emulator and `auth0-eu` on the other; ``repoint`` points a namespace elsewhere."""
    values = {"auth0:domain": us.base_url, "auth0:clientId": us.client_id, "auth0:clientSecret": us.client_secret,
              "auth0-eu:domain": eu.base_url, "auth0-eu:clientId": eu.client_id,
              "auth0-eu:clientSecret": eu.client_secret}
    values.update({f"{ns}:domain": url for ns, url in repoint.items()})
    return values
