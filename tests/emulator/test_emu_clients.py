"""/api/v2/clients and /api/v2/clients/{id}/credentials: certificate-bound clients."""

from __future__ import annotations

import base64
import hashlib
import re
import ssl
from typing import Any, Callable

import pytest
from cryptography.x509.oid import NameOID

from auth0_mtls.emulator import ALL_SCOPES, Emulator

from .conftest import Api, FakeClock, fetch_token, make_certificate, make_public_key

CLIENTS = "/api/v2/clients"
CRED_ID = re.compile(r"^cred_[A-Za-z0-9]{22}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ASSOCIATED = "Cannot delete credential still associated with a client"
ATTACHED_KEYS = ["name", "client_id", "app_type", "is_first_party", "is_token_endpoint_ip_header_trusted",
                 "oidc_conformant", "jwt_configuration", "signing_keys", "sso_disabled", "cross_origin_authentication",
                 "grant_types", "custom_login_page_on", "refresh_token", "client_authentication_methods"]


def thumbprint(pem: str) -> str:
    """Computed with the standard library, independently of the emulator's parser."""
    der = ssl.PEM_cert_to_DER_cert(pem)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def new_client(api: Api, **extra: Any) -> dict[str, Any]:
    body = {"name": "mtls-app", "app_type": "non_interactive", "token_endpoint_auth_method": "client_secret_post",
            **extra}
    response = api.post(CLIENTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def add_credential(api: Api, client_id: str, **body: Any) -> dict[str, Any]:
    response = api.post(f"{CLIENTS}/{client_id}/credentials", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def attach(api: Api, client_id: str, method: str, *ids: str) -> Any:
    return api.patch(f"{CLIENTS}/{client_id}", json={
        "client_authentication_methods": {method: {"credentials": [{"id": i} for i in ids]}},
        "token_endpoint_auth_method": None})


def test_create_client_shape(api: Api) -> None:
    body = new_client(api)
    # Key order of the recorded real create (reference §1.10.3 / terraform-provider-auth0 recordings).
    assert list(body) == ["name", "client_id", "client_secret", "app_type", "is_first_party",
                          "is_token_endpoint_ip_header_trusted", "oidc_conformant", "jwt_configuration",
                          "signing_keys", "sso_disabled", "cross_origin_authentication", "grant_types",
                          "custom_login_page_on", "token_endpoint_auth_method", "refresh_token"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", body["client_id"])
    assert len(body["client_secret"]) == 64
    assert body["jwt_configuration"] == {"secret_encoded": False, "lifetime_in_seconds": 36000}
    assert body["refresh_token"]["token_lifetime"] == 31557600
    assert body["signing_keys"][0]["cert"].startswith("-----BEGIN CERTIFICATE-----")
    assert "require_proof_of_possession" not in body  # absent means false
    bare = api.post(CLIENTS, json={"name": "plain"}).json()
    assert "app_type" not in bare and "token_endpoint_auth_method" not in bare
    assert bare["refresh_token"]["token_lifetime"] == 2592000
    assert api.get(f"{CLIENTS}/{body['client_id']}").json() == body


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Missing required property: name"),
        ({"name": ""}, "String is too short (0 chars), minimum 1"),
        ({"name": "a", "colour": 1}, "Additional properties not allowed: colour"),
        ({"name": "a", "app_type": "robot"}, 'No enum match for: "robot"'),
        ({"name": "a", "token_endpoint_auth_method": "private_key_jwt"}, "No enum match"),
        ({"name": "a", "compliance_level": "fapi3"}, 'No enum match for: "fapi3"'),
        ({"name": "a", "require_proof_of_possession": "yes"}, "Expected type boolean but found type string"),
        ({"name": "a", "token_endpoint_auth_method": None}, "either token_endpoint_auth_method or"),
    ],
)
def test_create_client_validation(api: Api, body: dict[str, Any], fragment: str) -> None:
    response = api.post(CLIENTS, json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert response.json()["errorCode"] == "invalid_body"


def test_self_signed_credential_body(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    pem = make_certificate(days=3000)
    body = add_credential(api, client_id, name="laptop", credential_type="x509_cert", pem=pem + "\n")
    assert list(body) == ["id", "credential_type", "name", "thumbprint_sha256", "created_at", "updated_at",
                          "expires_at"]
    assert CRED_ID.match(body["id"])
    assert body["thumbprint_sha256"] == thumbprint(pem)
    assert body["expires_at"] == "2033-03-20T00:00:07.000Z"
    assert ISO_MS.match(body["created_at"]) and body["created_at"] == body["updated_at"]
    assert api.get(f"{CLIENTS}/{client_id}/credentials/{body['id']}").json() == body


def test_ca_credential_from_pem_and_from_dn(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    pem = make_certificate([(NameOID.COUNTRY_NAME, "es"), (NameOID.STATE_OR_PROVINCE_NAME, "Madrid"),
                            (NameOID.LOCALITY_NAME, "Madrid"), (NameOID.ORGANIZATION_NAME, "Okta"),
                            (NameOID.ORGANIZATIONAL_UNIT_NAME, "DX-CDT"),
                            (NameOID.COMMON_NAME, "Developer Experience")],
                           issuer=[(NameOID.COMMON_NAME, "Issuing CA")])
    dn = "C=es\nST=Madrid\nL=Madrid\nO=Okta\nOU=DX-CDT\nCN=Developer Experience"
    from_pem = add_credential(api, client_id, name="ca", credential_type="cert_subject_dn", pem=pem)
    assert list(from_pem) == ["id", "credential_type", "name", "subject_dn", "created_at", "updated_at"]
    assert from_pem["subject_dn"] == dn
    from_dn = add_credential(api, client_id, name="ca", credential_type="cert_subject_dn", subject_dn=dn)
    assert from_dn["subject_dn"] == dn and from_dn["id"] != from_pem["id"]
    listed = api.get(f"{CLIENTS}/{client_id}/credentials", params={"include_totals": "true", "per_page": "50"})
    assert listed.json() == [from_pem, from_dn]  # a bare array even with include_totals


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"credential_type": "x509_cert"}, "pem is required"),
        ({"credential_type": "cert_subject_dn"}, "One of pem or subject_dn is required"),
        ({"credential_type": "cert_subject_dn", "subject_dn": "CN=a", "pem": "x"}, "mutually exclusive"),
        ({"credential_type": "x509_cert", "subject_dn": "CN=a"}, "applies only to the cert_subject_dn"),
        ({"credential_type": "x509_cert", "pem": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
         "Invalid pem"),
        ({"credential_type": "x509_cert", "pem": "x" * 4097}, "String is too long (4097 chars), maximum 4096"),
        ({"credential_type": "x509_cert", "name": "n" * 129}, "maximum 128"),
        ({"credential_type": "jwk"}, 'No enum match for: "jwk"'),
        ({"credential_type": "cert_subject_dn", "subject_dn": ""}, "minimum 1"),
        ({"credential_type": "x509_cert", "alg": "RS256"}, "applies only to the public_key"),
        ({"credential_type": "x509_cert", "thumbprint": "x"}, "Additional properties not allowed: thumbprint"),
    ],
)
def test_credential_validation(api: Api, body: dict[str, Any], fragment: str) -> None:
    client_id = new_client(api)["client_id"]
    response = api.post(f"{CLIENTS}/{client_id}/credentials", json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert api.get(f"{CLIENTS}/{client_id}/credentials").json() == []


def test_two_certificates_in_one_pem_are_refused(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    response = api.post(f"{CLIENTS}/{client_id}/credentials", json={
        "credential_type": "x509_cert", "pem": make_certificate() + make_certificate()})
    assert response.status_code == 400 and "exactly one" in response.json()["message"]


def test_unknown_client_and_credential(api: Api) -> None:
    missing = {"statusCode": 404, "error": "Not Found", "message": "The client does not exist",
               "errorCode": "inexistent_client"}
    assert api.get(f"{CLIENTS}/nope").json() == missing
    assert api.get(f"{CLIENTS}/nope/credentials").json() == missing
    response = api.post(f"{CLIENTS}/nope/credentials", json={"credential_type": "x509_cert", "pem": "x"})
    assert response.status_code == 404
    client_id = new_client(api)["client_id"]
    unknown = api.get(f"{CLIENTS}/{client_id}/credentials/cred_0000000000000000000000")
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "inexistent_credential"
    assert api.delete(f"{CLIENTS}/{client_id}/credentials/cred_0000000000000000000000").status_code == 204


def test_pool_holds_four(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    for _ in range(4):
        add_credential(api, client_id, credential_type="x509_cert", pem=make_certificate())
    fifth = api.post(f"{CLIENTS}/{client_id}/credentials", json={"credential_type": "x509_cert",
                                                                 "pem": make_certificate()})
    assert fifth.status_code == 400
    assert fifth.json()["message"] == "A client can have a maximum of 4 credentials."
    assert len(api.get(f"{CLIENTS}/{client_id}/credentials").json()) == 4


def test_attach_hides_secret_and_method_until_revert(api: Api) -> None:
    created = new_client(api)
    client_id = created["client_id"]
    cred = add_credential(api, client_id, name="c", credential_type="cert_subject_dn", subject_dn="CN=app")
    attached = attach(api, client_id, "tls_client_auth", cred["id"])
    assert attached.status_code == 200, attached.text
    body = attached.json()
    assert list(body) == ATTACHED_KEYS
    assert body["client_authentication_methods"] == {"tls_client_auth": {"credentials": [{"id": cred["id"]}]}}
    assert api.get(f"{CLIENTS}/{client_id}").json() == body

    deleted = api.delete(f"{CLIENTS}/{client_id}/credentials/{cred['id']}")
    assert deleted.status_code == 400
    assert deleted.json() == {"statusCode": 400, "error": "Bad Request", "message": ASSOCIATED}

    # Clearing without a method to fall back on is refused; the recorded revert is accepted.
    lonely = api.patch(f"{CLIENTS}/{client_id}", json={"client_authentication_methods": None})
    assert lonely.status_code == 400
    reverted = api.patch(f"{CLIENTS}/{client_id}", json={"client_authentication_methods": None,
                                                          "signed_request_object": None,
                                                          "token_endpoint_auth_method": "client_secret_post"})
    assert reverted.status_code == 200, reverted.text
    back = reverted.json()
    assert back["client_secret"] == created["client_secret"]
    assert back["token_endpoint_auth_method"] == "client_secret_post"
    assert "client_authentication_methods" not in back
    assert list(back).index("client_secret") == 2 and list(back).index("token_endpoint_auth_method") == \
        list(back).index("refresh_token") - 1
    assert api.delete(f"{CLIENTS}/{client_id}/credentials/{cred['id']}").status_code == 204


def test_attach_rules(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    other_id = new_client(api)["client_id"]
    certs = [add_credential(api, client_id, credential_type="x509_cert", pem=make_certificate())["id"]
             for _ in range(3)]
    ca = add_credential(api, client_id, credential_type="cert_subject_dn", subject_dn="CN=x")["id"]
    foreign = add_credential(api, other_id, credential_type="x509_cert", pem=make_certificate())["id"]
    path = f"{CLIENTS}/{client_id}"

    def patch(body: dict[str, Any]) -> Any:
        return api.patch(path, json=body)

    slot = {"self_signed_tls_client_auth": {"credentials": [{"id": certs[0]}]}}
    cases = [
        # token_endpoint_auth_method still client_secret_post: the two are mutually exclusive.
        ({"client_authentication_methods": slot}, "mutually exclusive"),
        ({"client_authentication_methods": slot, "token_endpoint_auth_method": "client_secret_basic"},
         "mutually exclusive"),
        ({"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [
            {"id": i} for i in certs]}}, "token_endpoint_auth_method": None}, "Array is too long (3), maximum 2"),
        ({"client_authentication_methods": {**slot, "tls_client_auth": {"credentials": [{"id": ca}]}},
          "token_endpoint_auth_method": None}, "Too many properties defined (2), maximum 1"),
        ({"client_authentication_methods": {}, "token_endpoint_auth_method": None}, "Too few properties"),
        ({"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": foreign}]}},
          "token_endpoint_auth_method": None}, "do not exist"),
        ({"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [{"id": ca}]}},
          "token_endpoint_auth_method": None}, "cannot be used for self_signed_tls_client_auth"),
        ({"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [
            {"id": certs[0], "pem": "x"}]}}, "token_endpoint_auth_method": None},
         "Additional properties not allowed: pem"),
        ({"client_authentication_methods": {"mtls": {"credentials": []}}, "token_endpoint_auth_method": None},
         "Additional properties not allowed: mtls"),
    ]
    for body, fragment in cases:
        response = patch(body)
        assert response.status_code == 400, (body, response.text)
        assert fragment in response.json()["message"], (body, response.json())
    assert "client_authentication_methods" not in api.get(path).json()

    two = patch({"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [
        {"id": certs[0]}, {"id": certs[1]}]}}, "token_endpoint_auth_method": None})
    assert two.status_code == 200
    # While attached, setting a secret method without clearing the slot is refused.
    assert patch({"token_endpoint_auth_method": "client_secret_post"}).status_code == 400
    assert patch({"name": "renamed"}).json()["name"] == "renamed"


def test_scopes(make_emu: Callable[..., Emulator]) -> None:
    scopes = [s for s in ALL_SCOPES if s != "update:client_credentials"]
    emu = make_emu(scopes=scopes)
    api = Api(emu)
    client_id = new_client(api)["client_id"]
    cred = add_credential(api, client_id, credential_type="x509_cert", pem=make_certificate())["id"]
    denied = attach(api, client_id, "self_signed_tls_client_auth", cred)
    assert denied.status_code == 403
    assert denied.json()["message"] == "Insufficient scope, expected any of: update:client_credentials"
    assert api.patch(f"{CLIENTS}/{client_id}", json={"description": "ok"}).status_code == 200
    narrow = Api(emu, fetch_token(emu, scope="read:clients"))
    assert narrow.get(f"{CLIENTS}/{client_id}").status_code == 200
    for method, path in (("get", f"{CLIENTS}/{client_id}/credentials"), ("post", CLIENTS),
                         ("delete", f"{CLIENTS}/{client_id}")):
        response = getattr(narrow, method)(path, json={})
        assert response.status_code == 403, (method, path)
    assert narrow.patch(f"{CLIENTS}/{client_id}", json={}).json()["message"] == (
        "Insufficient scope, expected any of: update:clients,update:client_keys,update:client_credentials,"
        "update:client_token_vault_privileged_access")


def test_credential_patch_changes_only_a_public_keys_expiry(make_emu: Callable[..., Emulator],
                                                              clock: FakeClock) -> None:
    """PATCH accepts only ``expires_at`` (reference: SDK-v1 "PATCH accepts only expires_at"), which
    applies to public_key credentials (reference §1.3)."""
    api = Api(make_emu(clock=clock))
    client_id = new_client(api)["client_id"]
    key = add_credential(api, client_id, credential_type="public_key", name="jwt", pem=make_public_key(),
                         expires_at="2030-01-01T00:00:00.000Z")
    path = f"{CLIENTS}/{client_id}/credentials/{key['id']}"
    clock.advance(5)
    response = api.patch(path, json={"expires_at": "2031-06-30T12:00:00.000Z"})
    # Not established: the SPEC says 201; the emulator answers 200 as real PATCHes of other
    # resources documented as 201 do (resource servers).
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["expires_at"] == "2031-06-30T12:00:00.000Z"
    assert changed["updated_at"] == "2027-01-15T08:00:05.000Z" != key["updated_at"]
    assert {k: v for k, v in changed.items() if k not in ("expires_at", "updated_at")} == {
        k: v for k, v in key.items() if k not in ("expires_at", "updated_at")}
    assert api.get(path).json() == changed
    # An empty body changes nothing, not even updated_at (not established; the emulator's choice).
    clock.advance(5)
    assert api.patch(path, json={}).json() == changed
    # Not established: whether null clears the expiry; the emulator allows it.
    cleared = api.patch(path, json={"expires_at": None})
    assert cleared.status_code == 200 and "expires_at" not in cleared.json()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "renamed"}, "Additional properties not allowed: name"),
        ({"pem": "x"}, "Additional properties not allowed: pem"),
        ({"expires_at": 5}, "Expected type string,null but found type integer"),
        ({"expires_at": ""}, "minimum 1"),
    ],
)
def test_credential_patch_refuses_other_fields(api: Api, body: dict[str, Any], fragment: str) -> None:
    client_id = new_client(api)["client_id"]
    key = add_credential(api, client_id, credential_type="public_key", pem=make_public_key())
    path = f"{CLIENTS}/{client_id}/credentials/{key['id']}"
    response = api.patch(path, json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert api.get(path).json() == key


@pytest.mark.parametrize("kind", ["x509_cert", "cert_subject_dn"])
def test_credential_patch_refuses_a_certificates_expiry(api: Api, kind: str) -> None:
    # Not established: Auth0's answer to expires_at on a certificate credential. A certificate's
    # expiry is its notAfter (reference §1.4), so the emulator refuses to change it.
    client_id = new_client(api)["client_id"]
    cred = add_credential(api, client_id, credential_type=kind, pem=make_certificate())
    path = f"{CLIENTS}/{client_id}/credentials/{cred['id']}"
    response = api.patch(path, json={"expires_at": "2040-01-01T00:00:00.000Z"})
    assert response.status_code == 400
    assert response.json()["message"] == "expires_at can only be changed on public_key credentials."
    assert api.get(path).json() == cred


def test_credential_patch_of_unknown_ids(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    key = add_credential(api, client_id, credential_type="public_key", pem=make_public_key())
    unknown = api.patch(f"{CLIENTS}/{client_id}/credentials/cred_0000000000000000000000", json={})
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == "inexistent_credential"
    no_client = api.patch(f"{CLIENTS}/nope/credentials/{key['id']}", json={})
    assert no_client.status_code == 404 and no_client.json()["errorCode"] == "inexistent_client"


def test_credential_patch_needs_its_scope(make_emu: Callable[..., Emulator]) -> None:
    # The SPEC's scope for this PATCH (reference §1.2).
    api = Api(make_emu(scopes=[s for s in ALL_SCOPES if s != "update:client_credentials"]))
    client_id = new_client(api)["client_id"]
    key = add_credential(api, client_id, credential_type="public_key", pem=make_public_key())
    denied = api.patch(f"{CLIENTS}/{client_id}/credentials/{key['id']}", json={"expires_at": "2031-01-01"})
    assert denied.status_code == 403
    assert denied.json()["message"] == "Insufficient scope, expected any of: update:client_credentials"
    assert api.get(f"{CLIENTS}/{client_id}/credentials/{key['id']}").json() == key


def test_proof_of_possession_and_compliance(api: Api) -> None:
    client_id = new_client(api)["client_id"]
    path = f"{CLIENTS}/{client_id}"
    body = api.patch(path, json={"require_proof_of_possession": True, "compliance_level": "fapi2_sp_mtls_mtls"}).json()
    assert body["require_proof_of_possession"] is True and body["compliance_level"] == "fapi2_sp_mtls_mtls"
    assert list(body)[-2:] == ["require_proof_of_possession", "compliance_level"]
    cleared = api.patch(path, json={"require_proof_of_possession": False, "compliance_level": None}).json()
    assert cleared["require_proof_of_possession"] is False and "compliance_level" not in cleared
    assert api.patch(path, json={"compliance_level": "fapi9"}).status_code == 400


def test_inline_credentials_on_create(api: Api) -> None:
    pem = make_certificate()
    response = api.post(CLIENTS, json={"name": "inline", "app_type": "non_interactive",
                                       "client_authentication_methods": {"self_signed_tls_client_auth": {
                                           "credentials": [{"name": "c1", "credential_type": "x509_cert",
                                                            "pem": pem}]}}})
    assert response.status_code == 201, response.text
    body = response.json()
    (full,) = body["client_authentication_methods"]["self_signed_tls_client_auth"]["credentials"]
    assert full["thumbprint_sha256"] == thumbprint(pem) and "client_secret" not in body
    fetched = api.get(f"{CLIENTS}/{body['client_id']}").json()
    assert fetched["client_authentication_methods"] == {
        "self_signed_tls_client_auth": {"credentials": [{"id": full["id"]}]}}
    assert api.get(f"{CLIENTS}/{body['client_id']}/credentials").json() == [full]


def test_list_fields_and_delete(api: Api, emu: Emulator) -> None:
    first = new_client(api)
    second = new_client(api, name="second")
    assert api.get(CLIENTS).json() == [first, second]
    page = api.get(CLIENTS, params={"include_totals": "true", "page": "0", "per_page": "1"}).json()
    assert list(page) == ["start", "limit", "length", "total", "clients"]
    assert (page["total"], page["clients"]) == (2, [first])
    only = api.get(f"{CLIENTS}/{first['client_id']}", params={"fields": "client_id", "include_fields": "true"})
    assert list(only.json()) == ["client_id", "signing_keys"]  # recorded quirk
    cred = add_credential(api, first["client_id"], credential_type="x509_cert", pem=make_certificate())
    assert api.delete(f"{CLIENTS}/{first['client_id']}").status_code == 204
    assert api.delete(f"{CLIENTS}/{first['client_id']}").status_code == 204
    assert api.get(f"{CLIENTS}/{first['client_id']}").status_code == 404
    assert first["client_id"] not in emu.state.snapshot()["client_credentials"]
    assert cred["id"] not in str(emu.state.snapshot())


def test_management_client_is_not_an_application(api: Api, emu: Emulator) -> None:
    assert api.get(CLIENTS).json() == []
    assert api.get(f"{CLIENTS}/{emu.client_id}").status_code == 404
