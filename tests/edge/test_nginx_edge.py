"""The rendered configuration in a real nginx, in front of a header-echo origin standing in for Auth0.

Two edges run for the whole module: one without ``client_ca_certificate`` (self-signed clients
only) and one trusting the client CA (both kinds of clients). Each test asserts exactly which
headers reached the origin, or that nothing did.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import quote, unquote

import pytest

from auth0_mtls import edge
from system_packages import ensure_command

from .conftest import CNAME_API_KEY, DOMAIN, MTLS, Client, Pki
from .curl import Response, curl_binary, edge_request
from .echo_origin import EchoOrigin, SeenRequest
from .nginx import RunningNginx, start_nginx

CERTIFICATE_HEADERS = {"client-certificate", "client-certificate-ca-verified"}


@dataclass
class Edge:
    nginx: RunningNginx
    pki: Pki
    ip_header: Optional[str]
    """The extra client-IP header this edge sets besides X-Forwarded-For."""
    origin_authority: str
    """host:port of the origin: the Host header Auth0 must get."""

    def request(self, host: str, path: str, client: Optional[Client] = None, **kwargs: object) -> Response:
        return edge_request(self.nginx.port, host, path, ca=self.pki.server_ca,
                            cert=client.paths if client else None, **kwargs)  # type: ignore[arg-type]


def _start(prefix: Path, pki: Pki, origin: EchoOrigin, *, client_ca: bool, ip_header: Optional[str],
           http_extra: str = "") -> Edge:
    def render(port: int) -> str:
        return edge.render_nginx_config(
            domain=DOMAIN, origin=f"http://127.0.0.1:{origin.port}", cname_api_key=CNAME_API_KEY,
            server_certificate=str(pki.server.chain), server_private_key=str(pki.server.key),
            client_ca_certificate=str(pki.client_ca) if client_ca else None,
            client_ip_header=ip_header, listen=f"127.0.0.1:{port}")
    return Edge(start_nginx(prefix, render, http_extra=http_extra), pki, ip_header, f"127.0.0.1:{origin.port}")


@pytest.fixture(scope="module")
def edges(nginx_bin: str, pki: Pki, echo_origin: EchoOrigin,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Edge]]:
    started: dict[str, Edge] = {}
    try:
        started["no_ca"] = _start(tmp_path_factory.mktemp("edge-no-ca"), pki, echo_origin,
                                  client_ca=False, ip_header=None)
        started["with_ca"] = _start(tmp_path_factory.mktemp("edge-with-ca"), pki, echo_origin,
                                    client_ca=True, ip_header="true-client-ip")
        yield started
    finally:
        for running in started.values():
            running.nginx.stop()


@pytest.fixture(params=["no_ca", "with_ca"])
def any_edge(request: pytest.FixtureRequest, edges: dict[str, Edge]) -> Edge:
    return edges[request.param]


def only(origin: EchoOrigin) -> SeenRequest:
    seen = origin.take()
    assert len(seen) == 1, f"the origin got {len(seen)} requests: {[s.path for s in seen]}"
    return seen[0]


def assert_edge_headers(seen: SeenRequest, edge_: Edge) -> None:
    """What the edge adds to every forwarded request: key, Host, and the client's address."""
    assert seen.header("cname-api-key") == CNAME_API_KEY
    assert seen.header("host") == edge_.origin_authority
    assert seen.header("x-forwarded-for") == "127.0.0.1"
    for name in ("true-client-ip", "cf-connecting-ip", "x-azure-clientip"):
        assert seen.header(name) == ("127.0.0.1" if name == edge_.ip_header else None), name


# -- the certificate --------------------------------------------------------------------------

def test_the_server_certificate_is_valid_for_both_hosts(any_edge: Edge, origin: EchoOrigin) -> None:
    # curl checks the name against --cacert: a certificate without mtls.<domain> fails here.
    for host, path in ((DOMAIN, "/"), (MTLS, "/oauth/token")):
        response = any_edge.request(host, path)
        assert (response.status, response.curl_exit) == (200, 0), response.curl_error
    assert len(origin.take()) == 2


def test_the_client_ca_is_not_advertised_in_the_handshake(edges: dict[str, Edge]) -> None:
    """Clients that pick a certificate by the server's CA list (Java, browsers) must still offer a
    self-signed one to the edge that trusts a client CA."""
    the_edge = edges["with_ca"]
    done = subprocess.run([ensure_command("openssl", package="openssl"), "s_client",
                           "-connect", f"127.0.0.1:{the_edge.nginx.port}",
                           "-servername", MTLS, "-CAfile", str(the_edge.pki.server_ca)],
                          input=b"", capture_output=True, timeout=30)
    output = done.stdout.decode(errors="replace")
    assert "Verify return code: 0 (ok)" in output  # the handshake happened
    assert "Acceptable client certificate CA names" not in output
    assert "client CA" not in output


# -- the main host ----------------------------------------------------------------------------

def test_main_host_forwards_every_path_with_the_key(any_edge: Edge, origin: EchoOrigin) -> None:
    for path in ("/authorize?client_id=abc&state=x%20y", "/u/login", "/.well-known/openid-configuration",
                 "/oauth/token"):
        response = any_edge.request(DOMAIN, path)
        assert response.status == 200 and response.json() == {"origin": "echo", "path": path}
        seen = only(origin)
        assert (seen.method, seen.path) == ("GET", path)
        assert_edge_headers(seen, any_edge)
        assert not seen.header_names & CERTIFICATE_HEADERS


def test_main_host_forwards_method_and_body(any_edge: Edge, origin: EchoOrigin) -> None:
    body = "grant_type=client_credentials&client_id=abc"
    response = any_edge.request(DOMAIN, "/oauth/token", method="POST", data=body,
                                headers=["Content-Type: application/x-www-form-urlencoded"])
    assert response.status == 200
    seen = only(origin)
    assert (seen.method, seen.body.decode()) == ("POST", body)
    assert seen.header("content-type") == "application/x-www-form-urlencoded"


def test_main_host_never_forwards_a_client_certificate(any_edge: Edge, origin: EchoOrigin) -> None:
    # The main host does not ask for one; curl offers it only if asked.
    response = any_edge.request(DOMAIN, "/oauth/token", any_edge.pki.self_signed)
    assert response.status == 200
    assert not only(origin).header_names & CERTIFICATE_HEADERS


# -- the mTLS host: what is forwarded for each certificate -------------------------------------

# (edge, client, value of client-certificate-ca-verified), as nginx 1.22 with OpenSSL 3 reports it.
FORWARDED = [
    ("no_ca", "self_signed", "FAILED:self-signed certificate"),
    ("no_ca", "ca_signed", "FAILED:unable to verify the first certificate"),
    ("no_ca", "ca_signed_via_intermediate", "FAILED:unable to get local issuer certificate"),
    ("no_ca", "other_ca_signed", "FAILED:unable to verify the first certificate"),
    # Without a CA, OpenSSL stops at the unknown issuer before it checks the key usage.
    ("no_ca", "ca_signed_server_purpose", "FAILED:unable to verify the first certificate"),
    ("with_ca", "self_signed", "FAILED:self-signed certificate"),
    ("with_ca", "ca_signed", "SUCCESS"),
    ("with_ca", "ca_signed_via_intermediate", "SUCCESS"),
    ("with_ca", "other_ca_signed", "FAILED:unable to verify the first certificate"),
]


@pytest.mark.parametrize("edge_name, client_name, verified", FORWARDED)
def test_mtls_host_forwards_the_leaf_and_the_verification_result(
        edges: dict[str, Edge], origin: EchoOrigin, edge_name: str, client_name: str, verified: str) -> None:
    the_edge = edges[edge_name]
    client: Client = getattr(the_edge.pki, client_name)
    response = the_edge.request(MTLS, "/oauth/token", client, method="POST", data="client_id=abc",
                                send_chain=client_name == "ca_signed_via_intermediate")
    assert response.status == 200, response.body
    seen = only(origin)
    assert (seen.method, seen.path, seen.body) == ("POST", "/oauth/token", b"client_id=abc")
    assert_edge_headers(seen, the_edge)
    assert seen.header("client-certificate-ca-verified") == verified
    encoded = seen.header("client-certificate")
    assert encoded is not None
    # Only the leaf, even when the client sent its chain; encoded as encodeURIComponent would.
    assert unquote(encoded) == client.certificate.cert_pem
    assert encoded == quote(client.certificate.cert_pem, safe="")
    assert len(encoded) <= edge.MAX_CLIENT_CERTIFICATE_HEADER


def test_a_chain_is_verified_only_when_the_client_sends_its_intermediate(edges: dict[str, Edge],
                                                                         origin: EchoOrigin) -> None:
    client = edges["with_ca"].pki.ca_signed_via_intermediate
    assert edges["with_ca"].request(MTLS, "/oauth/token", client, send_chain=False).status == 200
    assert only(origin).header("client-certificate-ca-verified") == "FAILED:unable to verify the first certificate"


def test_mtls_host_without_a_certificate_forwards_no_certificate_headers(any_edge: Edge,
                                                                          origin: EchoOrigin) -> None:
    for path in edge.MTLS_PATHS:
        response = any_edge.request(MTLS, path, method="POST", data="client_id=abc")
        assert response.status == 200
        seen = only(origin)
        assert seen.path == path
        assert_edge_headers(seen, any_edge)
        assert not seen.header_names & CERTIFICATE_HEADERS


EXPIRED = "10:certificate has expired"
NOT_YET_VALID = "9:certificate is not yet valid"
WRONG_PURPOSE = "26:unsuitable certificate purpose"
# (edge, client, OpenSSL's verify error): certificates nginx refuses itself under optional_no_ca.
REFUSED = [
    ("no_ca", "self_signed_expired", EXPIRED),
    ("no_ca", "self_signed_not_yet_valid", NOT_YET_VALID),
    ("no_ca", "ca_signed_expired", EXPIRED),
    ("no_ca", "self_signed_server_purpose", WRONG_PURPOSE),
    ("with_ca", "self_signed_expired", EXPIRED),
    ("with_ca", "self_signed_not_yet_valid", NOT_YET_VALID),
    ("with_ca", "ca_signed_expired", EXPIRED),
    ("with_ca", "self_signed_server_purpose", WRONG_PURPOSE),
    ("with_ca", "ca_signed_server_purpose", WRONG_PURPOSE),
]


@pytest.mark.parametrize("edge_name, client_name, error", REFUSED)
def test_certificates_nginx_refuses_get_an_oauth_error_and_reach_nothing(
        edges: dict[str, Edge], origin: EchoOrigin, edge_name: str, client_name: str, error: str) -> None:
    reason = error.split(":", 1)[1]
    the_edge = edges[edge_name]
    response = the_edge.request(MTLS, "/oauth/token", getattr(the_edge.pki, client_name), method="POST",
                                data="client_id=abc")
    assert response.status == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"error": "invalid_client",
                               "error_description": f"the client certificate was refused: FAILED:{reason}"}
    assert origin.take() == []
    assert f"client SSL certificate verify error: ({error})" in the_edge.nginx.error_log


def test_a_certificate_too_large_for_auth0_is_answered_at_the_edge(any_edge: Edge, origin: EchoOrigin) -> None:
    client = any_edge.pki.self_signed_oversized
    assert len(client.certificate.url_encoded_pem) > edge.MAX_CLIENT_CERTIFICATE_HEADER  # the premise
    for path in edge.MTLS_PATHS:
        response = any_edge.request(MTLS, path, client)
        assert response.status == 401
        assert response.json()["error"] == "invalid_client"
        assert "4096 bytes" in response.json()["error_description"]
    assert origin.take() == []


# -- the mTLS host: paths -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/authorize?client_id=abc", "/", "/oauth/revoke", "/oauth/token/",
                                  "/oauth/tokens", "/userinfo/extra", "/.well-known/openid-configuration",
                                  "/u/login", "/oauth/par/../../authorize", "/OAUTH/TOKEN"])
def test_mtls_host_answers_other_paths_itself(edges: dict[str, Edge], origin: EchoOrigin, path: str) -> None:
    the_edge = edges["with_ca"]
    response = the_edge.request(MTLS, path, the_edge.pki.ca_signed, path_as_is=True)
    assert response.status == 404
    assert response.json() == {"error": "not_found",
                               "error_description": f"{MTLS} serves only /oauth/token, /oauth/par, /userinfo"}
    assert origin.take() == []


@pytest.mark.parametrize("sent, forwarded", [
    ("/oauth/token?audience=https%3A%2F%2Fapi&x=1", "/oauth/token?audience=https%3A%2F%2Fapi&x=1"),
    ("/oauth/%74oken", "/oauth/token"),
    ("//oauth//token", "/oauth/token"),
    ("/oauth/./token", "/oauth/token"),
    ("/userinfo/../oauth/par", "/oauth/par"),
    ("/userinfo", "/userinfo"),
])
def test_mtls_host_forwards_exactly_the_allowed_path(edges: dict[str, Edge], origin: EchoOrigin,
                                                     sent: str, forwarded: str) -> None:
    the_edge = edges["with_ca"]
    response = the_edge.request(MTLS, sent, the_edge.pki.ca_signed, path_as_is=True)
    assert response.status == 200
    seen = only(origin)
    assert seen.path == forwarded
    assert seen.header("client-certificate-ca-verified") == "SUCCESS"


# -- spoofing -----------------------------------------------------------------------------------

SPOOFED = [
    "client-certificate: -----BEGIN%20CERTIFICATE-----%0Aspoofed",
    "Client-Certificate: spoofed-2",
    "CLIENT-CERTIFICATE: spoofed-3",
    "client-certificate-ca-verified: SUCCESS",
    "Client-Certificate-CA-Verified: SUCCESS",
    "cname-api-key: spoofed-key",
    "CNAME-API-Key: spoofed-key-2",
    "X-Forwarded-For: 203.0.113.7",
    "x-forwarded-for: 203.0.113.8, 203.0.113.9",
    "True-Client-IP: 203.0.113.10",
    "true-client-ip: 203.0.113.11",
    "CF-Connecting-IP: 203.0.113.12",
    "X-Azure-ClientIP: 203.0.113.13",
    "client_certificate: spoofed-underscore",
    "client_certificate_ca_verified: SUCCESS",
    "cname_api_key: spoofed-underscore",
    "x_forwarded_for: 203.0.113.14",
    "true_client_ip: 203.0.113.15",
]
SPOOF_MARKERS = ("spoofed", "203.0.113.")


def test_spoofed_headers_do_reach_a_server_that_does_not_replace_them(origin: EchoOrigin) -> None:
    """The premise of the spoofing tests: curl really sends every line, duplicates included."""
    command = [curl_binary(), "--silent", f"http://127.0.0.1:{origin.port}/oauth/token"]
    for header in SPOOFED:
        command += ["--header", header]
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    seen = only(origin)
    assert [f"{k}: {v}" for k, v in seen.headers if k.lower() not in ("host", "user-agent", "accept")] == SPOOFED


@dataclass(frozen=True)
class SpoofCase:
    host: str
    client: Optional[str]
    verified: Optional[str]


SPOOF_CASES = {
    "main host, no certificate": SpoofCase(DOMAIN, None, None),
    "main host, certificate": SpoofCase(DOMAIN, "ca_signed", None),
    "mtls host, no certificate": SpoofCase(MTLS, None, None),
    "mtls host, self-signed": SpoofCase(MTLS, "self_signed", "FAILED:self-signed certificate"),
    "mtls host, other CA": SpoofCase(MTLS, "other_ca_signed", "FAILED:unable to verify the first certificate"),
}


@pytest.mark.parametrize("case", list(SPOOF_CASES.values()), ids=list(SPOOF_CASES))
def test_client_sent_edge_headers_are_replaced_or_dropped(any_edge: Edge, origin: EchoOrigin,
                                                          case: SpoofCase) -> None:
    the_edge = any_edge
    client = getattr(the_edge.pki, case.client) if case.client else None
    response = the_edge.request(case.host, "/oauth/token", client, headers=SPOOFED)
    assert response.status == 200, response.body
    seen = only(origin)
    assert_edge_headers(seen, the_edge)  # each of these arrives once, with the edge's value
    assert seen.header("client-certificate-ca-verified") == case.verified
    certificate = seen.header("client-certificate")
    assert certificate == (quote(client.certificate.cert_pem, safe="") if case.verified else None)
    leaked = [(k, v) for k, v in seen.headers if any(marker in v for marker in SPOOF_MARKERS)]
    assert leaked == []
    assert not {name.replace("-", "_") for name in (*CERTIFICATE_HEADERS, "cname-api-key")} & seen.header_names


@pytest.fixture(scope="module")
def underscore_edge(nginx_bin: str, pki: Pki, echo_origin: EchoOrigin,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    started = _start(tmp_path_factory.mktemp("edge-underscores"), pki, echo_origin, client_ca=True,
                     ip_header="x-azure-clientip", http_extra="    underscores_in_headers on;")
    try:
        yield started
    finally:
        started.nginx.stop()


@pytest.mark.parametrize("host, client", [(DOMAIN, None), (MTLS, None), (MTLS, "self_signed")])
def test_underscore_names_are_dropped_even_where_nginx_accepts_underscores(
        underscore_edge: Edge, origin: EchoOrigin, host: str, client: Optional[str]) -> None:
    response = underscore_edge.request(host, "/oauth/token", getattr(underscore_edge.pki, client) if client else None,
                                       headers=[*SPOOFED, "Client_Certificate: spoofed-mixed-case"])
    assert response.status == 200
    seen = only(origin)
    assert_edge_headers(seen, underscore_edge)
    assert [(k, v) for k, v in seen.headers if any(marker in v for marker in SPOOF_MARKERS)] == []


# -- Host and SNI that disagree -----------------------------------------------------------------

def test_sni_of_the_mtls_host_with_the_main_host_header_forwards_no_certificate(edges: dict[str, Edge],
                                                                                origin: EchoOrigin) -> None:
    the_edge = edges["with_ca"]
    response = the_edge.request(MTLS, "/authorize", the_edge.pki.ca_signed, headers=[f"Host: {DOMAIN}"])
    assert response.status == 200  # the main host's server answers, as for any main-host request
    seen = only(origin)
    assert seen.path == "/authorize"
    assert not seen.header_names & CERTIFICATE_HEADERS


def test_sni_of_the_main_host_cannot_reach_the_mtls_server(edges: dict[str, Edge], origin: EchoOrigin) -> None:
    the_edge = edges["with_ca"]
    response = the_edge.request(DOMAIN, "/oauth/token", the_edge.pki.ca_signed, headers=[f"Host: {MTLS}"])
    assert response.status == 421  # nginx: the negotiated server did not verify client certificates
    assert origin.take() == []


def test_no_sni_with_the_mtls_host_header_forwards_no_certificate(edges: dict[str, Edge],
                                                                  origin: EchoOrigin) -> None:
    the_edge = edges["with_ca"]
    # An IP address in the URL: curl sends no SNI, so the handshake asks for no certificate.
    response = the_edge.request("127.0.0.1", "/oauth/token", the_edge.pki.ca_signed, insecure=True,
                                headers=[f"Host: {MTLS}"])
    assert response.status == 200
    seen = only(origin)
    assert seen.path == "/oauth/token"
    assert not seen.header_names & CERTIFICATE_HEADERS
