"""The HTTP front end: bytes to :class:`Request`, :class:`Reply` to bytes. Nothing else.

Routing, authentication, faults and the call log live in :mod:`.dispatch`; tenant
behaviour lives in the API areas.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .router import Headers, Reply, Request

if TYPE_CHECKING:
    from .app import Emulator


# A client that connects but never completes its handshake holds only its own thread, and only this long.
HANDSHAKE_TIMEOUT = 10


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under concurrent clients, costing a 1 s retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: "Emulator",
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.emulator = emulator
        # With a context, each connection's handshake runs in that connection's own thread
        # (see _Handler.setup), never in the accept loop: a slow client cannot stall others.
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Failed handshakes and vanished clients are the client's business; report them only
        # when asked to, and keep real emulator failures visible.
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, TimeoutError, OSError)):
            if self.emulator.verbose:
                sys.stderr.write(f"[auth0-emulator] {client_address[0]} connection failed: {error}\n")
            return
        super().handle_error(request, client_address)

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
    server: HttpServer

    def setup(self) -> None:
        context = self.server.ssl_context
        if context is not None:
            self.request.settimeout(HANDSHAKE_TIMEOUT)
            self.request = context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)
            if self.server.ssl_context is not None:
                # socketserver closes the plain socket it accepted, which wrapping detached.
                self.connection.close()

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

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        try:
            raw = self._read_body()
            request = Request.build(self.command, self.path, Headers(self.headers.items()), raw, emulator.site)
            reply = emulator.dispatcher.handle(request)
            if reply is None:
                self._drop()
            else:
                self._send(reply)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    def _send(self, reply: Reply) -> None:
        payload = b"" if reply.status == 204 else json.dumps(reply.body, separators=(",", ":")).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 204:
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
