"""An error rebuilt with a new message or hint still names the call, the status and the tenant."""

from __future__ import annotations

import pytest

from auth0_mtls.errors import ApiError
from auth0_mtls.provider_base import may_have_applied


def test_amended_keeps_every_field_but_the_ones_it_replaces():
    exc = ApiError("PATCH", "/api/v2/clients/abc", 503, "Service Unavailable", "unavailable", "retry later",
                   after_retry=True, host="tenant.eu.auth0.com")
    new = exc.amended(message="Service Unavailable. More", hint="another hint")
    assert (new.method, new.path, new.status, new.error_code, new.after_retry, new.host) == \
        ("PATCH", "/api/v2/clients/abc", 503, "unavailable", True, "tenant.eu.auth0.com")
    assert (new.api_message, new.hint) == ("Service Unavailable. More", "another hint")
    assert str(new) == ("Auth0 Management API at tenant.eu.auth0.com PATCH /api/v2/clients/abc failed: "
                        "503 unavailable: Service Unavailable. More (another hint)")
    kept = exc.amended(hint="only the hint")
    assert (kept.api_message, kept.hint) == ("Service Unavailable", "only the hint")
    assert exc.amended(message="only the message").hint == "retry later"


@pytest.mark.parametrize("status, applied", [(None, True), (500, True), (503, True), (429, False), (409, False),
                                             (400, False), (404, False)])
def test_only_a_lost_answer_or_a_server_error_may_have_applied(status, applied):
    assert may_have_applied(ApiError("PATCH", "/api/v2/tenants/settings", status, "x")) is applied
