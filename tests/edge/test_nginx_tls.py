"""TLS on both sides of the edge, in a real nginx: the edge's own certificate, and the connection to
an https origin (SNI, Host, certificate verification against the system bundle or a private CA).
Also: nginx itself accepts every form of the rendered configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from auth0_mtls import edge
from certs import CertificateAuthority, CertPaths

from .conftest import CNAME_API_KEY, DOMAIN, DUPLICATE_LISTENS, MTLS, Pki
from .curl import edge_request
from .echo_origin import EchoOrigin
from .nginx import RunningNginx, check_config, start_nginx


class OriginPki:
    def __init__(self, root: Path) -> None:
        ca = CertificateAuthority("origin CA")
        self.ca = ca.write(root / "origin-ca.pem")
        self.localhost = ca.issue("localhost", names=["localhost"], server=True).write(root / "origin-localhost")
        self.other_name = ca.issue("elsewhere", names=["elsewhere.example.net"], server=True).write(
            root / "origin-elsewhere")
        self.unrelated_ca = CertificateAuthority("unrelated CA").write(root / "unrelated-ca.pem")


@pytest.fixture(scope="module")
def origin_pki(tmp_path_factory: pytest.TempPathFactory) -> OriginPki:
    return OriginPki(tmp_path_factory.mktemp("origin-pki"))


def _tls_origin(paths: CertPaths) -> EchoOrigin:
    return EchoOrigin(tls=(paths.chain, paths.key))


@pytest.fixture(scope="module")
def localhost_origin(origin_pki: OriginPki) -> Iterator[EchoOrigin]:
    with _tls_origin(origin_pki.localhost) as origin:
        yield origin


def _edge(prefix: Path, pki: Pki, origin_url: str, **overrides: Any) -> RunningNginx:
    def render(port: int) -> str:
        arguments: dict[str, Any] = dict(domain=DOMAIN, origin=origin_url, cname_api_key=CNAME_API_KEY,
                                         server_certificate=str(pki.server.chain),
                                         server_private_key=str(pki.server.key), listen=f"127.0.0.1:{port}")
        return edge.render_nginx_config(**{**arguments, **overrides})
    return start_nginx(prefix, render)


@pytest.fixture
def run_edge(nginx_bin: str, pki: Pki, tmp_path: Path) -> Iterator[Any]:
    started: list[RunningNginx] = []

    def run(origin_url: str, **overrides: Any) -> RunningNginx:
        server = _edge(tmp_path / f"nginx-{len(started)}", pki, origin_url, **overrides)
        started.append(server)
        return server
    yield run
    for server in started:
        server.stop()


def test_https_origin_gets_sni_host_key_and_modern_tls(run_edge: Any, pki: Pki, origin_pki: OriginPki,
                                                       localhost_origin: EchoOrigin) -> None:
    localhost_origin.take()
    server = run_edge(f"https://localhost:{localhost_origin.port}", origin_ca_certificate=str(origin_pki.ca),
                      client_ca_certificate=str(pki.client_ca))
    assert edge_request(server.port, DOMAIN, "/authorize", ca=pki.server_ca).status == 200
    response = edge_request(server.port, MTLS, "/oauth/token", ca=pki.server_ca, cert=pki.ca_signed.paths)
    assert response.status == 200
    seen = localhost_origin.take()
    assert [s.path for s in seen] == ["/authorize", "/oauth/token"]
    for request in seen:
        assert request.server_name == "localhost"
        assert request.header("host") == f"localhost:{localhost_origin.port}"
        assert request.header("cname-api-key") == CNAME_API_KEY
        assert request.tls_version in ("TLSv1.2", "TLSv1.3")
    assert seen[1].header("client-certificate-ca-verified") == "SUCCESS"


def test_an_origin_certificate_from_an_untrusted_ca_is_refused(run_edge: Any, pki: Pki, origin_pki: OriginPki,
                                                                localhost_origin: EchoOrigin) -> None:
    localhost_origin.take()
    server = run_edge(f"https://localhost:{localhost_origin.port}", origin_ca_certificate=str(origin_pki.unrelated_ca))
    assert edge_request(server.port, DOMAIN, "/authorize", ca=pki.server_ca).status == 502
    assert localhost_origin.take() == []  # the handshake failed before any request was sent
    assert "upstream SSL certificate verify error" in server.error_log


def test_the_system_bundle_is_the_default_and_does_not_trust_a_private_origin(
        run_edge: Any, pki: Pki, localhost_origin: EchoOrigin) -> None:
    assert Path(edge.DEFAULT_ORIGIN_CA_BUNDLE).is_file(), "Debian's ca-certificates package is missing"
    localhost_origin.take()
    server = run_edge(f"https://localhost:{localhost_origin.port}")
    assert edge_request(server.port, MTLS, "/oauth/token", ca=pki.server_ca, cert=pki.self_signed.paths).status == 502
    assert localhost_origin.take() == []
    assert "upstream SSL certificate verify error" in server.error_log


def test_an_origin_certificate_for_another_name_is_refused(run_edge: Any, pki: Pki, origin_pki: OriginPki) -> None:
    with _tls_origin(origin_pki.other_name) as origin:
        server = run_edge(f"https://localhost:{origin.port}", origin_ca_certificate=str(origin_pki.ca))
        assert edge_request(server.port, DOMAIN, "/", ca=pki.server_ca).status == 502
        assert origin.take() == []
    assert "upstream SSL certificate does not match" in server.error_log


def test_a_wildcard_for_the_parent_does_not_cover_the_mtls_host(nginx_bin: str, pki: Pki, tmp_path: Path) -> None:
    """Why the server certificate must name mtls.<domain> itself."""
    ca = CertificateAuthority("wildcard CA")
    wildcard = ca.issue("*.example.com", names=["*.example.com"], server=True).write(tmp_path / "wildcard")
    server = start_nginx(tmp_path / "nginx", lambda port: edge.render_nginx_config(
        domain=DOMAIN, origin="http://127.0.0.1:9", cname_api_key=CNAME_API_KEY,
        server_certificate=str(wildcard.chain), server_private_key=str(wildcard.key), listen=f"127.0.0.1:{port}"))
    try:
        ca_file = ca.write(tmp_path / "wildcard-ca.pem")
        main = edge_request(server.port, DOMAIN, "/", ca=ca_file)
        mtls = edge_request(server.port, MTLS, "/oauth/token", ca=ca_file)
    finally:
        server.stop()
    assert main.curl_exit == 0  # login.example.com matches *.example.com (the origin is down: 502)
    assert mtls.status == 0 and mtls.curl_exit == 60  # curl: the peer's certificate is not valid for the name
    assert "mtls.login.example.com" in mtls.curl_error


@pytest.mark.parametrize("overrides", [
    {"listen": ["443", "[::]:443"], "client_ca_certificate": "CLIENT_CA"},
    {"listen": "127.0.0.1:8443", "origin": "localhost", "origin_ca_certificate": "ORIGIN_CA"},
    {"listen": 8443, "origin": "http://[::1]:4000", "client_ip_header": "x-azure-clientip"},
    {"client_ip_header": "", "origin": "https://127.0.0.1:4443", "origin_ca_certificate": "ORIGIN_CA"},
], ids=["dual-stack + client CA", "bare host origin", "ipv6 loopback http origin", "ip origin"])
def test_nginx_accepts_every_form_of_the_configuration(nginx_bin: str, pki: Pki, origin_pki: OriginPki,
                                                       tmp_path: Path, overrides: dict[str, Any]) -> None:
    files = {"CLIENT_CA": str(pki.client_ca), "ORIGIN_CA": str(origin_pki.ca)}
    arguments: dict[str, Any] = dict(domain=DOMAIN, origin="http://127.0.0.1:4000", cname_api_key=CNAME_API_KEY,
                                     server_certificate=str(pki.server.chain), server_private_key=str(pki.server.key))
    arguments.update({key: files.get(value, value) if isinstance(value, str) else value
                      for key, value in overrides.items()})
    text = edge.render_nginx_config(**arguments)
    # A second edge in the same http context, as a tenant with two custom domains would have.
    other = edge.render_nginx_config(**{**arguments, "domain": "auth.example.org"})
    done = check_config(tmp_path, text + other)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("first, second", [pair for pair in DUPLICATE_LISTENS if not isinstance(pair[0], int)])
def test_nginx_refuses_each_listen_pair_the_renderer_refuses(nginx_bin: str, pki: Pki, tmp_path: Path,
                                                             first: str, second: str) -> None:
    """The renderer's notion of a duplicate listen is nginx's: each pair it refuses, added by hand to
    a configuration it rendered, fails `nginx -t`."""
    text = edge.render_nginx_config(domain=DOMAIN, origin="http://127.0.0.1:4000", cname_api_key=CNAME_API_KEY,
                                    server_certificate=str(pki.server.chain), server_private_key=str(pki.server.key),
                                    listen=first)
    assert check_config(tmp_path / "single", text).returncode == 0
    doubled = text.replace(f"    listen {first} ssl;", f"    listen {first} ssl;\n    listen {second} ssl;")
    assert doubled != text
    done = check_config(tmp_path / "doubled", doubled)
    assert done.returncode != 0 and "duplicate listen" in done.stderr, done.stderr


def test_the_file_drops_into_debians_stock_nginx_conf(nginx_bin: str, pki: Pki, tmp_path: Path) -> None:
    """Deployment as the README shows it: the file goes where the distribution's nginx.conf
    includes conf.d/*.conf, inside http {}, next to the default site."""
    stock = Path("/etc/nginx/nginx.conf").read_text()
    include = "include /etc/nginx/conf.d/*.conf;"
    assert include in stock.split("http {", 1)[1]  # conf.d is included in the http context
    site = tmp_path / "login.example.com.conf"
    site.write_text(edge.render_nginx_config(
        domain=DOMAIN, origin="localhost", cname_api_key=CNAME_API_KEY, server_certificate=str(pki.server.chain),
        server_private_key=str(pki.server.key), client_ca_certificate=str(pki.client_ca),
        client_ip_header="true-client-ip"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(stock.replace(include, f"include {site};"))
    done = subprocess.run([nginx_bin, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
