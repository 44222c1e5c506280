import time

from auth0_mtls.pacing import RateGate, bucket_of


def test_verify_has_its_own_bucket():
    assert bucket_of("/api/v2/custom-domains/cd_a/verify") == "verify"
    assert bucket_of("/api/v2/custom-domains/cd_a") == "management"


def test_empty_bucket_holds_new_calls_until_reset(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    gate = RateGate()
    gate.wait("management")
    assert slept == []
    gate.observe("management", 200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(time.time() + 2)})
    gate.wait("verify")
    assert slept == [], "other buckets are not held"
    gate.wait("management")
    assert 1.5 < sum(slept) <= 2.01, "waits for the reset, in short slices"


def test_remaining_tokens_or_bad_headers_do_not_hold(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    gate = RateGate()
    gate.observe("management", 200, {"x-ratelimit-remaining": "3", "x-ratelimit-reset": str(time.time() + 5)})
    gate.observe("management", 200, {"x-ratelimit-remaining": "zero", "x-ratelimit-reset": "soon"})
    gate.wait("management")
    assert slept == []
