"""Several tenants in one program: namespaced credentials and the diff rules of the tenant binding
(pure: no network, as in a preview)."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from pulumi.output import Unknown

import stack_config
from auth0_mtls import credentials
from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf
from auth0_mtls.errors import ConfigurationError, TenantMismatch
from auth0_mtls.validation import UNKNOWN

P = TypeVar("P")

ENV = {"AUTH0_DOMAIN": "env-tenant.auth0.com", "AUTH0_CLIENT_ID": "env-id", "AUTH0_CLIENT_SECRET": "env-secret"}
CONFIG = {
    "auth0:domain": "us-tenant.auth0.com", "auth0:clientId": "us-id", "auth0:clientSecret": "us-secret",
    "auth0-eu:domain": "EU-Tenant.eu.auth0.com", "auth0-eu:apiToken": "eu-token",
    "auth0-us2:domain": "https://us-tenant.auth0.com/", "auth0-us2:apiToken": "us2-token",
}


def configured(provider: P, values: dict[str, Any] = CONFIG) -> P:
    """Configured with this module's tenants unless told otherwise."""
    return stack_config.configured(provider, values)


def test_a_namespace_reads_its_own_keys():
    creds = credentials.resolve(CONFIG, ENV, namespace="auth0-eu")
    assert creds.base_url == "https://eu-tenant.eu.auth0.com" and creds.api_token == "eu-token"
    assert creds.client_id is None and creds.namespace == "auth0-eu"
    assert creds.key("clientSecret") == "auth0-eu:clientSecret"


def test_the_default_namespace_still_falls_back_to_the_environment():
    assert credentials.resolve({}, ENV).base_url == "https://env-tenant.auth0.com"
    assert credentials.resolve({}, ENV).domain_source == "AUTH0_DOMAIN"


@pytest.mark.parametrize("partial", [{}, {"auth0-eu:domain": "eu.auth0.com"}, {"auth0-eu:clientId": "x"}])
def test_another_namespace_never_borrows_the_environment_or_the_default_tenant(partial):
    config = {key: value for key, value in CONFIG.items() if not key.startswith("auth0-eu:")} | partial
    with pytest.raises(ConfigurationError) as err:
        credentials.resolve(config, ENV, namespace="auth0-eu")
    text = str(err.value)
    assert "auth0-eu:domain" in text and "auth0-eu:clientSecret" in text
    assert "default namespace 'auth0' only" in text
    assert "us-secret" not in text and "env-secret" not in text


@pytest.mark.parametrize("bad", ["", "auth0:eu", "has space", 5, "-x"])
def test_tenant_input_must_name_a_namespace(bad):
    provider = configured(cd.CustomDomainProvider())
    failures = provider.check({}, {"domain": "login.example.com", "tenant": bad}).failures
    assert [f.property for f in failures] == ["tenant"]
    assert "namespace" in failures[0].reason


def test_tenant_input_naming_an_unconfigured_namespace_fails_check():
    failures = configured(cd.CustomDomainProvider()).check({}, {"domain": "login.example.com",
                                                                "tenant": "auth0-jp"}).failures
    assert [f.property for f in failures] == ["tenant"] and "auth0-jp:domain" in failures[0].reason


def test_unknown_tenant_input_passes_check_and_diffs_as_a_replacement():
    provider = configured(cd.CustomDomainProvider())
    assert provider.check({}, {"domain": "login.example.com", "tenant": UNKNOWN}).failures == []
    olds = domain_outputs()
    assert provider.diff("cd_a", olds, {**cd.normalize_inputs(olds), "tenant": Unknown()}).replaces == ["tenant"]


def domain_outputs(**extra):
    inputs = cd.normalize_inputs({"domain": "login.example.com"})
    obj = {"custom_domain_id": "cd_a", "domain": "login.example.com", "type": "self_managed_certs",
           "status": "ready", "verification": {"methods": [{"name": "TXT", "record": "r"}]}}
    return {**cd.flatten(obj, inputs), "tenant_host": "us-tenant.auth0.com", **extra}


def test_unchanged_namespace_and_host_is_no_change():
    provider = configured(cd.CustomDomainProvider())
    olds = domain_outputs()
    assert provider.diff("cd_a", olds, cd.normalize_inputs({"domain": "login.example.com"})).changes is False
    # Naming the default namespace explicitly changes nothing either.
    news = cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0"})
    assert provider.diff("cd_a", olds, news).changes is False


def test_repointed_namespace_is_refused_naming_both_hosts():
    provider = configured(cd.CustomDomainProvider(), {**CONFIG, "auth0:domain": "other-tenant.auth0.com"})
    with pytest.raises(TenantMismatch) as err:
        provider.diff("cd_a", domain_outputs(), cd.normalize_inputs({"domain": "login.example.com"}))
    text = str(err.value)
    assert "us-tenant.auth0.com" in text and "other-tenant.auth0.com" in text and "auth0:domain" in text
    assert "cd_a" in text and "pulumi state delete" in text


def test_moving_to_a_namespace_on_another_host_is_a_replacement_created_first():
    provider = configured(cd.CustomDomainProvider())
    result = provider.diff("cd_a", domain_outputs(), cd.normalize_inputs({"domain": "login.example.com",
                                                                          "tenant": "auth0-eu"}))
    assert result.changes is True and result.replaces == ["tenant"]
    assert result.delete_before_replace is False, "another tenant can hold the same name: create first"


def test_renaming_the_namespace_of_the_same_host_is_an_in_place_update():
    provider = configured(cd.CustomDomainProvider())
    news = cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0-us2"})
    result = provider.diff("cd_a", domain_outputs(), news)
    assert result.changes is None and not result.replaces  # an update; the engine names `tenant`
    # ...and a type change still deletes first, since the tenant is the same.
    result = provider.diff("cd_a", domain_outputs(), {**news, "type": "auth0_managed_certs"})
    assert result.replaces == ["type"] and result.delete_before_replace is True


def test_state_from_0_1_without_tenant_host_shows_no_diff():
    provider = configured(cd.CustomDomainProvider())
    olds = {key: value for key, value in domain_outputs().items() if key not in ("tenant", "tenant_host")}
    assert provider.diff("cd_a", olds, cd.normalize_inputs({"domain": "login.example.com"})).changes is False
    # A later move is judged against where the namespace points now (the best that 0.1 state allows).
    moved = cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0-eu"})
    assert provider.diff("cd_a", olds, moved).replaces == ["tenant"]


def verification_outputs_0_1():
    # As written by 0.1.0 (tests/compat/fixtures/v0.1.0): no tenant, tenant_host, require_cname_api_key.
    return {"cname_api_key": "k" * 128, "cname_api_key_captured": True, "custom_domain_id": "cd_a",
            "domain": "login.example.com", "origin_domain_name": "x.edge.tenants.us.auth0.com",
            "poll_interval_seconds": 1, "status": "ready", "timeout_seconds": 30, "verified_at": "2026-11-28T17:23:26Z"}


def test_verification_state_from_0_1_shows_no_diff():
    provider = configured(vf.CustomDomainVerificationProvider())
    news = vf.normalize_inputs({"custom_domain_id": "cd_a", "timeout_seconds": 30, "poll_interval_seconds": 1})
    assert provider.diff("cd_a", verification_outputs_0_1(), news).changes is False


SETTINGS_0_1 = {"enable_endpoint_aliases": True, "restore_on_delete": True, "tenant": "us-tenant.auth0.com"}


def test_tenant_settings_state_from_0_1_shows_no_diff_and_is_bound_by_its_tenant_output():
    provider = configured(ts.TenantMtlsSettingsProvider())
    news = ts.normalize_inputs({"enable_endpoint_aliases": True})
    assert provider.diff("us-tenant.auth0.com", SETTINGS_0_1, news).changes is False
    assert provider.diff("us-tenant.auth0.com", SETTINGS_0_1, {**news, "tenant": "auth0"}).changes is False
    repointed = configured(ts.TenantMtlsSettingsProvider(), {**CONFIG, "auth0:domain": "other.auth0.com"})
    with pytest.raises(TenantMismatch, match="us-tenant.auth0.com.*other.auth0.com"):
        repointed.diff("us-tenant.auth0.com", SETTINGS_0_1, news)


def test_tenant_settings_namespace_input_is_never_compared_with_its_host_output():
    provider = configured(ts.TenantMtlsSettingsProvider())
    outs = ts.outputs(ts.normalize_inputs({"enable_endpoint_aliases": True, "tenant": "auth0-eu"}),
                      "eu-tenant.eu.auth0.com", previous_mtls=None)
    assert outs["tenant"] == "eu-tenant.eu.auth0.com" and outs["tenant_namespace"] == "auth0-eu"
    news = ts.normalize_inputs({"enable_endpoint_aliases": True, "tenant": "auth0-eu"})
    assert provider.diff("eu-tenant.eu.auth0.com", outs, news).changes is False
    assert ts.inputs_from_outputs(outs)["tenant"] == "auth0-eu", "refresh records the namespace, not the host"
    moved = provider.diff("eu-tenant.eu.auth0.com", outs, {**news, "tenant": None})
    assert moved.replaces == ["tenant"]
