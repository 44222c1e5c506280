"""The renderer on its own: what it refuses, what it emits, and the Pulumi Output around it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pulumi
import pytest

from auth0_mtls import edge
from auth0_mtls.errors import Auth0MtlsError

from .conftest import DUPLICATE_LISTENS

KEY = "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b1437"
GOOD: dict[str, Any] = dict(
    domain="login.example.com",
    origin="https://tenant-cd-abc123.edge.tenants.us.auth0.com",
    cname_api_key=KEY,
    server_certificate="/etc/nginx/tls/login.pem",
    server_private_key="/etc/nginx/tls/login.key",
)


def render(**overrides: Any) -> str:
    return edge.render_nginx_config(**{**GOOD, **overrides})


def refused(**overrides: Any) -> edge.EdgeConfigError:
    with pytest.raises(edge.EdgeConfigError) as caught:
        render(**overrides)
    return caught.value


def directives(text: str) -> list[str]:
    """Directive lines without comments or indentation."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def server_blocks(text: str) -> dict[str, str]:
    """server_name -> the text of its server block."""
    blocks = {}
    for block in text.split("\nserver {")[1:]:
        name = re.search(r"server_name (\S+);", block)
        assert name
        blocks[name.group(1)] = block
    return blocks


# -- what it emits ------------------------------------------------------------------------------

def test_two_servers_one_per_host() -> None:
    blocks = server_blocks(render())
    assert set(blocks) == {"login.example.com", "mtls.login.example.com"}
    assert "ssl_verify_client" not in blocks["login.example.com"]
    assert "ssl_verify_client optional_no_ca;" in blocks["mtls.login.example.com"]


def test_https_origin_gets_sni_host_tls12_and_verification() -> None:
    for block in server_blocks(render()).values():
        lines = directives(block)
        for expected in ('proxy_set_header Host "tenant-cd-abc123.edge.tenants.us.auth0.com";',
                         "proxy_ssl_server_name on;",
                         'proxy_ssl_name "tenant-cd-abc123.edge.tenants.us.auth0.com";',
                         "proxy_ssl_protocols TLSv1.2 TLSv1.3;",
                         "proxy_ssl_verify on;",
                         f'proxy_ssl_trusted_certificate "{edge.DEFAULT_ORIGIN_CA_BUNDLE}";',
                         f'proxy_set_header cname-api-key "{KEY}";'):
            assert expected in lines


def test_a_bare_origin_host_means_https_and_a_port_stays_in_host() -> None:
    assert render(origin="tenant-cd-abc123.edge.tenants.us.auth0.com") == render()
    assert render(origin="HTTPS://Tenant-CD-abc123.edge.tenants.us.auth0.com:443/") == render()
    text = render(origin="https://origin.internal:8443", origin_ca_certificate="/etc/ssl/private-ca.pem")
    assert 'proxy_set_header Host "origin.internal:8443";' in text
    assert 'proxy_ssl_name "origin.internal";' in text
    assert 'proxy_ssl_trusted_certificate "/etc/ssl/private-ca.pem";' in text
    assert "proxy_pass https://origin.internal:8443/oauth/token;" in text


def test_plain_http_origin_on_loopback_has_no_proxy_tls() -> None:
    text = render(origin="http://127.0.0.1:4000")
    assert "proxy_ssl" not in text
    assert "proxy_pass http://127.0.0.1:4000;" in text
    assert "proxy_pass http://127.0.0.1:4000/oauth/par;" in text


def test_mtls_host_forwards_only_three_exact_paths() -> None:
    block = server_blocks(render())["mtls.login.example.com"]
    locations = re.findall(r"location (.+?) \{", block)
    assert locations == ["= /oauth/token", "= /oauth/par", "= /userinfo", "/", "@certificate_rejected"]
    assert "proxy_pass" not in block.split("location / {")[1]


def test_client_ca_is_trusted_but_not_advertised() -> None:
    assert not [line for line in directives(render()) if line.startswith("ssl_trusted_certificate")]
    text = render(client_ca_certificate="/etc/nginx/tls/client-ca.pem")
    assert 'ssl_trusted_certificate "/etc/nginx/tls/client-ca.pem";' in directives(text)
    assert not [line for line in directives(text) if line.startswith("ssl_client_certificate")]


@pytest.mark.parametrize("header, set_to_address", [
    (None, {"x-forwarded-for"}),
    ("", {"x-forwarded-for"}),
    ("x-forwarded-for", {"x-forwarded-for"}),
    ("true-client-ip", {"x-forwarded-for", "true-client-ip"}),
    ("True-Client-IP", {"x-forwarded-for", "true-client-ip"}),
    ("x-azure-clientip", {"x-forwarded-for", "x-azure-clientip"}),
    ("cf-connecting-ip", {"x-forwarded-for", "cf-connecting-ip"}),
])
def test_client_ip_headers(header: Any, set_to_address: set[str]) -> None:
    lines = directives(server_blocks(render(client_ip_header=header))["login.example.com"])
    for name in edge.IP_HEADERS:
        value = "$remote_addr" if name in set_to_address else '""'
        assert f"proxy_set_header {name} {value};" in lines


def test_listen_forms() -> None:
    assert directives(render(listen=443)).count("listen 443 ssl;") == 2
    text = render(listen=["443", "[::]:443", "127.0.0.1:8443", "*:9443", "edge.local:443"])
    for item in ("443", "[::]:443", "127.0.0.1:8443", "*:9443", "edge.local:443"):
        assert directives(text).count(f"listen {item} ssl;") == 2


def test_two_domains_can_share_one_http_context() -> None:
    first = render()
    second = render(domain="auth.example.org")
    variables = lambda text: set(re.findall(r"map \S+ (\$\S+) \{", text))  # noqa: E731
    assert len(variables(first)) == 3 and not variables(first) & variables(second)
    # nginx's default variables_hash_bucket_size (64) fits names up to about 50 characters.
    assert all(len(name) < 40 for name in variables(first))


def test_domain_is_normalised() -> None:
    assert render(domain="Login.Example.COM.") == render()


# -- what it refuses ----------------------------------------------------------------------------

def test_a_non_ascii_domain_is_refused_not_lower_cased_into_another_host() -> None:
    # KELVIN SIGN: str.lower() would render a configuration for login.example.kom.
    error = refused(domain="Login.example.\u212aom.")
    assert error.failures == [("domain", "domain 'Login.example.\u212aom' is not a valid host name: it contains "
                                         "non-ASCII characters; write the name in its ASCII (punycode, xn--) form: "
                                         "Login.example.kom")]
    assert edge.check_failures(**{**GOOD, "domain": "login.example.\u212aom"}) != []



@pytest.mark.parametrize("argument, value, words", [
    ("domain", "login.example.com;\n}", "not a valid host name"),
    ("domain", "", "required"),
    ("domain", "localhost", "fully qualified"),
    ("origin", "", "required"),
    ("origin", "ftp://origin.example.com", "https://host[:port]"),
    ("origin", "https://origin.example.com/path", "no user, path"),
    ("origin", "https://origin.example.com?x=1", "no user, path"),
    ("origin", "https://origin.example.com#x", "no user, path"),
    ("origin", "https://user@origin.example.com", "no user, path"),
    ("origin", "https://origin.example.com;\n}", "whitespace or control"),
    ("origin", "https://origin.example.com\n", "whitespace or control"),
    ("origin", "https://origin.exa;mple.com", "not a valid host name"),
    ("origin", "https://origin.example.com:99999", "https://host[:port]"),
    ("origin", "https://origin.example.com:0", "between 1 and 65535"),
    ("origin", "https://origin_x.example.com", "not a valid host name"),
    ("origin", "https://[fe80::1%25x;}]:443", "not a valid host name"),
    ("origin", "https://[fe80::1%x;}]", "not a valid host name"),
    ("origin", "http://[::1%lo]:4000", "not a valid host name"),
    ("origin", "http://origin.example.com", "not loopback"),
    ("origin", "http://10.0.0.5:8080", "not loopback"),
    ("origin", "https://login.example.com", "the custom domain itself"),
    ("origin", "https://mtls.login.example.com", "the custom domain itself"),
    ("server_certificate", "/etc/nginx/tls/login.pem;\n}", "may contain only"),
    ("server_certificate", "/etc/nginx/tls/login.pem}", "may contain only"),
    ("server_certificate", "/etc/nginx/tls/$host.pem", "may contain only"),
    ("server_certificate", '/etc/nginx/"x".pem', "may contain only"),
    ("server_certificate", "/etc/nginx/my cert.pem", "may contain only"),
    ("server_certificate", "tls/login.pem", "absolute path"),
    ("server_certificate", "data:-----BEGIN", "absolute path"),
    ("server_certificate", None, "required"),
    ("server_private_key", "/etc/nginx/tls/login.key\n", "may contain only"),
    ("server_private_key", "engine:pkcs11:key", "absolute path"),
    ("client_ca_certificate", "/etc/ca.pem;ssl_verify_client off", "may contain only"),
    ("client_ca_certificate", "", "optional: omit it (None)"),
    ("origin_ca_certificate", "/etc/ca.pem#", "may contain only"),
    ("client_ip_header", "x-real-ip", "not a header Auth0 reads"),
    ("client_ip_header", "true-client-ip;", "not a header Auth0 reads"),
    ("listen", "443;", "must be a port"),
    ("listen", "443 ssl; include /etc/passwd", "must be a port"),
    ("listen", "0", "must be a port"),
    ("listen", "65536", "must be a port"),
    ("listen", ":443", "must be a port"),
    ("listen", "[::1:443", "must be a port"),
    ("listen", "[127.0.0.1]:443", "must be a port"),
    ("listen", "bad_host:443", "must be a port"),
    ("listen", "[fe80::1%x;}]:443", "must be a port"),
    ("listen", "[::1%lo]:443", "must be a port"),
    ("listen", ["443", "8443\n"], "must be a port"),
    ("listen", [], "must be a port"),
    ("listen", True, "must be a port"),
])
def test_refused_arguments_are_named(argument: str, value: Any, words: str) -> None:
    error = refused(**{argument: value})
    assert [prop for prop, _ in error.failures] == [argument]
    assert words in str(error)
    assert argument in str(error)
    assert isinstance(error, Auth0MtlsError) and isinstance(error, ValueError)


@pytest.mark.parametrize("first, second", DUPLICATE_LISTENS)
def test_a_duplicate_listen_is_refused(first: Any, second: Any) -> None:
    error = refused(listen=[first, "127.0.0.2:8443", second])
    assert [prop for prop, _ in error.failures] == ["listen"]
    assert "listen lists" in str(error) and "the same address and port" in str(error)
    assert "duplicate listen" in str(error)


def test_distinct_listens_on_one_port_are_not_duplicates() -> None:
    text = render(listen=["443", "[::]:443", "127.0.0.1:443", "[::1]:443"])
    assert directives(text).count("listen 443 ssl;") == 2


def test_the_client_ca_may_be_omitted_but_not_given_empty() -> None:
    assert "    ssl_trusted_certificate" not in render(client_ca_certificate=None)
    (failure,) = refused(client_ca_certificate="").failures
    assert failure[0] == "client_ca_certificate"
    assert "is required" not in failure[1] and "or give the absolute path" in failure[1]


def _key() -> str:
    from certs import CertificateAuthority

    return CertificateAuthority("edge").certificate.key_pem


@pytest.mark.parametrize("argument", ["server_private_key", "server_certificate", "client_ca_certificate",
                                      "origin_ca_certificate"])
def test_a_key_given_instead_of_a_path_is_refused_without_showing_it(argument: str) -> None:
    key = _key()
    error = refused(**{argument: key})
    assert [prop for prop, _ in error.failures] == [argument]
    assert "holds a private key (PRIVATE KEY), not a path" in str(error)
    body = [line for line in key.splitlines() if not line.startswith("-----")]
    assert [line for line in body if line[:16] in str(error)] == []
    assert "-----BEGIN" not in str(error)


@pytest.mark.parametrize("origin", ["https://admin:hunter2-pw@origin.example.com",
                                    "https://origin.example.com/?token=hunter2-pw",
                                    "https://origin.example.com/#hunter2-pw",
                                    "https://admin:hunter2-pw@origin.example.com\n"])
def test_an_origin_with_credentials_or_a_query_is_refused_without_showing_it(origin: str) -> None:
    error = refused(origin=origin)
    assert [prop for prop, _ in error.failures] == ["origin"]
    assert "hunter2-pw" not in str(error)


def test_an_http_origin_needs_no_origin_ca_but_https_does() -> None:
    render(origin="http://[::1]:4000", origin_ca_certificate=None)
    render(origin="http://localhost:4000", origin_ca_certificate=None)
    assert [p for p, _ in refused(origin_ca_certificate=None).failures] == ["origin_ca_certificate"]


def test_every_problem_is_reported_at_once() -> None:
    error = refused(domain="bad domain", origin="http://example.com", server_certificate="x.pem",
                    listen="nope")
    assert [prop for prop, _ in error.failures] == ["domain", "origin", "server_certificate", "listen"]


@pytest.mark.parametrize("key, words", [
    (KEY + ";\n}", "may contain only"),
    (KEY + '"', "may contain only"),
    (KEY + "$remote_addr", "may contain only"),
    (KEY + " ", "may contain only"),
    (KEY * 20, "at most 1024"),
])
def test_a_bad_key_is_refused_without_showing_it(key: str, words: str) -> None:
    error = refused(cname_api_key=key)
    assert [prop for prop, _ in error.failures] == ["cname_api_key"]
    assert words in str(error) and "not shown" in str(error)
    assert KEY[:12] not in str(error) and KEY[:12] not in repr(error.failures)


@pytest.mark.parametrize("key", [None, ""])
def test_a_missing_key_explains_where_it_comes_from(key: Any) -> None:
    message = str(refused(cname_api_key=key))
    assert "CustomDomainVerification.cname_api_key" in message
    # The two reasons a verification has no key, each with its way out.
    assert "auth0_managed_certs domain, which has no customer edge" in message
    assert "verified before that resource existed" in message


def test_other_errors_do_not_show_the_key_either() -> None:
    error = refused(domain="", origin="", server_certificate="", server_private_key="", listen="x")
    assert KEY[:12] not in str(error)


def test_no_argument_reaches_nginx_syntax_unvalidated() -> None:
    """Every rendered line is a directive, comment or brace: nothing an input could have added."""
    text = render(client_ca_certificate="/etc/ca.pem", client_ip_header="true-client-ip",
                  listen=["443", "[::]:443"])
    for line in text.splitlines():
        stripped = line.strip()
        assert (not stripped or stripped.startswith("#") or stripped.endswith((";", "{", "}"))), line
    assert text.count("{") == text.count("}")


STRING_ARGUMENTS = {**GOOD, "client_ca_certificate": "/etc/nginx/tls/client-ca.pem",
                    "client_ip_header": "true-client-ip", "listen": "127.0.0.1:443",
                    "origin_ca_certificate": "/etc/ssl/private-ca.pem"}
SYNTAX = [";", "{", "}", '"', "'", "\n", "\r", "\t", " ", "$", "#", "\\", "%", "\x00"]


@pytest.mark.parametrize("argument", list(STRING_ARGUMENTS))
@pytest.mark.parametrize("char", SYNTAX, ids=[repr(c) for c in SYNTAX])
def test_nginx_syntax_in_any_argument_is_refused_or_absent(argument: str, char: str) -> None:
    """Wherever a character nginx reads as syntax is put into an argument, the renderer refuses the
    value or the character does not reach the output (e.g. surrounding blanks stripped)."""
    baseline = edge.render_nginx_config(**STRING_ARGUMENTS)
    value = STRING_ARGUMENTS[argument]
    for position in (0, len(value) // 2, len(value)):
        arguments = {**STRING_ARGUMENTS, argument: value[:position] + char + value[position:]}
        try:
            text = edge.render_nginx_config(**arguments)
        except edge.EdgeConfigError as error:
            assert [prop for prop, _ in error.failures] == [argument]
            continue
        assert text.count(char) == baseline.count(char), (argument, position)


# -- the Pulumi Output --------------------------------------------------------------------------

def test_nginx_config_is_a_secret_rendering_of_its_inputs() -> None:
    async def go() -> tuple[Any, bool]:
        output = edge.nginx_config(
            domain=pulumi.Output.from_input("login.example.com"),
            origin=pulumi.Output.from_input("tenant-cd-abc123.edge.tenants.us.auth0.com"),
            cname_api_key=KEY,  # a plain value: the result must be secret anyway
            server_certificate="/etc/nginx/tls/login.pem",
            server_private_key=pulumi.Output.from_input("/etc/nginx/tls/login.key"))
        return await output.future(), await output.is_secret()
    text, secret = asyncio.run(go())
    assert text == render()
    assert secret is True


def test_nginx_config_is_unknown_while_an_input_is() -> None:
    async def go() -> tuple[bool, bool]:
        loop = asyncio.get_running_loop()
        value, known, secret = loop.create_future(), loop.create_future(), loop.create_future()
        value.set_result(None)
        known.set_result(False)
        secret.set_result(True)
        key = pulumi.Output(set(), value, known, secret)  # e.g. cname_api_key during a first preview
        output = edge.nginx_config(**{**GOOD, "cname_api_key": key})
        return await output.is_known(), await output.is_secret()
    assert asyncio.run(go()) == (False, True)


def test_nginx_config_fails_with_the_named_argument_and_no_key() -> None:
    async def go() -> str:
        return await edge.nginx_config(**{**GOOD, "server_certificate": "relative.pem",
                                          "cname_api_key": pulumi.Output.secret(KEY)}).future()
    with pytest.raises(edge.EdgeConfigError) as caught:
        asyncio.run(go())
    assert "server_certificate" in str(caught.value) and KEY[:12] not in str(caught.value)
