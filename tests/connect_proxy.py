"""A forward proxy on loopback, the way corporate networks run them, that records what it relays.

    with ConnectProxy(hosts={"tenant.example.test": "127.0.0.1"}) as proxy:
        os.environ["HTTPS_PROXY"] = proxy.url
        ...
        assert proxy.connects == ["tenant.example.test:8443"]

- ``CONNECT host:port`` opens a tunnel (https). The proxy resolves the host itself, through ``hosts``
  first, so a tenant name that does not resolve on this machine is reachable only through it.
- With ``intercept=(cert, key)`` it inspects TLS, as TLS-inspecting corporate proxies do: it answers
  the tunnel's handshake with that certificate (signed by a "corporate" CA the client must trust),
  reads each request (recorded with its headers), and forwards it over a new TLS connection that
  trusts ``upstream_ca``.
- A request in absolute form (``GET http://host:port/path``) is forwarded as plain http, one request
  per connection, and recorded with its headers.
- ``require_auth=(user, password)`` answers 407 to any request without that ``Proxy-Authorization``.
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_HEAD_LIMIT = 64 * 1024


@dataclass
class SeenRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None


@dataclass
class ConnectProxy:
    hosts: dict[str, str] = field(default_factory=dict)
    require_auth: tuple[str, str] | None = None
    intercept: tuple[Path, Path] | None = None
    upstream_ca: Path | None = None
    connects: list[str] = field(default_factory=list)  # every CONNECT target, in order
    refused: list[str] = field(default_factory=list)  # targets answered 407
    requests: list[SeenRequest] = field(default_factory=list)  # plain http and inspected https

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "ConnectProxy":
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    proxy._handle(self.request)
                except (OSError, ssl.SSLError, http.client.HTTPException):
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name="connect-proxy").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "ConnectProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.connects.clear()
            self.refused.clear()
            self.requests.clear()

    # -- relaying ------------------------------------------------------------------------------

    def _address(self, host: str, port: int) -> tuple[str, int]:
        return self.hosts.get(host, host), port

    def _handle(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        head = _read_head(reader)
        if head is None:
            return
        method, target, headers = head
        if self.require_auth is not None:
            expected = "Basic " + base64.b64encode(":".join(self.require_auth).encode()).decode()
            if dict((k.lower(), v) for k, v in headers).get("proxy-authorization") != expected:
                with self._lock:
                    self.refused.append(target)
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                               b"Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                return
        if method == "CONNECT":
            with self._lock:
                self.connects.append(target)
            host, _, port = target.rpartition(":")
            try:
                upstream = socket.create_connection(self._address(host, int(port)), timeout=5)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            with upstream:
                if self.intercept is None:
                    _pipe(client, upstream)
                else:
                    self._inspect(client, upstream, host)
            return
        self._forward_plain(client, reader, method, target, headers)

    def _inspect(self, client: socket.socket, upstream: socket.socket, host: str) -> None:
        assert self.intercept is not None
        server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_side.load_cert_chain(str(self.intercept[0]), str(self.intercept[1]))
        client_side = ssl.create_default_context(cafile=str(self.upstream_ca) if self.upstream_ca else None)
        with server_side.wrap_socket(client, server_side=True) as inner, \
                client_side.wrap_socket(upstream, server_hostname=host) as outer:
            reader = inner.makefile("rb")
            while True:
                head = _read_head(reader)
                if head is None:
                    return
                method, target, headers = head
                body = _read_body(reader, headers)
                with self._lock:
                    self.requests.append(SeenRequest(method, target, headers))
                inner.sendall(_exchange(outer, method, target, headers, body))

    def _forward_plain(self, client: socket.socket, reader: Any, method: str, target: str,
                       headers: list[tuple[str, str]]) -> None:
        while True:
            body = _read_body(reader, headers)
            with self._lock:
                self.requests.append(SeenRequest(method, target, headers))
            url = urlsplit(target)
            if not url.hostname:
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            kept = [(k, v) for k, v in headers if k.lower() not in ("proxy-authorization", "proxy-connection")]
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            with socket.create_connection(self._address(url.hostname, url.port or 80), timeout=5) as upstream:
                client.sendall(_exchange(upstream, method, path, kept, body))
            head = _read_head(reader)
            if head is None:
                return
            method, target, headers = head


def _read_head(reader: Any) -> tuple[str, str, list[tuple[str, str]]] | None:
    line = reader.readline(_HEAD_LIMIT)
    if not line or not line.strip():
        return None
    method, target, _version = line.decode("latin-1").strip().split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        raw = reader.readline(_HEAD_LIMIT).decode("latin-1")
        if raw in ("\r\n", "\n", ""):
            return method, target, headers
        name, _, value = raw.partition(":")
        headers.append((name.strip(), value.strip()))


def _read_body(reader: Any, headers: list[tuple[str, str]]) -> bytes:
    length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0") or 0)
    return reader.read(length) if length else b""


def _exchange(upstream: socket.socket, method: str, target: str, headers: list[tuple[str, str]],
              body: bytes) -> bytes:
    """Send one request upstream; the whole response, re-framed with a Content-Length."""
    upstream.sendall(_serialize(method, target, headers, body))
    response = http.client.HTTPResponse(upstream, method=method)
    response.begin()
    payload = response.read()
    out = [f"HTTP/1.1 {response.status} {response.reason}".encode()]
    for name, value in response.getheaders():
        if name.lower() not in ("transfer-encoding", "content-length", "connection"):
            out.append(f"{name}: {value}".encode())
    out.append(f"Content-Length: {len(payload)}".encode())
    return b"\r\n".join(out) + b"\r\n\r\n" + payload


def _serialize(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _pipe(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    while True:
        ready, _, _ = select.select(sockets, [], [], 120)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)
