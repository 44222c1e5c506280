import pytest

from auth0_mtls import clients_api
from auth0_mtls import resource_server_pop as rs
from auth0_mtls.errors import UnsafeInputError
from auth0_mtls.validation import UNKNOWN

API_ID = "5f0c8e1a2b3c4d5e6f708192"
IDENTIFIER = "https://api.example.com/payments"
# Recorded: an mTLS requirement echoes without required_for (reference 2.2).
REQUIRED = {"id": API_ID, "identifier": IDENTIFIER, "signing_secret": "shh",
            "proof_of_possession": {"mechanism": "mtls", "required": True}}
NONE = {"id": API_ID, "identifier": IDENTIFIER}


def inputs(**kw):
    return rs.normalize_inputs({"resource_server_id": IDENTIFIER, "mechanism": "mtls", "required": True, **kw})


def test_expand_is_the_recorded_body():
    assert rs.expand(inputs()) == {"proof_of_possession": {"mechanism": "mtls", "required": True}}
    assert rs.expand(inputs(mechanism="dpop", required_for="public_clients"))["proof_of_possession"] == {
        "mechanism": "dpop", "required": True, "required_for": "public_clients"}


def test_check():
    assert rs.check_failures(inputs()) == []
    [(prop, reason)] = rs.check_failures(inputs(mechanism="tls"))
    assert prop == "mechanism" and "mtls, dpop" in reason
    assert rs.check_failures(inputs(required=None))[0][0] == "required"
    assert rs.check_failures(inputs(required="true"))[0][0] == "required"
    assert rs.check_failures(inputs(required_for="public_clients"))[0][0] == "required_for", "mtls: all_clients only"
    assert rs.check_failures(inputs(mechanism="dpop", required_for="everyone"))[0][0] == "required_for"
    assert rs.check_failures(inputs(resource_server_id=""))[0][0] == "resource_server_id"
    assert rs.check_failures(inputs(resource_server_id=UNKNOWN, mechanism=UNKNOWN)) == []


def test_flatten_reads_the_recorded_echo_without_required_for_as_no_drift():
    outs = rs.flatten(REQUIRED, inputs(required_for="all_clients"))
    assert outs["required_for"] == "all_clients" and outs["identifier"] == IDENTIFIER
    assert "signing_secret" not in outs
    assert rs.already_applied(REQUIRED, inputs(required_for="all_clients"))
    assert rs.already_applied(REQUIRED, inputs())
    assert not rs.already_applied(NONE, inputs())
    assert not rs.already_applied(REQUIRED, inputs(required=False))
    assert rs.flatten(NONE, inputs())["mechanism"] is None and rs.flatten(NONE, inputs())["required"] is None


def test_diff_same_api_by_id_or_identifier_is_no_replacement():
    provider = rs.ResourceServerProofOfPossessionProvider()
    olds = {**rs.flatten(REQUIRED, inputs()), "previous_proof_of_possession": None}
    assert provider.diff(API_ID, olds, inputs()).changes is False
    assert provider.diff(API_ID, olds, inputs(resource_server_id=API_ID)).changes is False
    other = provider.diff(API_ID, olds, inputs(resource_server_id="https://other.example.com"))
    assert other.replaces == ["resource_server_id"] and other.delete_before_replace is True
    assert provider.diff(API_ID, olds, inputs(resource_server_id=UNKNOWN)).replaces == ["resource_server_id"]
    assert provider.diff(API_ID, olds, inputs(required=False)).changes is None
    # drift: someone turned PoP off
    drifted = rs.flatten(NONE, inputs())
    assert provider.diff(API_ID, drifted, inputs()).changes is None
    declared = rs.flatten(REQUIRED, inputs(required_for="all_clients"))
    assert provider.diff(API_ID, declared, inputs()).changes is None, "no longer managed required_for is sent again"


@pytest.mark.parametrize("value, path", [
    (API_ID, f"/api/v2/resource-servers/{API_ID}"),
    (IDENTIFIER, "/api/v2/resource-servers/https%3A%2F%2Fapi.example.com%2Fpayments"),
    ("urn:my-api?x=1#frag", "/api/v2/resource-servers/urn%3Amy-api%3Fx%3D1%23frag"),
    ("../../clients", "/api/v2/resource-servers/..%2F..%2Fclients"),
    ("%2e%2e", "/api/v2/resource-servers/%252e%252e"),
])
def test_resource_server_ids_stay_one_path_segment(value, path):
    assert clients_api.resource_server_path(value) == path


@pytest.mark.parametrize("value", ["", "..", ".", "api\r\nHost: evil", "a\x00b", " padded", "x" * 601, None, 7])
def test_resource_server_ids_that_are_refused(value):
    with pytest.raises(UnsafeInputError):
        clients_api.resource_server_path(value)


@pytest.mark.parametrize("value", ["../tenants", "..", "a/b", "a?b", "a%2fb", "", "x" * 129, None, "cl ient"])
def test_client_ids_that_are_refused(value):
    with pytest.raises(UnsafeInputError):
        clients_api.client_path(value)


def test_credential_paths():
    assert clients_api.credential_path("abcDEF123", "cred_aLRnq8qR6RAWqJMnyRSiXm") == \
        "/api/v2/clients/abcDEF123/credentials/cred_aLRnq8qR6RAWqJMnyRSiXm"
    for bad in ("cred_../x", "cred_", "cd_abc", "cred_a/b"):
        with pytest.raises(UnsafeInputError):
            clients_api.credential_path("abc", bad)


def test_secrets_are_dropped_from_bodies():
    assert clients_api.without_secrets({"client_id": "a", "client_secret": "s", "signing_secret": "t"}) == {
        "client_id": "a"}


def test_restore_to_and_previous_captured():
    pop = {"mechanism": "mtls", "required": True}
    declared = rs.normalize_inputs({"resource_server_id": "rs_1", **pop})
    assert rs.previous_captured(None, declared)
    assert rs.previous_captured({"mechanism": "dpop", "required": True}, declared)
    assert not rs.previous_captured(dict(pop), declared)
    assert not rs.previous_captured({**pop, "required_for": "all_clients"}, declared)
    assert rs.captured_output({**declared, "previous_proof_of_possession": dict(pop)}) is False
    assert rs.captured_output({**declared, "previous_proof_of_possession_captured": True,
                               "previous_proof_of_possession": dict(pop)}) is True
    assert rs.restore_target({"previous_proof_of_possession": dict(pop)}) == pop
    assert rs.restore_target({"previous_proof_of_possession": dict(pop), "restore_to": "none"}) is None
    assert rs.check_failures({**declared, "restore_to": "null"})[0][0] == "restore_to"
