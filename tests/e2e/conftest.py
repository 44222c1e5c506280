from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .harness import CLIENT_ID, CLIENT_SECRET, EmulatorAdmin, Stack, pulumi_bin_dir


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    return pulumi_bin_dir()


def _start(auto_dns: bool):
    from auth0_mtls.emulator import Emulator

    emu = Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=auto_dns)
    emu.start()
    return emu


@pytest.fixture
def emu() -> Iterator[EmulatorAdmin]:
    """An emulator that treats every expected DNS record as published."""
    emu = _start(auto_dns=True)
    try:
        yield EmulatorAdmin(emu.base_url)
    finally:
        emu.stop()


@pytest.fixture
def emu_strict_dns() -> Iterator[EmulatorAdmin]:
    emu = _start(auto_dns=False)
    try:
        yield EmulatorAdmin(emu.base_url)
    finally:
        emu.stop()


@pytest.fixture
def stack(tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path) -> Stack:
    return Stack(tmp_path, emu.base_url, pulumi_bin)
