"""Fixtures for the edge tests: certificates for every client case, a header-echo origin, and nginx
(installed on first use, one process per test module)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from certs import Certificate, CertificateAuthority, CertPaths, expired, not_yet_valid, self_signed

from .echo_origin import EchoOrigin
from .nginx import nginx_binary

DOMAIN = "login.example.com"
MTLS = f"mtls.{DOMAIN}"
CNAME_API_KEY = "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db2" * 2
# `listen` pairs nginx takes for one address and port ("a duplicate listen"): the renderer refuses
# each (test_render.py), and nginx -t does too (test_nginx_tls.py).
DUPLICATE_LISTENS = [("443", "443"), (443, "443"), ("443", "*:443"), ("443", "0.0.0.0:443"),
                     ("*:443", "0.0.0.0:443"), ("[::]:443", "[0:0::0]:443"), ("127.0.0.1:443", "127.0.0.1:0443"),
                     ("localhost:443", "LOCALHOST:443")]


@dataclass(frozen=True)
class Client:
    certificate: Certificate
    paths: CertPaths


@dataclass(frozen=True)
class Pki:
    server_ca: Path
    """Trust anchor of the edge's server certificate (what clients pass to --cacert)."""
    server: CertPaths
    """The edge's certificate: DNS names login.example.com and mtls.login.example.com."""
    client_ca: Path
    """The CA the edge trusts for tls_client_auth (client_ca_certificate)."""
    self_signed: Client
    ca_signed: Client
    ca_signed_via_intermediate: Client
    """Issued by an intermediate under the client CA; present it with its chain (send_chain)."""
    other_ca_signed: Client
    """From a CA the edge does not know."""
    self_signed_expired: Client
    self_signed_not_yet_valid: Client
    ca_signed_expired: Client
    self_signed_server_purpose: Client
    """Extended key usage serverAuth only."""
    ca_signed_server_purpose: Client
    self_signed_oversized: Client
    """Its URL-encoded PEM exceeds the 4096 bytes Auth0 accepts."""


@pytest.fixture(scope="session")
def nginx_bin() -> str:
    return nginx_binary()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("pki")
    server_ca = CertificateAuthority("edge server CA")
    client_ca = CertificateAuthority("client CA")
    intermediate = client_ca.intermediate("client intermediate CA")
    other_ca = CertificateAuthority("some other CA")

    def client(name: str, cert: Certificate) -> Client:
        return Client(cert, cert.write(root / name))

    # Enough DNS names to push the encoded certificate past 4096 bytes.
    many_names = [f"host-{i:03d}.clients.example.com" for i in range(90)]
    return Pki(
        server_ca=server_ca.write(root / "server-ca.pem"),
        server=server_ca.issue(DOMAIN, names=[DOMAIN, MTLS], server=True).write(root / "server"),
        client_ca=client_ca.write(root / "client-ca.pem"),
        self_signed=client("self-signed", self_signed("self-signed client")),
        ca_signed=client("ca-signed", client_ca.issue("ca-signed client", client=True)),
        ca_signed_via_intermediate=client("chained", intermediate.issue("chained client", client=True)),
        other_ca_signed=client("other-ca", other_ca.issue("other CA client", client=True)),
        self_signed_expired=client("self-signed-expired", self_signed("expired client", **expired())),
        self_signed_not_yet_valid=client("self-signed-future", self_signed("future client", **not_yet_valid())),
        ca_signed_expired=client("ca-signed-expired", client_ca.issue("expired CA client", client=True,
                                                                      **expired())),
        self_signed_server_purpose=client("self-signed-server-eku",
                                          self_signed("server purpose", client=False, server=True)),
        ca_signed_server_purpose=client("ca-signed-server-eku", client_ca.issue("server purpose", server=True)),
        self_signed_oversized=client("oversized", self_signed("oversized client", names=many_names)),
    )


@pytest.fixture(scope="module")
def echo_origin() -> Iterator[EchoOrigin]:
    with EchoOrigin() as origin:
        yield origin


@pytest.fixture
def origin(echo_origin: EchoOrigin) -> EchoOrigin:
    """The module's echo origin, with nothing recorded yet."""
    echo_origin.take()
    return echo_origin
