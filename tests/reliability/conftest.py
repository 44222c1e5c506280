"""Fixtures shared by the reliability tests."""

from __future__ import annotations

import http.server
import ssl
import threading
from pathlib import Path

import pytest

from certs import self_signed


@pytest.fixture
def self_signed_https(tmp_path: Path):
    """An https server on loopback whose certificate no CA vouches for."""
    # The tests' own certificate factory: no `openssl` program needed on a fresh machine.
    paths = self_signed("127.0.0.1", names=["127.0.0.1"], client=False, server=True).write(tmp_path / "server")
    key, cert = paths.key, paths.cert
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
