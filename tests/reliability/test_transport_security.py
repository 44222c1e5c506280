"""TLS certificate verification is always on for https, and a static API token works and fails clearly."""

from __future__ import annotations

import pytest

from auth0_mtls.client import ManagementClient
from auth0_mtls.credentials import Credentials, resolve
from auth0_mtls.errors import ApiError


def test_untrusted_certificate_is_refused(self_signed_https):
    url, hits = self_signed_https
    client = ManagementClient(Credentials(base_url=url, api_token="static-token"))
    with pytest.raises(ApiError) as err:
        client.get_tenant_settings()
    assert err.value.status is None and "TLS certificate is not trusted" in str(err.value)
    assert hits == [], "no request reached a server whose certificate failed verification"
    assert client._session.verify is True and client._session.trust_env is False


def test_static_api_token_is_used_and_a_rejected_one_says_how_to_fix(monkeypatch):
    from auth0_mtls import client as client_module
    from auth0_mtls.emulator import Emulator

    with Emulator(port=0, api_token="static-token-123") as emu:
        monkeypatch.setenv("AUTH0_DOMAIN", emu.base_url)
        monkeypatch.setenv("AUTH0_API_TOKEN", "static-token-123")
        monkeypatch.delenv("AUTH0_CLIENT_ID", raising=False)
        monkeypatch.delenv("AUTH0_CLIENT_SECRET", raising=False)
        client_module._clients.clear()
        client = client_module.shared_client(resolve())
        assert "enable_endpoint_aliases" not in client.get_tenant_settings(fields="mtls")
        emu.state.revoke_tokens(include_static=True)
        with pytest.raises(ApiError) as err:
            client.get_tenant_settings(fields="mtls")
        assert err.value.status == 401 and "auth0:apiToken" in str(err.value)
        assert "static-token-123" not in str(err.value)
        assert not [c for c in emu.state.calls() if c["path"] == "/oauth/token"]
