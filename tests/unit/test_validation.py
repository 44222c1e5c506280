import pytest
from pulumi.output import Unknown

from auth0_mtls import custom_domain, tenant_settings, verification
from auth0_mtls.validation import UNKNOWN, is_host_name, normalize_host


def failures_for(module, **news):
    inputs = module.normalize_inputs(news)
    return module.check_failures(inputs)


def props(failures):
    return [prop for prop, _ in failures]


GOOD = dict(domain="login.example.com", type="self_managed_certs", tls_policy="recommended",
            custom_client_ip_header="true-client-ip", domain_metadata={"team": "identity"})


def test_good_custom_domain_passes():
    assert failures_for(custom_domain, **GOOD) == []


@pytest.mark.parametrize(
    "override, prop, words",
    [
        ({"domain": ""}, "domain", "required"),
        ({"domain": None}, "domain", "required"),
        ({"domain": "not a host"}, "domain", "host name"),
        ({"domain": "bad_label.example.com"}, "domain", "not a valid host name"),
        ({"domain": "-bad.example.com"}, "domain", "hyphen"),
        ({"domain": "localhost"}, "domain", "fully qualified"),
        ({"domain": ("a" * 60 + ".") * 5 + "example.com"}, "domain", "at most 253"),
        ({"domain": ("a" * 62 + ".") * 3 + "b" * 61 + ".com"}, "domain", "at most 253"),  # 254 characters
        ({"domain": "192.0.2.10"}, "domain", "IP address"),
        ({"domain": "2001:db8::1"}, "domain", "IP address"),
        ({"domain": "[2001:db8::1]"}, "domain", "IP address"),
        ({"domain": "login.example.123"}, "domain", "all digits"),
        ({"domain": "\u212Aogin.example.com"}, "domain", "punycode"),
        ({"domain": "b\u00fccher.example.com"}, "domain", "xn--bcher-kva.example.com"),
        ({"domain_metadata": {"k" * 256: "v"}}, "domain_metadata", "key"),
        ({"domain": "a" * 64 + ".example.com"}, "domain", "at most 63"),
        ({"domain": "login.example.com/../x"}, "domain", "not a valid host name"),
        ({"domain": "login.example.com\nx"}, "domain", "not a valid host name"),
        ({"type": "managed"}, "type", "self_managed_certs, auth0_managed_certs"),
        ({"tls_policy": "compatible"}, "tls_policy", "no longer supports"),
        ({"tls_policy": "modern"}, "tls_policy", "Allowed values: recommended"),
        ({"custom_client_ip_header": "x-real-ip"}, "custom_client_ip_header", "x-forwarded-for"),
        ({"domain_metadata": {f"k{i}": "v" for i in range(11)}}, "domain_metadata", "at most 10"),
        ({"domain_metadata": {"k": "v" * 256}}, "domain_metadata", "at most 255"),
        ({"domain_metadata": {"k": 5}}, "domain_metadata", "must be a string"),
        ({"domain_metadata": ["k"]}, "domain_metadata", "must be a map"),
        ({"adopt_existing": "yes"}, "adopt_existing", "true or false"),
    ],
)
def test_bad_custom_domain_inputs_name_the_property(override, prop, words):
    failures = failures_for(custom_domain, **{**GOOD, **override})
    assert props(failures) == [prop]
    assert words in failures[0][1]


def test_empty_ip_header_clears_and_is_allowed():
    assert failures_for(custom_domain, **{**GOOD, "custom_client_ip_header": ""}) == []


def test_ten_metadata_keys_and_255_chars_are_allowed():
    meta = {f"k{i}": "v" * 255 for i in range(10)}
    assert failures_for(custom_domain, **{**GOOD, "domain_metadata": meta}) == []


@pytest.mark.parametrize("UNKNOWN", [UNKNOWN, Unknown()], ids=["wire-string", "Unknown-object"])
def test_unknown_values_are_not_validated_during_preview(UNKNOWN):  # noqa: N803
    assert failures_for(custom_domain, domain=UNKNOWN, type=UNKNOWN, tls_policy=UNKNOWN,
                        custom_client_ip_header=UNKNOWN, adopt_existing=UNKNOWN,
                        domain_metadata={"team": UNKNOWN}) == []
    assert failures_for(custom_domain, domain=UNKNOWN, domain_metadata=UNKNOWN) == []
    assert failures_for(verification, custom_domain_id=UNKNOWN, timeout_seconds=UNKNOWN) == []
    assert failures_for(tenant_settings, enable_endpoint_aliases=UNKNOWN) == []


def test_defaults_and_canonical_domain():
    inputs = custom_domain.normalize_inputs({"domain": "Login.Example.COM."})
    assert inputs["domain"] == "login.example.com"
    assert inputs["type"] == "self_managed_certs"
    assert inputs["adopt_existing"] is False
    assert verification.normalize_inputs({"custom_domain_id": "cd_x"})["timeout_seconds"] == 600
    assert verification.normalize_inputs({"custom_domain_id": "cd_x"})["poll_interval_seconds"] == 12
    assert tenant_settings.normalize_inputs({"enable_endpoint_aliases": True})["restore_on_delete"] is True


@pytest.mark.parametrize("value", ["", "cd_", "xx_abc", "cd_x/../../clients", "cd_%2e%2e", "cd_a\nb", None, 5,
                                   "cd_" + "a" * 65])
def test_verification_refuses_ids_that_are_not_custom_domain_ids(value):
    failures = failures_for(verification, custom_domain_id=value)
    assert props(failures) == ["custom_domain_id"]
    assert "cd_" in failures[0][1]


def test_a_253_character_name_is_allowed():
    name = ("a" * 62 + ".") * 3 + "b" * 60 + ".com"
    assert len(name) == 253
    assert failures_for(custom_domain, **{**GOOD, "domain": name}) == []


def test_a_non_ascii_name_is_refused_not_silently_lower_cased_into_another_host():
    inputs = custom_domain.normalize_inputs({"domain": "\u212Aogin.example.com"})
    assert inputs["domain"] != "kogin.example.com", "KELVIN SIGN must not turn into k before validation"
    assert props(custom_domain.check_failures(inputs)) == ["domain"]


def test_metadata_keys_up_to_255_characters_are_allowed():
    assert failures_for(custom_domain, **{**GOOD, "domain_metadata": {"k" * 255: "v"}}) == []


@pytest.mark.parametrize("value", [0.5, 0.01, 0])
def test_poll_interval_has_a_lower_bound(value):
    failures = failures_for(verification, custom_domain_id="cd_abc", poll_interval_seconds=value)
    assert props(failures) == ["poll_interval_seconds"]
    assert "at least 1" in failures[0][1] or "greater than 0" in failures[0][1]


@pytest.mark.parametrize("value, what, example", [
    ("https://login.bank.example", "a scheme (https://)", "login.bank.example"),
    ("login.bank.example:443", "a port (:443)", "login.bank.example"),
    ("login.bank.example/", "a path", "login.bank.example"),
    ("HTTPS://Login.Bank.Example.", "a scheme (https://)", "login.bank.example"),  # normalised first
    ("https://login.bank.example:8443/authorize", "a scheme (https://), a port (:8443) and a path",
     "login.bank.example"),
    ("https://bad_host:443", "a scheme (https://) and a port (:443)", "login.example.com"),
])
def test_a_url_or_host_port_as_the_domain_says_to_give_just_the_host(value, what, example):
    failures = failures_for(custom_domain, **{**GOOD, "domain": value})
    assert props(failures) == ["domain"]
    assert f"it has {what}; give just the host name, e.g. {example}" in failures[0][1], failures


def test_a_domain_url_with_credentials_is_not_repeated():
    [(prop, reason)] = failures_for(custom_domain, **{**GOOD, "domain": "https://admin:hunter2@login.bank.example"})
    assert prop == "domain" and "hunter2" not in reason and "e.g. login.bank.example" in reason


def test_poll_interval_of_one_second_is_allowed():
    assert failures_for(verification, custom_domain_id="cd_abc", poll_interval_seconds=1) == []


@pytest.mark.parametrize("value", [0, -5, "10", True])
def test_timeout_must_be_positive_number(value):
    failures = failures_for(verification, custom_domain_id="cd_abc", timeout_seconds=value)
    assert props(failures) == ["timeout_seconds"]


@pytest.mark.parametrize("prop", ["timeout_seconds", "poll_interval_seconds"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_verification_numbers_must_be_finite(prop, value):
    # NaN passes every comparison (<= 0, < minimum, > maximum), so only an explicit test refuses it.
    failures = failures_for(verification, custom_domain_id="cd_abc", **{prop: value})
    assert props(failures) == [prop]
    assert f"{prop} must be a finite number of seconds, got {value!r}" == failures[0][1]


@pytest.mark.parametrize("value", ["true", 1, None])
def test_enable_endpoint_aliases_must_be_bool(value):
    failures = failures_for(tenant_settings, enable_endpoint_aliases=value)
    assert props(failures) == ["enable_endpoint_aliases"]
    assert "true or false" in failures[0][1]


@pytest.mark.parametrize("written, normal", [
    (" Login.Example.COM. ", "login.example.com"),
    ("login.example.com", "login.example.com"),
    # Left as written for the host checks to refuse: lower() would make it login.example.kom.
    (" Login.example.\u212aom.", "Login.example.\u212aom"),
    ("B\u00dcCHER.example.com", "B\u00dcCHER.example.com"),
])
def test_normalize_host_lower_cases_ascii_names_only(written, normal):
    assert normalize_host(written) == normal


@pytest.mark.parametrize("host, ok", [
    ("login.example.com", True),
    ("localhost", True),
    ("a" * 63 + ".example.com", True),
    ("a" * 64 + ".example.com", False),
    (("a" * 62 + ".") * 3 + "b" * 60 + ".com", True),  # 253 characters
    (("a" * 62 + ".") * 3 + "b" * 61 + ".com", False),  # 254
    ("-edge.example.com", False),
    ("edge_1.example.com", False),
    ("edge..example.com", False),
    ("Login.example.com", False),  # callers lower-case first
    ("login.example.\u212aom", False),
])
def test_is_host_name(host, ok):
    assert is_host_name(host) is ok
