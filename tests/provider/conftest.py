"""Fixtures for the provider-hook tests: a Management API session on the emulator, and two tenants."""

from __future__ import annotations

from typing import Iterator

import pytest

from auth0_mtls import client as client_module
from auth0_mtls.emulator import Emulator
from mgmt import Mgmt


@pytest.fixture
def mgmt(emulator_env: Emulator) -> Mgmt:
    """Changes made elsewhere on the tenant the provider is configured for."""
    return Mgmt.of(emulator_env)


@pytest.fixture
def tenants(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Emulator, Emulator]]:
    """Two emulated tenants, and no AUTH0_* variable or cached client to blur which one a hook uses."""
    for var in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    client_module._clients.clear()
    with Emulator(port=0, client_id="us-client", client_secret="us-secret", auto_dns=True) as us, \
            Emulator(port=0, client_id="eu-client", client_secret="eu-secret", auto_dns=True) as eu:
        yield us, eu
