"""SharedReads on its own: one request per key at a time, its answer reused for a short window,
dropped by any write, and a failure never kept."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest

from auth0_mtls import shared_reads
from auth0_mtls.shared_reads import SHARE_WINDOW_SECONDS, SharedReads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(shared_reads, "now", fake)
    return fake


class Fetches:
    """A fetch function that counts its calls and answers with a new object each time."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, Any]:
        self.count += 1
        return {"answer": self.count, "nested": {"status": "ready"}}


class Gone(Exception):
    """Stands in for a 404: an answer, shared like any other."""


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_the_window_covers_a_throttled_refresh_but_not_a_long_lived_process():
    # At 2 calls/s a domain's two reads are ~N/2 s apart; 15 s covers N=30. Much longer and a
    # process kept alive across commands could hand out state older than the command asking.
    assert 10.0 <= SHARE_WINDOW_SECONDS <= 30.0


def test_an_answer_is_reused_within_the_window_and_not_after(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    assert reads.get("cd_a", fetch)["answer"] == 1
    clock.now += SHARE_WINDOW_SECONDS - 0.01
    assert reads.get("cd_a", fetch)["answer"] == 1, "reused within the window"
    assert fetch.count == 1
    clock.now += 0.02
    assert reads.get("cd_a", fetch)["answer"] == 2, "older than the window: fetched again"
    assert fetch.count == 2


def test_keys_are_apart(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    reads.get("cd_a", fetch)
    reads.get("cd_b", fetch)
    assert fetch.count == 2


def test_every_caller_gets_its_own_copy(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    first = reads.get("cd_a", fetch)
    first["nested"]["status"] = "changed by one resource"
    assert reads.get("cd_a", fetch)["nested"]["status"] == "ready"


def test_a_write_drops_the_answer(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    reads.get("cd_a", fetch)
    with reads.writing("cd_a"):
        pass
    assert reads.get("cd_a", fetch)["answer"] == 2
    reads.forget("cd_a")
    assert reads.get("cd_a", fetch)["answer"] == 3


def test_a_failed_write_drops_the_answer_too(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    reads.get("cd_a", fetch)
    with pytest.raises(RuntimeError), reads.writing("cd_a"):
        raise RuntimeError("the write may still have reached the tenant")
    assert reads.get("cd_a", fetch)["answer"] == 2


def test_an_answer_in_flight_when_a_write_starts_is_not_kept(clock: Clock):
    """A GET sent before a write can carry the state from before it: it goes to the callers that
    asked before the write, and no later caller gets it."""
    reads = SharedReads()
    release = threading.Event()
    answers: list[Any] = []

    def slow_fetch() -> str:
        release.wait(10)
        return "from before the write"

    reader = threading.Thread(target=lambda: answers.append(reads.get("cd_a", slow_fetch)))
    reader.start()
    wait_until(lambda: reads.in_flight("cd_a"))
    with reads.writing("cd_a"):
        release.set()
        reader.join(10)
    assert answers == ["from before the write"]
    assert reads.get("cd_a", lambda: "after the write") == "after the write"


def test_concurrent_callers_share_one_request(clock: Clock):
    reads = SharedReads()
    release = threading.Event()
    calls: list[int] = []

    def slow_fetch() -> dict[str, Any]:
        calls.append(1)
        release.wait(10)
        return {"status": "ready"}

    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(reads.get("cd_a", slow_fetch))) for _ in range(6)]
    for thread in threads:
        thread.start()
    wait_until(lambda: reads.waiting("cd_a") == 5)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1 and results == [{"status": "ready"}] * 6
    assert len({id(r) for r in results}) == 6, "each caller has its own copy"


def test_a_failure_reaches_every_waiter_and_is_not_kept(clock: Clock):
    reads = SharedReads()
    release = threading.Event()
    calls: list[int] = []

    def failing_fetch() -> Any:
        calls.append(1)
        release.wait(10)
        raise RuntimeError("503 after every retry")

    errors: list[BaseException] = []

    def read() -> None:
        try:
            reads.get("cd_a", failing_fetch)
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    wait_until(lambda: reads.waiting("cd_a") == 3)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1, "the waiters did not send requests of their own"
    assert [str(e) for e in errors] == ["503 after every retry"] * 4
    assert len({id(e) for e in errors}) == 4, "each thread raises its own exception object"
    assert reads.get("cd_a", lambda: "fetched again") == "fetched again", "the failure was not kept"


def test_a_shareable_error_is_an_answer(clock: Clock):
    reads = SharedReads(shareable=lambda exc: isinstance(exc, Gone))
    calls: list[int] = []

    def gone() -> Any:
        calls.append(1)
        raise Gone("404: no such custom domain")

    with pytest.raises(Gone):
        reads.get("cd_a", gone)
    with pytest.raises(Gone, match="404"):
        reads.get("cd_a", gone)
    assert len(calls) == 1, "both resources see the domain gone from one request"
    clock.now += SHARE_WINDOW_SECONDS + 0.01
    assert reads.get("cd_a", lambda: "back") == "back"


def test_a_leader_interrupted_by_a_base_exception_never_leaves_waiters_hanging(clock: Clock):
    reads = SharedReads()
    release = threading.Event()

    class Stop(BaseException):
        pass

    def interrupted() -> Any:
        release.wait(10)
        raise Stop()

    outcomes: list[str] = []

    def lead() -> None:
        try:
            reads.get("cd_a", interrupted)
        except Stop:
            outcomes.append("leader stopped")

    def wait() -> None:
        try:
            reads.get("cd_a", interrupted)
        except Stop:
            outcomes.append("waiter stopped")

    leader = threading.Thread(target=lead)
    leader.start()
    wait_until(lambda: reads.in_flight("cd_a"))
    waiter = threading.Thread(target=wait)
    waiter.start()
    wait_until(lambda: reads.waiting("cd_a") == 1)
    release.set()
    leader.join(10)
    waiter.join(10)
    assert sorted(outcomes) == ["leader stopped", "waiter stopped"]


def test_expired_answers_are_not_kept_forever(clock: Clock):
    reads, fetch = SharedReads(), Fetches()
    for index in range(50):
        reads.get(f"cd_{index}", fetch)
    clock.now += SHARE_WINDOW_SECONDS + 1
    reads.get("cd_new", fetch)
    assert reads.held() == 1, "a long-lived process drops what it may no longer use"
