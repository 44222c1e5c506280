"""A small Management API client: token handling, one retry policy, typed errors, safe paths.

One client exists per tenant per process (``shared_client``), so the provider's worker threads
share one access token, one connection pool and, for ``read`` hooks, one GET per custom domain
(``shared_reads``). How its connections reach the tenant (CA bundle, proxy) is ``transport``'s.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
import threading
import time
from typing import Any, Iterator, Mapping
from urllib.parse import quote

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
)

from .credentials import Credentials, how_to_set_ca_bundle
from .errors import ApiError, ConfigurationError, DeadlineReached, RateLimitError, UnsafeInputError
from .pacing import RateGate, bucket_of
from .retry import RetryBudgetExhausted, time_left
from .retry_policy import Auth0Retry
from .shared_reads import SharedReads
from .transport import Proxy, TenantAdapter, proxy_for, tls_context, tunnel_status
from .validation import CUSTOM_DOMAIN_ID

log = logging.getLogger("auth0_mtls")

USER_AGENT = "auth0-mtls/0.1 (+pulumi dynamic provider)"
# Renew this long before the token expires, so a token never dies mid-deployment; a short-lived token
# (a tenant can issue them for a few minutes) is renewed once this fraction of its lifetime is left
# instead, or every call would fetch a new one.
TOKEN_RENEW_MARGIN_SECONDS = 120.0
TOKEN_RENEW_FRACTION = 0.25
TIMEOUT = (5.0, 60.0)  # (connect, read) seconds


def renew_margin(lifetime: float) -> float:
    """How long before expiry a token of this lifetime is renewed."""
    return min(TOKEN_RENEW_MARGIN_SECONDS, max(0.0, lifetime) * TOKEN_RENEW_FRACTION)


def custom_domain_path(custom_domain_id: str, suffix: str = "") -> str:
    """The API path for one custom domain; refuses any id that could reach another endpoint."""
    if not isinstance(custom_domain_id, str) or not CUSTOM_DOMAIN_ID.fullmatch(custom_domain_id):
        raise UnsafeInputError(
            f"custom_domain_id {custom_domain_id!r:.80} is not a custom domain id (cd_ followed by letters and digits)"
        )
    return f"/api/v2/custom-domains/{quote(custom_domain_id, safe='')}{suffix}"


def _possibly_applied_before(response: requests.Response) -> bool:
    """Whether an earlier attempt of this call may have taken effect: its response was lost, or a
    gateway error hid the outcome. 429s and 4xx never take effect."""
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", None) or ()
    return any(item.error is not None or (item.status or 0) >= 500 for item in history)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests wraps urllib3, which wraps the socket error)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        item = todo.pop(0)
        if any(item is s for s in seen):
            continue
        seen.append(item)
        nested = [getattr(item, "reason", None), item.__cause__, item.__context__,
                  *[a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]]
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return seen


def describe_network_failure(exc: BaseException | None, proxy: Proxy | None = None) -> str:
    """What went wrong, in words, from the exception chain of a call that got no response. Built
    from exception types (and the TLS library's verification message, and the status a proxy
    answered a CONNECT with), never from exception text, which can hold URLs and request details."""
    causes = _causes(exc) if exc is not None else []

    def has(*types: type) -> BaseException | None:
        return next((c for c in causes if isinstance(c, types)), None)

    if proxy is not None and has(ProxyError):
        where = f"the proxy {proxy.shown} (from {proxy.source})"
        status = next((s for s in map(tunnel_status, causes) if s is not None), None)
        if status == 407:
            return f"{where} asks for credentials (407): put them in {proxy.source} as http://user:password@host:port"
        if status is not None:
            return f"{where} refused to open a tunnel to the tenant ({status})"
        if has(ConnectionRefusedError):
            return f"{where} refused the connection"
        if has(NameResolutionError, socket.gaierror):
            return f"{where} could not be found: its host name does not resolve"
        return f"{where} could not be reached or dropped the connection"
    if has(NameResolutionError, socket.gaierror):
        return "DNS lookup failed: the host name does not resolve"
    cert = has(ssl.SSLCertVerificationError)
    if cert is not None:
        reason = getattr(cert, "verify_message", None) or "verification failed"
        return f"its TLS certificate is not trusted ({reason})"
    if has(ssl.SSLError):
        return "the TLS handshake failed"
    if has(ConnectionRefusedError):
        return "connection refused: nothing accepts connections at that host and port"
    if has(ReadTimeoutError):
        return f"no response within {TIMEOUT[1]:.0f}s"
    if has(ConnectTimeoutError, socket.timeout) and not has(NewConnectionError):
        return f"the connection timed out after {TIMEOUT[0]:.0f}s"
    if has(ConnectionResetError, ProtocolError, ConnectionAbortedError):
        return "the connection was closed before a response arrived"
    if has(NewConnectionError, OSError):
        return "could not open a connection"
    return "no response" if exc is None else f"no response ({type(exc).__name__})"


def network_hint(credentials: Credentials, cause: str) -> str:
    where = credentials.domain_source
    if cause.startswith("its TLS certificate"):
        return (f"check that {where} is your tenant's host (e.g. tenant.eu.auth0.com). The certificate was checked "
                f"against {credentials.trust}; if {credentials.tenant} is reached through a proxy that inspects "
                f"TLS, or is served with a certificate from a private CA, give that CA: "
                f"{how_to_set_ca_bundle(credentials.namespace)}. Certificate verification cannot be turned off")
    if cause.startswith("the TLS handshake"):
        return (f"check that {where} is your tenant's host (e.g. tenant.eu.auth0.com) and that it speaks https; "
                "certificate verification cannot be turned off")
    if cause.startswith("the proxy"):
        return "check the proxy variable named, or add the tenant's host to NO_PROXY to connect directly"
    if cause.startswith("DNS"):
        return f"check the host name in {where} (e.g. tenant.eu.auth0.com) and this machine's DNS and network access"
    if cause.startswith("connection refused"):
        return f"check the host and port in {where}"
    return f"check {where} and this machine's network access; the call was retried before giving up"


def _error_from_response(method: str, path: str, response: requests.Response,
                         credentials: Credentials) -> ApiError:
    code: str | None = None
    message = response.reason or "error"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("error") or body.get("code")
        message = body.get("message") or body.get("error_description") or message
    hint = None
    ns = credentials.namespace
    if response.status_code == 403 and code == "insufficient_scope":
        hint = "grant that scope to the Management API client, see the README's credentials section"
    elif response.status_code == 401:
        hint = f"the token was rejected: check {ns}:clientId/{ns}:clientSecret or renew {ns}:apiToken"
    cls = RateLimitError if response.status_code == 429 else ApiError
    return cls(method, path, response.status_code, str(message), code, hint,
               after_retry=_possibly_applied_before(response),
               host=credentials.tenant)


class ManagementClient:
    """Calls ``https://{tenant}/api/v2``. Thread-safe."""

    def __init__(self, credentials: Credentials, retry: Auth0Retry | None = None) -> None:
        self.credentials = credentials
        self._retry = retry or Auth0Retry.default()
        self.proxy = proxy_for(credentials.base_url)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        # Certificate verification is never switched off (the adapter insists); http:// is only
        # possible on loopback.
        self._session.verify = True
        # The session reads nothing from the environment: no .netrc Authorization on the token
        # request, no REQUESTS_CA_BUNDLE overriding this tenant's trust. Proxy and CA bundle are
        # read explicitly (transport, credentials) and set here.
        self._session.trust_env = False
        if self.proxy is not None:
            self._session.proxies = {"http": self.proxy.url, "https": self.proxy.url}
        context = tls_context(credentials.ca_bundle, credentials.ca_source, credentials.namespace)
        # One pool for this tenant: its host only, up to 8 connections (the provider runs 4 workers).
        adapter = TenantAdapter(context, max_retries=self._retry, pool_connections=1, pool_maxsize=8)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._gate = RateGate()
        self._token_lock = threading.Lock()
        self._token: str | None = credentials.api_token
        self._token_expires_at = float("inf") if credentials.api_token else 0.0
        self._token_renew_at = self._token_expires_at
        self.token_fetches = 0
        # A 404 is an answer too: both resources of a deleted domain see it gone from one GET.
        self._domain_reads = SharedReads(shareable=lambda exc: isinstance(exc, ApiError) and exc.is_not_found)

    # -- tokens ---------------------------------------------------------------------------------

    def _access_token(self, stale: str | None = None) -> str:
        """A valid token; fetched once and shared by all threads. ``stale`` forces a renewal of that token."""
        with self._token_lock:
            fresh = self._token is not None and time.time() < self._token_renew_at
            if fresh and self._token != stale:
                return self._token  # type: ignore[return-value]
            if self.credentials.api_token and not self.credentials.client_id:
                if stale is not None:
                    ns = self.credentials.namespace
                    raise ApiError("GET", "/api/v2", 401,
                                   f"the configured {ns}:apiToken was rejected (expired or revoked)", "invalid_token",
                                   f"set a fresh token, or configure {ns}:clientId/{ns}:clientSecret",
                                   host=self.credentials.tenant)
                return self.credentials.api_token
            self._fetch_token()
            return self._token  # type: ignore[return-value]

    def _fetch_token(self) -> None:
        if not (self.credentials.client_id and self.credentials.client_secret):
            raise ConfigurationError("no client credentials to renew the Management API token with")
        path = "/oauth/token"
        response = self._transmit("POST", path, data={
            "grant_type": "client_credentials",
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "audience": self.credentials.audience,
        })
        if response.status_code != 200:
            raise _error_from_response("POST", path, response, self.credentials)
        body = response.json()
        self._token = body["access_token"]
        lifetime = float(body.get("expires_in", 86400))
        self._token_expires_at = time.time() + lifetime
        self._token_renew_at = self._token_expires_at - renew_margin(lifetime)
        self.token_fetches += 1
        log.debug("fetched a Management API token (scopes: %s)", body.get("scope", ""))

    # -- requests -------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                ok: tuple[int, ...] = (200,)) -> Any:
        """Send one call; return the decoded JSON body (``None`` for empty bodies)."""
        return self.send(method, path, json=json, params=params, ok=ok)[0]

    def send(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
             ok: tuple[int, ...] = (200,)) -> tuple[Any, bool]:
        """Like ``request``, plus whether an earlier attempt may already have taken effect."""
        if not path.startswith("/api/v2/"):
            raise UnsafeInputError(f"refusing to call {path!r}")
        token = self._access_token()
        bucket = bucket_of(path)
        for attempt in (1, 2):
            response = self._transmit(method, path, bucket=bucket, json=json, params=params,
                                      headers={"Authorization": f"Bearer {token}"})
            if response.status_code == 401 and attempt == 1:
                # Expired or revoked: one new token, one more try.
                token = self._access_token(stale=token)
                continue
            break
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code not in ok:
            raise _error_from_response(method, path, response, self.credentials)
        body = response.json() if response.content else None
        return body, _possibly_applied_before(response)

    def _transmit(self, method: str, path: str, bucket: str | None = None, **kwargs: Any) -> requests.Response:
        """One HTTP exchange, pacing and retries included; failures become ``ApiError``s that name
        the tenant's host and the cause, and carry nothing from the request (no token, no secret)."""
        host = self.credentials.tenant
        try:
            if bucket is not None:
                self._gate.wait(bucket)
            left = time_left()
            # Within a deadline (a verification's timeout), a slow answer may not outlast it either.
            timeout = TIMEOUT if left is None else (TIMEOUT[0], max(1.0, min(TIMEOUT[1], left)))
            response = self._session.request(method, self.credentials.base_url + path, timeout=timeout, **kwargs)
            if bucket is not None:
                self._gate.observe(bucket, response.status_code, response.headers)
            return response
        except RetryBudgetExhausted as exc:
            if exc.past_deadline:
                waiting_for = ("Auth0's rate limit (429) to reset" if exc.status == 429 else
                               f"a retry after {exc.status}" if exc.status is not None else
                               f"a retry ({describe_network_failure(exc.error, self.proxy)})")
                raise DeadlineReached(method, path, exc.status,
                                      f"stopped at the operation's deadline: the next wait, {exc.next_wait:.1f}s for "
                                      f"{waiting_for}, would have passed it", "deadline", host=host) from None
            if exc.status == 429:
                raise RateLimitError(method, path, exc.status,
                                     f"still rate limited (429) by Auth0; {exc} (raise AUTH0_MTLS_RETRY_BUDGET_SECONDS "
                                     "to wait longer)", "too_many_requests", host=host) from None
            if exc.status is not None:
                raise ApiError(method, path, exc.status, f"still failing after retries; {exc}", host=host) from None
            cause = describe_network_failure(exc.error, self.proxy)
            raise ApiError(method, path, None, cause,
                           hint=network_hint(self.credentials, cause), host=host) from None
        except requests.RequestException as exc:
            cause = describe_network_failure(exc, self.proxy)
            raise ApiError(method, path, None, cause,
                           hint=network_hint(self.credentials, cause), host=host) from None

    # -- custom domains -------------------------------------------------------------------------

    # Every write below drops the domain's shared answer (``_domain_reads.writing``), so no read
    # after it begins is given the state from before it.

    def create_custom_domain(self, body: Mapping[str, Any]) -> dict[str, Any]:
        created = self.request("POST", "/api/v2/custom-domains", json=dict(body), ok=(200, 201))
        if isinstance(created, Mapping) and isinstance(created.get("custom_domain_id"), str):
            self._domain_reads.forget(created["custom_domain_id"])
        return created

    def get_custom_domain(self, custom_domain_id: str) -> dict[str, Any]:
        """A GET of its own, never shared."""
        return self.request("GET", custom_domain_path(custom_domain_id))

    def read_custom_domain(self, custom_domain_id: str) -> dict[str, Any]:
        """For ``read`` hooks only: the domain as a GET shared with the other reads of it in this
        process, at most ``SHARE_WINDOW_SECONDS`` old and never from before a write to it through
        this client. A CustomDomain and its CustomDomainVerification read the same object, so a
        refresh costs one GET per domain instead of two. Raises ApiError (a 404 is shared too)."""
        path = custom_domain_path(custom_domain_id)  # an unsafe id is refused before anything else
        return self._domain_reads.get(custom_domain_id, lambda: self.request("GET", path))

    def update_custom_domain(self, custom_domain_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        path = custom_domain_path(custom_domain_id)
        with self._domain_reads.writing(custom_domain_id):
            return self.request("PATCH", path, json=dict(body))

    def delete_custom_domain(self, custom_domain_id: str) -> None:
        path = custom_domain_path(custom_domain_id)
        # 404 as well as 204: the goal (no such domain) is met either way.
        with self._domain_reads.writing(custom_domain_id):
            try:
                self.request("DELETE", path, ok=(200, 204))
            except ApiError as exc:
                if not exc.is_not_found:
                    raise

    def verify_custom_domain(self, custom_domain_id: str) -> tuple[dict[str, Any], bool]:
        """The verify response, and whether an earlier attempt of this call may have succeeded
        unseen (then a ``cname_api_key`` it carried is lost)."""
        path = custom_domain_path(custom_domain_id, "/verify")
        with self._domain_reads.writing(custom_domain_id):
            return self.send("POST", path)

    def iter_custom_domains(self) -> Iterator[dict[str, Any]]:
        """Every custom domain, following ``next`` cursors (a tool that read one page once created
        duplicates, see auth0-deploy-cli #1210)."""
        params: dict[str, Any] = {"take": 100}
        while True:
            page = self.request("GET", "/api/v2/custom-domains", params=params)
            if isinstance(page, list):  # a tenant that ignores `take` answers with a bare array
                yield from page
                return
            yield from page.get("custom_domains", [])
            cursor = page.get("next")
            if not cursor:
                return
            params = {"take": 100, "from": cursor}

    def find_custom_domain(self, domain: str) -> dict[str, Any] | None:
        wanted = domain.lower()
        for item in self.iter_custom_domains():
            if str(item.get("domain", "")).lower() == wanted:
                return item
        return None

    # -- tenant settings ------------------------------------------------------------------------

    def get_tenant_settings(self, fields: str | None = None) -> dict[str, Any]:
        params = {"fields": fields, "include_fields": "true"} if fields else None
        return self.request("GET", "/api/v2/tenants/settings", params=params)

    def update_tenant_settings(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", "/api/v2/tenants/settings", json=dict(body))


_clients: dict[str, ManagementClient] = {}
_clients_lock = threading.Lock()


def _cache_key(credentials: Credentials) -> str:
    material = "\0".join([credentials.base_url, credentials.client_id or "", credentials.client_secret or "",
                          credentials.api_token or "", credentials.ca_bundle or ""])
    return hashlib.sha256(material.encode()).hexdigest()


def shared_client(credentials: Credentials) -> ManagementClient:
    """The process-wide client for these credentials (one token per process, not per resource)."""
    key = _cache_key(credentials)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = ManagementClient(credentials)
            _clients[key] = client
        return client
