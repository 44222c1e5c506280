"""The tenant's stack config (``auth0:domain`` and friends) is validated and normalised in ``check``,
before any call, and the normalised host is what the token is requested for."""

from __future__ import annotations

from pathlib import Path

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf
from auth0_mtls.errors import ConfigurationError
from stack_config import configured, tenant_config


def test_upper_case_tenant_host_gets_a_token_for_the_right_audience(emulator, monkeypatch):
    from auth0_mtls import client as client_module

    client_module._clients.clear()
    shouting = emulator.base_url.replace("http://127.0.0.1", "HTTP://LOCALHOST")
    provider = configured(ts.TenantMtlsSettingsProvider(), tenant_config(emulator, shouting))
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


# -- a caBundle file is read and checked during the preview, like PEM text --------------------------

def bad_bundles(root: Path) -> dict[str, tuple[Path, str]]:
    """Bundle files a preview must refuse, each with words its message must hold."""
    from certs import CertificateAuthority

    ca = CertificateAuthority("Preview CA")
    key = ca.certificate.key_pem
    root.mkdir(exist_ok=True)
    files = {"no certificate": ("junk.pem", "not a certificate\n", "no CA certificate"),
             "certificate and key": ("bundle.pem", ca.cert_pem + key, "private key (PRIVATE KEY)"),
             "key only": ("key.pem", key, "private key (PRIVATE KEY)"),
             "huge": ("huge.pem", ca.cert_pem * (1024 * 1024 // len(ca.cert_pem) + 1), "larger than 1 MiB")}
    out = {}
    for name, (file_name, text, words) in files.items():
        (root / file_name).write_text(text)
        out[name] = (root / file_name, words)
    (root / "empty-dir").mkdir(exist_ok=True)
    out["directory without hashed certificates"] = (root / "empty-dir", "openssl rehash")
    return out


@pytest.fixture(autouse=True)
def no_ca_variables(monkeypatch):
    # This machine exports CA bundle variables; each test here says which bundle applies.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)


BAD_BUNDLES = ["no certificate", "certificate and key", "key only", "huge", "directory without hashed certificates"]


@pytest.mark.parametrize("kind", BAD_BUNDLES)
def test_check_refuses_a_bad_ca_bundle_file_before_any_call(kind, tmp_path, emulator):
    path, words = bad_bundles(tmp_path)[kind]
    provider = configured(ts.TenantMtlsSettingsProvider(), {
        **tenant_config(emulator), **tenant_config(emulator, namespace="auth0-eu"),
        "auth0-eu:caBundle": str(path)})
    [failure] = provider.check({}, {"enable_endpoint_aliases": True, "tenant": "auth0-eu"}).failures
    # The engine prints the named property's value: `tenant` holds the namespace, not the bundle.
    assert failure.property == "tenant"
    assert "auth0-eu:caBundle" in failure.reason and str(path) in failure.reason and words in failure.reason
    assert "-----BEGIN" not in failure.reason and "MII" not in failure.reason and "MIG" not in failure.reason
    # The other tenant's config is fine: its resources pass.
    assert provider.check({}, {"enable_endpoint_aliases": True}).failures == []
    assert emulator.state.calls() == []


def test_a_bad_bundle_met_by_delete_says_that_destroy_uses_the_recorded_config(tmp_path, emulator):
    """`pulumi destroy` configures the provider with the config of the last update: the message says
    so, and how to use the fixed config, rather than only how to set it."""
    path, _ = bad_bundles(tmp_path)["no certificate"]
    config = {**tenant_config(emulator, namespace="auth0-eu"), "auth0-eu:caBundle": str(path)}
    provider = configured(ts.TenantMtlsSettingsProvider(), config)
    props = {"enable_endpoint_aliases": True, provider.namespace_output: "auth0-eu",  # "tenant_namespace"
             "tenant_host": emulator.base_url[len("http://"):]}
    for hook in (lambda: provider.delete("mtls", props), lambda: provider.read("mtls", props)):
        with pytest.raises(ConfigurationError) as err:
            hook()
        message = str(err.value)
        assert "auth0-eu:caBundle" in message and str(path) in message
        assert "use the stack config recorded by the last update" in message
        assert "`pulumi destroy --run-program`" in message and "`pulumi refresh --run-program`" in message
    # An update runs the program: the config is the current one, and the note would mislead.
    with pytest.raises(ConfigurationError) as err:
        provider.update("mtls", props, {"enable_endpoint_aliases": False, "tenant": "auth0-eu"})
    assert "--run-program" not in str(err.value)
    assert emulator.state.calls() == []


def test_a_bad_bundle_from_the_environment_gets_no_recorded_config_note(tmp_path, emulator, monkeypatch):
    # The environment reaches the provider at once: only stack config is the recorded one.
    path, _ = bad_bundles(tmp_path)["certificate and key"]
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    provider = configured(ts.TenantMtlsSettingsProvider(), tenant_config(emulator))
    with pytest.raises(ConfigurationError) as err:
        provider.delete("mtls", {"enable_endpoint_aliases": True, "tenant_host": emulator.base_url[len("http://"):]})
    assert "SSL_CERT_FILE" in str(err.value) and "private key (PRIVATE KEY)" in str(err.value)
    assert "--run-program" not in str(err.value)
    assert emulator.state.calls() == []
