"""The tenant's token-signing key: one RSA key and self-signed certificate per process.

Client bodies show it as ``signing_keys``; an Authentication API area can publish it as
the JWKS and sign tokens with it.
"""

from __future__ import annotations

import datetime
import functools

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@functools.lru_cache(maxsize=1)
def signing_key() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "emulator.auth0.local")])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def signing_keys_document() -> list[dict[str, str]]:
    """``signing_keys`` as client bodies carry it."""
    _, cert = signing_key()
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return [{"cert": pem, "subject": "/CN=emulator.auth0.local"}]
