"""Shared fixtures: an in-process emulator on loopback and a provider configured against it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "provider"))  # also works without `pip install -e .`


@pytest.fixture
def emulator() -> Iterator["object"]:
    from auth0_mtls.emulator import Emulator

    emu = Emulator(port=0, auto_dns=False)
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emulator_env(emulator, monkeypatch: pytest.MonkeyPatch):
    """Credentials for the emulator in the environment, the way a user without stack config sets them."""
    monkeypatch.setenv("AUTH0_DOMAIN", emulator.base_url)
    monkeypatch.setenv("AUTH0_CLIENT_ID", "emulator-client")
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "emulator-secret")
    monkeypatch.delenv("AUTH0_API_TOKEN", raising=False)
    # Keep unit-level retries quick; the e2e suite runs with the defaults.
    monkeypatch.setenv("AUTH0_MTLS_RETRY_BUDGET_SECONDS", "20")
    from auth0_mtls import client

    client._clients.clear()  # a fresh token cache per test
    return emulator
