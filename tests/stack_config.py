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


def tenant_config(emulator: Emulator, domain: str | None = None, namespace: str = "auth0") -> dict[str, Any]:
    """One namespace's keys for an emulator; ``domain`` gives ``<namespace>:domain`` in another form."""
    return {f"{namespace}:domain": domain or emulator.base_url, f"{namespace}:clientId": emulator.client_id,
            f"{namespace}:clientSecret": emulator.client_secret}


def two_tenant_config(us: Emulator, eu: Emulator, **repoint: str) -> dict[str, Any]:
    """`auth0` on one emulator and `auth0-eu` on the other; ``repoint`` points a namespace elsewhere."""
    values = {**tenant_config(us), **tenant_config(eu, namespace="auth0-eu")}
    values.update({f"{ns}:domain": url for ns, url in repoint.items()})
    return values
