"""The watchdog that ends a provider process whose engine is gone: started once, only in the
provider process, and never ending a process whose engine is still there."""

from __future__ import annotations

import os
import threading
import time
import types
from typing import Callable, Iterator

import pytest
from pulumi.dynamic import ConfigureRequest

from auth0_mtls import retry, watchdog
from auth0_mtls.discovery_check import MtlsDiscoveryCheckProvider
from auth0_mtls.provider_base import Auth0Provider

FAST = {"poll_seconds": 0.01, "grace_seconds": 0.05}
_started: list[watchdog.Watchdog] = []


@pytest.fixture(autouse=True)
def stop_watchdogs() -> Iterator[None]:
    yield
    while _started:
        _started.pop().stop()


def make(gone: Callable[[], bool], exits: "Exits", **timing: float) -> watchdog.Watchdog:
    dog = watchdog.Watchdog(gone, exits, **(timing or FAST))
    _started.append(dog)
    return dog


class Exits:
    """Records exits instead of ending the test process."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.at: list[float] = []
        self.done = threading.Event()

    def __call__(self, status: int) -> None:
        self.statuses.append(status)
        self.at.append(time.monotonic())
        self.done.set()


def watchdog_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "auth0-mtls-engine-watchdog"}


def test_no_exit_while_the_engine_is_there() -> None:
    exits, looks = Exits(), []

    def present() -> bool:
        looks.append(time.monotonic())
        return False

    dog = make(present, exits)
    assert dog.start()
    time.sleep(0.5)
    assert len(looks) >= 10, "the engine was checked again and again"
    assert exits.statuses == []


def test_one_misreading_never_ends_the_process() -> None:
    exits, answers = Exits(), iter([False, True])  # gone once, then there again at the second look
    dog = make(lambda: next(answers, False), exits)
    dog.start()
    time.sleep(0.5)
    assert exits.statuses == []


def test_exits_after_the_grace_once_the_engine_is_gone() -> None:
    exits, gone_at = Exits(), time.monotonic() + 0.2
    dog = make(lambda: time.monotonic() >= gone_at, exits, poll_seconds=0.01, grace_seconds=0.3)
    dog.start()
    assert exits.done.wait(5)
    assert exits.statuses == [watchdog.EXIT_STATUS]
    assert exits.at[0] - gone_at >= 0.3, "running hooks had their grace"
    time.sleep(0.1)
    assert exits.statuses == [watchdog.EXIT_STATUS], "one exit"


def test_started_once_however_many_hooks_start_it_at_the_same_time() -> None:
    dog = make(lambda: False, Exits(), poll_seconds=60, grace_seconds=0)
    before = watchdog_threads()
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def start() -> None:
        barrier.wait()
        results.append(dog.start())

    workers = [threading.Thread(target=start) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False] * 7 + [True]
    [new] = watchdog_threads() - before
    assert new.daemon, "it never keeps the process alive"


def as_main(monkeypatch: pytest.MonkeyPatch, spec_name: str | None) -> None:
    main = types.ModuleType("__main__")
    main.__spec__ = None if spec_name is None else types.SimpleNamespace(name=spec_name)  # type: ignore[assignment]
    monkeypatch.setitem(__import__("sys").modules, "__main__", main)


def configure(provider: Auth0Provider | MtlsDiscoveryCheckProvider) -> None:
    provider.configure(ConfigureRequest(config=types.SimpleNamespace()))  # type: ignore[arg-type]


@pytest.mark.parametrize("main", [None, "pytest.__main__", "__main__"])
def test_configure_outside_the_provider_process_starts_nothing(monkeypatch: pytest.MonkeyPatch,
                                                              main: str | None) -> None:
    """The program process (and a test) imports and even configures providers: no watchdog there."""
    dog = make(lambda: True, Exits())
    monkeypatch.setattr(watchdog, "_WATCHDOG", dog)
    as_main(monkeypatch, main)
    configure(Auth0Provider())
    configure(MtlsDiscoveryCheckProvider())
    assert not dog.started


def test_configure_in_the_provider_process_starts_the_one_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    exits = Exits()
    dog = make(lambda: False, exits)
    monkeypatch.setattr(watchdog, "_WATCHDOG", dog)
    as_main(monkeypatch, watchdog.PROVIDER_MAIN)
    before = watchdog_threads()
    # The SDK configures each provider class once: several classes, one watchdog.
    for provider in (Auth0Provider(), MtlsDiscoveryCheckProvider(), Auth0Provider()):
        configure(provider)
    assert dog.started and len(watchdog_threads() - before) == 1
    assert exits.statuses == []


def test_the_real_watchdog_watches_the_real_engine_check() -> None:
    assert watchdog._WATCHDOG.gone is retry.engine_gone
    assert watchdog._WATCHDOG.end is os._exit


def test_an_unreadable_wrapper_is_no_evidence_but_a_changed_parent_is(monkeypatch: pytest.MonkeyPatch) -> None:
    me, parent = os.getpid(), os.getppid()
    monkeypatch.setattr(retry, "_parent_of", lambda pid: None)  # /proc could not be read
    monkeypatch.setattr(retry, "_ENGINE_WATCH", ((me, parent), (parent, 12345)))
    assert retry.engine_gone() is False
    monkeypatch.setattr(retry, "_parent_of", lambda pid: 1)  # the wrapper was re-parented
    assert retry.engine_gone() is True
    monkeypatch.setattr(retry, "_ENGINE_WATCH", ((me, parent + 1),))  # this process was re-parented
    assert retry.engine_gone() is True
