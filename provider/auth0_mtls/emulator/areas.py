"""The API areas the emulator serves. Adding an area: write its module, add one line here."""

from __future__ import annotations

from .authentication_api import AuthenticationApi
from .client_credentials import ClientCredentials
from .client_grants import ClientGrants
from .clients import Clients
from .custom_domains import CustomDomains
from .management_auth import ManagementAuth
from .resource_servers import ResourceServers
from .store import Area
from .tenant_settings import TenantSettings

AREAS: tuple[type[Area], ...] = (
    ManagementAuth,
    CustomDomains,
    TenantSettings,
    Clients,
    ClientCredentials,
    ResourceServers,
    ClientGrants,
    AuthenticationApi,
)


def all_scopes() -> tuple[str, ...]:
    """Every scope the registered areas' routes need, in registration order."""
    seen: dict[str, None] = {}
    for area in AREAS:
        for scope in area.scopes:
            seen.setdefault(scope, None)
    return tuple(seen)
