from pulumi.output import Unknown

from auth0_mtls import client_authentication as ca
from auth0_mtls.validation import UNKNOWN

CLIENT = "NXEoLr0WmRlbI8HB1ctgEemp0yvRpRMo"
# The client as recorded after attach (reference 1.10.3): no token_endpoint_auth_method, no client_secret.
ATTACHED = {"client_id": CLIENT, "app_type": "non_interactive", "jwt_configuration": {"alg": "RS256"},
            "client_authentication_methods": {
                "tls_client_auth": {"credentials": [{"id": "cred_aLRnq8qR6RAWqJMnyRSiXm"}]}}}
# ... and after revert (1.10.4).
PLAIN = {"client_id": CLIENT, "app_type": "non_interactive", "token_endpoint_auth_method": "client_secret_post"}


def inputs(**kw):
    return ca.normalize_inputs({"client_id": CLIENT, "method": "tls_client_auth",
                                "credential_ids": ["cred_aLRnq8qR6RAWqJMnyRSiXm"], **kw})


def failures(**kw):
    return ca.check_failures(inputs(**kw))


def test_expand_is_the_recorded_attach_body():
    assert ca.expand(inputs()) == {
        "client_authentication_methods": {"tls_client_auth": {"credentials": [{"id": "cred_aLRnq8qR6RAWqJMnyRSiXm"}]}},
        "token_endpoint_auth_method": None}
    body = ca.expand(inputs(require_proof_of_possession=True, credential_ids=["cred_a", "cred_b"]))
    assert body["require_proof_of_possession"] is True
    assert body["client_authentication_methods"]["tls_client_auth"]["credentials"] == [{"id": "cred_a"},
                                                                                       {"id": "cred_b"}]


def test_check_refuses_empty_too_many_duplicate_and_malformed_ids():
    assert "empty" in failures(credential_ids=[])[0][1]
    too_many = failures(credential_ids=["cred_a", "cred_b", "cred_c"])[0][1]
    # The limit is per method slot; the client's pool takes 4 credentials.
    assert "at most 2 ids in an authentication method's slot" in too_many and "per client" not in too_many
    assert "pool itself holds up to 4" in too_many
    assert "twice" in failures(credential_ids=["cred_a", "cred_a"])[0][1]
    assert "cred_" in failures(credential_ids=["cd_abc"])[0][1]
    assert failures(credential_ids=None)[0][0] == "credential_ids"
    assert failures(credential_ids="cred_a")[0][0] == "credential_ids"
    assert failures(credential_ids=[UNKNOWN, "cred_b"]) == []
    assert failures(credential_ids=UNKNOWN) == []


def test_check_refuses_method_type_mismatch_for_declared_credentials():
    [(prop, reason)] = failures(credential_ids=[UNKNOWN], credential_types=["x509_cert"])
    assert prop == "credential_ids"
    assert "x509_cert" in reason and "self_signed_tls_client_auth" in reason and "cert_subject_dn" in reason
    assert failures(credential_ids=[UNKNOWN], credential_types=["cert_subject_dn"]) == []
    # rotating: one id from outside the program (type unknown) and one declared
    assert failures(credential_ids=["cred_ext", UNKNOWN], credential_types=[None, "cert_subject_dn"]) == []
    assert failures(method="self_signed_tls_client_auth", credential_ids=["cred_ext", UNKNOWN],
                    credential_types=[None, "cert_subject_dn"])[0][1].startswith("credential_ids[1]")
    # a type not known yet at preview is left to apply time
    assert failures(credential_ids=[UNKNOWN], credential_types=[Unknown()]) == []


def test_check_other_inputs():
    assert failures(method="private_key_jwt")[0][0] == "method"
    assert "self_signed_tls_client_auth" in failures(method="mtls")[0][1]
    assert failures(client_id="a/b")[0][0] == "client_id"
    assert failures(require_proof_of_possession="yes")[0][0] == "require_proof_of_possession"
    assert failures(restore_on_delete=1)[0][0] == "restore_on_delete"


def test_credential_types_are_aligned_with_the_ids():
    assert inputs(credential_ids=["cred_a", "cred_b"], credential_types=["x509_cert"])["credential_types"] == [
        "x509_cert", None]
    assert inputs(credential_ids=["cred_a"], credential_types=None)["credential_types"] == [None]
    assert inputs(credential_ids=UNKNOWN)["credential_types"] is None


def test_live_settings_and_previous_settings_from_recorded_bodies():
    assert ca.live_settings(ATTACHED) == {"method": "tls_client_auth",
                                          "credential_ids": ["cred_aLRnq8qR6RAWqJMnyRSiXm"],
                                          "require_proof_of_possession": False}
    assert ca.live_settings(PLAIN) == {"method": None, "credential_ids": [], "require_proof_of_possession": False}
    assert ca.previous_settings(PLAIN) == {"token_endpoint_auth_method": "client_secret_post",
                                           "client_authentication_methods": None, "require_proof_of_possession": False}
    # a POST /clients response carries whole credential objects in the slot; a PATCH takes ids only
    inline = {"client_authentication_methods": {"self_signed_tls_client_auth": {"credentials": [
        {"id": "cred_ec4qP1i6vDL4AoNZXxJNzT", "name": "Test", "credential_type": "x509_cert"}]}}}
    assert ca.previous_settings(inline)["client_authentication_methods"] == {
        "self_signed_tls_client_auth": {"credentials": [{"id": "cred_ec4qP1i6vDL4AoNZXxJNzT"}]}}


def test_already_applied():
    assert ca.already_applied(ATTACHED, inputs())
    assert not ca.already_applied(ATTACHED, inputs(require_proof_of_possession=True))
    assert ca.already_applied({**ATTACHED, "require_proof_of_possession": True},
                              inputs(require_proof_of_possession=True))
    assert not ca.already_applied(PLAIN, inputs())
    assert not ca.already_applied(ATTACHED, inputs(method="self_signed_tls_client_auth"))


def test_restore_puts_back_the_earlier_method():
    body, how = ca.restore_body(ca.previous_settings(PLAIN), "non_interactive", ["cred_a"], pop_managed=False)
    assert body == {"client_authentication_methods": None, "token_endpoint_auth_method": "client_secret_post"}
    assert "client_secret_post" in how
    body, _ = ca.restore_body({**ca.previous_settings(PLAIN), "require_proof_of_possession": False}, "spa", [],
                              pop_managed=True)
    assert body["require_proof_of_possession"] is False


def test_restore_puts_back_earlier_methods_unless_they_name_our_own_credentials():
    earlier = ca.previous_settings({"app_type": "regular_web", "client_authentication_methods": {
        "private_key_jwt": {"credentials": [{"id": "cred_jwt"}]}}})
    body, how = ca.restore_body(earlier, "regular_web", ["cred_mine"], pop_managed=False)
    assert body == {"client_authentication_methods": {"private_key_jwt": {"credentials": [{"id": "cred_jwt"}]}},
                    "token_endpoint_auth_method": None}
    body, how = ca.restore_body(earlier, "regular_web", ["cred_jwt"], pop_managed=False)
    assert body == {"client_authentication_methods": None, "token_endpoint_auth_method": "client_secret_post"}
    assert "default for app_type regular_web" in how


def test_restore_never_sends_both_null_and_falls_back_by_app_type():
    for app_type, method in [("native", "none"), ("spa", "none"), ("regular_web", "client_secret_post"),
                             ("non_interactive", "client_secret_post"), (None, "client_secret_basic"),
                             ("express_configuration", "client_secret_basic")]:
        body, how = ca.restore_body({}, app_type, [], pop_managed=False)
        assert body == {"client_authentication_methods": None, "token_endpoint_auth_method": method}, app_type
        assert "could not be known" in how
    body, _ = ca.restore_body(None, "spa", [], pop_managed=True)
    assert body["require_proof_of_possession"] is False


def test_flatten_tracks_pop_only_when_declared_and_reads_absent_secret_fields_as_no_drift():
    declared = inputs(credential_types=["cert_subject_dn"])
    outs = ca.flatten(ATTACHED, declared)
    assert outs["method"] == "tls_client_auth" and outs["credential_types"] == ["cert_subject_dn"]
    assert outs["require_proof_of_possession"] is None
    assert ca.ClientMtlsAuthenticationProvider().diff(CLIENT, outs, declared).changes is False
    outs = ca.flatten({**ATTACHED, "require_proof_of_possession": True}, inputs(require_proof_of_possession=True))
    assert outs["require_proof_of_possession"] is True


def test_diff():
    provider = ca.ClientMtlsAuthenticationProvider()
    olds = ca.flatten(ATTACHED, inputs())
    assert provider.diff(CLIENT, olds, inputs()).changes is False
    two = ["cred_aLRnq8qR6RAWqJMnyRSiXm", "cred_new"]
    reordered = inputs(credential_ids=list(reversed(two)))
    assert provider.diff(CLIENT, {**olds, "credential_ids": two}, reordered).changes is False
    for kw in [dict(credential_ids=two), dict(credential_ids=[UNKNOWN]), dict(method="self_signed_tls_client_auth"),
               dict(require_proof_of_possession=True), dict(restore_on_delete=False)]:
        result = provider.diff(CLIENT, olds, inputs(**kw))
        assert result.changes is None and not result.replaces, kw  # an update; the engine names the keys
    with_pop = ca.flatten({**ATTACHED, "require_proof_of_possession": True}, inputs(require_proof_of_possession=True))
    assert provider.diff(CLIENT, with_pop, inputs()).changes is None, "no longer managed: put the old value back"
    result = provider.diff(CLIENT, olds, inputs(client_id="otherClient"))
    assert result.replaces == ["client_id"] and result.delete_before_replace is False
    # drift recorded by refresh: someone switched the client back to client_secret_post
    drifted = ca.flatten(PLAIN, inputs())
    assert drifted["method"] is None and drifted["credential_ids"] == []
    assert provider.diff(CLIENT, drifted, inputs()).changes is None


def test_credential_types_for_plain_and_unlisted_ids():
    assert ca.credential_types_for(["cred_a", "cred_b"]) == [None, None]
    assert ca.credential_types_for(None) is None


def test_restore_to_a_method_wins_over_what_was_found():
    earlier = ca.previous_settings({"client_authentication_methods": {
        "private_key_jwt": {"credentials": [{"id": "cred_jwt"}]}}, "require_proof_of_possession": True})
    body, how = ca.restore_body(earlier, "non_interactive", ["cred_mine"], pop_managed=True,
                                restore_to="client_secret_basic")
    assert body == {"client_authentication_methods": None, "token_endpoint_auth_method": "client_secret_basic",
                    "require_proof_of_possession": True}
    assert "restore_to" in how


def test_proof_of_possession_goes_back_to_false_when_the_value_before_is_unknown():
    found = ca.previous_settings({**ATTACHED, "require_proof_of_possession": True})
    body, how = ca.restore_body(found, "non_interactive", ["cred_aLRnq8qR6RAWqJMnyRSiXm"], pop_managed=True,
                                captured=False)
    assert body == {"client_authentication_methods": None, "token_endpoint_auth_method": "client_secret_post",
                    "require_proof_of_possession": False}
    assert "could not be known" in how
    # Not managed by this resource: left alone either way.
    body, _ = ca.restore_body(found, "non_interactive", [], pop_managed=False, restore_to="none", captured=False)
    assert "require_proof_of_possession" not in body


def test_previous_captured_is_false_only_when_the_client_already_was_as_declared():
    assert ca.previous_captured(ca.previous_settings(PLAIN), inputs())
    assert not ca.previous_captured(ca.previous_settings(ATTACHED), inputs())
    assert ca.previous_captured(ca.previous_settings(ATTACHED), inputs(require_proof_of_possession=True))
    assert not ca.previous_captured(ca.previous_settings({**ATTACHED, "require_proof_of_possession": True}),
                                    inputs(require_proof_of_possession=True))
    assert ca.previous_captured(None, inputs())
    # State written before the output existed gets the same rule; a recorded value is kept.
    state = {**inputs(), "previous_settings": ca.previous_settings(ATTACHED)}
    assert ca.captured_output(state) is False
    assert ca.captured_output({**state, "previous_settings_captured": True}) is True


def test_restore_to_in_check_and_diff():
    assert failures(restore_to="client_secret_jwt")[0][0] == "restore_to"
    assert failures(restore_to=UNKNOWN) == []
    provider = ca.ClientMtlsAuthenticationProvider()
    olds = ca.flatten(ATTACHED, inputs())
    assert provider.diff(CLIENT, olds, inputs(restore_to="previous")).changes is False
    assert provider.diff(CLIENT, olds, inputs(restore_to="none")).changes is None
    assert provider.diff(CLIENT, olds, inputs(restore_to=UNKNOWN)).changes is None
