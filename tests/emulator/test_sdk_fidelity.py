"""The official auth0-python v6 SDK as a real client of the emulator.

Its models are generated from Auth0's OpenAPI document, so every response the emulator
sends must parse into them.

How the SDK is pointed at plain http on loopback:
- Tokens: ``auth0.authentication.GetToken`` takes ``protocol="http"`` (documented "useful
  for testing"); it posts a JSON body to ``/oauth/token``.
- Management calls: ``ManagementClient`` hard-codes ``https://{domain}/api/v2`` (and its
  own token provider opens a private https client). We pass ``domain="127.0.0.1:<port>"``,
  a static token callable, and an ``httpx.Client`` whose transport rewrites the scheme to
  http; everything else (paths, bodies, headers, parsing, retries) is the SDK's own.
- SDK 6.8.0's ``custom_domains.list`` models only the bare-array response and has no
  ``take``/``from`` parameters, so the paginated form is fetched through the SDK's own
  HTTP wrapper and its items are parsed with the SDK's ``CustomDomain`` model.
"""

from __future__ import annotations

import datetime
import time
from typing import Any, Callable, Iterator

import httpx
import pydantic
import pytest
from auth0.authentication import GetToken
from auth0.management import ManagementClient
from auth0.management.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
)
from auth0.management.types import (
    CreateCustomDomainResponseContent,
    CustomDomain,
    GetCustomDomainResponseContent,
    GetTenantSettingsResponseContent,
    TenantSettingsMtls,
    UpdateCustomDomainResponseContent,
    UpdateTenantSettingsResponseContent,
    VerifyCustomDomainResponseContent,
)

from auth0_mtls.emulator import Emulator

NO_RETRY: Any = {"max_retries": 0}


class _PlainHttp(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http")
        return super().handle_request(request)


class Sdk:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.auth = GetToken(emu.domain, emu.client_id, client_secret=emu.client_secret, protocol="http")
        self.token: str = self.auth.client_credentials(audience=emu.audience)["access_token"]
        self.http = httpx.Client(transport=_PlainHttp(), timeout=10)
        # A callable token lets a test swap in a fresh one after revocation.
        self.client = ManagementClient(domain=emu.domain, token=lambda: self.token, httpx_client=self.http)

    def raw(self, path: str, **kw: Any) -> httpx.Response:
        return self.client._api._client_wrapper.httpx_client.request(path, method="GET", **kw)


@pytest.fixture
def sdk(emu: Emulator) -> Iterator[Sdk]:
    client = Sdk(emu)
    yield client
    client.http.close()


def test_token_via_sdk(sdk: Sdk) -> None:
    body = sdk.auth.client_credentials(audience=sdk.emu.audience)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 86400
    assert "create:custom_domains" in body["scope"].split()


def test_create_both_types(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    self_managed = cd.create(domain="login.example.com", type="self_managed_certs", tls_policy="recommended",
                             custom_client_ip_header="true-client-ip")
    assert isinstance(self_managed, CreateCustomDomainResponseContent)
    assert self_managed.custom_domain_id.startswith("cd_")
    assert self_managed.status == "pending_verification"
    assert self_managed.type == "self_managed_certs"
    assert self_managed.primary is False and self_managed.is_default is False
    assert self_managed.custom_client_ip_header == "true-client-ip"
    assert self_managed.tls_policy is None
    method = self_managed.verification.methods[0]
    assert method.name == "TXT" and method.domain == "_cf-custom-hostname.login.example.com"
    assert self_managed.model_extra == {"created_at": self_managed.model_extra["created_at"]}

    auth0_managed = cd.create(domain="auth.example.com", type="auth0_managed_certs",
                              domain_metadata={"team": "iam"}, relying_party_identifier="example.com")
    assert auth0_managed.tls_policy == "recommended"
    assert auth0_managed.custom_client_ip_header is None
    assert auth0_managed.domain_metadata == {"team": "iam"}
    assert auth0_managed.relying_party_identifier == "example.com"
    assert auth0_managed.verification.methods[0].name == "CNAME"


def test_create_errors(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    cd.create(domain="dup.example.com", type="self_managed_certs")
    with pytest.raises(ConflictError) as conflict:
        cd.create(domain="dup.example.com", type="self_managed_certs", request_options=NO_RETRY)
    assert conflict.value.body["errorCode"] == "custom_domain_already_exists"
    with pytest.raises(BadRequestError) as bad:
        cd.create(domain="bad_domain", type="self_managed_certs")
    assert bad.value.body["errorCode"] == "invalid_body"


def test_list_array_and_paginated(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    ids = [cd.create(domain=f"l{i}.example.com", type="self_managed_certs").custom_domain_id for i in range(3)]
    listed = cd.list()
    assert [item.custom_domain_id for item in listed] == ids
    assert all(isinstance(item, CustomDomain) for item in listed)
    assert [item.domain for item in cd.list(q="domain:l1*")] == ["l1.example.com"]

    seen: list[str] = []
    params: dict[str, Any] = {"take": 2}
    while True:
        page = sdk.raw("custom-domains", params=params).json()
        seen += [CustomDomain.model_validate(item).custom_domain_id for item in page["custom_domains"]]
        if "next" not in page:
            break
        params = {"take": 2, "from": page["next"]}
    assert seen == ids


def test_get_update_delete(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    created = cd.create(domain="crud.example.com", type="self_managed_certs", domain_metadata={"a": "1"})
    fetched = cd.get(created.custom_domain_id)
    assert isinstance(fetched, GetCustomDomainResponseContent)
    assert fetched.domain == "crud.example.com" and fetched.custom_client_ip_header is None

    updated = cd.update(created.custom_domain_id, custom_client_ip_header="x-forwarded-for",
                        domain_metadata={"a": None, "b": "2"})
    assert isinstance(updated, UpdateCustomDomainResponseContent)
    assert updated.custom_client_ip_header == "x-forwarded-for"
    assert updated.domain_metadata == {"b": "2"}
    assert cd.update(created.custom_domain_id, custom_client_ip_header="").custom_client_ip_header == ""

    assert cd.delete(created.custom_domain_id) is None
    assert cd.delete(created.custom_domain_id) is None  # idempotent
    with pytest.raises(NotFoundError) as missing:
        cd.get(created.custom_domain_id)
    assert missing.value.body["message"] == f"The custom domain {created.custom_domain_id} does not exist"


def test_verify_pending_then_ready(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    created = cd.create(domain="verify.example.com", type="self_managed_certs")
    pending = cd.verify(created.custom_domain_id)
    assert isinstance(pending, VerifyCustomDomainResponseContent)
    assert pending.status == "pending_verification"
    assert pending.verification is not None and pending.verification.status == "pending"
    assert pending.cname_api_key is None

    sdk.emu.publish_dns_for(created.custom_domain_id)
    ready = cd.verify(created.custom_domain_id)
    assert ready.status == "ready"
    assert ready.cname_api_key is not None and len(ready.cname_api_key) == 128
    assert ready.origin_domain_name and ready.origin_domain_name.endswith(".edge.tenants.us.auth0.com")
    assert ready.verification is not None and ready.verification.status == "verified"
    assert ready.verification.last_verified_at
    assert cd.verify(created.custom_domain_id).cname_api_key is None
    assert "cname_api_key" not in (cd.get(created.custom_domain_id).model_extra or {})

    managed = cd.create(domain="managed.example.com", type="auth0_managed_certs")
    sdk.emu.publish_dns_for(managed.custom_domain_id)
    managed_ready = cd.verify(managed.custom_domain_id)
    assert managed_ready.status == "ready" and managed_ready.cname_api_key is None
    assert managed_ready.certificate is not None and managed_ready.certificate.status == "provisioned"


def test_verify_rate_limit(sdk: Sdk) -> None:
    cd = sdk.client.custom_domains
    domain_id = cd.create(domain="rl.example.com", type="self_managed_certs").custom_domain_id
    for _ in range(5):
        cd.verify(domain_id, request_options=NO_RETRY)
    with pytest.raises(TooManyRequestsError) as limited:
        cd.verify(domain_id, request_options=NO_RETRY)
    assert limited.value.body["errorCode"] == "too_many_requests"
    assert limited.value.headers is not None and limited.value.headers["x-ratelimit-remaining"] == "0"


def test_sdk_retries_injected_429(sdk: Sdk) -> None:
    sdk.emu.state.add_fault({"method": "GET", "path": "/api/v2/custom-domains", "kind": "status", "status": 429,
                             "reset_after_seconds": 1})
    started = time.monotonic()
    assert sdk.client.custom_domains.list() == []
    assert time.monotonic() - started < 5
    assert [c["outcome"] for c in sdk.emu.state.calls() if c["path"] == "/api/v2/custom-domains"] == [
        "fault:status", "ok"]


def test_tenant_settings_mtls(sdk: Sdk) -> None:
    settings = sdk.client.tenants.settings
    whole = settings.get()
    assert isinstance(whole, GetTenantSettingsResponseContent)
    assert whole.mtls is None and whole.friendly_name == "My Test Tenant"
    only = settings.get(fields="mtls", include_fields=True)
    assert only.model_dump(exclude_none=True) == {}

    enabled = settings.update(mtls=TenantSettingsMtls(enable_endpoint_aliases=True))
    assert isinstance(enabled, UpdateTenantSettingsResponseContent)
    assert enabled.mtls is not None and enabled.mtls.enable_endpoint_aliases is True
    assert enabled.friendly_name == "My Test Tenant"
    assert settings.get(fields="mtls", include_fields=True).mtls.enable_endpoint_aliases is True

    removed = settings.update(mtls=None)
    assert removed.mtls is None
    assert "mtls" not in sdk.emu.state.get_tenant_settings()
    with pytest.raises(BadRequestError):
        settings.update(mtls={"enable_endpoint_aliases": "yes"})  # type: ignore[arg-type]


def test_revoked_token_surfaces_as_unauthorized(sdk: Sdk) -> None:
    sdk.emu.state.revoke_tokens()
    with pytest.raises(UnauthorizedError) as denied:
        sdk.client.custom_domains.list()
    assert denied.value.body == {"statusCode": 401, "error": "Unauthorized", "message": "Invalid token",
                                 "errorCode": "invalid_token"}
    sdk.token = sdk.auth.client_credentials(audience=sdk.emu.audience)["access_token"]
    assert sdk.client.custom_domains.list() == []


def test_every_recorded_state_parses(sdk: Sdk, make_emu: Callable[..., Emulator]) -> None:
    """Snapshot items (the GET shape) in every reachable state parse into the SDK model."""
    cd = sdk.client.custom_domains
    a = cd.create(domain="s1.example.com", type="self_managed_certs", custom_client_ip_header=None)
    b = cd.create(domain="s2.example.com", type="auth0_managed_certs", custom_client_ip_header="")
    cd.verify(a.custom_domain_id)
    sdk.emu.publish_dns_for(b.custom_domain_id)
    cd.verify(b.custom_domain_id)
    sdk.emu.state.set_domain_status(a.custom_domain_id, "failed")
    for item in sdk.emu.state.snapshot()["custom_domains"]:
        try:
            CustomDomain.model_validate(item)
        except pydantic.ValidationError as exc:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"SDK model rejects {item}: {exc}")


# ---------------------------------------------------------------------- certificate-bound clients


def test_clients_and_credentials_via_sdk(sdk: Sdk) -> None:
    from auth0.management.types import (
        ClientCredential,
        CreateClientResponseContent,
        GetClientResponseContent,
        PatchClientCredentialResponseContent,
        PostClientCredentialResponseContent,
        UpdateClientResponseContent,
    )

    from .conftest import make_certificate, make_public_key

    clients = sdk.client.clients
    created = clients.create(name="sdk-app", app_type="non_interactive",
                             token_endpoint_auth_method="client_secret_post")
    assert isinstance(created, CreateClientResponseContent)
    assert created.client_id and created.client_secret and created.token_endpoint_auth_method == "client_secret_post"
    pem = make_certificate()
    cred = clients.credentials.create(created.client_id, credential_type="x509_cert", name="sdk", pem=pem)
    assert isinstance(cred, PostClientCredentialResponseContent)
    assert cred.thumbprint_sha_256 and cred.expires_at is not None and cred.id and cred.id.startswith("cred_")
    ca = clients.credentials.create(created.client_id, credential_type="cert_subject_dn", subject_dn="CN=sdk")
    listed = clients.credentials.list(created.client_id)
    assert [item.id for item in listed] == [cred.id, ca.id]
    assert all(isinstance(item, ClientCredential) for item in listed)
    assert clients.credentials.get(created.client_id, ca.id).subject_dn == "CN=sdk"
    # PATCH takes only expires_at, which applies to public_key credentials.
    key = clients.credentials.create(created.client_id, credential_type="public_key", name="jwt",
                                     pem=make_public_key())
    when = datetime.datetime(2031, 6, 30, 12, tzinfo=datetime.timezone.utc)
    changed = clients.credentials.update(created.client_id, key.id, expires_at=when)
    assert isinstance(changed, PatchClientCredentialResponseContent)
    assert (changed.id, changed.kid, changed.expires_at) == (key.id, key.kid, when)
    with pytest.raises(BadRequestError) as certificate:
        clients.credentials.update(created.client_id, cred.id, expires_at=when)
    assert certificate.value.body["message"] == "expires_at can only be changed on public_key credentials."
    clients.credentials.delete(created.client_id, key.id)

    attached = clients.update(created.client_id, client_authentication_methods={
        "self_signed_tls_client_auth": {"credentials": [{"id": cred.id}]}}, token_endpoint_auth_method=None)
    assert isinstance(attached, UpdateClientResponseContent)
    assert attached.client_secret is None and attached.token_endpoint_auth_method is None
    slot = attached.client_authentication_methods
    assert slot is not None and slot.self_signed_tls_client_auth is not None
    assert [c.id for c in slot.self_signed_tls_client_auth.credentials] == [cred.id]
    with pytest.raises(BadRequestError) as still:
        clients.credentials.delete(created.client_id, cred.id)
    assert still.value.body["message"] == "Cannot delete credential still associated with a client"

    pop = clients.update(created.client_id, require_proof_of_possession=True, compliance_level="fapi2_sp_mtls_mtls")
    assert pop.require_proof_of_possession is True and pop.compliance_level == "fapi2_sp_mtls_mtls"
    reverted = clients.update(created.client_id, client_authentication_methods=None,
                              token_endpoint_auth_method="client_secret_post")
    assert reverted.client_secret == created.client_secret
    assert reverted.client_authentication_methods is None
    clients.credentials.delete(created.client_id, cred.id)
    fetched = clients.get(created.client_id)
    assert isinstance(fetched, GetClientResponseContent) and fetched.token_endpoint_auth_method == "client_secret_post"
    assert [c.client_id for c in clients.list()] == [created.client_id]
    clients.delete(created.client_id)
    with pytest.raises(NotFoundError) as gone:
        clients.get(created.client_id)
    assert gone.value.body["errorCode"] == "inexistent_client"


def test_resource_servers_and_grants_via_sdk(sdk: Sdk) -> None:
    from auth0.management.types import (
        CreateClientGrantResponseContent,
        CreateResourceServerResponseContent,
        ResourceServerProofOfPossession,
    )

    servers = sdk.client.resource_servers
    created = servers.create(identifier="https://api.example.com/sdk", name="SDK API")
    assert isinstance(created, CreateResourceServerResponseContent)
    assert created.id and created.signing_alg == "RS256" and created.token_lifetime == 86400
    assert servers.get("https://api.example.com/sdk").id == created.id  # by identifier
    bound = servers.update(created.id, proof_of_possession=ResourceServerProofOfPossession(mechanism="mtls",
                                                                                           required=True))
    assert bound.proof_of_possession is not None and bound.proof_of_possession.required_for is None
    assert [rs.id for rs in servers.list()] == [created.id]
    with pytest.raises(ConflictError):
        servers.create(identifier="https://api.example.com/sdk", request_options=NO_RETRY)

    client_id = sdk.client.clients.create(name="m2m", app_type="non_interactive").client_id
    grants = sdk.client.client_grants
    grant = grants.create(client_id=client_id, audience="https://api.example.com/sdk", scope=["read:x"])
    assert isinstance(grant, CreateClientGrantResponseContent)
    assert grant.id and grant.id.startswith("cgr_") and grant.scope == ["read:x"]
    assert [g.id for g in grants.list(audience="https://api.example.com/sdk", client_id=client_id)] == [grant.id]
    with pytest.raises(ConflictError):
        grants.create(client_id=client_id, audience="https://api.example.com/sdk", scope=[],
                      request_options=NO_RETRY)
    grants.delete(grant.id)
    assert list(grants.list()) == []
    servers.delete(created.id)
    with pytest.raises(NotFoundError):
        servers.get(created.id)
