"""Fixtures for the emulator's own tests: an in-process emulator and authorised sessions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

from auth0_mtls.emulator import Emulator  # noqa: E402


class FakeClock:
    """Deterministic time for token expiry and bucket refill; starts on a whole second."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """A requests session against one emulator, with helpers for the admin endpoints."""

    def __init__(self, emu: Emulator, token: str | None = None) -> None:
        self.emu = emu
        self.base = emu.base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or fetch_token(emu)}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.session.post(self.base + path, timeout=10, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.session.patch(self.base + path, timeout=10, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.session.put(self.base + path, timeout=10, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.base + path, timeout=10, **kw)

    def create(self, domain: str, type_: str = "self_managed_certs", **extra: Any) -> dict[str, Any]:
        response = self.post("/api/v2/custom-domains", json={"domain": domain, "type": type_, **extra})
        assert response.status_code == 201, response.text
        return response.json()

    def verify(self, domain_id: str) -> requests.Response:
        return self.post(f"/api/v2/custom-domains/{domain_id}/verify")

    def admin(self, method: str, path: str, **kw: Any) -> requests.Response:
        return requests.request(method, f"{self.base}/__emulator{path}", timeout=10, **kw)


def fetch_token(emu: Emulator, **extra: str) -> str:
    response = requests.post(
        f"{emu.base_url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "audience": emu.audience,
            **extra,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def make_emu() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def factory(**kwargs: Any) -> Emulator:
        emu = Emulator(port=0, **kwargs).start()
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()


@pytest.fixture
def emu(make_emu: Callable[..., Emulator]) -> Emulator:
    return make_emu()


@pytest.fixture
def api(emu: Emulator) -> Api:
    return Api(emu)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_certificate(subject: list[tuple[Any, str]] | None = None, *, days: int = 365,
                     issuer: list[tuple[Any, str]] | None = None) -> str:
    """A fresh PEM certificate (EC P-256) with the subject's RDNs in the given order."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    attrs = subject or [(NameOID.COUNTRY_NAME, "es"), (NameOID.ORGANIZATION_NAME, "Example"),
                        (NameOID.COMMON_NAME, "client.example.com")]
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attrs])
    issuer_name = x509.Name([x509.NameAttribute(oid, value) for oid, value in issuer]) if issuer else name
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days, seconds=7)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_public_key() -> str:
    """A fresh PEM public key (RSA 2048, SubjectPublicKeyInfo): a ``public_key`` credential's ``pem``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
