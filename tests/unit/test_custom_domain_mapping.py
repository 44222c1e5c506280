from pulumi.output import Unknown

from auth0_mtls import custom_domain as cd
from auth0_mtls.validation import UNKNOWN

# A real recorded create response of a self-managed domain (reference 7.1).
REAL_SELF_MANAGED = {
    "custom_domain_id": "cd_WnMYNzbzlAEewTHL", "domain": "testacccustomdomain.auth.tempdomain.com",
    "primary": False, "is_default": False, "status": "pending_verification", "type": "self_managed_certs",
    "verification": {"methods": [{"name": "TXT", "record": "d25acff6-575d-4c27-af40-02f3880a0c4c",
                                  "domain": "_cf-custom-hostname.testacccustomdomain.auth.tempdomain.com"}]},
    "custom_client_ip_header": None, "created_at": "2026-01-27T13:59:53.172Z",
}


def inputs(**kw):
    return cd.normalize_inputs({"domain": "testacccustomdomain.auth.tempdomain.com", **kw})


def test_expand_create_sends_only_declared_fields():
    assert cd.expand_create(inputs()) == {"domain": "testacccustomdomain.auth.tempdomain.com",
                                          "type": "self_managed_certs"}
    body = cd.expand_create(inputs(tls_policy="recommended", custom_client_ip_header="", domain_metadata={"a": "b"}))
    assert body["tls_policy"] == "recommended"
    assert body["custom_client_ip_header"] == ""
    assert body["domain_metadata"] == {"a": "b"}


def test_flatten_real_response_keeps_declared_tls_policy_that_self_managed_responses_omit():
    outs = cd.flatten(REAL_SELF_MANAGED, inputs(tls_policy="recommended", custom_client_ip_header="true-client-ip"))
    assert outs["tls_policy"] == "recommended"
    assert outs["custom_client_ip_header"] == ""  # live null: the header is not set
    assert outs["verification_record_type"] == "TXT"
    assert outs["verification_record_name"] == "_cf-custom-hostname.testacccustomdomain.auth.tempdomain.com"
    assert outs["verification_record_value"] == "d25acff6-575d-4c27-af40-02f3880a0c4c"
    assert outs["origin_domain_name"] is None
    assert outs["status"] == "pending_verification"


def test_flatten_uppercases_legacy_lowercase_method_and_fills_missing_record_domain():
    obj = {**REAL_SELF_MANAGED, "verification": {"methods": [{"name": "txt", "record": "r"}]}}
    outs = cd.flatten(obj, inputs())
    assert outs["verification_record_type"] == "TXT"
    assert outs["verification_record_name"] == "_cf-custom-hostname.testacccustomdomain.auth.tempdomain.com"


def test_undeclared_optional_fields_are_not_tracked():
    outs = cd.flatten({**REAL_SELF_MANAGED, "domain_metadata": {"x": "y"}}, inputs())
    assert outs["tls_policy"] is None and outs["custom_client_ip_header"] is None and outs["domain_metadata"] is None


def test_refresh_round_trip_has_no_diff():
    declared = inputs(tls_policy="recommended", custom_client_ip_header="true-client-ip", domain_metadata={"a": "b"})
    live = {**REAL_SELF_MANAGED, "custom_client_ip_header": "true-client-ip", "domain_metadata": {"a": "b"}}
    outs = cd.flatten(live, declared)
    assert cd.inputs_from_outputs(outs) == declared
    assert cd.CustomDomainProvider().diff("cd_x", outs, declared).changes is False


def test_metadata_patch_nulls_removed_keys():
    assert cd.metadata_patch({"a": "1", "b": "2"}, {"a": "1", "c": "3"}) == {"b": None, "c": "3"}
    assert cd.metadata_patch({"a": "1"}, {"a": "1"}) is None
    assert cd.metadata_patch(None, {}) is None


def test_expand_update_sends_only_changes():
    olds = cd.flatten({**REAL_SELF_MANAGED, "custom_client_ip_header": "true-client-ip", "domain_metadata": {"a": "1"}},
                      inputs(tls_policy="recommended", custom_client_ip_header="true-client-ip",
                             domain_metadata={"a": "1"}))
    news = inputs(tls_policy="recommended", custom_client_ip_header="x-forwarded-for", domain_metadata={})
    assert cd.expand_update(olds, news) == {"custom_client_ip_header": "x-forwarded-for",
                                            "domain_metadata": {"a": None}}


def test_diff_replace_rules():
    provider = cd.CustomDomainProvider()
    olds = cd.flatten(REAL_SELF_MANAGED, inputs())
    same_name_new_type = inputs(type="auth0_managed_certs")
    result = provider.diff("cd_x", olds, same_name_new_type)
    assert result.replaces == ["type"] and result.delete_before_replace is True and result.changes is True
    result = provider.diff("cd_x", olds, cd.normalize_inputs({"domain": "other.example.com"}))
    assert result.replaces == ["domain"] and result.delete_before_replace is False
    result = provider.diff("cd_x", olds, cd.normalize_inputs({"domain": UNKNOWN}))
    assert result.replaces == ["domain"]
    result = provider.diff("cd_x", olds, cd.normalize_inputs({"domain": Unknown()}))
    assert result.replaces == ["domain"] and result.delete_before_replace is False


def test_diff_update_is_left_to_engine_for_property_names_and_none_is_explicit():
    provider = cd.CustomDomainProvider()
    olds = cd.flatten(REAL_SELF_MANAGED, inputs(tls_policy="recommended"))
    assert provider.diff("cd_x", olds, inputs(tls_policy="recommended")).changes is False
    changed = provider.diff("cd_x", olds, inputs(tls_policy="recommended", custom_client_ip_header="x-forwarded-for"))
    assert changed.changes is None and not changed.replaces
    # An unknown metadata value during preview counts as a change.
    assert provider.diff("cd_x", olds, inputs(domain_metadata={"a": UNKNOWN})).changes is None


def test_the_409_advice_offers_adoption_only_for_a_domain_no_other_stack_manages():
    advice = cd.conflict_advice("login.example.com")
    assert "adopt_existing=True" in advice
    assert "if no other stack manages it" in advice and "destroying either deletes it" in advice
