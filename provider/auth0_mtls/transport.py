"""The network path to a tenant: the CAs its certificate must chain to, the proxy in between, and
one connection pool per tenant.

The requests session never reads the environment itself (``trust_env = False``). If it did,
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` would override the trust chosen per tenant, and a
``.netrc`` entry for the tenant's host would put its login in an ``Authorization: Basic`` header on
every request: the token request, and every call, where it replaces the bearer token.
What the environment may say about the network is read here instead, explicitly: the CA bundle
(resolved with the credentials, see ``credentials.resolve``) and the proxy (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, as requests and curl read them).

One ``ssl.SSLContext`` is built per CA bundle per process and shared by every connection of every
tenant that trusts that bundle. requests' default adapter loads the bundle again into each new
connection's context (about 10-40 ms for a full bundle, once per connection of the pool); the
adapter here hands urllib3 the ready context instead, and verification stays on whatever a caller
passes as ``verify``.
"""

from __future__ import annotations

import os
import re
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import certifi
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy, should_bypass_proxies
from urllib3.util.ssl_ import create_urllib3_context

from .credentials import DEFAULT_CA_SOURCE, how_to_set_ca_bundle
from .errors import ConfigurationError

_contexts: dict[str | None, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()
_PROXY_SCHEMES = ("http", "https")
_TUNNEL_STATUS = re.compile(r"Tunnel connection failed: (\d{3})")


def tls_context(ca_bundle: str | None, source: str = DEFAULT_CA_SOURCE, namespace: str = "auth0") -> ssl.SSLContext:
    """The process's one client context for this CA bundle (``None``: the default, certifi's):
    TLS 1.2 or later, certificate and host name always verified. Raises ConfigurationError when
    the bundle holds no usable certificate."""
    with _contexts_lock:
        context = _contexts.get(ca_bundle)
        if context is None:
            context = _build_context(ca_bundle, source, namespace)
            _contexts[ca_bundle] = context
        return context


def _build_context(ca_bundle: str | None, source: str, namespace: str) -> ssl.SSLContext:
    # urllib3's defaults (the context requests would build), with the trust of this bundle only:
    # a custom bundle replaces the default roots, as REQUESTS_CA_BUNDLE does for requests.
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    try:
        if ca_bundle is None:
            context.load_verify_locations(cafile=certifi.where())
        elif "-----BEGIN" in ca_bundle:  # PEM text (check_ca_bundle accepts text before the first armour)
            context.load_verify_locations(cadata=ca_bundle)
        elif os.path.isdir(ca_bundle):
            context.load_verify_locations(capath=ca_bundle)
        else:
            context.load_verify_locations(cafile=ca_bundle)
    except (ssl.SSLError, OSError, ValueError) as exc:
        what = "its PEM text" if ca_bundle and "-----BEGIN" in ca_bundle else repr(ca_bundle)
        raise ConfigurationError(f"{source} ({what}) could not be read as CA certificates "
                                 f"({type(exc).__name__}: {getattr(exc, 'reason', None) or 'not PEM'}); give a "
                                 f"PEM bundle: {how_to_set_ca_bundle(namespace)}") from None
    if ca_bundle is not None and os.path.isfile(ca_bundle) and not context.get_ca_certs():
        raise ConfigurationError(f"{source} ({ca_bundle!r}) holds no CA certificate; give a PEM bundle: "
                                 f"{how_to_set_ca_bundle(namespace)}")
    return context


@dataclass(frozen=True)
class Proxy:
    """The proxy a tenant's requests go through, as the environment names it."""

    url: str  # as given, credentials included (they go to the proxy in Proxy-Authorization)
    source: str  # the variable it came from, e.g. HTTPS_PROXY

    @property
    def shown(self) -> str:
        """``host:port``, for messages: never the user name or password the URL may carry."""
        parts = urlsplit(self.url if "://" in self.url else f"http://{self.url}")
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else (parts.hostname or "?")
        try:
            port = parts.port
        except ValueError:
            port = None
        return f"{host}:{port}" if port else host


def _environment_proxies() -> dict[str, str]:
    # urllib's reading of *_PROXY (lower case wins, HTTP_PROXY ignored in a CGI request), which
    # requests uses too.
    from urllib.request import getproxies_environment

    return getproxies_environment()


def _variable_of(scheme: str, url: str) -> str:
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        if os.environ.get(name) == url:
            return name
    return f"{scheme.upper()}_PROXY"


def proxy_for(base_url: str) -> Proxy | None:
    """The proxy for a tenant's URL from this process's environment, or ``None`` (none set, or
    ``NO_PROXY`` covers the host). Raises ConfigurationError for a proxy this client cannot use."""
    if should_bypass_proxies(base_url, no_proxy=None):
        return None
    url = select_proxy(base_url, _environment_proxies())
    if not url:
        return None
    scheme = urlsplit(base_url).scheme
    proxy = Proxy(url, _variable_of(scheme, url))
    proxy_scheme = urlsplit(url).scheme.lower() if "://" in url else "http"
    if proxy_scheme not in _PROXY_SCHEMES:
        raise ConfigurationError(f"{proxy.source} names a {proxy_scheme}:// proxy ({proxy.shown}); only http:// and "
                                 "https:// proxies are supported (the tenant's TLS runs inside a CONNECT tunnel)")
    if not urlsplit(url if "://" in url else f"http://{url}").hostname:
        raise ConfigurationError(f"{proxy.source} has no host name; e.g. http://proxy.example.com:3128")
    return proxy


def tunnel_status(exc: BaseException) -> int | None:
    """The status a proxy answered a CONNECT with, from http.client's tunnel error (its text holds
    only the status line)."""
    match = _TUNNEL_STATUS.search(str(exc))
    return int(match.group(1)) if match else None


class TenantAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections, direct or through a proxy, use one given context.

    urllib3 would load ``ca_certs`` into the context of every new connection; requests' adapter
    sets them from ``verify``. Here the context carries the trust, so ``cert_verify`` only insists
    on verification, whatever ``verify`` says."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, ssl_context=self._context, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if proxy not in self.proxy_manager:
            # The tenant's TLS inside the tunnel, and the proxy's own TLS for an https:// proxy.
            proxy_kwargs.setdefault("ssl_context", self._context)
            proxy_kwargs.setdefault("proxy_ssl_context", self._context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None
