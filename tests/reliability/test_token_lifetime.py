"""Short-lived Management API tokens: renewed at a fraction of their lifetime, not on every call."""

from __future__ import annotations

import time

from auth0_mtls.client import ManagementClient
from auth0_mtls.credentials import Credentials
from auth0_mtls.emulator import Emulator


def token_fetches(emu: Emulator) -> int:
    return len([c for c in emu.state.calls() if c["path"] == "/oauth/token"])


def client_for(emu: Emulator) -> ManagementClient:
    return ManagementClient(Credentials(base_url=emu.base_url, client_id=emu.client_id,
                                        client_secret=emu.client_secret))


def test_a_one_minute_token_is_fetched_once_for_many_calls():
    with Emulator(port=0, token_ttl=60) as emu:
        client = client_for(emu)
        for _ in range(6):
            client.get_tenant_settings(fields="mtls")
        assert token_fetches(emu) == 1, "a token valid for 60 s serves calls made within seconds of each other"


def test_a_short_token_is_renewed_before_it_expires_without_a_401():
    with Emulator(port=0, token_ttl=2) as emu:
        client = client_for(emu)
        client.get_tenant_settings(fields="mtls")
        client.get_tenant_settings(fields="mtls")
        assert token_fetches(emu) == 1
        time.sleep(1.7)  # past three quarters of its 2 s life
        client.get_tenant_settings(fields="mtls")
        assert token_fetches(emu) == 2
        assert not [c for c in emu.state.calls() if c["status"] == 401], "renewed before it expired"


def test_renew_margin_keeps_two_minutes_for_day_long_tokens_and_a_quarter_for_short_ones():
    from auth0_mtls.client import renew_margin

    assert renew_margin(86400) == 120
    assert renew_margin(60) == 15
    assert renew_margin(0) == 0
