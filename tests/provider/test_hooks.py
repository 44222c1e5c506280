"""The provider hooks called directly (as the engine would) against the emulator on loopback."""

from __future__ import annotations

import pytest

from auth0_mtls import custom_domain as cd
from auth0_mtls import tenant_settings as ts
from auth0_mtls import verification as vf
from auth0_mtls.errors import ApiError, ConfigurationError


def domain_props(**kw):
    return cd.normalize_inputs({"domain": "login.example.com", "tls_policy": "recommended",
                                "custom_client_ip_header": "true-client-ip", "domain_metadata": {"team": "id"}, **kw})


def api_calls(emu):
    return [(c["method"], c["path"]) for c in emu.state.calls() if not c["path"].startswith("/__emulator")]


def test_create_read_update_delete_custom_domain(emulator_env):
    emu = emulator_env
    provider = cd.CustomDomainProvider()
    created = provider.create(domain_props())
    assert created.id.startswith("cd_")
    assert created.outs["status"] == "pending_verification"
    assert created.outs["tls_policy"] == "recommended"
    # create takes its outputs from the POST response: no extra GET
    assert [m for m, _ in api_calls(emu)] == ["POST", "POST"]  # token, create

    read = provider.read(created.id, created.outs)
    assert read.outs == created.outs and read.inputs == cd.inputs_from_outputs(created.outs)

    news = domain_props(custom_client_ip_header="x-forwarded-for", domain_metadata={"owner": "p"})
    assert provider.diff(created.id, created.outs, news).changes is None  # an update
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs["custom_client_ip_header"] == "x-forwarded-for"
    assert updated.outs["domain_metadata"] == {"owner": "p"}
    assert emu.state.get_custom_domain(created.id)["domain_metadata"] == {"owner": "p"}

    provider.delete(created.id, updated.outs)
    provider.delete(created.id, updated.outs)  # idempotent
    gone = provider.read(created.id, updated.outs)
    assert gone.id is None and gone.outs == {}


def test_create_conflict_without_adopt_names_the_existing_domain(emulator_env):
    existing = emulator_env.state.create_custom_domain({"domain": "login.example.com", "type": "self_managed_certs"})
    with pytest.raises(ApiError) as err:
        cd.CustomDomainProvider().create(domain_props())
    assert existing["custom_domain_id"] in str(err.value) and "adopt_existing" in str(err.value)


def test_adopt_existing_converges_and_refuses_type_mismatch(emulator_env):
    existing = emulator_env.state.create_custom_domain({"domain": "login.example.com", "type": "self_managed_certs"})
    created = cd.CustomDomainProvider().create(domain_props(adopt_existing=True))
    assert created.id == existing["custom_domain_id"]
    live = emulator_env.state.get_custom_domain(created.id)
    assert live["custom_client_ip_header"] == "true-client-ip" and live["domain_metadata"] == {"team": "id"}
    with pytest.raises(ValueError, match="type self_managed_certs"):
        cd.CustomDomainProvider().create(domain_props(adopt_existing=True, type="auth0_managed_certs"))


def test_verification_waits_then_captures_key_once(emulator_env):
    domain = cd.CustomDomainProvider().create(domain_props())
    provider = vf.CustomDomainVerificationProvider()
    props = vf.normalize_inputs({"custom_domain_id": domain.id, "timeout_seconds": 2.5, "poll_interval_seconds": 1})
    with pytest.raises(vf.VerificationTimeout) as err:
        provider.create(props)
    message = str(err.value)
    assert domain.outs["verification_record_name"] in message
    assert domain.outs["verification_record_value"] in message
    emulator_env.state.publish_dns(domain.outs["verification_record_name"], "TXT",
                                   domain.outs["verification_record_value"])
    created = provider.create(props)
    key = created.outs["cname_api_key"]
    assert len(key) == 128 and emulator_env.state.check_cname_api_key(domain.id, key)
    read = provider.read(domain.id, created.outs)
    assert read.outs["cname_api_key"] == key and read.outs["status"] == "ready"
    assert read.outs["origin_domain_name"]


@pytest.mark.parametrize("prop", ["timeout_seconds", "poll_interval_seconds"])
def test_verification_check_refuses_nan(emulator_env, prop):
    result = vf.CustomDomainVerificationProvider().check({}, {"custom_domain_id": "cd_abc", prop: float("nan")})
    assert [(f.property, f.reason) for f in result.failures] == [
        (prop, f"{prop} must be a finite number of seconds, got nan")]
    assert api_calls(emulator_env) == []


@pytest.mark.timeout(20)
@pytest.mark.parametrize("prop, verify_calls", [("timeout_seconds", 0), ("poll_interval_seconds", 1)])
def test_a_nan_that_got_past_check_stops_the_verification_instead_of_waiting_for_ever(emulator_env, prop,
                                                                                      verify_calls):
    domain = cd.CustomDomainProvider().create(domain_props())
    props = vf.normalize_inputs({"custom_domain_id": domain.id, "timeout_seconds": 5, "poll_interval_seconds": 1,
                                 prop: float("nan")})
    with pytest.raises(ValueError, match="nan"):
        vf.CustomDomainVerificationProvider().create(props)
    assert len([path for _, path in api_calls(emulator_env) if path.endswith("/verify")]) == verify_calls


def test_a_rate_limited_verification_timeout_names_the_record(emulator_env):
    # The emulator allows 5 verify calls a minute, as Auth0 does: five pending answers, then a 429
    # whose reset lies past the timeout.
    domain = cd.CustomDomainProvider().create(domain_props())
    props = vf.normalize_inputs({"custom_domain_id": domain.id, "timeout_seconds": 9, "poll_interval_seconds": 1})
    with pytest.raises(vf.VerificationTimeout) as err:
        vf.CustomDomainVerificationProvider().create(props)
    message = str(err.value)
    assert "rate limiting verify calls (429" in message, message
    record = (f'TXT record {domain.outs["verification_record_name"]} with value '
              f'"{domain.outs["verification_record_value"]}"')
    assert record in message, message
    verify = [c["status"] for c in emulator_env.state.calls() if c["path"].endswith("/verify")]
    assert verify[:5] == [200] * 5 and verify[5:] in ([], [429]), verify
    assert not [c for c in emulator_env.state.calls() if c["method"] == "GET"], "the record came from a verify answer"


def test_deleting_a_verification_says_only_its_record_leaves_the_stack(emulator_env, capsys):
    domain = cd.CustomDomainProvider().create(domain_props())
    emulator_env.state.publish_expected_dns(domain.id)
    provider = vf.CustomDomainVerificationProvider()
    created = provider.create(vf.normalize_inputs({"custom_domain_id": domain.id, "poll_interval_seconds": 1}))
    capsys.readouterr()
    provider.delete(domain.id, created.outs)
    err = capsys.readouterr().err
    assert f"the verification of custom domain login.example.com ({domain.id}) is removed from the stack only" in err
    assert "up to its CustomDomain resource" in err
    assert "stays verified" not in err, "the domain may be deleted right after (a rename)"


def test_verification_of_already_verified_domain_warns_key_unrecoverable(emulator_env, capsys):
    domain = cd.CustomDomainProvider().create(domain_props())
    emulator_env.state.publish_expected_dns(domain.id)
    emulator_env.state.verify_custom_domain(domain.id)  # verified outside this resource
    props = vf.normalize_inputs({"custom_domain_id": domain.id, "poll_interval_seconds": 1})
    created = vf.CustomDomainVerificationProvider().create(props)
    assert created.outs["cname_api_key"] is None and created.outs["cname_api_key_captured"] is False
    assert "cannot be recovered" in capsys.readouterr().err


@pytest.mark.parametrize("prior", [None, {"enable_endpoint_aliases": False}, {"enable_endpoint_aliases": True}])
def test_tenant_settings_restore_prior_value(emulator_env, prior, capsys):
    emulator_env.state.update_tenant_settings({"mtls": prior})
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    assert created.outs["previous_mtls"] == prior
    # Unset, restore_to reads as None (the README: None means "previous").
    assert created.outs["restore_to"] is None and created.outs["restore_on_delete"] is True
    err = capsys.readouterr().err
    if prior == {"enable_endpoint_aliases": True}:
        assert "is already True; nothing was sent" in err
    else:
        was = "absent" if prior is None else "False"
        assert f"mtls.enable_endpoint_aliases set to True (was {was})" in err
    assert emulator_env.state.get_tenant_settings().get("mtls") == {"enable_endpoint_aliases": True}
    read = provider.read(created.id, created.outs)
    assert read.inputs == {"enable_endpoint_aliases": True, "restore_on_delete": True, "restore_to": None,
                           "tenant": None}
    provider.delete(created.id, created.outs)
    assert emulator_env.state.get_tenant_settings().get("mtls") == prior


def test_missing_credentials_give_one_clear_error(monkeypatch):
    for var in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_API_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        cd.CustomDomainProvider().create(domain_props())


def test_stack_config_credentials_are_used(emulator):
    class Req:
        class config:  # noqa: N801 - mimics pulumi.dynamic.Config
            @staticmethod
            def get(key):
                return {"auth0:domain": emulator.base_url, "auth0:clientId": emulator.client_id,
                        "auth0:clientSecret": emulator.client_secret}.get(key)

    provider = ts.TenantMtlsSettingsProvider()
    provider.configure(Req())
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": False}))
    assert created.id == emulator.base_url.split("://")[1]
    import dill
    assert b"emulator-secret" not in dill.dumps(ts.TenantMtlsSettingsProvider())


def test_tenant_settings_already_as_declared_costs_no_patch(emulator_env, capsys):
    emulator_env.state.update_tenant_settings({"mtls": {"enable_endpoint_aliases": True}})
    emulator_env.state.clear_calls()
    provider = ts.TenantMtlsSettingsProvider()
    created = provider.create(ts.normalize_inputs({"enable_endpoint_aliases": True}))
    assert created.outs["enable_endpoint_aliases"] is True
    assert [m for m, p in api_calls(emulator_env) if p.startswith("/api/v2/")] == ["GET"]
    # The log says what happened: nothing was set.
    err = capsys.readouterr().err
    assert "mtls.enable_endpoint_aliases is already True; nothing was sent" in err
    assert "set to True" not in err
    provider.delete(created.id, created.outs)
    assert emulator_env.state.get_tenant_settings()["mtls"] == {"enable_endpoint_aliases": True}
