"""What `python -m build` makes is what a user installs: the sdist and the wheel carry the same
files, and the wheel, installed into a brand-new virtualenv, is a typed package whose emulator and
resources run examples/mtls-tenant with the real Pulumi CLI (`pulumi up`, then `pulumi destroy`).

One build and one virtualenv for the whole module: building and installing take most of its time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import EmulatorAdmin, pulumi_bin_dir

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "provider" / "auth0_mtls"
EXAMPLE = ROOT / "examples" / "mtls-tenant"
CLIENT_ID = "packaging-client"
CLIENT_SECRET = "packaging-secret-5e0b7c"

pytestmark = pytest.mark.packaging


def run(*cmd: str | Path, timeout: float = 600, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-6000:]}")
    return proc


def isolated_env(**extra: str) -> dict[str, str]:
    """This process's environment less whatever could make the fresh virtualenv see the source
    tree, this test run's virtualenv, stack settings or credentials."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PULUMI_", "AUTH0_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(drop)}, **extra}


def package_files(names: list[str]) -> set[str]:
    """Files of the auth0_mtls package in an archive listing (no metadata, no directories)."""
    return {n for n in names if n.startswith("auth0_mtls/") and not n.endswith("/")}


@dataclass
class Dists:
    sdist: Path
    wheel: Path          # `python -m build`: built from the sdist
    tree_wheel: Path     # `python -m build --wheel`: straight from the source tree, as `pip install ./` does


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out / "release", ROOT)
    # setuptools reuses ./build/lib between in-tree builds: a stale copy would add deleted modules.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out / "tree", ROOT)
    [sdist] = (out / "release").glob("auth0_mtls-*.tar.gz")
    [wheel] = (out / "release").glob("auth0_mtls-*-py3-none-any.whl")
    [tree_wheel] = (out / "tree").glob("auth0_mtls-*-py3-none-any.whl")
    return Dists(sdist, wheel, tree_wheel)


@dataclass
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"


@pytest.fixture(scope="module")
def venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A brand-new virtualenv with nothing but the wheel and its dependencies (from PyPI)."""
    env = Venv(tmp_path_factory.mktemp("fresh") / "venv")
    run(sys.executable, "-m", "venv", env.root)
    run(env.python, "-m", "pip", "install", "--disable-pip-version-check", dists.wheel, env=isolated_env())
    return env


def test_wheel_holds_exactly_the_package_and_the_sdist_builds_the_same(dists: Dists) -> None:
    expected = {f"auth0_mtls/{p.relative_to(PACKAGE).as_posix()}"
                for p in PACKAGE.rglob("*") if p.suffix == ".py" or p.name == "py.typed"}
    assert {"auth0_mtls/py.typed", "auth0_mtls/emulator/__main__.py"} <= expected
    with zipfile.ZipFile(dists.wheel) as whl:
        from_sdist = package_files(whl.namelist())
    with zipfile.ZipFile(dists.tree_wheel) as whl:
        from_tree = package_files(whl.namelist())
    assert from_sdist == expected, "the wheel built from the sdist is missing files or has extra ones"
    assert from_tree == from_sdist

    with tarfile.open(dists.sdist) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        names = {n.removeprefix(f"{top}/") for n in sdist.getnames()}
    assert {"pyproject.toml", "README.md", "provider/auth0_mtls/py.typed"} <= names


def test_installed_wheel_is_typed_and_imported_from_the_venv(venv: Venv, tmp_path: Path) -> None:
    where = run(venv.python, "-c", "import auth0_mtls; print(auth0_mtls.__file__)",
                cwd=tmp_path, env=isolated_env()).stdout.strip()
    installed = Path(where).parent
    assert installed.is_relative_to(venv.root), f"auth0_mtls imported from {where}, not the fresh virtualenv"
    assert (installed / "py.typed").is_file()
    assert (installed / "emulator" / "__main__.py").is_file()

    # What py.typed is for: a user's type checker reads the installed package's annotations.
    # Without the marker mypy stops at "module is installed, but missing library stubs or py.typed".
    shutil.copy(EXAMPLE / "__main__.py", tmp_path / "example.py")
    checked = run(sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", os.devnull,
                  "--python-executable", venv.python, "example.py", cwd=tmp_path, env=isolated_env())
    assert "Success: no issues found in 1 source file" in checked.stdout


@pytest.fixture
def emulator(venv: Venv, tmp_path: Path) -> Iterator[EmulatorAdmin]:
    """`python -m auth0_mtls.emulator` from the fresh virtualenv, as the README starts it."""
    log = tmp_path / "emulator.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(venv.python), "-u", "-m", "auth0_mtls.emulator", "--port", "0", "--auto-dns",
             "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET],
            stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, env=isolated_env())
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"listening on (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert proc.poll() is None, f"the emulator exited {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"the emulator did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield EmulatorAdmin(found[1])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_example_program_runs_from_the_wheel(venv: Venv, emulator: EmulatorAdmin, tmp_path: Path) -> None:
    bin_dir = pulumi_bin_dir()
    project, state, home = tmp_path / "project", tmp_path / "state", tmp_path / "home"
    for d in (project, state, home):
        d.mkdir()
    shutil.copy(EXAMPLE / "__main__.py", project / "__main__.py")
    # An absolute virtualenv: the language host and the dynamic-provider plugin resolve a relative
    # one against different directories.
    (project / "Pulumi.yaml").write_text(
        "name: auth0-mtls-example\n"
        "runtime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {venv.root}\n")
    env = isolated_env(
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        PULUMI_HOME=str(home), PULUMI_BACKEND_URL=f"file://{state}", PULUMI_CONFIG_PASSPHRASE="packaging",
        PULUMI_SKIP_UPDATE_CHECK="true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_IGNORE_AMBIENT_PLUGINS="true", NO_COLOR="1")

    def pulumi(*args: str) -> str:
        return run(bin_dir / "pulumi", *args, "--non-interactive", cwd=project, env=env).stdout

    pulumi("stack", "init", "packaging")
    pulumi("config", "set", "auth0:domain", emulator.base_url)
    pulumi("config", "set", "auth0:clientId", CLIENT_ID)
    pulumi("config", "set", "--secret", "auth0:clientSecret", CLIENT_SECRET)
    pulumi("config", "set", "verifyTimeoutSeconds", "60")
    tenant_before = emulator.state()["tenant_settings"]

    up = pulumi("up", "--yes", "--skip-preview", "--color", "never")
    assert re.search(r"\+ 4 created", up), up
    outputs = json.loads(pulumi("stack", "output", "--json"))
    assert re.fullmatch(r"cd_[A-Za-z0-9]+", outputs["custom_domain_id"])
    assert outputs["dns_record"]["type"] == "TXT"
    assert outputs["dns_record"]["name"] == "_cf-custom-hostname.login.example.com"
    assert outputs["dns_record"]["value"]
    assert outputs["origin_domain_name"].endswith(".edge.tenants.us.auth0.com")
    assert outputs["mtls_host"] == "mtls.login.example.com"
    assert outputs["endpoint_aliases"] is True
    assert outputs["cname_api_key"] == "[secret]"
    key = json.loads(pulumi("stack", "output", "--json", "--show-secrets"))["cname_api_key"]
    assert re.fullmatch(r"[0-9a-f]{128}", key)

    [domain] = emulator.domains()
    assert (domain["custom_domain_id"], domain["status"]) == (outputs["custom_domain_id"], "ready")
    assert emulator.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}

    destroy = pulumi("destroy", "--yes", "--skip-preview", "--color", "never")
    assert re.search(r"- 4 deleted", destroy), destroy
    assert emulator.domains() == []
    assert emulator.state()["tenant_settings"] == tenant_before, "destroy puts the tenant back as it was"
    assert not json.loads(pulumi("stack", "export"))["deployment"].get("resources")
