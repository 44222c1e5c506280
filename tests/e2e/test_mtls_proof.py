"""The whole mTLS path, proved on every run.

One ``pulumi up`` of ``examples/mtls-tenant`` (custom domain, verification, endpoint aliases,
certificate credentials, client mTLS authentication with proof of possession, API proof of
possession, and the rendered nginx edge) against the emulator; then a real nginx started from the
stack's own ``nginx_conf`` output, with certificates made here, and curl as the client.

The emulator answers Pulumi on its http loopback address (the provider trusts only the public CA
bundle, so it could not trust a private test CA) and the edge on a second, https listener of the
same tenant with a private CA: so the edge's origin TLS (``origin_ca_certificate``, SNI, name
check) is on the path too. Every case asserts what answered (the edge, or Auth0's origin as the emulator's call log
shows) and whether a token was issued. Tokens are verified with code independent of the emulator
(``tests/tokens.py``) against the JWKS fetched through the edge.

Module scope: one emulator, one ``pulumi up``, one nginx, shared by the cases in file order; the
discovery-check cases at the end change the stack and run last.
"""

from __future__ import annotations

import functools
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlencode

import pytest
import requests

from auth0_mtls.emulator import Emulator
from auth0_mtls.emulator.server import HttpServer
from auth0_mtls.emulator.tls import generate, server_context
from certs import Certificate, CertificateAuthority, CertPaths, expired, self_signed
from edge.curl import Response, curl_binary, edge_request
from edge.nginx import RunningNginx, free_port, nginx_binary, start_nginx
from mgmt import Mgmt
from tokens import thumbprint, verified_claims

from .harness import CLIENT_ID, CLIENT_SECRET, ROOT, Stack, ops

DOMAIN = "login.example.com"
MTLS = f"mtls.{DOMAIN}"
API = "https://api.example.com/payments"
EXAMPLE = ROOT / "examples" / "mtls-tenant"
TOKEN = "/oauth/token"


@dataclass(frozen=True)
class Client:
    client_id: str
    certificate: Certificate
    paths: CertPaths


@dataclass(frozen=True)
class Origin:
    """The tenant's https listener that the edge proxies to: Auth0's origin for the custom domain."""

    url: str
    ca: Path


@dataclass
class Proof:
    emu: Emulator
    origin: Origin
    stack: Stack
    nginx: RunningNginx
    server_ca: Path
    self_signed: Client
    ca_signed: Client
    stranger: CertPaths
    expired: CertPaths
    outputs: dict[str, Any]
    up_output: str
    first_preview: dict[str, list[str]]
    preview_calls: list[dict[str, Any]]
    workdir: Path

    # -- requests through the edge, by curl --------------------------------------------------

    def edge(self, host: str, path: str, **kw: Any) -> Response:
        return edge_request(self.nginx.port, host, path, ca=self.server_ca, **kw)

    def token_request(self, client_id: str, host: str = MTLS, cert: CertPaths | None = None,
                      headers: tuple[str, ...] = ()) -> Response:
        body = urlencode({"grant_type": "client_credentials", "client_id": client_id, "audience": API})
        return self.edge(host, TOKEN, method="POST", data=body, cert=cert, headers=headers)

    def jwks(self) -> dict[str, Any]:
        response = self.edge(DOMAIN, "/.well-known/jwks.json")
        assert response.status == 200, response.body
        return dict(response.json())

    # -- what Auth0's side saw ----------------------------------------------------------------

    def issued(self) -> list[dict[str, Any]]:
        return list(self.emu.state.authentication.issued())

    def observe(self, action: Callable[[], Response]) -> tuple[Response, list[dict[str, Any]], list[dict[str, Any]]]:
        """The response, the calls that reached the origin meanwhile, and the tokens issued meanwhile."""
        calls, tokens = len(self.emu.state.calls()), len(self.issued())
        response = action()
        return response, self.emu.state.calls()[calls:], self.issued()[tokens:]

    def mgmt(self, method: str, path: str, **kw: Any) -> Any:
        """A change made elsewhere (a dashboard, another stack), with one token for the whole module."""
        return management(self.emu).call(method, path, expect=(200, 201, 204), **kw)


@functools.cache
def management(emu: Emulator) -> Mgmt:
    return Mgmt.of(emu)


@contextmanager
def https_origin(emu: Emulator, directory: Path) -> Iterator[Origin]:
    """A second listener of the same tenant, over https with a private CA made for the run, that
    answers as the custom domain's origin (an Authentication API request without the domain's key
    is refused)."""
    files = generate(directory, ("localhost", "127.0.0.1"))
    assert files.ca_path is not None
    server = HttpServer(("127.0.0.1", 0), emu, server_context(files.cert_path, files.key_path),
                        site=emu.site.as_custom_domain_origin())
    server.serve_in_thread("mtls-proof-origin", poll_interval=0.05)
    try:
        yield Origin(f"https://localhost:{server.server_address[1]}", files.ca_path)
    finally:
        server.close()


def _made_elsewhere(emu: Emulator) -> tuple[str, str]:
    """The two applications, the API and their grants: made in the dashboard or another stack."""
    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(management(emu).call("POST", path, expect=201, json=body))

    post("/resource-servers", {"name": "Payments", "identifier": API, "scopes": [{"value": "pay"}]})
    ids = []
    for name in ("partner-a", "partner-b"):
        app = post("/clients", {"name": name, "app_type": "non_interactive",
                                "token_endpoint_auth_method": "client_secret_post",
                                "grant_types": ["client_credentials"]})
        post("/client-grants", {"client_id": app["client_id"], "audience": API, "scope": ["pay"]})
        ids.append(app["client_id"])
    return ids[0], ids[1]


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory, pulumi_bin: Path) -> Iterator[Proof]:
    nginx_binary()  # installed from Debian's packages when missing; never a skip
    curl_binary()
    root = tmp_path_factory.mktemp("proof")
    certs = root / "certs"
    server_ca = CertificateAuthority("edge server CA")
    client_ca = CertificateAuthority("partner CA")
    a_cert = self_signed("partner-a 2026")
    b_cert = client_ca.issue("partner-b", client=True)
    with Emulator(auto_dns=True, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as emu, \
            https_origin(emu, root / "origin-tls") as origin:
        a_id, b_id = _made_elsewhere(emu)
        a = Client(a_id, a_cert, a_cert.write(certs / "partner-a"))
        b = Client(b_id, b_cert, b_cert.write(certs / "partner-b"))
        listen_port = free_port()
        stack = Stack(root / "stack", emu.base_url, pulumi_bin, program_dir=EXAMPLE)
        server = server_ca.issue(DOMAIN, names=[DOMAIN, MTLS], server=True).write(certs / "edge")
        settings = {
            "domain": DOMAIN, "verifyTimeoutSeconds": "60", "appClientId": a.client_id, "apiId": API,
            "caAppClientId": b.client_id, "caClientCertificate": str(b.paths.cert),
            "edgeCertificate": str(server.chain), "edgeCertificateKey": str(server.key),
            "edgeClientCa": str(client_ca.write(certs / "client-ca.pem")),
            "edgeListen": f"127.0.0.1:{listen_port}",
            # In front of a real tenant this is the verification's origin_domain_name (the default).
            "edgeOrigin": origin.url, "edgeOriginCa": str(origin.ca),
        }
        for key, value in settings.items():
            stack.run("config", "set", key, value)
        stack.run("config", "set", "--path", "clientCertificates.partner-a-2026", str(a.paths.cert))

        emu.state.clear_calls()
        preview = stack.preview()
        preview_calls = emu.state.calls()
        up = stack.up()
        outputs = stack.outputs(show_secrets=True)
        text = outputs["nginx_conf"]
        listen = f"listen 127.0.0.1:{listen_port} ssl;"
        assert text.count(listen) == 2, text.count(listen)
        with start_nginx(root / "nginx", lambda port: text.replace(listen, f"listen 127.0.0.1:{port} ssl;"),
                         first_port=listen_port) as nginx:
            yield Proof(emu, origin, stack, nginx, server_ca.write(certs / "server-ca.pem"), a, b,
                        self_signed("stranger").write(certs / "stranger"),
                        self_signed("partner-a old", **expired()).write(certs / "expired"),
                        outputs, up.output, ops(preview), preview_calls, root)


# ---------------------------------------------------------------------- the stack


def test_one_up_sets_up_the_whole_path(proof: Proof) -> None:
    assert proof.preview_calls == []  # the preview made no call, not even for a token
    assert set(proof.first_preview) == {
        "CustomDomain:login", "CustomDomainVerification:login", "TenantMtlsSettings:mtls",
        "ClientCertificateCredential:partner-a-2026", "ClientMtlsAuthentication:partner-a",
        "ClientCertificateCredential:partner-b", "ClientMtlsAuthentication:partner-b",
        "ResourceServerProofOfPossession:payments-api"}
    assert all(steps == ["create"] for steps in proof.first_preview.values())
    state = proof.emu.state.snapshot()
    (domain,) = state["custom_domains"]
    assert (domain["domain"], domain["status"]) == (DOMAIN, "ready")
    assert state["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    clients = {client["client_id"]: client for client in state["clients"]}
    a, b = clients[proof.self_signed.client_id], clients[proof.ca_signed.client_id]
    assert list(a["client_authentication_methods"]) == ["self_signed_tls_client_auth"]
    assert list(b["client_authentication_methods"]) == ["tls_client_auth"]
    assert a["require_proof_of_possession"] is True and b["require_proof_of_possession"] is True
    (api,) = state["resource_servers"]
    assert api["proof_of_possession"] == {"mechanism": "mtls", "required": True}
    # The rendered edge is a secret output: masked unless asked for.
    assert proof.stack.outputs()["nginx_conf"] == "[secret]"
    assert proof.outputs["nginx_conf"].count("proxy_set_header cname-api-key") == 2


# ---------------------------------------------------------------------- certificate-bound tokens


def _bound_token(proof: Proof, client: Client, method: str) -> dict[str, Any]:
    response, calls, tokens = proof.observe(lambda: proof.token_request(client.client_id, cert=client.paths))
    assert response.status == 200, (response.status, response.body)
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "DPoP" and body["scope"] == "pay"
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [("POST", TOKEN, 200)]
    claims = verified_claims(body["access_token"], proof.jwks())
    assert claims["iss"] == f"https://{DOMAIN}/" and claims["aud"] == API
    assert claims["sub"] == f"{client.client_id}@clients" and claims["azp"] == client.client_id
    assert claims["gty"] == "client-credentials" and claims["scope"] == "pay"
    assert claims["iat"] <= time.time() + 5 < claims["exp"]
    own = thumbprint(client.certificate.cert_pem)
    assert claims["cnf"] == {"x5t#S256": own}
    (issued,) = tokens
    assert issued["authentication"] == method and issued["cnf_x5t_s256"] == own
    return claims


def test_a_self_signed_client_gets_a_token_bound_to_its_certificate(proof: Proof) -> None:
    claims = _bound_token(proof, proof.self_signed, "self_signed_tls_client_auth")
    # The credential Pulumi registered is the certificate the token is bound to.
    assert claims["cnf"]["x5t#S256"] == proof.outputs["certificate_thumbprints"]["partner-a-2026"]
    (credential,) = proof.mgmt("GET", f"/clients/{proof.self_signed.client_id}/credentials")
    assert credential["thumbprint_sha256"] == claims["cnf"]["x5t#S256"]


def test_a_ca_signed_client_gets_a_token_with_tls_client_auth(proof: Proof) -> None:
    _bound_token(proof, proof.ca_signed, "tls_client_auth")
    (credential,) = proof.mgmt("GET", f"/clients/{proof.ca_signed.client_id}/credentials")
    assert credential["credential_type"] == "cert_subject_dn"
    assert credential["subject_dn"] == proof.outputs["ca_certificate_subject_dn"]


# ---------------------------------------------------------------------- refusals


def _refused_by_origin(proof: Proof, action: Callable[[], Response], status: int, error: str,
                       description: str, path: str = TOKEN) -> None:
    response, calls, tokens = proof.observe(action)
    assert response.status == status, (response.status, response.body)
    assert response.json()["error"] == error and description in response.json()["error_description"]
    assert [(c["path"], c["status"], c["outcome"]) for c in calls] == [(path, status, "error")]
    assert tokens == [] and "access_token" not in response.body


def _refused_by_edge(proof: Proof, action: Callable[[], Response], status: int, description: str) -> None:
    response, calls, tokens = proof.observe(action)
    assert response.status == status, (response.status, response.body)
    assert description in response.json()["error_description"]
    assert calls == [] and tokens == []  # nothing reached Auth0


def _spoofed(cert: Certificate) -> tuple[str, ...]:
    return (f"client-certificate: {quote(cert.cert_pem, safe='')}", "client-certificate-ca-verified: FAILED",
            "Client-Certificate-Ca-Verified: SUCCESS")


def test_no_certificate_is_refused_by_the_origin(proof: Proof) -> None:
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id), 401, "invalid_client",
                       "No client certificate was presented")


def test_an_unregistered_certificate_is_refused_by_the_origin(proof: Proof) -> None:
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id, cert=proof.stranger), 401,
                       "invalid_client", "matches none of the client's x509_cert credentials")
    # A stranger's certificate signed by no known CA is not tls_client_auth either.
    _refused_by_origin(proof, lambda: proof.token_request(proof.ca_signed.client_id, cert=proof.stranger), 401,
                       "invalid_client", "did not verify the certificate against its client CA")


def test_another_clients_certificate_is_refused(proof: Proof) -> None:
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id, cert=proof.ca_signed.paths),
                       401, "invalid_client", "reported a CA-verified certificate")


def test_a_spoofed_certificate_header_is_dropped_by_the_edge_on_the_mtls_host(proof: Proof) -> None:
    # The registered certificate, by header: the edge drops it, so the origin sees no certificate.
    spoof = _spoofed(proof.self_signed.certificate)
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id, headers=spoof), 401,
                       "invalid_client", "No client certificate was presented")
    # With a real (unregistered) certificate, the header carries that one, not the spoofed one.
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id, cert=proof.stranger,
                                                          headers=spoof),
                       401, "invalid_client", "matches none of the client's x509_cert credentials")


def test_a_spoofed_certificate_header_is_dropped_by_the_edge_on_the_main_host(proof: Proof) -> None:
    spoof = _spoofed(proof.self_signed.certificate)
    _refused_by_origin(proof, lambda: proof.token_request(proof.self_signed.client_id, host=DOMAIN, headers=spoof),
                       401, "invalid_client", "No client certificate was presented")


def test_an_expired_certificate_is_refused_by_the_edge(proof: Proof) -> None:
    _refused_by_edge(proof, lambda: proof.token_request(proof.self_signed.client_id, cert=proof.expired), 401,
                     "the client certificate was refused: FAILED:certificate has expired")


def test_a_request_that_bypasses_the_edge_is_refused_by_the_origin(proof: Proof) -> None:
    url = f"{proof.origin.url}{TOKEN}"  # Auth0's origin for the domain, reached without the edge
    headers = {"client-certificate": quote(proof.self_signed.certificate.cert_pem, safe=""),
               "client-certificate-ca-verified": "FAILED:self-signed certificate"}
    body = {"grant_type": "client_credentials", "client_id": proof.self_signed.client_id, "audience": API}

    def direct(**extra: str) -> Response:
        answer = requests.post(url, data=body, headers={**headers, **extra}, verify=str(proof.origin.ca), timeout=10)
        return Response(answer.status_code, answer.text, dict(answer.headers), 0, "")

    _refused_by_origin(proof, direct, 403, "access_denied", "Invalid API key: the cname-api-key header is missing")
    _refused_by_origin(proof, lambda: direct(**{"cname-api-key": "f" * 128}), 403, "access_denied",
                       "not the key of any custom domain")


def test_a_request_without_any_edge_header_is_refused_by_the_origin(proof: Proof) -> None:
    """A secret client, which needs no certificate, calling the origin directly: refused there,
    though the very same request through the edge gets a token. (Its API has no proof-of-possession
    policy, unlike the payments API, so that a secret is all it takes.)"""
    reports = "https://api.example.com/reports"
    server = proof.mgmt("POST", "/resource-servers", json={"name": "Reports", "identifier": reports,
                                                            "scopes": [{"value": "read"}]})
    app = proof.mgmt("POST", "/clients", json={"name": "backend", "app_type": "non_interactive",
                                               "token_endpoint_auth_method": "client_secret_post",
                                               "grant_types": ["client_credentials"]})
    proof.mgmt("POST", "/client-grants", json={"client_id": app["client_id"], "audience": reports, "scope": ["read"]})
    body = {"grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "audience": reports}
    discovery = "/.well-known/openid-configuration"

    def bare(method: str, path: str) -> Response:
        answer = requests.request(method, f"{proof.origin.url}{path}", data=body if method == "POST" else None,
                                  verify=str(proof.origin.ca), timeout=10)
        return Response(answer.status_code, answer.text, dict(answer.headers), 0, "")

    try:
        missing = "Invalid API key: the cname-api-key header is missing"
        _refused_by_origin(proof, lambda: bare("GET", discovery), 403, "access_denied", missing, path=discovery)
        _refused_by_origin(proof, lambda: bare("POST", TOKEN), 403, "access_denied", missing)
        # The premise: through the edge, the same client and secret get a token for the custom domain.
        response, calls, tokens = proof.observe(lambda: proof.edge(DOMAIN, TOKEN, method="POST", data=urlencode(body)))
        assert response.status == 200, (response.status, response.body)
        assert [(c["path"], c["status"]) for c in calls] == [(TOKEN, 200)]
        assert [(t["client_id"], t["authentication"]) for t in tokens] == [(app["client_id"], "client_secret_post")]
        assert verified_claims(response.json()["access_token"], proof.jwks())["iss"] == f"https://{DOMAIN}/"
    finally:
        proof.mgmt("DELETE", f"/clients/{app['client_id']}")
        proof.mgmt("DELETE", f"/resource-servers/{server['id']}")


def test_authorize_is_not_forwarded_from_the_mtls_host(proof: Proof) -> None:
    response, calls, _ = proof.observe(lambda: proof.edge(MTLS, "/authorize?client_id=x&response_type=code"))
    assert response.status == 404 and response.json()["error"] == "not_found"
    assert f"{MTLS} serves only /oauth/token, /oauth/par, /userinfo" in response.json()["error_description"]
    assert calls == []
    # The main host forwards every path: the same request reaches Auth0 there.
    _, main_calls, _ = proof.observe(lambda: proof.edge(DOMAIN, "/authorize?client_id=x&response_type=code"))
    assert [c["path"] for c in main_calls] == ["/authorize"]


def test_the_discovery_document_through_the_edge(proof: Proof) -> None:
    response = proof.edge(DOMAIN, "/.well-known/openid-configuration")
    assert response.status == 200
    document = response.json()
    assert document["issuer"] == f"https://{DOMAIN}/"
    assert document["mtls_endpoint_aliases"] == {"token_endpoint": f"https://{MTLS}{TOKEN}"}
    assert document["tls_client_certificate_bound_access_tokens"] is True


# ---------------------------------------------------------------------- the discovery check


def _urn(proof: Proof, type_suffix: str) -> str:
    (resource,) = proof.stack.resources(type_suffix)
    return str(resource["urn"])


def test_the_discovery_check_passes_through_the_edge(proof: Proof) -> None:
    stack = proof.stack
    for key, value in {"checkDiscovery": "true", "edgeAddress": f"127.0.0.1:{proof.nginx.port}",
                       "edgeCaBundle": str(proof.server_ca), "discoveryTimeoutSeconds": "4"}.items():
        stack.run("config", "set", key, value)
    proof.emu.state.clear_calls()
    preview = stack.preview()
    assert proof.emu.state.calls() == []  # no call in a preview: neither Auth0 nor the edge
    changed = {name: steps for name, steps in ops(preview).items() if steps != ["same"]}
    assert changed == {"MtlsDiscoveryCheck:edge": ["create"]}
    stack.up()
    # The check's GET went through nginx to the custom domain's origin.
    assert [(c["method"], c["path"], c["status"]) for c in proof.emu.state.calls()] == [
        ("GET", "/.well-known/openid-configuration", 200)]
    outputs = stack.outputs()
    assert outputs["mtls_token_endpoint"] == f"https://{MTLS}{TOKEN}"
    assert stack.preview("--expect-no-changes").returncode == 0


def test_a_lost_alias_shows_in_the_next_preview_and_fails_the_check_clearly(proof: Proof) -> None:
    stack = proof.stack
    proof.mgmt("PATCH", "/tenants/settings", json={"mtls": {"enable_endpoint_aliases": False}})
    refresh = stack.refresh()
    assert "no longer advertises the mTLS token endpoint" in refresh.output
    changed = {name: steps for name, steps in ops(stack.preview()).items() if steps != ["same"]}
    assert changed == {"TenantMtlsSettings:mtls": ["update"], "MtlsDiscoveryCheck:edge": ["update"]}

    # Only the check: the aliases stay off, and the check says what is missing and what to do.
    started = time.monotonic()
    failed = stack.up("--target", _urn(proof, "MtlsDiscoveryCheck"), check=False)
    assert failed.returncode != 0
    assert time.monotonic() - started < 60
    assert (f"https://{DOMAIN}/.well-known/openid-configuration (connecting to 127.0.0.1:{proof.nginx.port}) does not "
            "advertise the mTLS token endpoint after 4s") in failed.output
    assert f"mtls_endpoint_aliases.token_endpoint is missing (expected https://{MTLS}{TOKEN})" in failed.output
    assert "turn on the tenant's mTLS endpoint aliases (TenantMtlsSettings enable_endpoint_aliases=True)" in \
        failed.output

    # The whole program: the aliases come back first, then the check passes.
    stack.up()
    assert proof.emu.state.get_tenant_settings()["mtls"] == {"enable_endpoint_aliases": True}
    assert stack.preview("--expect-no-changes").returncode == 0


def test_destroy_puts_the_applications_and_the_tenant_back(proof: Proof) -> None:
    proof.stack.destroy()
    state = proof.emu.state.snapshot()
    for client in state["clients"]:
        assert client.get("token_endpoint_auth_method") == "client_secret_post"
        assert "client_authentication_methods" not in client
    assert state["client_credentials"] == {}
    assert "proof_of_possession" not in state["resource_servers"][0]
    assert "mtls" not in state["tenant_settings"]
    assert json.loads(proof.stack.run("stack", "output", "--json").stdout) == {}
