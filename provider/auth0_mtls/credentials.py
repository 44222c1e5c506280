"""Where the Management API credentials come from, resolved at run time in the provider process.

Stack config first (the keys of the official Pulumi Auth0 provider, so existing stacks work), then
the environment. Nothing here is ever stored on a pickled object.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from .errors import ConfigurationError

# (stack config key, environment variable)
DOMAIN = ("auth0:domain", "AUTH0_DOMAIN")
CLIENT_ID = ("auth0:clientId", "AUTH0_CLIENT_ID")
CLIENT_SECRET = ("auth0:clientSecret", "AUTH0_CLIENT_SECRET")
API_TOKEN = ("auth0:apiToken", "AUTH0_API_TOKEN")

MISSING_HELP = (
    "Auth0 credentials are missing. Set them in the stack config: "
    "`pulumi config set auth0:domain <tenant>.auth0.com`, then either "
    "`pulumi config set auth0:clientId <id>` and `pulumi config set --secret auth0:clientSecret <secret>`, "
    "or `pulumi config set --secret auth0:apiToken <token>`; "
    "or in the environment: AUTH0_DOMAIN with AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or AUTH0_API_TOKEN."
)


@dataclass(frozen=True)
class Credentials:
    """How to reach one tenant. Secrets are excluded from ``repr`` so they never reach a log line."""

    base_url: str  # e.g. https://tenant.eu.auth0.com, no trailing slash
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    namespace: str = "auth0"  # the stack config namespace they were read from
    domain_source: str = "auth0:domain"  # where the domain came from, for messages (or AUTH0_DOMAIN)

    def key(self, name: str) -> str:
        """The stack config key of one setting of this tenant, e.g. ``auth0-eu:clientSecret``."""
        return f"{self.namespace}:{name}"

    @property
    def audience(self) -> str:
        return f"{self.base_url}/api/v2/"

    @property
    def tenant(self) -> str:
        """The tenant's host (and port), used to name per-tenant singletons."""
        return urlsplit(self.base_url).netloc


def _lookup(config: Mapping[str, Any] | None, environ: Mapping[str, str], key: tuple[str, str]) -> str | None:
    value = None
    if config is not None:
        value = config.get(key[0])
    if value in (None, ""):
        value = environ.get(key[1])
    if value in (None, ""):
        return None
    return str(value).strip()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(domain: str) -> str:
    """Turn ``tenant.auth0.com`` or ``https://tenant.auth0.com/`` into ``https://tenant.auth0.com``.

    Plain ``http://`` is refused except on loopback addresses, where the local emulator runs:
    a Management API token must never cross a network in clear text.
    """
    raw = domain.strip()
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"auth0:domain '{domain}' is not a host name or https:// URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigurationError(
            f"auth0:domain '{domain}' must be just the tenant host (e.g. tenant.eu.auth0.com), without a path"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"auth0:domain '{domain}' uses plain http://; only https:// is allowed "
            "(http:// is accepted for loopback addresses such as the local emulator)"
        )
    return f"{parts.scheme}://{parts.netloc}"


def resolve(config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Credentials:
    """Resolve credentials from stack config (namespaced keys such as ``auth0:domain``) or the environment."""
    env = os.environ if environ is None else environ
    domain = _lookup(config, env, DOMAIN)
    client_id = _lookup(config, env, CLIENT_ID)
    client_secret = _lookup(config, env, CLIENT_SECRET)
    api_token = _lookup(config, env, API_TOKEN)
    if not domain or not (api_token or (client_id and client_secret)):
        missing = []
        if not domain:
            missing.append("domain")
        if not api_token and not (client_id and client_secret):
            if client_id and not client_secret:
                missing.append("clientSecret")
            elif client_secret and not client_id:
                missing.append("clientId")
            else:
                missing.append("clientId/clientSecret or apiToken")
        raise ConfigurationError(f"{MISSING_HELP} (missing: {', '.join(missing)})")
    return Credentials(
        base_url=normalize_base_url(domain),
        client_id=client_id,
        client_secret=client_secret,
        api_token=api_token,
    )
