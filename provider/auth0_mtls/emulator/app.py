"""A running emulator: tenant state, request pipeline and HTTP server, started and stopped together."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .dispatch import Dispatcher
from .ratelimit import DEFAULT_VERIFY_RATE, RateLimitConfig
from .router import Site
from .server import HttpServer
from .state import ALL_SCOPES, EmulatorState
from .tls import LOOPBACK_NAMES, generate, server_context

RateSpec = RateLimitConfig | tuple[float, float, int] | None


def _as_rate(spec: RateSpec) -> RateLimitConfig | None:
    if spec is None or isinstance(spec, RateLimitConfig):
        return spec
    rate, per_seconds, burst = spec
    return RateLimitConfig(rate=rate, per_seconds=per_seconds, burst=burst)


class Emulator:
    """A running emulated tenant on ``http://127.0.0.1:<port>`` (``https://`` with TLS).

    ``verify_rate``/``management_rate`` take a :class:`RateLimitConfig`, a
    ``(rate, per_seconds, burst)`` tuple, or ``None`` to disable the bucket.
    ``tls=True`` serves https with a private CA generated for this run (its certificate at
    :attr:`ca_path`); ``tls_cert``/``tls_key`` serve a given certificate instead.
    ``origin_port`` (0 picks a free one) adds a second listener of the same tenant, on the same
    host and with the same TLS, that stands for its custom domains' origin (:attr:`origin_url`): an
    edge proxies there, and Authentication API requests (token, discovery, JWKS) must bring a
    custom domain's ``cname-api-key``. The key is not checked on the Management API routes there.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        client_id: str = "emulator-client",
        client_secret: str = "emulator-secret",
        auto_dns: bool = False,
        verify_rate: RateSpec = DEFAULT_VERIFY_RATE,
        management_rate: RateSpec = None,
        token_ttl: int = 86400,
        scopes: Iterable[str] = ALL_SCOPES,
        api_token: str | None = None,
        extra_audiences: Iterable[str] = (),
        tenant_settings: Mapping[str, Any] | None = None,
        verbose: bool = False,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
        tls: bool = False,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        origin_port: int | None = None,
    ) -> None:
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        self.state = EmulatorState(
            client_id=client_id,
            client_secret=client_secret,
            auto_dns=auto_dns,
            verify_rate=_as_rate(verify_rate),
            management_rate=_as_rate(management_rate),
            token_ttl=token_ttl,
            scopes=scopes,
            api_token=api_token,
            tenant_settings=tenant_settings,
            clock=clock,
        )
        self.client_id = client_id
        self.client_secret = client_secret
        self.verbose = verbose
        self._requested_port = port
        self._host = host
        self._extra_audiences = tuple(extra_audiences)
        self._stopping = threading.Event()
        self.dispatcher = Dispatcher(self.state, self._stopping)
        self._server: HttpServer | None = None
        self._origin_port = origin_port
        self._origin: HttpServer | None = None
        self._site: Site | None = None
        self.tls = tls or tls_cert is not None
        self._tls_files = (Path(tls_cert), Path(tls_key)) if tls_cert is not None and tls_key is not None else None
        self._tls_dir: Path | None = None
        self.ca_path: Path | None = None

    # -------------------------------------------------------------- lifecycle

    def start(self) -> "Emulator":
        if self._server is not None:
            return self
        self._stopping.clear()
        context = None
        if self.tls:
            if self._tls_files is not None:
                cert, key = self._tls_files
            else:
                self._tls_dir = Path(tempfile.mkdtemp(prefix="auth0-emulator-tls-"))
                files = generate(self._tls_dir, (self._host, *LOOPBACK_NAMES))
                cert, key, self.ca_path = files.cert_path, files.key_path, files.ca_path
            context = server_context(cert, key)
        self._server = HttpServer((self._host, self._requested_port), self, context)
        self._site = Site(self.base_url, self.audience, self.accepted_audiences, self._authorities())
        self._server.serve_in_thread(f"auth0-emulator-{self.port}")
        if self._origin_port is not None:
            self._origin = HttpServer((self._host, self._origin_port), self, context,
                                      site=self.site.as_custom_domain_origin())
            self._origin.serve_in_thread(f"auth0-emulator-origin-{self._origin.server_address[1]}")
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        origin, self._origin = self._origin, None
        for listener in (server, origin):
            if listener is not None:
                listener.close()
        if self._tls_dir is not None:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -------------------------------------------------------------- addresses

    @property
    def site(self) -> Site:
        if self._site is None:
            raise RuntimeError("emulator is not started")
        return self._site

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator is not started")
        return int(self._server.server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def _url(self, port: int) -> str:
        return f"{self.scheme}://{self._host}:{port}"

    @property
    def base_url(self) -> str:
        return self._url(self.port)

    @property
    def origin_url(self) -> str | None:
        """The custom domain origin listener's URL (``origin_port``), or None without one."""
        if self._origin is None:
            return None
        return self._url(int(self._origin.server_address[1]))

    @property
    def domain(self) -> str:
        """``host:port``, the stand-in for a tenant domain."""
        return f"{self._host}:{self.port}"

    @property
    def audience(self) -> str:
        return f"{self.base_url}/api/v2/"

    def _authorities(self) -> frozenset[str]:
        hosts = {self._host, "127.0.0.1", "localhost", "::1"}
        return frozenset(f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}" for host in hosts)

    @property
    def accepted_audiences(self) -> frozenset[str]:
        spellings = {self._host, "127.0.0.1", "localhost"}
        return frozenset({f"{self.scheme}://{host}:{self.port}/api/v2/" for host in spellings}
                         | set(self._extra_audiences))

    # -------------------------------------------------------------- conveniences for in-process tests

    def issue_token(self, scope: str | None = None) -> str:
        """Mint a token as ``POST /oauth/token`` would, without HTTP (not logged)."""
        params = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "audience": self.audience,
        }
        if scope is not None:
            params["scope"] = scope
        return str(self.state.issue_token(params, self.accepted_audiences)["access_token"])

    def publish_dns_for(self, domain_id: str) -> dict[str, str]:
        """Publish the DNS record a domain's verification expects."""
        return self.state.publish_expected_dns(domain_id)


__all__ = ["Emulator"]
