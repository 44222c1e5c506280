"""HTTP front end of the emulator: routing, auth, rate-limit headers, faults, call log.

All tenant behaviour lives in :class:`EmulatorState`; this module only translates HTTP
to state calls and state results/errors back to HTTP, the way Auth0's edge would.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from .admin import handle_admin
from .errors import ApiError, OAuthError, not_found_route
from .faults import FaultRule
from .ratelimit import DEFAULT_VERIFY_RATE, BucketStatus, RateLimitConfig
from .state import ALL_SCOPES, BucketKind, EmulatorState

ADMIN_PREFIX = "/__emulator"
API_PREFIX = "/api/v2"
# Auth0 documents 30 requests/second for /oauth/token on the smallest plan; only used to
# fill headers of injected 429s on that endpoint.
TOKEN_ENDPOINT_LIMIT = 30

RateSpec = RateLimitConfig | tuple[float, float, int] | None


def _as_rate(spec: RateSpec) -> RateLimitConfig | None:
    if spec is None or isinstance(spec, RateLimitConfig):
        return spec
    rate, per_seconds, burst = spec
    return RateLimitConfig(rate=rate, per_seconds=per_seconds, burst=burst)


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    scope: str
    bucket: BucketKind
    # Verify is sent bodiless and DELETE/GET bodies are meaningless: only these parse one.
    reads_body: bool
    action: Callable[[EmulatorState, dict[str, str], dict[str, str], Any], tuple[int, Any]]


def _route(method: str, path: str, scope: str, action: Callable[..., tuple[int, Any]],
           bucket: BucketKind = "management") -> _Route:
    reads_body = method in ("POST", "PATCH") and not path.endswith("/verify")
    return _Route(method, re.compile(f"^{API_PREFIX}{path}$"), scope, bucket, reads_body, action)


_ID = r"/custom-domains/(?P<id>[^/]+)"
ROUTES: tuple[_Route, ...] = (
    _route("GET", "/custom-domains", "read:custom_domains",
           lambda st, p, q, b: (200, st.list_custom_domains(q))),
    _route("POST", "/custom-domains", "create:custom_domains",
           lambda st, p, q, b: (201, st.create_custom_domain(b))),
    _route("GET", _ID, "read:custom_domains",
           lambda st, p, q, b: (200, st.get_custom_domain(p["id"]))),
    _route("PATCH", _ID, "update:custom_domains",
           lambda st, p, q, b: (200, st.update_custom_domain(p["id"], b))),
    _route("DELETE", _ID, "delete:custom_domains",
           lambda st, p, q, b: (204, st.delete_custom_domain(p["id"]))),
    _route("POST", _ID + "/verify", "create:custom_domains",
           lambda st, p, q, b: (200, st.verify_custom_domain(p["id"])), bucket="verify"),
    _route("GET", "/tenants/settings", "read:tenant_settings",
           lambda st, p, q, b: (200, st.get_tenant_settings(q))),
    _route("PATCH", "/tenants/settings", "update:tenant_settings",
           lambda st, p, q, b: (200, st.update_tenant_settings(b))),
)


class _BadJson(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under concurrent clients, costing a 1 s retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: "Emulator") -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, sock: socket.socket, alive: bool) -> None:
        with self._open_lock:
            (self._open.add if alive else self._open.discard)(sock)

    def close_all_connections(self) -> None:
        # Idle keep-alive connections would otherwise outlive stop() in their threads.
        with self._open_lock:
            sockets = list(self._open)
            self._open.clear()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "auth0-management-emulator"
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add ~40 ms per call.
    disable_nagle_algorithm = True
    # Idle keep-alive connections are closed after this; clients reconnect transparently.
    timeout = 120
    server: _Server

    # -------------------------------------------------------------- plumbing

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by base class
        if self.server.emulator.verbose:
            sys.stderr.write(f"[auth0-emulator] {self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    @property
    def state(self) -> EmulatorState:
        return self.server.emulator.state

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _parse_body(self, raw: bytes) -> Any:
        if not raw.strip():
            return None
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _BadJson() from None

    def _send(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        payload = b"" if status == 204 else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            # RFC 9110 forbids Content-Length on 204; every other reply carries one so
            # keep-alive framing never depends on connection close.
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if payload:
            self.wfile.write(payload)
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -------------------------------------------------------------- dispatch

    def _dispatch(self) -> None:
        try:
            parts = urlsplit(self.path)
            path = parts.path
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            raw = self._read_body()
            if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
                self._admin(path, query, raw)
                return
            self._public(path, query, raw)
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        except Exception:  # pragma: no cover - a bug in the emulator must be visible, not silent
            traceback.print_exc(file=sys.stderr)
            try:
                self._send(500, {"statusCode": 500, "error": "Internal Server Error",
                                 "message": "emulator failure", "errorCode": "internal_server_error"})
            except OSError:
                self.close_connection = True

    def _public(self, path: str, query: dict[str, str], raw: bytes) -> None:
        method = self.command
        state = self.state
        fault = state.take_fault(method, path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_seconds)

        def log(status: int | None, outcome: str, applied: bool) -> None:
            if fault is not None:
                outcome = f"fault:{fault.kind}"
            state.record_call(method=method, path=path, query=query, status=status, outcome=outcome,
                              applied=applied)

        if fault is not None and fault.kind in ("status", "drop_before"):
            if fault.kind == "drop_before":
                log(None, "", False)
                self._drop()
                return
            status, body, headers = self._fault_reply(fault, path)
            log(status, "", False)
            self._send(status, body, headers)
            return

        if path == "/oauth/token" and method == "POST":
            status, body, headers, outcome = self._token(raw)
        elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            status, body, headers, outcome = self._api(method, path, query, raw)
        else:
            error = not_found_route()
            status, body, headers, outcome = error.status, error.body(), {}, "error"

        applied = 200 <= status < 300
        if fault is not None and fault.kind == "drop_after":
            log(None, outcome, applied)
            self._drop()
            return
        log(status, outcome, applied)
        self._send(status, body, headers)

    def _fault_reply(self, fault: FaultRule, path: str) -> tuple[int, Any, dict[str, str]]:
        status, reason, message, code = fault.error_fields()
        headers: dict[str, str] = {}
        if path.startswith(API_PREFIX):
            body: Any = {"statusCode": status, "error": reason, "message": message, "errorCode": code}
            current = self.state.peek(_bucket_for(self.command, path))
        else:
            body = {"error": code, "error_description": message}
            current = BucketStatus(TOKEN_ENDPOINT_LIMIT, TOKEN_ENDPOINT_LIMIT, math.ceil(self.state.now()))
        if status == 429:
            after = fault.reset_after_seconds if fault.reset_after_seconds is not None else 1
            current = BucketStatus(current.limit, 0, math.ceil(self.state.now() + float(after)))
        if path.startswith(API_PREFIX) or status == 429:
            headers.update(current.headers())
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        return status, body, headers

    def _token(self, raw: bytes) -> tuple[int, Any, dict[str, str], str]:
        try:
            body = self._parse_body(raw)
        except _BadJson:
            return 400, {"error": "invalid_request", "error_description": "Invalid JSON body"}, {}, "error"
        params = body if isinstance(body, dict) else {}
        basic = _basic_credentials(self.headers.get("Authorization"))
        try:
            result = self.state.issue_token(params, self.server.emulator.accepted_audiences, basic)
        except OAuthError as exc:
            return exc.status, exc.body(), {}, "error"
        # Tokens must never be cached by intermediaries (RFC 6749 §5.1).
        return 200, result, {"Cache-Control": "no-store", "Pragma": "no-cache"}, "ok"

    def _api(self, method: str, path: str, query: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str], str]:
        state = self.state
        route, params = _match(method, path)
        if route is None:
            # Route lookup precedes authentication in hapi, so unknown paths 404 even without a token.
            error = not_found_route()
            return error.status, error.body(), state.peek("management").headers(), "error"
        bucket = route.bucket
        try:
            state.authorize(self.headers.get("Authorization"), route.scope)
        except ApiError as exc:
            return exc.status, exc.body(), state.peek(bucket).headers(), "error"
        try:
            limits = state.charge(bucket)
        except ApiError as exc:
            return exc.status, exc.body(), exc.headers, "rate_limited"
        try:
            body = self._parse_body(raw) if route.reads_body else None
            status, result = route.action(state, params, query, body)
        except _BadJson:
            error = ApiError(400, "Bad Request", "Invalid request payload JSON format", "invalid_body")
            return error.status, error.body(), limits.headers(), "error"
        except ApiError as exc:
            return exc.status, exc.body(), limits.headers(), "error"
        return status, result, limits.headers(), "ok"

    # -------------------------------------------------------------- admin

    def _admin(self, path: str, query: dict[str, str], raw: bytes) -> None:
        try:
            body = self._parse_body(raw)
        except _BadJson:
            self._send(400, {"error": "invalid JSON body"})
            return
        try:
            status, result = handle_admin(self.server.emulator, self.command, path[len(ADMIN_PREFIX):], body)
        except (ValueError, TypeError, KeyError) as exc:
            self._send(400, {"error": str(exc)})
            return
        self._send(status, result)


def _match(method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match and route.method == method:
            return route, {key: unquote(value) for key, value in match.groupdict().items()}
    return None, {}


def _bucket_for(method: str, path: str) -> BucketKind:
    route, _ = _match(method, path)
    return route.bucket if route else "management"


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (unquote(user), unquote(password)) if sep else None


class Emulator:
    """A running emulated tenant on ``http://127.0.0.1:<port>``.

    ``verify_rate``/``management_rate`` take a :class:`RateLimitConfig`, a
    ``(rate, per_seconds, burst)`` tuple, or ``None`` to disable the bucket.
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
    ) -> None:
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
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------- lifecycle

    def start(self) -> "Emulator":
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
            name=f"auth0-emulator-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    # -------------------------------------------------------------- addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def domain(self) -> str:
        """``host:port``, the stand-in for a tenant domain."""
        return f"{self._host}:{self.port}"

    @property
    def audience(self) -> str:
        return f"{self.base_url}/api/v2/"

    @property
    def accepted_audiences(self) -> frozenset[str]:
        spellings = {self._host, "127.0.0.1", "localhost"}
        return frozenset({f"http://{host}:{self.port}/api/v2/" for host in spellings} | set(self._extra_audiences))

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


__all__ = ["Emulator", "ROUTES"]
