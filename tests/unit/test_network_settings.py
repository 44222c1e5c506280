"""Which CA bundle and which proxy a tenant's connections use, read from stack config and the
environment with no network: precedence, refusals and the words of the errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from urllib3.exceptions import ProxyError

from auth0_mtls.client import describe_network_failure, network_hint
from auth0_mtls.credentials import DEFAULT_CA_SOURCE, resolve
from auth0_mtls.custom_domain import CustomDomainProvider
from auth0_mtls.errors import ConfigurationError
from auth0_mtls.transport import Proxy, proxy_for, tls_context
from certs import CertificateAuthority
from system_packages import ensure_command

BASE = {"auth0:domain": "tenant.example.com", "auth0:clientId": "id", "auth0:clientSecret": "secret"}
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")
# A real certificate: a preview now loads a bundle as the first call would.
PEM = CertificateAuthority("network settings CA").cert_pem
KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKmX2wQ1\n-----END EC PRIVATE KEY-----\n"


@pytest.fixture
def bundles(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name in ("config", "requests", "curl", "ssl"):
        path = tmp_path / f"{name}.pem"
        path.write_text(PEM)
        out[name] = str(path)
    return out


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CA_VARIABLES + PROXY_VARIABLES + ("REQUEST_METHOD",):
        monkeypatch.delenv(name, raising=False)


# -- the CA bundle ---------------------------------------------------------------------------------

def test_config_key_wins_over_every_variable(bundles: dict[str, str]) -> None:
    env = {"REQUESTS_CA_BUNDLE": bundles["requests"], "CURL_CA_BUNDLE": bundles["curl"],
           "SSL_CERT_FILE": bundles["ssl"]}
    creds = resolve({**BASE, "auth0:caBundle": bundles["config"]}, environ=env)
    assert (creds.ca_bundle, creds.ca_source) == (bundles["config"], "auth0:caBundle")


@pytest.mark.parametrize("present, expected", [
    (("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"), "REQUESTS_CA_BUNDLE"),
    (("CURL_CA_BUNDLE", "SSL_CERT_FILE"), "CURL_CA_BUNDLE"),
    (("SSL_CERT_FILE",), "SSL_CERT_FILE"),
])
def test_environment_order_is_requests_then_curl_then_openssl(bundles: dict[str, str], present: tuple[str, ...],
                                                              expected: str) -> None:
    files = {"REQUESTS_CA_BUNDLE": bundles["requests"], "CURL_CA_BUNDLE": bundles["curl"],
             "SSL_CERT_FILE": bundles["ssl"]}
    creds = resolve(BASE, environ={name: files[name] for name in present})
    assert (creds.ca_bundle, creds.ca_source) == (files[expected], expected)


def test_nothing_set_means_the_default_bundle() -> None:
    creds = resolve(BASE, environ={})
    assert creds.ca_bundle is None and creds.ca_source == DEFAULT_CA_SOURCE
    assert "certifi" in creds.trust


def test_an_empty_variable_is_unset_and_never_turns_verification_off(bundles: dict[str, str]) -> None:
    # requests once read CURL_CA_BUNDLE="" as "do not verify"; here it is simply not set.
    creds = resolve(BASE, environ={"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": " ", "SSL_CERT_FILE": bundles["ssl"]})
    assert creds.ca_source == "SSL_CERT_FILE"
    assert resolve(BASE, environ={"CURL_CA_BUNDLE": ""}).ca_bundle is None


def test_each_namespace_has_its_own_key_and_shares_the_environment(bundles: dict[str, str]) -> None:
    config = {**BASE, "auth0-eu:domain": "eu.example.com", "auth0-eu:apiToken": "t",
              "auth0-eu:caBundle": bundles["config"]}
    env = {"REQUESTS_CA_BUNDLE": bundles["requests"]}
    assert resolve(config, environ=env).ca_source == "REQUESTS_CA_BUNDLE"
    eu = resolve(config, environ=env, namespace="auth0-eu")
    assert (eu.ca_bundle, eu.ca_source) == (bundles["config"], "auth0-eu:caBundle")
    config.pop("auth0-eu:caBundle")
    assert resolve(config, environ=env, namespace="auth0-eu").ca_source == "REQUESTS_CA_BUNDLE"


def test_pem_text_in_the_config_key_is_taken_as_is() -> None:
    creds = resolve({**BASE, "auth0:caBundle": PEM}, environ={})
    assert creds.ca_bundle == PEM.strip() and creds.trust.endswith("(PEM text)")


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          bundles: dict[str, str]) -> None:
    monkeypatch.chdir(tmp_path)
    creds = resolve({**BASE, "auth0:caBundle": "config.pem"}, environ={})
    assert creds.ca_bundle == bundles["config"]


def test_a_missing_file_fails_naming_where_it_came_from(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(ConfigurationError) as err:
        resolve({**BASE, "auth0:caBundle": missing}, environ={})
    assert "auth0:caBundle" in str(err.value) and "does not exist" in str(err.value)
    with pytest.raises(ConfigurationError) as err:
        resolve(BASE, environ={"REQUESTS_CA_BUNDLE": missing})
    assert "REQUESTS_CA_BUNDLE" in str(err.value) and "pulumi config set auth0:caBundle" in str(err.value)


def test_a_key_body_without_its_armour_is_refused_without_being_repeated() -> None:
    from certs import make_certificate

    lines = make_certificate().key_pem.strip().splitlines()[1:-1]
    body = "\n".join(lines)
    one_line = "".join(lines)
    # As pasted: the lines of the body; one line; one with a "/" in it (base64 often has one); one
    # longer than a file name may be, which the file system refuses ("File name too long").
    cases = {body: "pulumi config set auth0:caBundle", one_line: "pulumi config set auth0:caBundle",
             "MHcCAQEEIKmX2wQ1k/9zqVd0e3Y+4sOqfH1nKxw7RbF2s6eJtQ0aoAoGCCqGSM49": "pulumi config set auth0:caBundle",
             (one_line * 2).replace("/", "+"): "(File name too long)"}  # one path component
    for value, then in cases.items():
        with pytest.raises(ConfigurationError) as err:
            resolve({**BASE, "auth0:caBundle": value}, environ={})
        message = str(err.value)
        assert "the value named by auth0:caBundle (not shown) is neither PEM text nor an existing path" in message
        assert then in message, message
        assert all(line not in message for line in value.splitlines()) and value[:16] not in message, message


def test_a_private_key_is_refused_without_being_repeated() -> None:
    key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ConfigurationError) as err:
        resolve({**BASE, "auth0:caBundle": PEM + key}, environ={})
    assert "private key" in str(err.value) and "MIGHAgEA" not in str(err.value)


def test_a_private_key_after_other_text_is_refused_without_being_repeated(tmp_path: Path) -> None:
    # `openssl pkcs12 -nodes` writes "Bag Attributes" lines before each block: the text does not
    # start with its armour, and must not be taken for a path and echoed in a "does not exist".
    key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKmX2wQ1\n-----END EC PRIVATE KEY-----\n"
    bundle = "Bag Attributes\n    localKeyID: 01\n" + PEM + "Bag Attributes\n" + key
    with pytest.raises(ConfigurationError) as err:
        resolve({**BASE, "auth0:caBundle": bundle}, environ={})
    assert "private key (EC PRIVATE KEY)" in str(err.value) and "MHcCAQEE" not in str(err.value)
    with pytest.raises(ConfigurationError) as err:
        resolve(BASE, environ={"REQUESTS_CA_BUNDLE": bundle})
    assert "REQUESTS_CA_BUNDLE" in str(err.value) and "MHcCAQEE" not in str(err.value)


def test_pem_text_after_other_text_is_pem_text() -> None:
    bundle = "Bag Attributes\n    friendlyName: corp CA\n" + CertificateAuthority("corp CA").cert_pem
    creds = resolve({**BASE, "auth0:caBundle": bundle}, environ={})
    assert creds.ca_bundle == bundle.strip() and "PEM text" in creds.trust
    assert tls_context(creds.ca_bundle, creds.ca_source).get_ca_certs()


def test_pem_text_without_a_certificate_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        resolve({**BASE, "auth0:caBundle": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}, environ={})
    assert "without a certificate" in str(err.value)


def test_pem_text_whose_certificate_does_not_parse_is_refused() -> None:
    # The armour alone used to pass the preview; the first call then failed to load it.
    garbled = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
    with pytest.raises(ConfigurationError) as err:
        resolve({**BASE, "auth0:caBundle": garbled}, environ={})
    assert "auth0:caBundle" in str(err.value) and "could not be read as CA certificates" in str(err.value)
    assert "MIIBszCC" not in str(err.value)


# -- a bundle file is read and checked like PEM text, with no network ---------------------------------

def bundle_problem(value: str, namespace: str = "auth0-eu") -> str:
    config = {**BASE, f"{namespace}:domain": "eu.example.com", f"{namespace}:apiToken": "t",
              f"{namespace}:caBundle": value}
    with pytest.raises(ConfigurationError) as err:
        resolve(config, environ={}, namespace=namespace)
    return str(err.value)


def test_a_file_that_holds_no_certificate_is_refused_naming_the_key_and_the_path(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    message = bundle_problem(str(junk))
    assert message.startswith("auth0-eu:caBundle names ") and str(junk) in message
    assert "no CA certificate" in message and "pulumi config set auth0-eu:caBundle" in message


def test_a_file_of_pem_text_without_a_certificate_is_refused(tmp_path: Path) -> None:
    public = tmp_path / "public.pem"
    public.write_text("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n")
    message = bundle_problem(str(public))
    assert str(public) in message and "no CA certificate" in message and "MFkwEwYH" not in message


def test_a_der_file_is_refused_with_the_conversion(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = tmp_path / "ca.der"
    der.write_bytes(x509.load_pem_x509_certificate(PEM.encode()).public_bytes(Encoding.DER))
    message = bundle_problem(str(der))
    assert str(der) in message and "openssl x509 -inform der" in message


@pytest.mark.parametrize("contents, label", [
    (PEM + KEY, "EC PRIVATE KEY"),  # `cat ca.pem key.pem > bundle.pem`
    (KEY, "EC PRIVATE KEY"),
    ("Bag Attributes\n    localKeyID: 01\n" + PEM + "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkq\n"
     "-----END ENCRYPTED PRIVATE KEY-----\n", "ENCRYPTED PRIVATE KEY"),
])
def test_a_file_holding_a_private_key_is_refused_without_being_repeated(tmp_path: Path, contents: str,
                                                                        label: str) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(contents)
    message = bundle_problem(str(bundle))
    assert message.startswith("auth0-eu:caBundle names ") and str(bundle) in message
    assert f"private key ({label})" in message and "treat that key as exposed" in message
    assert "MHcCAQEE" not in message and "MIIFHDBO" not in message and "-----BEGIN" not in message


def test_the_environment_s_bundle_file_gets_the_same_checks(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(PEM + KEY)
    for variable in CA_VARIABLES:
        with pytest.raises(ConfigurationError) as err:
            resolve(BASE, environ={variable: str(bundle)})
        assert str(err.value).startswith(f"{variable} names ") and "private key (EC PRIVATE KEY)" in str(err.value)
        assert "MHcCAQEE" not in str(err.value)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pem"
    with huge.open("w") as out:
        while out.tell() <= 1024 * 1024:
            out.write(PEM)
    message = bundle_problem(str(huge))
    assert str(huge) in message and "larger than 1 MiB" in message


def test_a_file_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "bundle.pem"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    message = bundle_problem(str(fifo))
    assert str(fifo) in message and "not a regular file" in message


def test_a_directory_of_hashed_certificates_is_accepted(tmp_path: Path) -> None:
    import subprocess

    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "ca.pem").write_text(PEM)
    openssl = ensure_command("openssl", package="openssl")  # installed when missing, as nginx is
    subprocess.run([openssl, "rehash", str(directory)], check=True, capture_output=True)
    config = {**BASE, "auth0:caBundle": str(directory)}
    assert resolve(config, environ={}).ca_bundle == str(directory)


def test_a_directory_with_no_hashed_certificate_is_refused_naming_the_key_and_the_path(tmp_path: Path) -> None:
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "ca.pem").write_text(PEM)  # not looked up: OpenSSL finds certificates by hash name
    message = bundle_problem(str(directory))
    assert message.startswith("auth0-eu:caBundle names the directory ") and str(directory) in message
    assert f"openssl rehash {directory}" in message


def test_a_good_file_is_accepted_and_loads(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("# corporate roots\n" + PEM + CertificateAuthority("second CA").cert_pem)
    creds = resolve({**BASE, "auth0:caBundle": str(bundle)}, environ={})
    assert creds.ca_bundle == str(bundle)
    assert len(tls_context(creds.ca_bundle, creds.ca_source).get_ca_certs()) == 2


def test_a_bundle_broken_after_the_preview_still_fails_when_the_context_is_built(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(PEM)
    creds = resolve({**BASE, "auth0:caBundle": str(bundle)}, environ={})
    bundle.write_text("not a certificate\n")
    with pytest.raises(ConfigurationError) as err:
        tls_context(creds.ca_bundle, creds.ca_source)
    assert "auth0:caBundle" in str(err.value) and "could not be read as CA certificates" in str(err.value)


def test_check_fails_early_on_a_missing_bundle_naming_the_key(tmp_path: Path) -> None:
    provider = CustomDomainProvider()
    provider._config = {**BASE, "auth0:caBundle": str(tmp_path / "gone.pem")}  # what configure() stores
    failures = provider.tenant_failures({"domain": "login.example.com"})
    assert len(failures) == 1 and "auth0:caBundle" in failures[0][1]


def test_one_context_per_bundle_per_process(tmp_path: Path) -> None:
    assert tls_context(None) is tls_context(None)
    assert len(tls_context(None).get_ca_certs()) > 50  # certifi's roots


# -- the proxy -------------------------------------------------------------------------------------

def test_no_proxy_variables_means_a_direct_connection() -> None:
    assert proxy_for("https://tenant.example.com") is None


def test_https_proxy_applies_to_the_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    assert proxy_for("https://tenant.example.com") == Proxy("http://proxy.corp:3128", "HTTPS_PROXY")


def test_lower_case_wins_and_all_proxy_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "http://all.corp:8080")
    assert proxy_for("https://tenant.example.com") == Proxy("http://all.corp:8080", "ALL_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", "http://upper.corp:3128")
    monkeypatch.setenv("https_proxy", "http://lower.corp:3128")
    assert proxy_for("https://tenant.example.com") == Proxy("http://lower.corp:3128", "https_proxy")


def test_http_proxy_is_only_for_http_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    assert proxy_for("https://tenant.example.com") is None
    assert proxy_for("http://127.0.0.1:8080") == Proxy("http://proxy.corp:3128", "HTTP_PROXY")


@pytest.mark.parametrize("no_proxy, bypassed", [
    ("tenant.example.com", True),
    (".example.com", True),
    ("example.com", True),
    ("other.example.com", False),
    ("*", True),
    ("tenant.example.com:8443", False),
])
def test_no_proxy_bypasses_as_requests_and_curl_read_it(monkeypatch: pytest.MonkeyPatch, no_proxy: str,
                                                         bypassed: bool) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert (proxy_for("https://tenant.example.com") is None) is bypassed


def test_no_proxy_takes_addresses_and_cidr_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("no_proxy", "10.0.0.0/8,127.0.0.1")
    assert proxy_for("https://127.0.0.1:8443") is None
    assert proxy_for("https://10.1.2.3") is None
    assert proxy_for("https://192.168.1.1") is not None


def test_a_socks_proxy_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:pw@proxy.corp:1080")
    with pytest.raises(ConfigurationError) as err:
        proxy_for("https://tenant.example.com")
    assert "HTTPS_PROXY" in str(err.value) and "socks5" in str(err.value) and "pw" not in str(err.value)


def test_the_proxy_is_shown_without_its_credentials() -> None:
    assert Proxy("http://alice:s3cret@proxy.corp:3128", "HTTPS_PROXY").shown == "proxy.corp:3128"
    assert Proxy("proxy.corp:3128", "HTTPS_PROXY").shown == "proxy.corp:3128"


# -- what a failure through the proxy says -------------------------------------------------------

def test_a_407_from_the_proxy_says_where_credentials_go() -> None:
    proxy = Proxy("http://alice:wrong@proxy.corp:3128", "HTTPS_PROXY")
    tunnel = OSError("Tunnel connection failed: 407 Proxy Authentication Required")
    exc = ProxyError("Unable to connect to proxy", tunnel)
    cause = describe_network_failure(exc, proxy)
    assert "proxy.corp:3128" in cause and "HTTPS_PROXY" in cause and "407" in cause
    assert "wrong" not in cause


def test_an_untrusted_certificate_hint_names_the_trust_and_how_to_change_it() -> None:
    creds = resolve(BASE, environ={})
    hint = network_hint(creds, "its TLS certificate is not trusted (unable to get local issuer certificate)")
    assert "certifi" in hint and "pulumi config set auth0:caBundle" in hint and "REQUESTS_CA_BUNDLE" in hint
    assert "cannot be turned off" in hint


def _damaged(pem: str, how: str) -> str:
    lines = pem.strip().splitlines()
    begin, body, end = lines[0], lines[1:-1], lines[-1]
    if how == "truncated":  # a download cut short: whole base64 lines, the DER too short
        body = body[:-2]
    elif how == "bad character":
        body[1] = body[1][:10] + "!" + body[1][11:]
    elif how == "two certificates in one block":
        body = body + body
    return "\n".join([begin, *body, end]) + "\n"


@pytest.mark.parametrize("how", ["truncated", "bad character", "two certificates in one block"])
def test_a_damaged_certificate_block_in_a_file_fails_the_preview(tmp_path: Path, how: str) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(PEM + _damaged(CertificateAuthority("second CA").cert_pem, how))
    message = bundle_problem(str(bundle))
    assert str(bundle) in message and "not one whole DER certificate in base64" in message
    assert "-----BEGIN" not in message


def test_the_check_never_loads_a_bundle_the_connections_then_load_once(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that calls Auth0 resolves its credentials and builds its TLS context: the bundle is
    parsed by OpenSSL once in all (16 ms for one of certifi's size), not once to check it and again
    to use it."""
    import ssl

    bundle = tmp_path / "ca.pem"
    bundle.write_text(PEM + CertificateAuthority("second CA").cert_pem)
    loads: list[str] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(str(kwargs.get("cafile") or (args[0] if args else "")))
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    for _ in range(3):
        creds = resolve({**BASE, "auth0:caBundle": str(bundle)}, environ={})
    assert loads == []
    assert len(tls_context(creds.ca_bundle, creds.ca_source).get_ca_certs()) == 2
    tls_context(creds.ca_bundle, creds.ca_source)
    assert loads == [str(bundle)]
