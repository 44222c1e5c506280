"""X.509 facts Auth0 derives from an uploaded certificate (reference: auth0-mtls-clients.md §1.4).

- ``thumbprint_sha256``: base64url without padding of SHA-256 over the DER, which is also
  RFC 8705's ``x5t#S256`` of a certificate-bound token;
- ``subject_dn``: the subject's RDNs in certificate order (C first, CN last as usually
  issued), short attribute names, joined by ``\\n``;
- ``expires_at``: notAfter, ISO 8601 with milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

# Short names for the attributes that commonly appear in client certificate subjects.
_SHORT_NAMES = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.LOCALITY_NAME: "L",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COMMON_NAME: "CN",
    NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC",
    NameOID.USER_ID: "UID",
    NameOID.EMAIL_ADDRESS: "emailAddress",
    NameOID.SERIAL_NUMBER: "serialNumber",
}

_BEGIN = "-----BEGIN CERTIFICATE-----"


class CertificateError(ValueError):
    """The text is not exactly one PEM-encoded X.509 certificate."""


@dataclass(frozen=True)
class CertificateFacts:
    thumbprint_sha256: str
    subject_dn: str
    expires_at: str


def thumbprint_sha256(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def subject_dn(name: x509.Name) -> str:
    parts = []
    for rdn in name.rdns:
        parts.append("+".join(f"{_SHORT_NAMES.get(attr.oid, attr.oid.dotted_string)}={attr.value!s}"
                              for attr in rdn))
    return "\n".join(parts)


def parse_certificate(pem: str) -> CertificateFacts:
    """Facts of a single PEM certificate; raises CertificateError otherwise."""
    if pem.count(_BEGIN) != 1:
        raise CertificateError("expected exactly one PEM certificate")
    try:
        cert = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError as exc:
        raise CertificateError(f"not a PEM-encoded X.509 certificate: {exc}") from None
    not_after = cert.not_valid_after_utc.astimezone(timezone.utc)
    return CertificateFacts(
        thumbprint_sha256=thumbprint_sha256(cert.public_bytes(serialization.Encoding.DER)),
        subject_dn=subject_dn(cert.subject),
        expires_at=not_after.strftime("%Y-%m-%dT%H:%M:%S.") + f"{not_after.microsecond // 1000:03d}Z",
    )


def public_key_id(pem: str) -> str:
    """A key id for a PEM public key (``public_key`` credentials): the SHA-256 thumbprint of its DER."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except ValueError as exc:
        raise CertificateError(f"not a PEM-encoded public key: {exc}") from None
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return thumbprint_sha256(der)
