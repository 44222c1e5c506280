"""Certificates for tests: CAs, server certificates and mTLS client certificates, made on the fly.

    ca = CertificateAuthority("Test Client CA")
    client = ca.issue("client-1", client=True)          # CA-signed (tls_client_auth)
    lone = self_signed("client-2")                        # self_signed_tls_client_auth
    paths = client.write(tmp_path / "client-1")           # .pem / .key / .chain.pem files

Keys are P-256 (fast to generate). Every certificate is a real X.509 certificate that OpenSSL, curl
and nginx accept or reject on their own terms; validity windows, key usages and chains are set
explicitly so tests can make expired, not-yet-valid or wrong-purpose certificates.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, load_pem_private_key
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "auth0-mtls tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _general_names(names: Sequence[str]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


@dataclass(frozen=True)
class CertPaths:
    """Files written by :meth:`Certificate.write`."""

    cert: Path
    """The certificate alone (PEM)."""
    key: Path
    """Its private key (unencrypted PKCS#8 PEM)."""
    chain: Path
    """The certificate followed by the intermediates that lead to its root (PEM), for servers and
    for clients that must present their chain."""


@dataclass(frozen=True)
class Certificate:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...] = field(default=())
    """Intermediates between this certificate and its root, nearest first (not the root)."""

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()

    @property
    def chain_pem(self) -> str:
        return self.cert_pem + "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain)

    @property
    def url_encoded_pem(self) -> str:
        """The form Auth0 expects in the ``client-certificate`` header (``encodeURIComponent``)."""
        return quote(self.cert_pem, safe="")

    @property
    def sha256_thumbprint(self) -> bytes:
        return self.cert.fingerprint(hashes.SHA256())

    def write(self, stem: Path) -> CertPaths:
        """Write ``<stem>.pem``, ``<stem>.key`` (mode 0600) and ``<stem>.chain.pem``."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        paths = CertPaths(cert=stem.with_name(stem.name + ".pem"), key=stem.with_name(stem.name + ".key"),
                          chain=stem.with_name(stem.name + ".chain.pem"))
        paths.cert.write_text(self.cert_pem)
        paths.key.touch(mode=0o600)
        paths.key.write_text(self.key_pem)
        paths.chain.write_text(self.chain_pem)
        return paths


def _build(subject: str, issuer_name: x509.Name, issuer_key: Optional[ec.EllipticCurvePrivateKey],
           key: ec.EllipticCurvePrivateKey, *, ca: bool, path_length: Optional[int], names: Sequence[str],
           usages: Sequence[x509.ObjectIdentifier], not_before: dt.datetime, not_after: dt.datetime,
           issuer_ski: Optional[x509.SubjectKeyIdentifier]) -> x509.Certificate:
    public = key.public_key()
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(issuer_name)
               .public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before)
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False))
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
    if issuer_ski is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _usages(client: bool, server: bool) -> list[x509.ObjectIdentifier]:
    return ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else []) + ([ExtendedKeyUsageOID.SERVER_AUTH] if server else [])


class CertificateAuthority:
    """A root CA (or, via :meth:`intermediate`, a CA under another) that issues certificates."""

    def __init__(self, name: str = "auth0-mtls test CA", *, _parent: Optional["CertificateAuthority"] = None) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.parent = _parent
        now = _now()
        if _parent is None:
            cert = _build(name, _name(name), None, self.key, ca=True, path_length=None, names=(), usages=(),
                          not_before=now - _DAY, not_after=now + 365 * _DAY, issuer_ski=None)
        else:
            cert = _parent._sign(name, self.key, ca=True, names=(), usages=(),
                                 not_before=now - _DAY, not_after=now + 365 * _DAY)
        self.certificate = Certificate(cert, self.key, _parent._chain_from_here() if _parent else ())

    @property
    def cert(self) -> x509.Certificate:
        return self.certificate.cert

    @property
    def cert_pem(self) -> str:
        return self.certificate.cert_pem

    def write(self, path: Path) -> Path:
        """Write this CA's certificate (PEM) to ``path``: what a server trusts."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.cert_pem)
        return path

    def intermediate(self, name: str) -> "CertificateAuthority":
        return CertificateAuthority(name, _parent=self)

    def _chain_from_here(self) -> tuple[x509.Certificate, ...]:
        """This CA and its ancestors below the root, nearest first."""
        if self.parent is None:
            return ()
        return (self.cert, *self.parent._chain_from_here())

    def _sign(self, subject: str, key: ec.EllipticCurvePrivateKey, *, ca: bool, names: Sequence[str],
              usages: Sequence[x509.ObjectIdentifier], not_before: dt.datetime,
              not_after: dt.datetime) -> x509.Certificate:
        ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return _build(subject, self.cert.subject, self.key, key, ca=ca, path_length=None, names=names,
                      usages=usages, not_before=not_before, not_after=not_after, issuer_ski=ski)

    def issue(self, common_name: str, *, names: Sequence[str] = (), client: bool = False, server: bool = False,
              not_before: Optional[dt.datetime] = None, not_after: Optional[dt.datetime] = None) -> Certificate:
        """A leaf certificate. ``names`` become subjectAltNames (DNS names or IP addresses);
        ``client``/``server`` set the extended key usages (neither: no EKU extension)."""
        now = _now()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._sign(common_name, key, ca=False, names=names, usages=_usages(client, server),
                          not_before=not_before or now - _HOUR, not_after=not_after or now + 30 * _DAY)
        return Certificate(cert, key, self._chain_from_here())


def self_signed(common_name: str, *, names: Sequence[str] = (), client: bool = True, server: bool = False,
                not_before: Optional[dt.datetime] = None, not_after: Optional[dt.datetime] = None) -> Certificate:
    """A self-signed leaf (CA:FALSE), as used with ``self_signed_tls_client_auth``."""
    now = _now()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _build(common_name, _name(common_name), None, key, ca=False, path_length=None, names=names,
                  usages=_usages(client, server), not_before=not_before or now - _HOUR,
                  not_after=not_after or now + 30 * _DAY, issuer_ski=None)
    return Certificate(cert, key)


def expired(window: dt.timedelta = 30 * _DAY) -> dict[str, dt.datetime]:
    """Validity arguments for a certificate whose validity ended a day ago."""
    now = _now()
    return {"not_before": now - window - _DAY, "not_after": now - _DAY}


def not_yet_valid(window: dt.timedelta = 30 * _DAY) -> dict[str, dt.datetime]:
    """Validity arguments for a certificate that becomes valid tomorrow."""
    now = _now()
    return {"not_before": now + _DAY, "not_after": now + window + _DAY}


# -- Credential certificates: the recorded real one, and simple ones made on the fly -------------

# The certificate of the recorded x509_cert create (reference 1.10.1) and what Auth0 answered.
RECORDED_PEM = (Path(__file__).resolve().parent / "fixtures" / "real_x509_cert.pem").read_text()
RECORDED_THUMBPRINT = "irPW_52cQKIRPeblpAs2LjaUELUxnh5Vi7_1idgHX7w"
RECORDED_EXPIRES_AT = "2033-05-13T09:33:13.000Z"
RECORDED_SUBJECT_DN = "C=es\nST=Madrid\nL=Madrid\nO=Okta\nOU=DX-CDT\nCN=Developer Experience"


@dataclass
class Issued:
    pem: str
    key_pem: str
    subject_dn: str


def _org_name(cn: str, org: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def make_certificate(cn: str = "partner-a", *, org: str = "Partner A", days: float = 365,
                     starts_days_ago: float = 1, issuer: "Issued | None" = None, san_count: int = 0) -> Issued:
    """A self-signed certificate, or one signed by ``issuer`` (a CA made with this function)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    subject = _org_name(cn, org)
    if issuer is None:
        issuer_name, signing_key = subject, key
    else:
        issuer_cert = x509.load_pem_x509_certificate(issuer.pem.encode())
        issuer_name = issuer_cert.subject
        signing_key = load_pem_private_key(issuer.key_pem.encode(), None)
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=starts_days_ago))
               .not_valid_after(now + timedelta(days=days)))
    if san_count:  # a way to make a certificate larger than Auth0 accepts
        names = [x509.DNSName(f"host-{i:04d}.partner.example.com") for i in range(san_count)]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(signing_key, hashes.SHA256())
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    return Issued(cert.public_bytes(Encoding.PEM).decode(), key_pem, f"C=US\nO={org}\nCN={cn}")
