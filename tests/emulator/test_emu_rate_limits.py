"""Token buckets: 429 bodies, x-ratelimit-* headers, refill timing."""

from __future__ import annotations

import math
import time
from typing import Callable

import pytest
import requests

from auth0_mtls.emulator import Emulator, RateLimitConfig
from auth0_mtls.emulator.ratelimit import TokenBucket

from .conftest import Api, FakeClock

TOO_MANY = {
    "statusCode": 429,
    "error": "Too Many Requests",
    "message": "Global limit has been reached",
    "errorCode": "too_many_requests",
}


def limits(response: requests.Response) -> tuple[int, int, int]:
    return (int(response.headers["x-ratelimit-limit"]), int(response.headers["x-ratelimit-remaining"]),
            int(response.headers["x-ratelimit-reset"]))


def test_verify_bucket_default(make_emu: Callable[..., Emulator], clock: FakeClock) -> None:
    emu = make_emu(clock=clock)
    api = Api(emu)
    domain_id = api.create("limited.example.com")["custom_domain_id"]
    clock.advance(0.25)
    seen = []
    for _ in range(5):
        response = api.verify(domain_id)
        assert response.status_code == 200
        seen.append(limits(response))
    assert [remaining for _, remaining, _ in seen] == [4, 3, 2, 1, 0]
    assert all(limit == 5 for limit, _, _ in seen)
    # 5 per minute: the next token arrives 12 s after the first was taken; reset rounds up.
    assert seen[-1][2] == math.ceil(clock.now + 12)

    emu.publish_dns_for(domain_id)
    blocked = api.verify(domain_id)
    assert blocked.status_code == 429
    assert blocked.json() == TOO_MANY
    assert limits(blocked) == (5, 0, math.ceil(clock.now + 12))
    assert "Retry-After" not in blocked.headers
    # The rejected call had no effect.
    assert api.get(f"/api/v2/custom-domains/{domain_id}").json()["status"] == "pending_verification"
    assert emu.state.calls()[-2]["outcome"] == "rate_limited"
    assert emu.state.calls()[-2]["applied"] is False

    # Other endpoints are not charged by the verify bucket.
    assert api.get("/api/v2/custom-domains").status_code == 200
    clock.advance(11.9)
    assert api.verify(domain_id).status_code == 429
    clock.advance(0.1)
    ready = api.verify(domain_id)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert limits(ready)[1] == 0


def test_management_bucket_via_admin(emu: Emulator, api: Api) -> None:
    response = api.admin("PUT", "/rate-limits", json={"management": {"rate": 2, "per_seconds": 1, "burst": 2}})
    assert response.status_code == 200
    assert response.json()["management"]["limit"] == 2
    first = api.get("/api/v2/custom-domains")
    second = api.get("/api/v2/tenants/settings")
    assert (limits(first)[:2], limits(second)[:2]) == ((2, 1), (2, 0))
    blocked = api.post("/api/v2/custom-domains", json={"domain": "x.example.com", "type": "self_managed_certs"})
    assert blocked.status_code == 429
    assert blocked.json() == TOO_MANY
    assert limits(blocked)[1] == 0
    assert emu.state.snapshot()["custom_domains"] == []
    assert api.admin("PUT", "/rate-limits", json={"management": None}).json()["management"] is None
    assert api.get("/api/v2/custom-domains").status_code == 200
    assert api.admin("PUT", "/rate-limits", json={"bogus": None}).status_code == 400
    assert api.admin("PUT", "/rate-limits", json={"management": {"rate": 0}}).status_code == 400


def test_verify_draws_from_both(make_emu: Callable[..., Emulator], clock: FakeClock) -> None:
    emu = make_emu(clock=clock, management_rate=(1, 10, 3))
    api = Api(emu)
    domain_id = api.create("both.example.com")["custom_domain_id"]
    verified = api.verify(domain_id)
    assert verified.status_code == 200
    assert limits(verified)[:2] == (5, 4)  # verify reports its own bucket
    assert limits(api.get("/api/v2/custom-domains"))[:2] == (3, 0)
    blocked = api.verify(domain_id)
    assert blocked.status_code == 429
    assert limits(blocked)[:2] == (3, 0)  # the empty bucket is the one reported
    assert emu.state.rate_limits()["verify"]["remaining"] == 4  # nothing taken from verify


def test_disabled_management_reports_unlimited(api: Api) -> None:
    limit, remaining, reset = limits(api.get("/api/v2/custom-domains"))
    assert limit == remaining == 1000
    assert abs(reset - time.time()) < 2


def test_fractional_refill_and_reset_rounding(clock: FakeClock) -> None:
    start = clock.now
    bucket = TokenBucket(RateLimitConfig(rate=2, per_seconds=2, burst=2), clock)
    bucket.take()
    bucket.take()
    assert not bucket.has()
    status = bucket.status()
    assert (status.remaining, status.reset) == (0, start + 1)
    clock.advance(0.25)
    # Half a token: the header still points at the whole second after the token completes.
    assert bucket.status().reset == start + 1
    clock.advance(0.749)
    assert not bucket.has()
    clock.advance(0.001)
    assert bucket.has()
    bucket.take()
    clock.advance(0.2)
    assert bucket.status().reset == start + 2
    # A full bucket has nothing pending: reset is "now", rounded up.
    clock.advance(100.3)
    full = bucket.status()
    assert (full.remaining, full.reset) == (2, math.ceil(clock.now))


def test_exact_pacing_never_429(make_emu: Callable[..., Emulator]) -> None:
    """``--rate-limit 2/2``: a client sending 2 requests per second is always admitted."""
    emu = make_emu(management_rate=RateLimitConfig.parse("2/2", per_seconds=1))
    api = Api(emu)
    start = time.monotonic()
    for i in range(6):
        delay = start + i * 0.5 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        assert api.get("/api/v2/custom-domains").status_code == 200, f"request {i}"


def test_waiting_until_reset_is_enough(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(management_rate=RateLimitConfig.parse("2/2", per_seconds=1))
    api = Api(emu)
    for _ in range(2):
        assert api.get("/api/v2/custom-domains").status_code == 200
    blocked = api.get("/api/v2/custom-domains")
    assert blocked.status_code == 429
    time.sleep(max(0.0, int(blocked.headers["x-ratelimit-reset"]) - time.time()))
    assert api.get("/api/v2/custom-domains").status_code == 200


@pytest.mark.parametrize(
    ("text", "per_seconds", "expected"),
    [
        ("2/2", 1, RateLimitConfig(2, 1, 2)),
        ("16/50", 1, RateLimitConfig(16, 1, 50)),
        ("5/60", None, RateLimitConfig(5, 60, 5)),
    ],
)
def test_cli_rate_parsing(text: str, per_seconds: float | None, expected: RateLimitConfig) -> None:
    assert RateLimitConfig.parse(text, per_seconds=per_seconds) == expected


def test_invalid_rate_config() -> None:
    with pytest.raises(ValueError):
        RateLimitConfig.parse("fast")
    with pytest.raises(ValueError):
        RateLimitConfig(rate=1, per_seconds=1, burst=0)
