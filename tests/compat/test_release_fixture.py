"""A release keeps its state: the package has one version, and a released version (no dev, alpha,
beta or rc suffix) has its recorded fixture, covering every resource it ships that the emulator
alone can serve. Needs no Pulumi CLI."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version

import pulumi

import auth0_mtls

from .pickled import FIXTURES, fixture_dirs

ROOT = FIXTURES.parents[2]
# A version still being worked on, e.g. 0.3.0.dev0 or 0.3.0rc1 (PEP 440).
PRE_RELEASE = re.compile(r"(\.dev|a|b|rc)[0-9]*$")
# Resources that cannot be recorded against the emulator alone, and why (record_fixture.py).
NOT_RECORDABLE = {"MtlsDiscoveryCheck": "reads the discovery document through an edge that adds the cname-api-key"}


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def shipped_resources() -> set[str]:
    return {name for name in auth0_mtls.__all__
            if isinstance(getattr(auth0_mtls, name), type) and issubclass(getattr(auth0_mtls, name), pulumi.Resource)}


def recorded_resources(fixture_name: str) -> set[str]:
    export = json.loads((FIXTURES / fixture_name / "stack.json").read_text())
    return {r["type"].rsplit(":", 1)[1] for r in export["deployment"]["resources"]
            if r["type"].startswith("pulumi-python:dynamic/")}


def test_the_package_has_one_version():
    assert auth0_mtls.__version__ == project_version() == version("auth0-mtls")


def test_a_released_version_has_its_fixture_covering_every_resource_it_ships():
    current = project_version()
    if PRE_RELEASE.search(current):
        assert not (FIXTURES / f"v{current}").exists(), "a fixture is recorded from a release, never a pre-release"
        return
    fixture = FIXTURES / f"v{current}"
    assert (fixture / "stack.json").is_file(), (
        f"{current} is a release: record its state with `python tests/compat/record_fixture.py`")
    missing = shipped_resources() - set(NOT_RECORDABLE) - recorded_resources(fixture.name)
    assert not missing, f"the {current} fixture does not hold {sorted(missing)}: extend record_fixture.py's spec"
    assert set(NOT_RECORDABLE) <= shipped_resources(), "NOT_RECORDABLE names only resources that exist"


def test_every_fixture_is_of_the_version_its_directory_names():
    for fixture in fixture_dirs():
        meta = json.loads((fixture / "meta.json").read_text())
        assert f"v{meta['package_version']}" == fixture.name
        assert (fixture / "program" / "__main__.py").is_file(), f"{fixture.name}: the program it ran is kept"


def test_fixtures_from_0_2_say_what_test_secrets_their_snapshots_hold():
    for fixture in fixture_dirs():
        snapshot = json.loads((fixture / "emulator.json").read_text())
        if not snapshot.get("client_secrets"):
            continue
        notes = " ".join(json.loads((fixture / "meta.json").read_text()).get("notes", []))
        assert "client_secret" in notes and "test value" in notes, f"{fixture.name}: meta.json says what they are"
        stack = (fixture / "stack.json").read_text()
        assert not [s for s in snapshot["client_secrets"].values() if s in stack], "never in the state"
