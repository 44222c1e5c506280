"""A stand-in for Auth0's origin: an HTTP(S) server on loopback that records every request it gets.

    with EchoOrigin() as origin:                     # or EchoOrigin(tls=(cert_path, key_path))
        ...  # send requests through the edge to origin.url
        seen = origin.take()                         # the requests since the last take()
        seen[0].header("client-certificate")

It answers 200 with a small JSON body naming the path, so a test can tell a forwarded request
(the origin's body) from one the edge answered itself.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    """The request target exactly as the edge sent it (path and query)."""
    headers: tuple[tuple[str, str], ...]
    """Every header line in order, names as sent, duplicates kept."""
    body: bytes
    server_name: Optional[str]
    """The TLS SNI the edge sent (``None`` over plain HTTP or without SNI)."""
    tls_version: Optional[str]
    """``TLSv1.3`` and the like; ``None`` over plain HTTP."""

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> Optional[str]:
        """The single value of a header; ``None`` when absent. More than one is a test failure."""
        values = self.header_values(name)
        assert len(values) <= 1, f"header {name} arrived {len(values)} times: {values}"
        return values[0] if values else None

    @property
    def header_names(self) -> set[str]:
        return {key.lower() for key, _ in self.headers}


class EchoOrigin:
    def __init__(self, tls: Optional[tuple[Path, Path]] = None, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                sni = getattr(self.connection, "auth0_mtls_sni", None)
                version = self.connection.version() if isinstance(self.connection, ssl.SSLSocket) else None
                seen = SeenRequest(self.command, self.path, tuple(self.headers.items()), body, sni, version)
                with origin._lock:
                    origin._seen.append(seen)
                reply = json.dumps({"origin": "echo", "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _record  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))

            def remember_sni(sock: ssl.SSLSocket, name: Optional[str], _ctx: ssl.SSLContext) -> None:
                sock.auth0_mtls_sni = name  # type: ignore[attr-defined]  # read back by the handler

            context.sni_callback = remember_sni  # type: ignore[assignment]
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="echo-origin", daemon=True)

    def start(self) -> "EchoOrigin":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def __enter__(self) -> "EchoOrigin":
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def take(self) -> list[SeenRequest]:
        """The requests received since the last call, oldest first."""
        with self._lock:
            seen, self._seen = self._seen, []
        return seen
