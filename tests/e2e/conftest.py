from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .harness import CLIENT_ID, CLIENT_SECRET, CLIENTS_PROGRAM, EmulatorAdmin, Stack, pulumi_bin_dir


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    return pulumi_bin_dir()


def _running(auto_dns: bool) -> Iterator[EmulatorAdmin]:
    from auth0_mtls.emulator import Emulator

    with Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auto_dns=auto_dns) as emu:
        yield EmulatorAdmin(emu.base_url)


@pytest.fixture
def emu() -> Iterator[EmulatorAdmin]:
    """An emulator that treats every expected DNS record as published."""
    yield from _running(auto_dns=True)


@pytest.fixture
def emu_strict_dns() -> Iterator[EmulatorAdmin]:
    """An emulator that verifies a domain only once its record is published."""
    yield from _running(auto_dns=False)


@pytest.fixture
def stack(tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path) -> Stack:
    return Stack(tmp_path, emu.base_url, pulumi_bin)


@pytest.fixture
def clients_stack(tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path) -> Stack:
    """A stack running tests/e2e/clients_program, the certificate-bound client resources."""
    return Stack(tmp_path, emu.base_url, pulumi_bin, program_dir=CLIENTS_PROGRAM)
