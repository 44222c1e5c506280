"""A tenant reached the way a corporate network reaches it: through a real CONNECT proxy on
loopback (optionally inspecting TLS with its own CA), served over https with a certificate from a
private CA. The client honours HTTPS_PROXY/NO_PROXY and the CA bundle it is given, and nothing
else from the environment (a .netrc entry for the host) reaches a request."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import traceback
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from auth0_mtls.client import ManagementClient
from auth0_mtls.credentials import resolve
from auth0_mtls.errors import ApiError
from auth0_mtls.retry import Auth0Retry
from auth0_mtls.transport import tls_context
from certs import CertificateAuthority
from connect_proxy import ConnectProxy
from e2e.harness import CLIENT_ID, CLIENT_SECRET
from tls_tenant import NamedTenant

ENVIRONMENT = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
               "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "NETRC")
NETRC_USER, NETRC_PASSWORD = "netrc-user", "netrc-password-9c2e"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This machine exports REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE; each test sets
    what it means to test, and HOME has no .netrc unless a test writes one."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


@pytest.fixture
def tenant(tmp_path: Path) -> Iterator[NamedTenant]:
    named = NamedTenant.start(tmp_path)
    yield named
    named.stop()


@pytest.fixture
def proxy(tenant: NamedTenant) -> Iterator[ConnectProxy]:
    with ConnectProxy(hosts=tenant.hosts) as running:
        yield running


def client(url: str, **config: str) -> ManagementClient:
    settings = {"auth0:domain": url, "auth0:clientId": CLIENT_ID, "auth0:clientSecret": CLIENT_SECRET,
                **{f"auth0:{key}": value for key, value in config.items()}}
    # A small wait budget: a refused connection is retried for about a second, not two minutes.
    return ManagementClient(resolve(settings), retry=Auth0Retry.default(wait_budget=1))


def failure(call: Any) -> ApiError:
    with pytest.raises(ApiError) as err:
        call()
    text = "".join(traceback.format_exception(err.value))
    assert CLIENT_SECRET not in text and "Bearer" not in text
    return err.value


def write_netrc(home: Path, machine: str) -> Path:
    path = home / ".netrc"
    path.write_text(f"machine {machine}\nlogin {NETRC_USER}\npassword {NETRC_PASSWORD}\n")
    path.chmod(0o600)
    return path


def test_calls_go_through_the_proxy_named_by_https_proxy(tenant: NamedTenant, proxy: ConnectProxy,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(tenant.name, tenant.port)  # so only the proxy can reach it
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    api = client(tenant.url, caBundle=str(tenant.ca_path))
    assert api.get_tenant_settings(fields="mtls") is not None
    api.get_tenant_settings(fields="mtls")
    assert proxy.connects == [f"{tenant.name}:{tenant.port}"]  # one tunnel, kept alive for all three calls
    assert tenant.api_calls() == ["POST /oauth/token", "GET /api/v2/tenants/settings", "GET /api/v2/tenants/settings"]


def test_no_proxy_connects_directly(tenant: NamedTenant, proxy: ConnectProxy,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    client(tenant.loopback_url, caBundle=str(tenant.ca_path)).get_tenant_settings()
    assert proxy.connects == [] and len(tenant.api_calls()) == 2
    # A suffix entry covers the tenant's name: the client then resolves it itself, and cannot.
    monkeypatch.setenv("no_proxy", ".example.test")
    error = failure(lambda: client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings())
    assert "DNS lookup failed" in str(error) and tenant.name in str(error)
    assert proxy.connects == []


def test_a_netrc_entry_for_the_host_never_replaces_the_token(tenant: NamedTenant, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    corporate = CertificateAuthority("Corporate TLS inspection CA")
    inspect = corporate.issue(tenant.name, names=[tenant.name], server=True).write(tmp_path / "inspect")
    corporate_ca = corporate.write(tmp_path / "corporate-ca.pem")
    netrc = write_netrc(Path.home(), tenant.name)
    monkeypatch.setenv("NETRC", str(netrc))
    with ConnectProxy(hosts=tenant.hosts, intercept=(inspect.cert, inspect.key),
                      upstream_ca=tenant.ca_path) as inspecting:
        monkeypatch.setenv("HTTPS_PROXY", inspecting.url)
        basic = "Basic " + base64.b64encode(f"{NETRC_USER}:{NETRC_PASSWORD}".encode()).decode()
        # Control: a default requests session reads that .netrc and sends its credentials, which
        # the token endpoint takes over the form's (client_secret_basic), and refuses.
        refused = requests.post(f"{tenant.url}/oauth/token", verify=str(corporate_ca), timeout=5, data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "audience": f"{tenant.url}/api/v2/"})
        assert inspecting.requests[-1].header("Authorization") == basic and refused.status_code == 401
        inspecting.clear()
        tenant.admin.clear_calls()

        api = client(tenant.url, caBundle=str(corporate_ca))
        api.get_tenant_settings(fields="mtls")
        token_request, call = inspecting.requests
        assert (token_request.method, token_request.target) == ("POST", "/oauth/token")
        assert token_request.header("Authorization") is None  # the credentials are in the form body only
        assert call.target.startswith("/api/v2/tenants/settings")
        assert call.header("Authorization") == f"Bearer {api._access_token()}"
    assert tenant.api_calls() == ["POST /oauth/token", "GET /api/v2/tenants/settings"]


def test_a_tls_inspecting_proxy_is_trusted_only_with_its_ca(tenant: NamedTenant, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    corporate = CertificateAuthority("Corporate TLS inspection CA")
    inspect = corporate.issue(tenant.name, names=[tenant.name], server=True).write(tmp_path / "inspect")
    with ConnectProxy(hosts=tenant.hosts, intercept=(inspect.cert, inspect.key),
                      upstream_ca=tenant.ca_path) as inspecting:
        monkeypatch.setenv("HTTPS_PROXY", inspecting.url)
        error = failure(lambda: client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings())
        message = str(error)
        assert f"{tenant.name}:{tenant.port}" in message and "not trusted" in message
        assert "pulumi config set auth0:caBundle" in message and str(tenant.ca_path) in message
        assert inspecting.requests == [] and tenant.api_calls() == []
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(corporate.write(tmp_path / "corporate-ca.pem")))
        client(tenant.url).get_tenant_settings()
        assert [r.target for r in inspecting.requests] == ["/oauth/token", "/api/v2/tenants/settings"]


def test_the_private_ca_is_trusted_only_when_configured(tenant: NamedTenant) -> None:
    error = failure(lambda: client(tenant.loopback_url).get_tenant_settings())
    message = str(error)
    assert f"127.0.0.1:{tenant.port}" in message and "not trusted" in message, message
    assert "certifi" in message and "pulumi config set auth0:caBundle" in message
    assert "REQUESTS_CA_BUNDLE" in message and "cannot be turned off" in message
    assert tenant.api_calls() == []
    client(tenant.loopback_url, caBundle=str(tenant.ca_path)).get_tenant_settings()
    client(tenant.loopback_url, caBundle=tenant.ca_path.read_text()).get_tenant_settings()  # PEM text
    assert len(tenant.api_calls()) == 4


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_the_environment_names_the_ca_when_the_stack_does_not(tenant: NamedTenant, variable: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, str(tenant.ca_path))
    client(tenant.loopback_url).get_tenant_settings()
    assert len(tenant.api_calls()) == 2


def test_the_stack_config_wins_over_the_environment(tenant: NamedTenant, monkeypatch: pytest.MonkeyPatch) -> None:
    # This machine's own setting: the system bundle, which does not hold the tenant's CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ssl.get_default_verify_paths().openssl_cafile)
    failure(lambda: client(tenant.loopback_url).get_tenant_settings())
    client(tenant.loopback_url, caBundle=str(tenant.ca_path)).get_tenant_settings()


def test_an_empty_variable_does_not_turn_verification_off(tenant: NamedTenant,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURL_CA_BUNDLE", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "")
    assert "not trusted" in str(failure(lambda: client(tenant.loopback_url).get_tenant_settings()))


def test_a_proxy_that_wants_credentials(tenant: NamedTenant, monkeypatch: pytest.MonkeyPatch) -> None:
    with ConnectProxy(hosts=tenant.hosts, require_auth=("alice", "proxy-pass-5b1")) as guarded:
        monkeypatch.setenv("HTTPS_PROXY", guarded.url)
        message = str(failure(lambda: client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings()))
        assert f"127.0.0.1:{guarded.port}" in message and "HTTPS_PROXY" in message and "(407)" in message
        monkeypatch.setenv("HTTPS_PROXY", guarded.url.replace("://", "://alice:wrong-pass-77@"))
        message = str(failure(lambda: client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings()))
        assert "(407)" in message and "wrong-pass-77" not in message and "alice" not in message
        monkeypatch.setenv("HTTPS_PROXY", guarded.url.replace("://", "://alice:proxy-pass-5b1@"))
        client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings()
        assert guarded.connects == [f"{tenant.name}:{tenant.port}"]
    assert tenant.api_calls() == ["POST /oauth/token", "GET /api/v2/tenants/settings"]


def test_an_unreachable_proxy_is_named(tenant: NamedTenant, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{port}")
    error = failure(lambda: client(tenant.url, caBundle=str(tenant.ca_path)).get_tenant_settings())
    message = str(error)
    assert f"the proxy 127.0.0.1:{port} (from https_proxy) refused the connection" in message
    assert "NO_PROXY" in message and tenant.name in message


def test_plain_http_to_the_local_emulator_goes_through_http_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_mtls.emulator import Emulator

    with Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as emu, ConnectProxy() as plain:
        monkeypatch.setenv("HTTP_PROXY", plain.url)
        write_netrc(Path.home(), "127.0.0.1")
        api = client(emu.base_url)
        api.get_tenant_settings()
        token_request, call = plain.requests
        assert token_request.target == f"{emu.base_url}/oauth/token"
        assert token_request.header("Authorization") is None
        assert call.header("Authorization") == f"Bearer {api._access_token()}"


def test_one_tls_context_for_every_connection_and_only_the_configured_roots(tenant: NamedTenant) -> None:
    api = client(tenant.loopback_url, caBundle=str(tenant.ca_path))
    api.get_tenant_settings()
    threads = [threading.Thread(target=api.get_tenant_settings) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    context = tls_context(str(tenant.ca_path))
    pools = api._session.get_adapter(tenant.loopback_url).poolmanager.pools
    sockets = [conn.sock for key in pools.keys() for conn in list(pools[key].pool.queue) if conn and conn.sock]
    assert len(sockets) >= 2 and all(sock.context is context for sock in sockets)
    # requests' own adapter would have loaded its default bundle into each new connection's context.
    assert [ca["subject"] for ca in context.get_ca_certs()] == [
        ((("organizationName", "auth0-mtls tests"),), (("commonName", "Private tenant CA"),))]
