"""Checks of access tokens that do not use the code under test: the RS256 signature with
``cryptography`` against a JWKS as served, thumbprints with the standard library.

    claims = verified_claims(token, jwks)          # raises if the signature does not verify
    assert claims["cnf"]["x5t#S256"] == thumbprint(certificate_pem)
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def thumbprint(pem: str) -> str:
    """RFC 8705 ``x5t#S256``: base64url (no padding) of SHA-256 over the certificate's DER."""
    der = ssl.PEM_cert_to_DER_cert(pem)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def unverified_header(token: str) -> dict[str, Any]:
    return dict(json.loads(b64url_decode(token.split(".")[0])))


def verified_claims(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The token's claims once its RS256 signature verifies against the JWKS key its ``kid`` names."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "RS256" and header["typ"] == "JWT", header
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    public = rsa.RSAPublicNumbers(int.from_bytes(b64url_decode(jwk["e"]), "big"),
                                  int.from_bytes(b64url_decode(jwk["n"]), "big")).public_key()
    public.verify(b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(),
                  hashes.SHA256())
    return dict(json.loads(b64url_decode(payload_b64)))
