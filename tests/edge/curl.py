"""HTTPS requests with curl, so the client side of the edge tests is independent of the code under
test: curl does its own TLS, SNI and client-certificate handling.

    edge_get(server.port, "mtls.login.example.com", "/oauth/token", ca=server_ca, cert=client_paths)
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from certs import CertPaths
from system_packages import ensure_command

_MARK = "\n--auth0-mtls-status--"


@dataclass(frozen=True)
class Response:
    status: int
    """0 when no HTTP response arrived (curl_exit tells why)."""
    body: str
    headers: dict[str, str]
    """Response headers, names lower-cased (last value wins)."""
    curl_exit: int
    curl_error: str

    def json(self) -> Any:
        return json.loads(self.body)


def curl_binary() -> str:
    return ensure_command("curl", package="curl")


def edge_request(port: int, host: str, path: str, *, ca: Path, cert: Optional[CertPaths] = None,
                 send_chain: bool = False, headers: Sequence[str] = (), method: str = "GET",
                 data: Optional[str] = None, address: str = "127.0.0.1", path_as_is: bool = False,
                 insecure: bool = False, timeout: float = 20) -> Response:
    """``https://<host>:<port><path>`` with ``host`` resolved to ``address``: SNI and Host are
    ``host`` unless ``headers`` sets another Host. ``headers`` are raw ``Name: value`` lines, sent
    as given (several of one name are all sent). ``path_as_is`` sends ``/../`` and ``/./`` unmerged;
    ``insecure`` skips checking the edge's certificate (for requests to an IP address)."""
    command = [curl_binary(), "--silent", "--show-error", "--http1.1", "--max-time", str(timeout),
               "--resolve", f"{host}:{port}:{address}", "--cacert", str(ca), "--request", method,
               "--dump-header", "-", "--write-out", _MARK + "%{http_code}"]
    if cert is not None:
        command += ["--cert", str(cert.chain if send_chain else cert.cert), "--key", str(cert.key)]
    if path_as_is:
        command.append("--path-as-is")
    if insecure:
        command.append("--insecure")
    for header in headers:
        command += ["--header", header]
    if data is not None:
        command += ["--data-raw", data]
    command.append(f"https://{host}:{port}{path}")
    # Bytes, not text=True: universal newlines would turn the header block's CRLFs into LFs.
    done = subprocess.run(command, capture_output=True, timeout=timeout + 10)
    output, _, status = done.stdout.decode(errors="replace").rpartition(_MARK)
    head, _, body = output.partition("\r\n\r\n")
    response_headers: dict[str, str] = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        response_headers[name.strip().lower()] = value.strip()
    return Response(int(status or 0), body, response_headers, done.returncode,
                    done.stderr.decode(errors="replace").strip())
