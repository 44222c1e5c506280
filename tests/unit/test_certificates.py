import json
from datetime import datetime, timedelta, timezone

import pytest

from auth0_mtls import certificates as c
from certs import RECORDED_EXPIRES_AT, RECORDED_PEM, RECORDED_SUBJECT_DN, RECORDED_THUMBPRINT, make_certificate


def test_recorded_certificate_gives_exactly_what_auth0_answered():
    facts = c.parse_certificate(RECORDED_PEM)
    assert facts.thumbprint_sha256 == RECORDED_THUMBPRINT
    assert facts.expires_at == RECORDED_EXPIRES_AT
    assert facts.subject_dn == RECORDED_SUBJECT_DN
    assert facts.self_signed


def test_canonical_pem_ignores_whitespace_extra_text_and_json_escaping():
    facts = c.parse_certificate(RECORDED_PEM)
    crlf = "Bag Attributes\r\n    friendlyName: partner\r\n" + RECORDED_PEM.replace("\n", "\r\n") + "\r\n\r\n"
    escaped = json.dumps(RECORDED_PEM.strip())[1:-1]  # literal \n sequences, as pasted from JSON
    assert "\n" not in escaped
    for variant in (crlf, escaped, "  " + RECORDED_PEM.strip()):
        assert c.parse_certificate(variant) == facts
    assert facts.pem.startswith("-----BEGIN CERTIFICATE-----\n") and facts.pem.endswith("-----END CERTIFICATE-----\n")


def test_thumbprint_is_base64url_sha256_without_padding():
    assert c.thumbprint_sha256(b"") == "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_ca_signed_certificate_has_its_own_subject_and_the_issuer():
    ca = make_certificate("Example CA", org="Example")
    leaf = make_certificate("partner-b", org="Partner B", issuer=ca)
    facts = c.parse_certificate(leaf.pem)
    assert facts.subject_dn == "C=US\nO=Partner B\nCN=partner-b"
    assert facts.issuer_dn == "C=US\nO=Example\nCN=Example CA"
    assert not facts.self_signed


@pytest.mark.parametrize("label", ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
                                   "OPENSSH PRIVATE KEY"])
def test_private_key_is_refused_without_quoting_it(label):
    issued = make_certificate()
    body = issued.key_pem.split("\n")[1]
    key = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
    for pem in (key, issued.pem + key, key + issued.pem):
        report = c.check_pem(pem)
        assert report.facts is None and report.has_private_key
        [message] = report.failures
        assert label in message and "private key" in message
        assert body not in message and body[:16] not in message


def test_real_pkcs8_key_with_certificate_is_refused():
    issued = make_certificate()
    report = c.check_pem(issued.pem + issued.key_pem)
    assert report.has_private_key
    assert all(line not in report.failures[0] for line in issued.key_pem.splitlines()[1:-1])


def test_two_certificates_garbage_and_other_blocks_are_refused():
    a, b = make_certificate("a"), make_certificate("b")
    assert "2 certificates" in c.check_pem(a.pem + b.pem).failures[0]
    assert "no -----BEGIN CERTIFICATE-----" in c.check_pem("hello").failures[0]
    damaged = a.pem.replace(a.pem.split("\n")[2], "A" * 64)
    assert "not a readable X.509 certificate" in c.check_pem(damaged).failures[0]
    public_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    assert "PUBLIC KEY block" in c.check_pem(public_key).failures[0]
    assert "must be a string" in c.check_pem(42).failures[0]


def test_size_limits():
    huge = "x" * (c.PEM_HARD_LIMIT_CHARS + 1)
    assert "characters long" in c.check_pem(huge).failures[0]
    big = make_certificate(org="O" * 60, san_count=120)
    too_long = c.check_pem(big.pem)
    assert too_long.facts is not None and len(big.pem) > c.PEM_MAX_CHARS
    assert "at most 4096" in too_long.failures[0]
    report = c.check_pem(RECORDED_PEM)
    assert report.failures == [] and len(report.facts.pem) <= c.PEM_MAX_CHARS


def test_huge_input_hiding_a_key_is_still_called_a_key():
    pem = "-----BEGIN PRIVATE KEY-----\n" + "A" * (c.PEM_HARD_LIMIT_CHARS + 10)
    report = c.check_pem(pem)
    assert report.has_private_key and "private key" in report.failures[0]


def test_expired_is_refused_unless_already_registered_and_expiring_soon_warns():
    expired = make_certificate(days=-1, starts_days_ago=30).pem
    report = c.check_pem(expired)
    assert report.facts is not None and "expired" in report.failures[0]
    kept = c.check_pem(expired, already_registered=True)
    assert kept.failures == [] and "expired" in kept.warnings[0] and "rotate" in kept.warnings[0]
    soon = c.check_pem(make_certificate(days=10).pem)
    assert soon.failures == [] and "expires" in soon.warnings[0] and "day(s)" in soon.warnings[0]
    fine = c.check_pem(make_certificate(days=90).pem)
    assert fine.failures == [] and fine.warnings == []
    future = c.check_pem(make_certificate(days=90, starts_days_ago=-2).pem)
    assert "not valid before" in future.warnings[0]


def test_expiry_is_judged_against_the_given_clock():
    facts = c.parse_certificate(RECORDED_PEM)
    after = facts.not_after + timedelta(seconds=1)
    assert c.check_pem(RECORDED_PEM, now=after).failures
    assert c.check_pem(RECORDED_PEM, now=facts.not_after - timedelta(days=29)).warnings
    assert not c.check_pem(RECORDED_PEM, now=datetime(2026, 1, 1, tzinfo=timezone.utc)).warnings


def test_timestamps_and_dn_normalisation():
    assert c.parse_timestamp("9999-12-31T23:59:59Z") == datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert c.parse_timestamp("2033-05-13T09:33:13.000Z") == c.parse_certificate(RECORDED_PEM).not_after
    assert c.parse_timestamp(None) is None and c.parse_timestamp("soon") is None
    assert c.normalize_dn(" C=US \r\nCN=x\n\n") == "C=US\nCN=x"
    assert c.private_key_label("-----BEGIN rsa private key-----") == "RSA PRIVATE KEY"
