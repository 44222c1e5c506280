import time

import pytest
from urllib3.response import HTTPResponse

from auth0_mtls.retry import Auth0Retry, RetryBudgetExhausted


def response(status, headers=None):
    return HTTPResponse(body=b"", status=status, headers=headers or {}, preload_content=False)


def test_429_waits_for_x_ratelimit_reset():
    retry = Auth0Retry.default(wait_budget=100)
    wait = retry.get_retry_after(response(429, {"x-ratelimit-reset": str(int(time.time()) + 3)}))
    assert 1.5 < wait <= 3.3


def test_retry_after_header_wins_and_single_waits_are_capped():
    retry = Auth0Retry.default(wait_budget=1000)
    assert retry.get_retry_after(response(429, {"Retry-After": "2"})) == 2
    far = retry.get_retry_after(response(429, {"x-ratelimit-reset": str(int(time.time()) + 3600)}))
    assert far <= 60


def test_total_wait_is_bounded(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    retry = Auth0Retry.default(wait_budget=5)
    r = response(429, {"Retry-After": "2"})
    retry.sleep(r)
    retry = retry.new()
    retry.sleep(r)
    retry = retry.new()
    with pytest.raises(RetryBudgetExhausted) as err:
        retry.sleep(r)
    assert sum(slept) == 4 and max(slept) <= 0.25, "two waits of 2 s, slept in short slices"
    assert err.value.waited == 4


def test_a_wait_past_the_deadline_is_refused_before_sleeping(monkeypatch):
    from auth0_mtls.retry import deadline, pause

    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    with deadline(time.monotonic() + 1.0):
        pause(0.5)
        with pytest.raises(RetryBudgetExhausted) as err:
            pause(5, status=429)
    assert err.value.past_deadline and err.value.status == 429
    assert sum(slept) == 0.5
    pause(5)  # no deadline outside the block
    assert sum(slept) == 5.5


def test_a_wait_that_could_never_end_is_refused_at_once(monkeypatch):
    from auth0_mtls.retry import deadline, pause

    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    with pytest.raises(ValueError, match="nan"):
        pause(float("nan"))
    with pytest.raises(ValueError, match="infinite"):
        pause(float("inf"))
    with deadline(time.monotonic() + 1.0):
        with pytest.raises(ValueError, match="nan"):
            pause(float("nan"))
        with pytest.raises(RetryBudgetExhausted):
            pause(float("inf"))
    assert slept == []


def test_a_nan_deadline_is_refused(monkeypatch):
    from auth0_mtls.retry import deadline, time_left

    with pytest.raises(ValueError, match="nan"):
        with deadline(time.monotonic() + float("nan")):
            pass
    assert time_left() is None
    with deadline(float("inf")):  # no end: the same as no deadline
        assert time_left() == float("inf")


def test_rate_gate_ignores_a_reset_that_is_not_a_time(monkeypatch):
    from auth0_mtls.pacing import RateGate

    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    gate = RateGate()
    for reset in ("nan", "inf"):
        gate.observe("verify", 429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
        gate.wait("verify")
    assert slept == []


def test_policy_retries_transient_statuses_and_every_method():
    retry = Auth0Retry.default()
    for status in (408, 429, 500, 502, 503, 504):
        assert retry.is_retry("POST", status)
    for status in (400, 401, 403, 404, 409):
        assert not retry.is_retry("PATCH", status)
