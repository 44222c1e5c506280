"""Two emulators as two tenants: each resource acts on the tenant its `tenant` input names, and
refuses (before any call) when that namespace has been pointed at another tenant."""

from __future__ import annotations

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf
from auth0_mtls.emulator import Emulator
from auth0_mtls.errors import TenantMismatch
from stack_config import configured, two_tenant_config


def provider(cls, values):
    return configured(cls(), values)


def api_calls(emu: Emulator) -> list[tuple[str, str]]:
    return [(c["method"], c["path"]) for c in emu.state.calls()]


def test_each_resource_acts_on_the_tenant_its_namespace_names_with_one_token_per_tenant(tenants):
    us, eu = tenants
    values = two_tenant_config(us, eu)
    domains = provider(cd.CustomDomainProvider, values)
    here = domains.create(cd.normalize_inputs({"domain": "login.example.com"}))
    there = domains.create(cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0-eu"}))
    assert [d["custom_domain_id"] for d in us.state.snapshot()["custom_domains"]] == [here.id]
    assert [d["custom_domain_id"] for d in eu.state.snapshot()["custom_domains"]] == [there.id]
    assert here.outs["tenant_host"] == us.domain and here.outs["tenant"] is None
    assert there.outs["tenant_host"] == eu.domain and there.outs["tenant"] == "auth0-eu"

    verified = provider(vf.CustomDomainVerificationProvider, values).create(
        vf.normalize_inputs({"custom_domain_id": there.id, "tenant": "auth0-eu", "poll_interval_seconds": 1}))
    assert verified.outs["status"] == "ready" and verified.outs["tenant_host"] == eu.domain
    settings = provider(ts.TenantMtlsSettingsProvider, values).create(
        ts.normalize_inputs({"enable_endpoint_aliases": True, "tenant": "auth0-eu"}))
    assert settings.id == eu.domain and settings.outs["tenant"] == eu.domain
    assert settings.outs["tenant_namespace"] == "auth0-eu"
    assert eu.state.get_tenant_settings()["mtls"] == {"enable_endpoint_aliases": True}
    assert "mtls" not in us.state.get_tenant_settings()
    for emu in (us, eu):
        assert [c for c in emu.state.calls() if c["path"] == "/oauth/token"].__len__() == 1, "one token per tenant"


def test_a_repointed_namespace_refuses_read_update_delete_before_any_call(tenants):
    us, eu = tenants
    values = two_tenant_config(us, eu)
    domain = provider(cd.CustomDomainProvider, values).create(
        cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0-eu"}))
    verified = provider(vf.CustomDomainVerificationProvider, values).create(
        vf.normalize_inputs({"custom_domain_id": domain.id, "tenant": "auth0-eu", "poll_interval_seconds": 1}))
    settings = provider(ts.TenantMtlsSettingsProvider, values).create(
        ts.normalize_inputs({"enable_endpoint_aliases": True, "tenant": "auth0-eu"}))
    before = (us.state.snapshot(), eu.state.snapshot())
    us.state.clear_calls()
    eu.state.clear_calls()

    repointed = two_tenant_config(us, eu, **{"auth0-eu": us.base_url})
    hooks = [
        (cd.CustomDomainProvider, domain, cd.normalize_inputs({"domain": "login.example.com", "tenant": "auth0-eu",
                                                               "custom_client_ip_header": "true-client-ip"})),
        (vf.CustomDomainVerificationProvider, verified, vf.normalize_inputs(
            {"custom_domain_id": domain.id, "tenant": "auth0-eu", "timeout_seconds": 60})),
        (ts.TenantMtlsSettingsProvider, settings, ts.normalize_inputs(
            {"enable_endpoint_aliases": False, "tenant": "auth0-eu"})),
    ]
    for cls, created, news in hooks:
        hook = provider(cls, repointed)
        calls = (("diff", (created.id, created.outs, news)), ("read", (created.id, created.outs)),
                 ("update", (created.id, created.outs, news)), ("delete", (created.id, created.outs)))
        for name, args in calls:
            with pytest.raises(TenantMismatch) as err:
                getattr(hook, name)(*args)
            assert eu.domain in str(err.value) and us.domain in str(err.value) and "auth0-eu:domain" in str(err.value)
    assert api_calls(us) == [] and api_calls(eu) == []
    assert (us.state.snapshot(), eu.state.snapshot()) == before


def test_state_from_0_1_is_read_and_bound_to_the_tenant_its_namespace_names(tenants):
    us, eu = tenants
    values = two_tenant_config(us, eu)
    domains = provider(cd.CustomDomainProvider, values)
    created = domains.create(cd.normalize_inputs({"domain": "login.example.com", "tls_policy": "recommended"}))
    old = {key: value for key, value in created.outs.items() if key not in ("tenant", "tenant_host")}
    read = domains.read(created.id, old)
    assert read.outs["tenant_host"] == us.domain, "refresh fills in the binding"
    assert "tenant" not in {k for k, v in read.inputs.items() if v is not None}
    assert domains.diff(created.id, read.outs, cd.normalize_inputs(
        {"domain": "login.example.com", "tls_policy": "recommended"})).changes is False
    updated = domains.update(created.id, old, cd.normalize_inputs(
        {"domain": "login.example.com", "tls_policy": "recommended", "custom_client_ip_header": "true-client-ip"}))
    assert updated.outs["tenant_host"] == us.domain
    domains.delete(created.id, old)
    assert us.state.snapshot()["custom_domains"] == []

    settings = provider(ts.TenantMtlsSettingsProvider, values)
    legacy = {"enable_endpoint_aliases": True, "restore_on_delete": True, "tenant": us.domain}
    us.state.update_tenant_settings({"mtls": {"enable_endpoint_aliases": True}})
    read = settings.read(us.domain, legacy)
    assert read.outs["tenant"] == us.domain and read.outs["tenant_host"] == us.domain
    assert read.inputs["tenant"] is None
    settings.delete(us.domain, legacy)
    assert "mtls" not in us.state.get_tenant_settings(), "0.1 state with no previous_mtls restores 'absent'"
