"""What a client certificate says, computed locally from its PEM: the checks ``check`` runs before
anything is sent, and the values Auth0 derives from it (thumbprint, subject DN, expiry), so a
preview can show them and they can be compared with Auth0's answer.

Pure functions; no network. Parsing uses ``cryptography`` (X.509 and DER are not something to
hand-roll), imported on first use: the program process and the other resources' providers never
need it, and it costs every process ~40 ms to load. Messages never quote the PEM: a pasted
private key must not reach a terminal or a log.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509

Failure = tuple[str, str]

# Auth0's limit on `pem` (the typed credential schemas and the Terraform provider: 1-4096).
PEM_MAX_CHARS = 4096
# Anything longer is not a certificate someone meant to upload; refuse it before parsing.
PEM_HARD_LIMIT_CHARS = 256 * 1024
EXPIRY_WARNING_DAYS = 30

_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
# Any armour that announces key material: PKCS#1/#8 (plain and encrypted), EC, DSA, OpenSSH, PGP.
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----", re.IGNORECASE)


@lru_cache(maxsize=1)
def _short_names() -> dict[Any, str]:
    """OpenSSL's short names, which Auth0's `subject_dn` uses (``C=es``, ``ST=Madrid``, …, ``CN=…``, one per line).
    Recorded responses show C, ST, L, O, OU and CN; the others follow OpenSSL (not established)."""
    from cryptography.x509.oid import NameOID

    return {
        NameOID.COMMON_NAME: "CN",
        NameOID.COUNTRY_NAME: "C",
        NameOID.STATE_OR_PROVINCE_NAME: "ST",
        NameOID.LOCALITY_NAME: "L",
        NameOID.ORGANIZATION_NAME: "O",
        NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
        NameOID.STREET_ADDRESS: "street",
        NameOID.DOMAIN_COMPONENT: "DC",
        NameOID.USER_ID: "UID",
        NameOID.EMAIL_ADDRESS: "emailAddress",
        NameOID.SERIAL_NUMBER: "serialNumber",
        NameOID.TITLE: "title",
        NameOID.GIVEN_NAME: "GN",
        NameOID.SURNAME: "SN",
        NameOID.POSTAL_CODE: "postalCode",
        NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    }


class CertificateError(ValueError):
    """The PEM is not one usable certificate. The message is safe to print: it never holds the PEM."""


class PrivateKeyInPem(CertificateError):
    """The PEM carries private key material."""


@dataclass(frozen=True)
class CertificateFacts:
    pem: str
    """The certificate alone, re-encoded from its DER: one block, LF line ends, a final newline.
    Equal certificates give equal strings, whatever whitespace or extra text the input had."""
    thumbprint_sha256: str
    """base64url (no padding) SHA-256 of the DER: RFC 8705's ``x5t#S256``, Auth0's ``thumbprint_sha256``."""
    subject_dn: str
    issuer_dn: str
    not_before: datetime
    not_after: datetime

    @property
    def expires_at(self) -> str:
        return format_timestamp(self.not_after)

    @property
    def self_signed(self) -> bool:
        return self.subject_dn == self.issuer_dn


def format_timestamp(moment: datetime) -> str:
    """Auth0's form: ``2033-05-13T09:33:13.000Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(value: Any) -> datetime | None:
    """An Auth0 timestamp (with or without milliseconds) as an aware datetime; None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def thumbprint_sha256(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def _attribute_value(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def auth0_dn(name: "x509.Name") -> str:
    """A distinguished name the way Auth0 writes ``subject_dn``: RDNs in certificate order, short
    attribute names, one RDN per line (a multi-valued RDN joined with ``+``)."""
    rdns = []
    for rdn in name.rdns:
        parts = [f"{_short_names().get(attr.oid, attr.oid.dotted_string)}={_attribute_value(attr.value)}"
                 for attr in rdn]
        rdns.append("+".join(parts))
    return "\n".join(rdns)


def normalize_dn(value: str) -> str:
    """A declared ``subject_dn`` in a comparable form: line ends unified, spaces around each RDN dropped."""
    return "\n".join(line.strip() for line in value.replace("\r\n", "\n").split("\n") if line.strip())


def private_key_label(text: str) -> str | None:
    """The armour label of the first private key in ``text`` (e.g. ``RSA PRIVATE KEY``), or None.
    Only the label is ever returned, never key material."""
    match = _PRIVATE_KEY.search(text)
    if not match:
        return None
    return match.group(0).strip("-").replace("BEGIN ", "", 1).upper()


def _unescape(pem: str) -> str:
    # A PEM pasted from a JSON document often arrives with literal "\n" sequences instead of line
    # breaks; Auth0's docs even tell people to escape it that way.
    if "\n" not in pem and "\\n" in pem:
        return pem.replace("\\r\\n", "\n").replace("\\n", "\n")
    return pem


def parse_certificate(pem: Any) -> CertificateFacts:
    """The facts of the one certificate in ``pem``; ``CertificateError`` if it is anything else."""
    if not isinstance(pem, str):
        raise CertificateError(f"pem must be a string holding a PEM certificate, got {type(pem).__name__}")
    if len(pem) > PEM_HARD_LIMIT_CHARS:
        # Scanned whole, not up to the limit: a key placed after it must still be refused as a key,
        # so that check redacts it. The search is linear and the value is already in memory.
        label = private_key_label(pem)
        if label:
            raise PrivateKeyInPem(_private_key_message(label))
        raise CertificateError(f"pem is {len(pem)} characters long; a certificate is at most {PEM_MAX_CHARS}")
    text = _unescape(pem)
    label = private_key_label(text)
    if label:
        raise PrivateKeyInPem(_private_key_message(label))
    blocks = [(m.group(1), m.group(0)) for m in _BLOCK.finditer(text)]
    others = sorted({kind for kind, _ in blocks if kind != "CERTIFICATE"})
    if others:
        raise CertificateError(
            f"pem holds a {', '.join(others)} block; only the client's CERTIFICATE is accepted "
            "(-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)")
    certificates = [block for kind, block in blocks if kind == "CERTIFICATE"]
    if not certificates:
        raise CertificateError("pem is not a PEM certificate: no -----BEGIN CERTIFICATE----- … "
                               "-----END CERTIFICATE----- block was found")
    if len(certificates) > 1:
        raise CertificateError(
            f"pem holds {len(certificates)} certificates; give exactly one, the client's own (leaf) "
            "certificate. A chain or bundle is not accepted: declare one credential per certificate")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        cert = x509.load_pem_x509_certificate(certificates[0].encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise CertificateError("pem's CERTIFICATE block is not a readable X.509 certificate "
                               "(its base64 or DER content is damaged)") from None
    der = cert.public_bytes(Encoding.DER)
    return CertificateFacts(
        pem=cert.public_bytes(Encoding.PEM).decode("ascii"),
        thumbprint_sha256=thumbprint_sha256(der),
        subject_dn=auth0_dn(cert.subject),
        issuer_dn=auth0_dn(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _private_key_message(label: str) -> str:
    return (f"pem contains a private key ({label}). Pass only the public certificate "
            "(-----BEGIN CERTIFICATE-----); the private key stays with the client application and must "
            "never be uploaded to Auth0 or kept in Pulumi state. The value is not shown here.")


@dataclass(frozen=True)
class PemReport:
    """The outcome of checking a PEM: facts when usable, failures (never quoting it), warnings."""

    facts: CertificateFacts | None
    failures: list[str]
    warnings: list[str]
    has_private_key: bool = False


def check_pem(pem: Any, *, now: datetime | None = None, already_registered: bool = False) -> PemReport:
    """Everything ``check`` verifies about a ``pem`` input.

    ``already_registered``: the same certificate is already in the stack. An expired one is then
    only a warning, so an unrelated ``pulumi up`` is not blocked until the certificate is rotated.
    """
    now = now or datetime.now(timezone.utc)
    try:
        facts = parse_certificate(pem)
    except CertificateError as exc:
        return PemReport(None, [str(exc)], [], has_private_key=isinstance(exc, PrivateKeyInPem))
    failures: list[str] = []
    warnings: list[str] = []
    if len(facts.pem) > PEM_MAX_CHARS:
        failures.append(f"pem's certificate is {len(facts.pem)} characters long in PEM form; Auth0 accepts at most "
                        f"{PEM_MAX_CHARS} (a 4096-bit RSA certificate is about 1,900)")
    subject = facts.subject_dn.replace("\n", ", ")
    if facts.not_after <= now:
        text = (f"the certificate ({subject}) expired at {facts.expires_at}; a client could not authenticate "
                "with it. Issue a new certificate")
        if already_registered:
            warnings.append(text + " and rotate to it (see the README's rotation walkthrough)")
        else:
            failures.append("pem: " + text)
    elif facts.not_after - now <= timedelta(days=EXPIRY_WARNING_DAYS):
        days = max(0, (facts.not_after - now).days)
        warnings.append(f"the certificate ({subject}) expires at {facts.expires_at}, in {days} day(s); "
                        "rotate it soon (see the README's rotation walkthrough)")
    if facts.not_before > now:
        warnings.append(f"the certificate ({subject}) is not valid before {format_timestamp(facts.not_before)}")
    return PemReport(facts, failures, warnings)
