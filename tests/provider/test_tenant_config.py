"""The tenant's stack config (``auth0:domain`` and friends) is validated and normalised in ``check``,
before any call, and the normalised host is what the token is requested for."""

from __future__ import annotations

from typing import Any

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf


class Request:
    """What the engine hands ``configure``: the whole stack config, namespaced keys."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.config = self
        self._values = values

    def get(self, key: str) -> Any:
        return self._values.get(key)


def configured(provider, values: dict[str, Any]):
    provider.configure(Request(values))
    return provider


def emulator_config(emulator, domain: str | None = None, namespace: str = "auth0") -> dict[str, Any]:
    return {f"{namespace}:domain": domain or emulator.base_url, f"{namespace}:clientId": emulator.client_id,
            f"{namespace}:clientSecret": emulator.client_secret}


def test_upper_case_tenant_host_gets_a_token_for_the_right_audience(emulator, monkeypatch):
    from auth0_mtls import client as client_module

    client_module._clients.clear()
    shouting = emulator.base_url.replace("http://127.0.0.1", "HTTP://LOCALHOST")
    provider = configured(ts.TenantMtlsSettingsProvider(), emulator_config(emulator, shouting))
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    assert created.outs["enable_endpoint_aliases"] is True
    tokens = [c for c in emulator.state.calls() if c["path"] == "/oauth/token"]
    assert [c["status"] for c in tokens] == [200]


@pytest.mark.parametrize("module, provider_class, news", [
    (cd, cd.CustomDomainProvider, {"domain": "login.example.com"}),
    (vf, vf.CustomDomainVerificationProvider, {"custom_domain_id": "cd_abc"}),
    (ts, ts.TenantMtlsSettingsProvider, {"enable_endpoint_aliases": True}),
])
@pytest.mark.parametrize("domain, words", [
    ("https://admin:hunter2@tenant.auth0.com", "user name or password"),
    ("https://tenant.auth0.com:99999", "port"),
    ("tenant.auth0.com/api", "path"),
])
def test_check_refuses_a_bad_tenant_domain_before_any_call(module, provider_class, news, domain, words, emulator):
    provider = configured(provider_class(), {"auth0:domain": domain, "auth0:clientId": "c",
                                             "auth0:clientSecret": "s"})
    result = provider.check({}, news)
    messages = [(f.property, f.reason) for f in result.failures]
    assert len(messages) == 1, messages
    prop, reason = messages[0]
    # The program set no `tenant`: a failure naming it would print `property tenant value {<nil>}`.
    assert prop == "" and "auth0:domain" in reason and words in reason
    assert "hunter2" not in reason
    assert emulator.state.calls() == []


@pytest.mark.parametrize("provider_class, news", [
    (cd.CustomDomainProvider, {"domain": "login.example.com"}),
    (vf.CustomDomainVerificationProvider, {"custom_domain_id": "cd_abc"}),
    (ts.TenantMtlsSettingsProvider, {"enable_endpoint_aliases": True}),
])
def test_a_config_problem_of_a_namespace_the_program_names_is_the_tenant_inputs(provider_class, news, emulator):
    provider = configured(provider_class(), {"auth0-eu:domain": "tenant.eu.auth0.com/api",
                                             "auth0-eu:clientId": "c", "auth0-eu:clientSecret": "s"})
    [failure] = provider.check({}, {**news, "tenant": "auth0-eu"}).failures
    assert failure.property == "tenant" and "auth0-eu:domain" in failure.reason and "path" in failure.reason
    [missing] = provider.check({}, {**news, "tenant": "auth0-jp"}).failures
    assert missing.property == "tenant" and "auth0-jp:domain" in missing.reason


def test_check_refuses_missing_credentials_naming_both_ways(monkeypatch):
    for var in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    result = configured(cd.CustomDomainProvider(), {}).check({}, {"domain": "login.example.com"})
    [failure] = result.failures
    assert failure.property == ""
    assert "auth0:domain" in failure.reason and "AUTH0_DOMAIN" in failure.reason
