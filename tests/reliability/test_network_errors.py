"""A tenant that cannot be reached: the error names the host and the cause, with a hint, and
never carries a secret."""

from __future__ import annotations

import socket
import traceback

import pytest

from auth0_mtls.client import ManagementClient
from auth0_mtls.credentials import Credentials
from auth0_mtls.errors import ApiError
from auth0_mtls.retry import Auth0Retry

SECRET = "client-secret-never-shown-7d1e"


def quick_client(base_url: str) -> ManagementClient:
    # A small wait budget keeps the retries of an unreachable host to about a second.
    return ManagementClient(Credentials(base_url=base_url, client_id="cid", client_secret=SECRET),
                            retry=Auth0Retry.default(wait_budget=1))


def failure(client: ManagementClient) -> ApiError:
    with pytest.raises(ApiError) as err:
        client.get_tenant_settings(fields="mtls")
    text = "".join(traceback.format_exception(err.value))
    assert SECRET not in text and "Bearer" not in text
    return err.value


def test_dns_failure_names_the_host_and_says_the_name_does_not_resolve():
    error = failure(quick_client("https://tenant-does-not-exist.invalid"))
    message = str(error)
    assert error.status is None
    assert "tenant-does-not-exist.invalid" in message
    assert "DNS" in message and "auth0:domain" in message, message
    assert "rate limit" not in message.lower(), message


def test_refused_connection_names_host_and_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(quick_client(f"http://127.0.0.1:{port}"))
    message = str(error)
    assert f"127.0.0.1:{port}" in message
    assert "connection refused" in message.lower() and "auth0:domain" in message, message


def test_untrusted_certificate_names_host_and_reason(self_signed_https):
    url, hits = self_signed_https
    error = failure(ManagementClient(Credentials(base_url=url, api_token="static-token")))
    message = str(error)
    assert url.split("://")[1] in message
    assert "certificate" in message.lower() and "self-signed" in message.lower(), message
    assert "static-token" not in message
    assert hits == []
