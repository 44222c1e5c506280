"""MtlsDiscoveryCheck's pure parts: input checks, what a document lacks, drift, and the messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.runtime import rpc

from auth0_mtls import discovery_check as dc
from certs import CertificateAuthority

DOMAIN = "login.example.com"
ALIAS = f"https://mtls.{DOMAIN}/oauth/token"


def good_document(**extra: object) -> dict[str, object]:
    return {"issuer": f"https://{DOMAIN}/", "token_endpoint": f"https://{DOMAIN}/oauth/token",
            "mtls_endpoint_aliases": {"token_endpoint": ALIAS},
            "tls_client_certificate_bound_access_tokens": True, **extra}


def failures(**news: object) -> list[tuple[str, str]]:
    return dc.check_failures(dc.normalize_inputs({"domain": DOMAIN, **news}))


def test_normalize_inputs_defaults_and_canonical_forms() -> None:
    inputs = dc.normalize_inputs({"domain": " Login.Example.COM. ", "connect_to": "EDGE.example.net:443",
                                  "ca_bundle": "", "extra": 1})
    assert inputs == {"domain": DOMAIN, "connect_to": "edge.example.net:443", "ca_bundle": None,
                      "timeout_seconds": 300, "require_bound_tokens": False}


@pytest.mark.parametrize(("value", "parsed"), [
    ("127.0.0.1:8443", ("127.0.0.1", 8443)),
    ("edge.example.net:443", ("edge.example.net", 443)),
    ("edge.example.net.:443", ("edge.example.net", 443)),
    ("[2001:db8::1]:443", ("2001:db8::1", 443)),
    ("[::1]:1", ("::1", 1)),
    ("localhost:65535", ("localhost", 65535)),
    # 253 characters, the longest name.
    (("a" * 62 + ".") * 3 + "b" * 60 + ".com:443", (("a" * 62 + ".") * 3 + "b" * 60 + ".com", 443)),
])
def test_parse_connect_to(value: str, parsed: tuple[str, int]) -> None:
    assert dc.parse_connect_to(value) == parsed
    assert dc.connect_to_failures(value) == []


@pytest.mark.parametrize("value", [
    "127.0.0.1", "edge.example.net", ":443", "edge:0", "edge:65536", "edge:44a3", "2001:db8::1:443",
    "[2001:db8::zz]:443", "[fe80::1%eth0]:443", "edge_1.example:443", "-edge.example:443", "a b:443",
    "https://edge:443", "edge:443/x", "edge;rm:443", 443, "a" * 64 + ".example:443",
    ("a" * 62 + ".") * 3 + "b" * 61 + ".com:443",  # 254 characters
    ("a" * 62 + ".") * 3 + "b" * 60 + ".com.:443",  # 254 characters as written (root dot included)
])
def test_connect_to_refusals_name_the_property(value: object) -> None:
    (failure,) = dc.connect_to_failures(value)
    assert failure[0] == "connect_to"
    assert "host:port, like curl's --connect-to" in failure[1]


def test_ca_bundle_as_pem_text_or_path(tmp_path: Path) -> None:
    ca = CertificateAuthority("private edge CA")
    path = ca.write(tmp_path / "ca.pem")
    assert dc.ca_bundle_failures(ca.cert_pem) == []
    assert dc.ca_bundle_failures(str(path)) == []
    assert dc.ca_bundle_failures(None) == []
    (missing,) = dc.ca_bundle_failures(str(tmp_path / "nope.pem"))
    assert "neither PEM text" in missing[1] and "nor the path of an existing file" in missing[1]
    assert "nope.pem" not in missing[1], "a ca_bundle value is never repeated"
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    (bad_file,) = dc.ca_bundle_failures(str(garbage))
    assert "the file it names does not hold usable CA certificates" in bad_file[1]
    assert "garbage.pem" not in bad_file[1]
    (bad_text,) = dc.ca_bundle_failures("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert "the PEM text does not hold usable CA certificates" in bad_text[1]
    (wrong_type,) = dc.ca_bundle_failures(["a"])
    assert "must be PEM text or the path" in wrong_type[1]
    # Every ca_bundle failure names no property: the engine would print the value of a named one.
    assert {prop for prop, _ in (missing, bad_file, bad_text, wrong_type)} == {""}


def test_one_tls_context_per_bundle_and_a_new_one_when_the_file_changes(tmp_path: Path) -> None:
    first, second = CertificateAuthority("edge CA one"), CertificateAuthority("edge CA two")
    path = first.write(tmp_path / "ca.pem")
    assert dc.tls_context(None) is dc.tls_context(None)
    assert dc.tls_context(first.cert_pem) is dc.tls_context(first.cert_pem)
    assert dc.tls_context(first.cert_pem) is not dc.tls_context(second.cert_pem)
    from_file = dc.tls_context(str(path))
    assert dc.tls_context(str(path)) is from_file
    assert [dict(rdn[0] for rdn in cert["subject"])["commonName"] for cert in from_file.get_ca_certs()] \
        == ["edge CA one"]
    path.write_text(first.cert_pem + second.cert_pem)
    changed = dc.tls_context(str(path))
    assert changed is not from_file
    assert sorted(dict(rdn[0] for rdn in cert["subject"])["commonName"] for cert in changed.get_ca_certs()) \
        == ["edge CA one", "edge CA two"]
    assert dc.tls_context(str(path)) is changed


def _key_lines(key_pem: str) -> list[str]:
    return [line for line in key_pem.splitlines() if line and not line.startswith("-----")]


def test_a_private_key_in_the_ca_bundle_is_refused_without_being_repeated() -> None:
    ca = CertificateAuthority("edge CA")
    key = ca.certificate.key_pem
    escaped = (ca.cert_pem + key).replace("\n", "\\n")  # pasted from a JSON document
    rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzZ\n-----END RSA PRIVATE KEY-----\n"
    for bundle, label in ((key, "PRIVATE KEY"), (ca.cert_pem + key, "PRIVATE KEY"), (escaped, "PRIVATE KEY"),
                          (ca.cert_pem + rsa, "RSA PRIVATE KEY")):
        (failure,) = dc.ca_bundle_failures(bundle)
        prop, reason = failure
        assert prop == "", "a failure naming ca_bundle makes the engine print its value"
        assert reason.startswith(f"ca_bundle contains a private key ({label})")
        assert [line for line in _key_lines(bundle.replace("\\n", "\n")) if line in reason] == []
        assert "-----BEGIN" not in reason.replace(dc.PEM_CERTIFICATE, "")


def test_check_returns_no_private_key_in_its_inputs() -> None:
    ca = CertificateAuthority("edge CA")
    bundle = ca.cert_pem + ca.certificate.key_pem
    result = dc.MtlsDiscoveryCheckProvider().check({}, {"domain": DOMAIN, "ca_bundle": bundle})
    assert [(f.property, "private key" in f.reason) for f in result.failures] == [("", True)]
    assert result.inputs["ca_bundle"] == dc.REDACTED_CA_BUNDLE
    assert [line for line in _key_lines(bundle) if line in repr(result.inputs)] == []


@pytest.mark.parametrize(("news", "prop", "fragment"), [
    ({"domain": None}, "domain", "domain is required"),
    ({"domain": "localhost"}, "domain", "not a fully qualified host name"),
    ({"timeout_seconds": 0}, "timeout_seconds", "greater than 0"),
    ({"timeout_seconds": 21601}, "timeout_seconds", "at most 21600"),
    ({"timeout_seconds": "5"}, "timeout_seconds", "number of seconds"),
    ({"timeout_seconds": float("nan")}, "timeout_seconds", "must be a finite number of seconds, got nan"),
    ({"timeout_seconds": float("inf")}, "timeout_seconds", "must be a finite number of seconds, got inf"),
    ({"require_bound_tokens": "yes"}, "require_bound_tokens", "true or false"),
    ({"connect_to": "edge"}, "connect_to", "host:port"),
])
def test_check_failures(news: dict[str, object], prop: str, fragment: str) -> None:
    found = failures(**news)
    assert [p for p, _ in found] == [prop], found
    assert fragment in found[0][1]


KELVIN_DOMAIN = "login.example.\u212aom"  # KELVIN SIGN, which str.lower() turns into "k"


def test_check_refuses_a_non_ascii_domain_instead_of_checking_another_host() -> None:
    result = dc.MtlsDiscoveryCheckProvider().check({}, {"domain": KELVIN_DOMAIN})
    assert result.inputs["domain"] != "login.example.kom", "KELVIN SIGN must not turn into k before validation"
    assert [(failure.property, failure.reason) for failure in result.failures] == [
        ("domain", "domain 'login.example.\u212aom' is not a valid host name: it contains non-ASCII characters; "
                   "write the name in its ASCII (punycode, xn--) form: login.example.kom")]


def test_check_refuses_a_non_ascii_connect_to_instead_of_connecting_to_another_host() -> None:
    result = dc.MtlsDiscoveryCheckProvider().check({}, {"domain": DOMAIN, "connect_to": " edge.\u212aom:443"})
    assert result.inputs["connect_to"] == "edge.\u212aom:443"
    assert dc.parse_connect_to("edge.\u212aom:443") is None
    ((prop, reason),) = [(failure.property, failure.reason) for failure in result.failures]
    assert prop == "connect_to"
    assert reason.startswith("connect_to must be the edge's address as host:port")
    assert reason.endswith("; its host is not a valid host name: it contains non-ASCII characters; write the name in "
                           "its ASCII (punycode, xn--) form: edge.kom")


def test_unknown_values_are_checked_at_apply_time() -> None:
    assert failures(domain=rpc.UNKNOWN, connect_to=rpc.UNKNOWN, ca_bundle=rpc.UNKNOWN) == []
    assert failures() == []


def test_problems_of_a_document() -> None:
    assert dc.problems(good_document(), DOMAIN, True) == []
    no_alias = good_document()
    del no_alias["mtls_endpoint_aliases"]
    (missing,) = dc.problems(no_alias, DOMAIN, False)
    assert missing == (f"mtls_endpoint_aliases.token_endpoint is missing (expected {ALIAS}): the tenant's mTLS "
                       "endpoint aliases are off")
    (other,) = dc.problems(good_document(mtls_endpoint_aliases={"token_endpoint": "https://mtls.x.com/oauth/token"}),
                           DOMAIN, False)
    assert "is 'https://mtls.x.com/oauth/token', expected" in other
    unbound = good_document(tls_client_certificate_bound_access_tokens=False)
    assert dc.problems(unbound, DOMAIN, False) == []
    assert dc.problems(unbound, DOMAIN, True) == ["tls_client_certificate_bound_access_tokens is not true"]
    (issuer,) = dc.problems(good_document(issuer="https://tenant.eu.auth0.com/"), DOMAIN, False)
    assert "issuer is 'https://tenant.eu.auth0.com/', expected 'https://login.example.com/'" in issuer
    assert len(dc.problems({}, DOMAIN, True)) == 3


def test_flatten_and_satisfied() -> None:
    inputs = dc.normalize_inputs({"domain": DOMAIN, "require_bound_tokens": True})
    outs = dc.flatten(good_document())
    assert outs == {"issuer": f"https://{DOMAIN}/", "token_endpoint": f"https://{DOMAIN}/oauth/token",
                    "mtls_token_endpoint": ALIAS, "tls_client_certificate_bound_access_tokens": True}
    assert dc.satisfied(outs, inputs)
    assert dc.flatten(None) == {"issuer": None, "token_endpoint": None, "mtls_token_endpoint": None,
                                "tls_client_certificate_bound_access_tokens": False}
    assert not dc.satisfied(dc.flatten(None), inputs)
    assert not dc.satisfied({**outs, "tls_client_certificate_bound_access_tokens": False}, inputs)
    assert dc.satisfied({**outs, "tls_client_certificate_bound_access_tokens": False},
                        {**inputs, "require_bound_tokens": False})
    assert not dc.satisfied({**outs, "mtls_token_endpoint": None}, inputs)


def test_diff_names_what_needs_a_new_check() -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    inputs = dc.normalize_inputs({"domain": DOMAIN, "connect_to": "127.0.0.1:8443"})
    olds = {**inputs, **dc.flatten(good_document())}
    assert provider.diff("id", olds, inputs).changes is False
    moved = provider.diff("id", olds, {**inputs, "connect_to": "127.0.0.1:9443"})
    assert moved.changes is None and not moved.replaces  # an update: the engine names connect_to
    assert provider.diff("id", olds, {**inputs, "timeout_seconds": 60}).changes is None
    replaced = provider.diff("id", olds, {**inputs, "domain": "auth.example.com"})
    assert replaced.changes is True and replaced.replaces == ["domain"]
    assert provider.diff("id", olds, {**inputs, "domain": rpc.UNKNOWN}).replaces == ["domain"]
    # A refresh that saw the alias go: the same program now previews as an update.
    lost = {**olds, "mtls_token_endpoint": None}
    assert provider.diff("id", lost, inputs).changes is True


def test_messages_say_what_was_missing_and_what_to_do() -> None:
    inputs = dc.normalize_inputs({"domain": DOMAIN, "connect_to": "127.0.0.1:8443"})
    issues = dc.problems({"issuer": f"https://{DOMAIN}/"}, DOMAIN, False)
    text = dc.timeout_message(inputs, issues, 30.4, 5)
    assert text.startswith(f"https://{DOMAIN}/.well-known/openid-configuration (connecting to 127.0.0.1:8443) does "
                           "not advertise the mTLS token endpoint after 30s and 5 attempt(s): "
                           "mtls_endpoint_aliases.token_endpoint is missing")
    assert "To fix: turn on the tenant's mTLS endpoint aliases (TenantMtlsSettings enable_endpoint_aliases=True)." \
        in text
    refused = dc.advice(["could not connect to 127.0.0.1:8443: Connection refused"], inputs)
    assert refused == "check that the edge listens at 127.0.0.1:8443."
    no_dns = dc.advice(["could not connect to login.example.com:443: Name or service not known"],
                       dc.normalize_inputs({"domain": DOMAIN}))
    assert no_dns == f"check that DNS for {DOMAIN} points at the edge (or pass connect_to)."
    assert "ca_bundle" in dc.advice(["the edge's certificate is not trusted for x: self-signed"], inputs)
    assert f"a certificate for {DOMAIN} and mtls.{DOMAIN}" in dc.advice(["the edge's certificate does not name x"],
                                                                       inputs)
    assert "cname-api-key" in dc.advice(["127.0.0.1:8443 answered HTTP 403: {}"], inputs)
