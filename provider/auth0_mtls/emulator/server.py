"""The HTTP front end: bytes to :class:`Request`, :class:`Reply` to bytes. Nothing else.

Routing, authentication, faults and the call log live in :mod:`.dispatch`; tenant
behaviour lives in the API areas.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .dispatch import INTERNAL_ERROR
from .errors import ApiError
from .router import Headers, Reply, Request, Site

if TYPE_CHECKING:
    from .app import Emulator


# A client that connects but never completes its handshake holds only its own thread, and only this long.
HANDSHAKE_TIMEOUT = 10
# hapi's default payload limit (maxBytes); hapi fronts the Management API. Larger bodies get 413.
MAX_BODY_BYTES = 1024 * 1024
# Node's default limit on the request line plus header fields (--max-http-header-size).
MAX_HEADER_BYTES = 16 * 1024
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")


class FramingError(Exception):
    """The request cannot be framed (read) safely; it is answered, then the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return ApiError(self.status, HTTPStatus(self.status).phrase, self.message).body()


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under concurrent clients, costing a 1 s retransmit.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: "Emulator",
                 ssl_context: ssl.SSLContext | None = None, *, site: Site | None = None) -> None:
        self.emulator = emulator
        # The Site this listener serves; None means the emulator's, read per request because the
        # emulator sets it only once its own listener is bound.
        self.site = site
        # With a context, each connection's handshake runs in that connection's own thread
        # (see _Handler.setup), never in the accept loop: a slow client cannot stall others.
        self.ssl_context = ssl_context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    def serve_in_thread(self, name: str, poll_interval: float = 0.02) -> None:
        """Accept requests on a daemon thread until :meth:`close`."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": poll_interval},
                                        name=name, daemon=True)
        self._thread.start()

    def close(self, timeout: float = 5) -> None:
        """Stop accepting, end open connections, release the port and wait for the accept thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            # shutdown() waits for serve_forever to notice; without a serving thread it would wait forever.
            self.shutdown()
        self.close_all_connections()
        self.server_close()
        if thread is not None:
            thread.join(timeout=timeout)

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

    # -------------------------------------------------------------- framing

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not supported")
            return False
        size = len(self.requestline) + sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        if size > MAX_HEADER_BYTES:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Request header fields too large (limit {MAX_HEADER_BYTES} bytes)")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The base class writes an HTML page; answer in Auth0's JSON error shape instead.

        Framing failures the base class reports as 414, 431 or 505 are answered 400, as
        every request that cannot be read is here; the message says which limit was hit.
        """
        status = HTTPStatus.BAD_REQUEST if code in (414, 431, 505) else HTTPStatus(code)
        if self.request_version == "HTTP/0.9":
            # Otherwise the base class would omit the status line and headers.
            self.request_version = "HTTP/1.0"
        self.close_connection = True
        text = message or status.phrase
        if code in (414, 431):
            text = f"{text}: request line or header fields too large"
        body = FramingError(int(status), text).body()
        try:
            self._send(Reply(int(status), body, {"Connection": "close"}))
        except OSError:
            pass

    def _read_body(self) -> bytes:
        codings = [item.strip().lower() for value in self.headers.get_all("Transfer-Encoding") or []
                   for item in value.split(",") if item.strip()]
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if codings:
            if lengths:
                # A request smuggling vector (RFC 9112 §6.1); refused rather than guessed at.
                raise FramingError(400, "Transfer-Encoding and Content-Length must not both be sent")
            if codings != ["chunked"]:
                raise FramingError(400, f"Unsupported Transfer-Encoding: {', '.join(codings)}")
            return self._read_chunked()
        if not lengths:
            return b""
        if len(lengths) != 1 or not _CONTENT_LENGTH.fullmatch(next(iter(lengths))):
            raise FramingError(400, "Invalid Content-Length")
        length = int(next(iter(lengths)))
        if length > MAX_BODY_BYTES:
            raise FramingError(413, f"Payload content length greater than maximum allowed: {MAX_BODY_BYTES}")
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionError("client closed before sending the whole body")
        return data

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ConnectionError("client closed inside a chunked body")
            size_text = line.rstrip(b"\r\n").split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not _CHUNK_SIZE.fullmatch(size_text):
                raise FramingError(400, "Invalid chunked encoding: bad chunk size line")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(100):
                    trailer = self.rfile.readline(MAX_HEADER_BYTES)
                    if trailer in (b"\r\n", b"\n"):
                        return b"".join(chunks)
                    if not trailer.endswith(b"\n"):
                        break
                raise FramingError(400, "Invalid chunked encoding: bad trailer section")
            total += size
            if total > MAX_BODY_BYTES:
                raise FramingError(413, f"Payload content length greater than maximum allowed: {MAX_BODY_BYTES}")
            data = self.rfile.read(size)
            if len(data) < size:
                raise ConnectionError("client closed inside a chunk")
            chunks.append(data)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise FramingError(400, "Invalid chunked encoding: chunk data not followed by CRLF")

    # -------------------------------------------------------------- requests

    def _dispatch(self) -> None:
        emulator = self.server.emulator
        try:
            try:
                raw = self._read_body()
            except FramingError as error:
                self.close_connection = True
                self._send(Reply(error.status, error.body(), {"Connection": "close"}))
                return
            site = self.server.site if self.server.site is not None else emulator.site
            request = Request.build(self.command, self.path, Headers(self.headers.items()), raw, site)
            reply = emulator.dispatcher.handle(request)
            if reply is None:
                self._drop()
            else:
                self._send(reply)
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        except Exception:  # pragma: no cover - a bug in the emulator must be visible, not silent
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(Reply(500, INTERNAL_ERROR, {"Connection": "close"}))
            except OSError:
                pass

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
