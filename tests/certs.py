"""Test certificates made on the fly (EC P-256: fast), and the one recorded from real Auth0 traffic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

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


def _name(cn: str, org: str) -> x509.Name:
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
    subject = _name(cn, org)
    if issuer is None:
        issuer_name, signing_key = subject, key
    else:
        issuer_cert = x509.load_pem_x509_certificate(issuer.pem.encode())
        issuer_name = issuer_cert.subject
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

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
