"""The credential, client-authentication and API proof-of-possession resources act on the tenant their
`tenant` input names, and refuse (before any call) when that namespace now points elsewhere."""

from __future__ import annotations

import pytest

from auth0_mtls import client_authentication as ca
from auth0_mtls import client_credential as cc
from auth0_mtls import resource_server_pop as rs
from auth0_mtls.emulator import Emulator
from auth0_mtls.errors import TenantMismatch
from certs import make_certificate
from mgmt import IDENTIFIER, Mgmt
from stack_config import configured, two_tenant_config


def provider(cls, values):
    return configured(cls(), values)


def writes(emu: Emulator) -> list[tuple[str, str]]:
    return [(c["method"], c["path"]) for c in emu.state.calls() if c["path"].startswith("/api/v2/")]


def test_client_resources_act_on_their_tenant_and_refuse_a_repointed_namespace(tenants):
    us, eu = tenants
    values = two_tenant_config(us, eu)
    api = Mgmt.of(eu)
    app = api.create_client("partner")
    server = api.create_api(name="P")
    cid = app["client_id"]

    cred_inputs, failures, _ = cc.check_inputs({"client_id": cid, "credential_type": "x509_cert",
                                                "pem": make_certificate().pem, "tenant": "auth0-eu"})
    assert failures == []
    cred = provider(cc.ClientCertificateCredentialProvider, values).create(cred_inputs)
    auth_inputs = ca.normalize_inputs({"client_id": cid, "method": "self_signed_tls_client_auth",
                                       "credential_ids": [cred.id], "tenant": "auth0-eu"})
    auth = provider(ca.ClientMtlsAuthenticationProvider, values).create(auth_inputs)
    pop_inputs = rs.normalize_inputs({"resource_server_id": IDENTIFIER, "mechanism": "mtls", "required": True,
                                      "tenant": "auth0-eu"})
    pop = provider(rs.ResourceServerProofOfPossessionProvider, values).create(pop_inputs)
    for created in (cred, auth, pop):
        assert created.outs["tenant"] == "auth0-eu" and created.outs["tenant_host"] == eu.domain
    assert pop.id == server["id"]
    assert writes(us) == [], "nothing reached the default tenant"

    before = (us.state.snapshot(), eu.state.snapshot())
    us.state.clear_calls()
    eu.state.clear_calls()
    repointed = two_tenant_config(us, eu, **{"auth0-eu": us.base_url})
    hooks = [(cc.ClientCertificateCredentialProvider, cred, {**cred_inputs, "name": "renamed"}),
             (ca.ClientMtlsAuthenticationProvider, auth, {**auth_inputs, "require_proof_of_possession": True}),
             (rs.ResourceServerProofOfPossessionProvider, pop, {**pop_inputs, "required": False})]
    for cls, created, news in hooks:
        hook = provider(cls, repointed)
        for method, args in (("diff", (created.id, created.outs, news)),
                             ("read", (created.id, created.outs)),
                             ("update", (created.id, created.outs, news)),
                             ("delete", (created.id, created.outs))):
            with pytest.raises(TenantMismatch) as err:
                getattr(hook, method)(*args)
            assert eu.domain in str(err.value) and us.domain in str(err.value) and "auth0-eu:domain" in str(err.value)
    assert writes(us) == [] and writes(eu) == []
    assert (us.state.snapshot(), eu.state.snapshot()) == before


def test_moving_to_another_tenant_replaces_and_renaming_the_namespace_updates_without_a_call(tenants):
    us, eu = tenants
    values = {**two_tenant_config(us, eu), "auth0-us:domain": us.base_url, "auth0-us:clientId": us.client_id,
              "auth0-us:clientSecret": us.client_secret}
    olds = {"client_id": "abc", "credential_type": "x509_cert", "pem": make_certificate().pem, "name": "n",
            "tenant": None, "tenant_host": us.domain}
    hook = provider(cc.ClientCertificateCredentialProvider, values)
    inputs, _, _ = cc.check_inputs({**olds, "tenant": "auth0-eu"})
    moved = hook.diff("cred_x", {**olds, "pem": inputs["pem"]}, inputs)
    assert moved.replaces == ["tenant"] and moved.delete_before_replace is False
    inputs, _, _ = cc.check_inputs({**olds, "tenant": "auth0-us"})
    renamed = hook.diff("cred_x", {**olds, "pem": inputs["pem"]}, inputs)
    assert renamed.changes is True and not renamed.replaces
    updated = hook.update("cred_x", {**olds, "pem": inputs["pem"]}, inputs)
    assert updated.outs["tenant"] == "auth0-us" and updated.outs["tenant_host"] == us.domain
    assert writes(us) == [] and writes(eu) == []

    pop = provider(rs.ResourceServerProofOfPossessionProvider, values)
    pop_olds = {"resource_server_id": IDENTIFIER, "identifier": IDENTIFIER, "mechanism": "mtls", "required": True,
                "tenant": None, "tenant_host": us.domain}
    moved = pop.diff("api1", pop_olds, rs.normalize_inputs({**pop_olds, "tenant": "auth0-eu"}))
    assert moved.replaces == ["tenant"] and moved.delete_before_replace is False
    auth = provider(ca.ClientMtlsAuthenticationProvider, values)
    auth_olds = ca.normalize_inputs({"client_id": "abc", "method": "tls_client_auth", "credential_ids": ["cred_a"]})
    auth_olds["tenant_host"] = us.domain
    moved = auth.diff("abc", auth_olds, {**auth_olds, "tenant": "auth0-eu"})
    assert moved.replaces == ["tenant"]
