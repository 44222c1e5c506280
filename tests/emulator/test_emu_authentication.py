"""The Authentication API: application tokens, certificate-bound tokens, discovery and JWKS, on the
canonical address and behind a custom domain's edge (the edge's headers are sent by hand here; the
real nginx edge is exercised in tests/e2e/test_mtls_proof.py).

Tokens are checked independently of the emulator's code: the signature with ``cryptography``
against the JWKS as served, thumbprints with the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests

from auth0_mtls.emulator import Emulator
from certs import Certificate, CertificateAuthority, expired, self_signed
from tokens import thumbprint, verified_claims

from .conftest import Api

DOMAIN = "login.example.com"
API = "https://api.example.com/payments"
MTLS_TOKEN_ENDPOINT = f"https://mtls.{DOMAIN}/oauth/token"


@dataclass
class Tenant:
    emu: Emulator
    api: Api
    domain_id: str
    key: str
    self_signed_client: str
    self_signed_cert: Certificate
    ca_client: str
    ca_cert: Certificate
    secret_client: str
    secret: str

    def edge_headers(self, cert: Certificate | None = None, verified: str | None = None,
                     key: str | None = "") -> dict[str, str]:
        """What the rendered nginx edge sends: the key, and on mtls.<domain> the certificate headers."""
        headers = {"cname-api-key": self.key if key == "" else key} if key is not None else {}
        if cert is not None:
            headers["client-certificate"] = quote(cert.cert_pem, safe="")
            headers["client-certificate-ca-verified"] = verified or "FAILED:self-signed certificate"
        return {name: value for name, value in headers.items() if value is not None}

    def token(self, client_id: str, headers: dict[str, str] | None = None, **params: str) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_id": client_id, "audience": API, **params}
        return requests.post(f"{self.emu.base_url}/oauth/token", data=data, headers=headers or {}, timeout=10)

    def issued(self) -> list[dict[str, Any]]:
        return self.api.admin("GET", "/tokens/issued").json()

    def jwks(self) -> dict[str, Any]:
        return requests.get(f"{self.emu.base_url}/.well-known/jwks.json", headers=self.edge_headers(),
                            timeout=10).json()

    def set_aliases(self, enabled: bool) -> None:
        response = self.api.patch("/api/v2/tenants/settings", json={"mtls": {"enable_endpoint_aliases": enabled}})
        assert response.status_code == 200, response.text


def _created(response: requests.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.fixture
def tenant(make_emu: Any) -> Tenant:
    # With a custom domain origin listener beside the canonical one: every canonical-address test
    # below also shows that the extra listener changes nothing there.
    emu = make_emu(auto_dns=True, origin_port=0)
    api = Api(emu)
    domain = api.create(DOMAIN)
    key = api.verify(domain["custom_domain_id"]).json()["cname_api_key"]
    _created(api.post("/api/v2/resource-servers", json={"identifier": API, "name": "payments",
                                                         "scopes": [{"value": "pay"}, {"value": "refund"}]}))
    lone = self_signed("partner-a")
    ca = CertificateAuthority("partner CA")
    ca_cert = ca.issue("partner-b", client=True)
    ids = {}
    for name, cert, method, kind in (("partner-a", lone, "self_signed_tls_client_auth", "x509_cert"),
                                     ("partner-b", ca_cert, "tls_client_auth", "cert_subject_dn")):
        client = _created(api.post("/api/v2/clients", json={"name": name, "app_type": "non_interactive",
                                                             "token_endpoint_auth_method": "client_secret_post"}))
        cred = _created(api.post(f"/api/v2/clients/{client['client_id']}/credentials",
                                 json={"credential_type": kind, "pem": cert.cert_pem}))
        _created(api.patch(f"/api/v2/clients/{client['client_id']}", json={
            "client_authentication_methods": {method: {"credentials": [{"id": cred["id"]}]}},
            "token_endpoint_auth_method": None}))
        ids[name] = client["client_id"]
    secret_client = _created(api.post("/api/v2/clients", json={"name": "backend", "app_type": "non_interactive"}))
    for client_id in (*ids.values(), secret_client["client_id"]):
        _created(api.post("/api/v2/client-grants", json={"client_id": client_id, "audience": API,
                                                          "scope": ["pay"]}))
    return Tenant(emu, api, domain["custom_domain_id"], key, ids["partner-a"], lone, ids["partner-b"], ca_cert,
                  secret_client["client_id"], secret_client["client_secret"])


def set_pop(tenant: Tenant, pop: dict[str, Any] | None) -> None:
    _created(tenant.api.patch(f"/api/v2/resource-servers/{quote(API, safe='')}", json={"proof_of_possession": pop}))


# ---------------------------------------------------------------------- certificate-bound tokens


def test_self_signed_client_gets_a_token_bound_to_its_certificate(tenant: Tenant) -> None:
    set_pop(tenant, {"mechanism": "mtls", "required": True})
    response = tenant.token(tenant.self_signed_client, tenant.edge_headers(tenant.self_signed_cert))
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "scope", "expires_in", "token_type"}
    assert body["token_type"] == "DPoP" and body["scope"] == "pay" and body["expires_in"] == 86400
    claims = verified_claims(body["access_token"], tenant.jwks())
    assert list(claims) == ["iss", "sub", "aud", "iat", "exp", "scope", "gty", "azp", "cnf"]
    assert claims["iss"] == f"https://{DOMAIN}/"
    assert claims["sub"] == f"{tenant.self_signed_client}@clients" and claims["azp"] == tenant.self_signed_client
    assert claims["aud"] == API and claims["gty"] == "client-credentials" and claims["scope"] == "pay"
    assert claims["exp"] - claims["iat"] == 86400
    credential = tenant.api.get(f"/api/v2/clients/{tenant.self_signed_client}/credentials").json()[0]
    assert claims["cnf"] == {"x5t#S256": thumbprint(tenant.self_signed_cert.cert_pem)}
    assert claims["cnf"]["x5t#S256"] == credential["thumbprint_sha256"]
    assert tenant.issued() == [{
        "client_id": tenant.self_signed_client, "audience": API, "custom_domain_id": tenant.domain_id,
        "authentication": "self_signed_tls_client_auth", "cnf_x5t_s256": credential["thumbprint_sha256"],
        "token_type": "DPoP", "iat": claims["iat"], "exp": claims["exp"]}]


@pytest.mark.parametrize("verified", ["FAILED", "FAILED:self-signed certificate",
                                      "FAILED:unable to verify the first certificate"])
def test_self_signed_accepts_failed_with_or_without_a_reason(tenant: Tenant, verified: str) -> None:
    response = tenant.token(tenant.self_signed_client, tenant.edge_headers(tenant.self_signed_cert, verified))
    assert response.status_code == 200, response.text
    # Neither the client nor the API asks for proof of possession: a plain token.
    assert response.json()["token_type"] == "Bearer"
    assert "cnf" not in verified_claims(response.json()["access_token"], tenant.jwks())


def test_ca_signed_client_authenticates_by_subject_dn(tenant: Tenant) -> None:
    _created(tenant.api.patch(f"/api/v2/clients/{tenant.ca_client}", json={"require_proof_of_possession": True}))
    set_pop(tenant, {"mechanism": "mtls", "required": False})
    response = tenant.token(tenant.ca_client, tenant.edge_headers(tenant.ca_cert, "SUCCESS"))
    assert response.status_code == 200, response.text
    claims = verified_claims(response.json()["access_token"], tenant.jwks())
    assert claims["cnf"] == {"x5t#S256": thumbprint(tenant.ca_cert.cert_pem)}
    assert tenant.issued()[-1]["authentication"] == "tls_client_auth"
    # The same certificate, not CA-verified by the edge, is not tls_client_auth.
    refused = tenant.token(tenant.ca_client, tenant.edge_headers(tenant.ca_cert, "FAILED:unable to get local issuer"))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert "did not verify the certificate against its client CA" in refused.json()["error_description"]


def _refusal(response: requests.Response, status: int, error: str, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert fragment in response.json()["error_description"]
    assert "access_token" not in response.text


@pytest.mark.parametrize(
    ("case", "status", "error", "fragment"),
    [
        ("no certificate", 401, "invalid_client", "No client certificate was presented"),
        ("unregistered certificate", 401, "invalid_client", "matches none of the client's x509_cert credentials"),
        ("CA-verified certificate for a self-signed client", 401, "invalid_client", "reported a CA-verified"),
        ("missing verification header", 401, "invalid_client", "must be SUCCESS or FAILED[:reason]"),
        ("NONE verification header", 401, "invalid_client", "got 'NONE'"),
        ("not a certificate", 401, "invalid_client", "one URL-encoded PEM certificate"),
        ("oversized header", 401, "invalid_client", "larger than the 4096 bytes"),
        ("expired certificate", 401, "invalid_client", "expired or not yet valid"),
        ("a client secret as well", 401, "invalid_client", "a client secret is not accepted"),
        ("canonical address", 401, "invalid_client", "reached the tenant's canonical address"),
        ("no cname-api-key", 403, "access_denied", "Invalid API key: the cname-api-key header is missing"),
        ("wrong cname-api-key", 403, "access_denied", "not the key of any custom domain"),
        ("underscore headers only", 403, "access_denied", "Invalid API key"),
    ],
)
def test_certificate_client_refusals(tenant: Tenant, case: str, status: int, error: str, fragment: str) -> None:
    cert = tenant.self_signed_cert
    params: dict[str, str] = {}
    headers = {
        "no certificate": tenant.edge_headers(),
        "unregistered certificate": tenant.edge_headers(self_signed("stranger")),
        "CA-verified certificate for a self-signed client": tenant.edge_headers(cert, "SUCCESS"),
        "missing verification header": {**tenant.edge_headers(),
                                        "client-certificate": quote(cert.cert_pem, safe="")},
        "NONE verification header": tenant.edge_headers(cert, "NONE"),
        "not a certificate": {**tenant.edge_headers(cert), "client-certificate": "hello"},
        "oversized header": {**tenant.edge_headers(cert), "client-certificate": "A" * 4097},
        "expired certificate": tenant.edge_headers(self_signed("old", **expired())),
        "a client secret as well": tenant.edge_headers(cert),
        "canonical address": {},
        "no cname-api-key": tenant.edge_headers(cert, key=None),
        "wrong cname-api-key": tenant.edge_headers(cert, key="0" * 128),
        "underscore headers only": {"client_certificate": quote(cert.cert_pem, safe=""),
                                    "client_certificate_ca_verified": "FAILED"},
    }[case]
    if case == "a client secret as well":
        params["client_secret"] = "whatever"
    _refusal(tenant.token(tenant.self_signed_client, headers, **params), status, error, fragment)
    assert tenant.issued() == []
    call = tenant.emu.state.calls()[-1]
    assert call["path"] == "/oauth/token"
    assert (call["status"], call["outcome"], call["applied"]) == (status, "error", False)


def test_ca_client_dn_mismatch_is_refused(tenant: Tenant) -> None:
    other = CertificateAuthority("partner CA 2").issue("someone-else", client=True)
    _refusal(tenant.token(tenant.ca_client, tenant.edge_headers(other, "SUCCESS")), 401, "invalid_client",
             "subject DN matches none of the client's cert_subject_dn credentials")


def test_a_host_naming_another_domains_origin_is_refused(tenant: Tenant) -> None:
    other = tenant.api.create("other.example.com")
    origin = tenant.api.verify(other["custom_domain_id"]).json()["origin_domain_name"]
    headers = {**tenant.edge_headers(tenant.self_signed_cert), "Host": origin}
    _refusal(tenant.token(tenant.self_signed_client, headers), 403, "access_denied",
             "origin of another custom domain")
    own = tenant.api.get(f"/api/v2/custom-domains/{tenant.domain_id}").json()["origin_domain_name"]
    ok = tenant.token(tenant.self_signed_client, {**tenant.edge_headers(tenant.self_signed_cert), "Host": own})
    assert ok.status_code == 200, ok.text
    # A request addressed to an Auth0 edge host is an edge request even without any header.
    _refusal(requests.get(f"{tenant.emu.base_url}/.well-known/jwks.json", headers={"Host": own}, timeout=10),
             403, "access_denied", "header is missing")


def test_the_origin_listener_refuses_a_request_that_carries_no_edge_header(tenant: Tenant) -> None:
    """Auth0's origin for a custom domain answers only requests that bring the domain's key: a client
    that calls it directly gets nothing, though the same request is answered on the canonical address."""
    origin = tenant.emu.origin_url
    assert origin is not None and origin != tenant.emu.base_url
    secret = {"client_secret": tenant.secret}
    data = {"grant_type": "client_credentials", "client_id": tenant.secret_client, "audience": API, **secret}
    before = len(tenant.emu.state.calls())
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json"):
        _refusal(requests.get(f"{origin}{path}", timeout=10), 403, "access_denied",
                 "Invalid API key: the cname-api-key header is missing")
        _refusal(requests.get(f"{origin}{path}", headers={"cname-api-key": "f" * 128}, timeout=10), 403,
                 "access_denied", "not the key of any custom domain")
    bare = requests.post(f"{origin}/oauth/token", data=data, timeout=10)
    _refusal(bare, 403, "access_denied", "Invalid API key: the cname-api-key header is missing")
    management = {"grant_type": "client_credentials", "client_id": tenant.emu.client_id,
                  "client_secret": tenant.emu.client_secret, "audience": tenant.emu.audience}
    _refusal(requests.post(f"{origin}/oauth/token", data=management, timeout=10), 403, "access_denied",
             "cname-api-key header is missing")
    assert tenant.issued() == []
    refused = tenant.emu.state.calls()[before:]
    assert [(c["path"], c["status"], c["outcome"]) for c in refused] == [
        ("/.well-known/openid-configuration", 403, "error"), ("/.well-known/openid-configuration", 403, "error"),
        ("/.well-known/jwks.json", 403, "error"), ("/.well-known/jwks.json", 403, "error"),
        ("/oauth/token", 403, "error"), ("/oauth/token", 403, "error")]

    # With the key, as the edge sends it, the origin answers as the custom domain.
    document = requests.get(f"{origin}/.well-known/openid-configuration", headers=tenant.edge_headers(), timeout=10)
    assert document.status_code == 200 and document.json()["issuer"] == f"https://{DOMAIN}/"
    through_edge = requests.post(f"{origin}/oauth/token", data=data, headers=tenant.edge_headers(), timeout=10)
    assert through_edge.status_code == 200, through_edge.text
    assert verified_claims(through_edge.json()["access_token"], tenant.jwks())["iss"] == f"https://{DOMAIN}/"
    # The canonical listener is unchanged: the bare request is answered there, as the tenant.
    canonical = tenant.token(tenant.secret_client, **secret)
    assert canonical.status_code == 200, canonical.text
    assert verified_claims(canonical.json()["access_token"], tenant.jwks())["iss"] == tenant.emu.base_url + "/"
    assert [item["custom_domain_id"] for item in tenant.issued()] == [tenant.domain_id, None]


# ---------------------------------------------------------------------- proof of possession


def test_pop_required_by_the_api_needs_a_certificate(tenant: Tenant) -> None:
    set_pop(tenant, {"mechanism": "mtls", "required": True})
    secret = tenant.token(tenant.secret_client, client_secret=tenant.secret)
    _refusal(secret, 400, "invalid_request", "requires certificate-bound tokens: request the token at "
                                             "https://mtls.<custom domain>/oauth/token")
    main_host = tenant.token(tenant.secret_client, tenant.edge_headers(), client_secret=tenant.secret)
    _refusal(main_host, 400, "invalid_request", MTLS_TOKEN_ENDPOINT)
    # Over mTLS, a secret-authenticated client gets a token bound to the certificate it presented.
    cert = self_signed("backend-cert")
    bound = tenant.token(tenant.secret_client, tenant.edge_headers(cert), client_secret=tenant.secret)
    assert bound.status_code == 200, bound.text
    claims = verified_claims(bound.json()["access_token"], tenant.jwks())
    assert claims["cnf"] == {"x5t#S256": thumbprint(cert.cert_pem)}
    assert tenant.issued()[-1]["authentication"] == "client_secret_post"


def test_client_requiring_pop_gets_nothing_for_an_api_without_pop(tenant: Tenant) -> None:
    _created(tenant.api.patch(f"/api/v2/clients/{tenant.self_signed_client}",
                              json={"require_proof_of_possession": True}))
    _refusal(tenant.token(tenant.self_signed_client, tenant.edge_headers(tenant.self_signed_cert)), 400,
             "invalid_request", "has no proof_of_possession policy: no token is issued")
    set_pop(tenant, {"mechanism": "dpop", "required": True})
    _refusal(tenant.token(tenant.self_signed_client, tenant.edge_headers(tenant.self_signed_cert)), 400,
             "invalid_request", "requires DPoP proofs")
    assert tenant.issued() == []


def test_secret_client_without_pop_gets_a_plain_token_even_over_mtls(tenant: Tenant) -> None:
    response = tenant.token(tenant.secret_client, tenant.edge_headers(self_signed("x")), client_secret=tenant.secret)
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"
    assert "cnf" not in verified_claims(response.json()["access_token"], tenant.jwks())


# ---------------------------------------------------------------------- secrets, grants, audiences


def test_secret_client_on_the_canonical_address(tenant: Tenant) -> None:
    post = tenant.token(tenant.secret_client, client_secret=tenant.secret)
    assert post.status_code == 200, post.text
    claims = verified_claims(post.json()["access_token"], tenant.jwks())
    assert claims["iss"] == tenant.emu.base_url + "/"
    basic = requests.post(f"{tenant.emu.base_url}/oauth/token", auth=(tenant.secret_client, tenant.secret),
                          data={"grant_type": "client_credentials", "audience": API, "scope": "refund pay"},
                          timeout=10)
    assert basic.status_code == 200 and basic.json()["scope"] == "pay"
    assert [item["authentication"] for item in tenant.issued()] == ["client_secret_post", "client_secret_basic"]
    _refusal(tenant.token(tenant.secret_client, client_secret="wrong"), 401, "access_denied", "Unauthorized")
    _refusal(tenant.token(tenant.secret_client), 401, "access_denied", "Unauthorized")


def test_grant_audience_and_grant_type_are_required(tenant: Tenant) -> None:
    other_api = "https://api.example.com/other"
    _created(tenant.api.post("/api/v2/resource-servers", json={"identifier": other_api}))
    _refusal(tenant.token(tenant.secret_client, client_secret=tenant.secret, audience=other_api), 403,
             "access_denied", f'Client is not authorized to access "{other_api}". You need to create a '
                              '"client-grant" associated to this API.')
    _refusal(tenant.token(tenant.secret_client, client_secret=tenant.secret, audience="https://nowhere"), 403,
             "access_denied", "Service not enabled within domain: https://nowhere")
    _refusal(tenant.token(tenant.secret_client, client_secret=tenant.secret, audience=""), 403, "access_denied",
             "No audience parameter was provided")
    _refusal(tenant.token(tenant.secret_client, client_secret=tenant.secret, grant_type="password"), 403,
             "unauthorized_client", "Grant type 'password' not allowed for the client.")
    _refusal(tenant.token(tenant.secret_client, client_secret=tenant.secret, grant_type=""), 400,
             "invalid_request", "Missing required parameter: grant_type")
    assert tenant.issued() == []


def test_allow_all_scopes_grants_every_scope_of_the_api(tenant: Tenant) -> None:
    (grant,) = tenant.api.get("/api/v2/client-grants", params={"client_id": tenant.secret_client}).json()
    _created(tenant.api.patch(f"/api/v2/client-grants/{grant['id']}", json={"allow_all_scopes": True}))
    response = tenant.token(tenant.secret_client, client_secret=tenant.secret)
    assert response.json()["scope"] == "pay refund"


def test_an_application_token_for_the_management_api_works_as_a_bearer(tenant: Tenant) -> None:
    audience = tenant.emu.audience
    _created(tenant.api.post("/api/v2/client-grants", json={"client_id": tenant.secret_client, "audience": audience,
                                                             "scope": ["read:clients"]}))
    token = tenant.token(tenant.secret_client, client_secret=tenant.secret, audience=audience).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{tenant.emu.base_url}/api/v2/clients", headers=bearer, timeout=10).status_code == 200
    assert requests.get(f"{tenant.emu.base_url}/api/v2/custom-domains", headers=bearer, timeout=10).status_code == 403


def test_the_management_client_is_answered_as_before_on_both_addresses(tenant: Tenant) -> None:
    emu = tenant.emu
    data = {"grant_type": "client_credentials", "client_id": emu.client_id, "client_secret": emu.client_secret,
            "audience": emu.audience}
    for headers in ({}, tenant.edge_headers()):
        response = requests.post(f"{emu.base_url}/oauth/token", data=data, headers=headers, timeout=10)
        assert response.status_code == 200 and response.json()["token_type"] == "Bearer"
        assert response.json()["access_token"].count(".") == 0  # the management client's opaque tokens
    bypass = requests.post(f"{emu.base_url}/oauth/token", data=data, headers={"client-certificate": "x"}, timeout=10)
    _refusal(bypass, 403, "access_denied", "Invalid API key")
    assert tenant.issued() == []


# ---------------------------------------------------------------------- discovery and keys


def test_discovery_on_the_custom_domain_follows_the_tenant_setting(tenant: Tenant) -> None:
    def document() -> dict[str, Any]:
        response = requests.get(f"{tenant.emu.base_url}/.well-known/openid-configuration",
                                headers=tenant.edge_headers(), timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    off = document()
    assert off["issuer"] == f"https://{DOMAIN}/" and off["token_endpoint"] == f"https://{DOMAIN}/oauth/token"
    assert off["jwks_uri"] == f"https://{DOMAIN}/.well-known/jwks.json"
    assert "mtls_endpoint_aliases" not in off and "tls_client_certificate_bound_access_tokens" not in off
    assert "tls_client_auth" not in off["token_endpoint_auth_methods_supported"]
    tenant.set_aliases(True)
    on = document()
    assert on["mtls_endpoint_aliases"] == {"token_endpoint": MTLS_TOKEN_ENDPOINT}
    assert on["tls_client_certificate_bound_access_tokens"] is True
    assert {"tls_client_auth", "self_signed_tls_client_auth"} <= set(on["token_endpoint_auth_methods_supported"])
    tenant.set_aliases(False)
    assert "mtls_endpoint_aliases" not in document()


def test_discovery_on_the_canonical_address_has_no_mtls_aliases(tenant: Tenant) -> None:
    tenant.set_aliases(True)
    document = requests.get(f"{tenant.emu.base_url}/.well-known/openid-configuration", timeout=10).json()
    assert document["issuer"] == tenant.emu.base_url + "/"
    assert "mtls_endpoint_aliases" not in document


def test_jwks_and_discovery_refuse_a_bad_key(tenant: Tenant) -> None:
    for path in ("/.well-known/jwks.json", "/.well-known/openid-configuration"):
        response = requests.get(f"{tenant.emu.base_url}{path}", headers={"cname-api-key": "nope"}, timeout=10)
        _refusal(response, 403, "access_denied", "not the key of any custom domain")


def test_jwks_shape(tenant: Tenant) -> None:
    (key,) = tenant.jwks()["keys"]
    assert list(key) == ["kty", "use", "n", "e", "kid", "x5t", "x5c", "alg"]
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    der = base64.b64decode(key["x5c"][0])
    assert key["x5t"] == base64.urlsafe_b64encode(hashlib.sha1(der).digest()).decode().rstrip("=")  # noqa: S324
    canonical = json.dumps({"e": key["e"], "kty": "RSA", "n": key["n"]}, separators=(",", ":"))
    assert key["kid"] == base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    assert requests.get(f"{tenant.emu.base_url}/.well-known/jwks.json", timeout=10).json() == tenant.jwks()


def test_a_reset_forgets_issued_tokens(tenant: Tenant) -> None:
    assert tenant.token(tenant.secret_client, client_secret=tenant.secret).status_code == 200
    assert len(tenant.issued()) == 1
    tenant.api.admin("POST", "/reset")
    assert tenant.issued() == []
