"""An HTTPS server on loopback that serves a discovery document the test controls, and records what
each request looked like (SNI, Host, path): a stand-in for an edge in front of Auth0, for tests of
``MtlsDiscoveryCheck`` that are about the check rather than the edge.

    with DiscoveryServer(server_paths) as server:
        server.serve(discovery("login.example.com", aliases=True))
        ...  # connect_to=f"127.0.0.1:{server.port}"
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from certs import CertPaths


def discovery(domain: str, *, aliases: bool = True, bound: bool = True, issuer: Optional[str] = None) -> dict[str, Any]:
    """A discovery document shaped like Auth0's for a custom domain."""
    document: dict[str, Any] = {"issuer": issuer or f"https://{domain}/",
                                "token_endpoint": f"https://{domain}/oauth/token",
                                "jwks_uri": f"https://{domain}/.well-known/jwks.json"}
    if aliases:
        document["mtls_endpoint_aliases"] = {"token_endpoint": f"https://mtls.{domain}/oauth/token"}
    if bound:
        document["tls_client_certificate_bound_access_tokens"] = True
    return document


@dataclass(frozen=True)
class Seen:
    sni: Optional[str]
    host: Optional[str]
    path: str


class DiscoveryServer:
    def __init__(self, certificate: CertPaths) -> None:
        self.seen: list[Seen] = []
        self._status = 200
        self._body = b"{}"
        self._lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certificate.chain), str(certificate.key))
        self._sni = threading.local()
        context.sni_callback = self._on_sni
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                sni = getattr(self.connection, "server_hostname", None)
                with owner._lock:
                    owner.seen.append(Seen(sni, self.headers.get("Host"), self.path))
                    status, body = owner._status, owner._body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @staticmethod
    def _on_sni(sock: ssl.SSLSocket, name: Optional[str], _context: ssl.SSLContext) -> None:
        sock.server_hostname = name  # type: ignore[misc]  # kept for the handler to record

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def serve(self, document: Any, status: int = 200) -> None:
        self.serve_raw(json.dumps(document).encode(), status)

    def serve_raw(self, body: bytes, status: int = 200) -> None:
        with self._lock:
            self._status, self._body = status, body

    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self.seen)

    def __enter__(self) -> "DiscoveryServer":
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
