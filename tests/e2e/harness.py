"""Runs the real Pulumi CLI (local file backend, passphrase secrets, no network) on the test program
against an emulator on loopback, and reads back what the user would see."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mgmt import Mgmt
from processes import alive

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).resolve().parent / "program" / "__main__.py"
# The program of the certificate-bound client resources (credentials, client auth, API PoP).
CLIENTS_PROGRAM = Path(__file__).resolve().parent / "clients_program"
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret-e2e-4f1c9a"


def pulumi_bin_dir() -> Path:
    """The CLI built (or found) by scripts/ensure-pulumi.sh; cached across runs."""
    env_dir = os.environ.get("AUTH0_MTLS_PULUMI_BIN")
    if env_dir:
        return Path(env_dir)
    out = subprocess.run(["bash", str(ROOT / "scripts" / "ensure-pulumi.sh")], check=True,
                         stdout=subprocess.PIPE, text=True)
    path = Path(out.stdout.strip().splitlines()[-1])
    os.environ["AUTH0_MTLS_PULUMI_BIN"] = str(path)
    return path


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


class PulumiError(AssertionError):
    pass


@dataclass
class Stack:
    """One project directory and stack, with its own PULUMI_HOME and state backend."""

    workdir: Path
    base_url: str
    bin_dir: Path
    name: str = "e2e"
    program_dir: Path = PROGRAM.parent
    history: list[Result] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.project = self.workdir / "project"
        self.state = self.workdir / "state"
        self.home = self.workdir / "home"
        for path in (self.project, self.state, self.home):
            path.mkdir(parents=True, exist_ok=True)
        for source in self.program_dir.glob("*.py"):
            shutil.copy(source, self.project / source.name)
        # Absolute virtualenv: the language host and the dynamic-provider script resolve a relative
        # one against different directories.
        (self.project / "Pulumi.yaml").write_text(
            "name: auth0-mtls-e2e\n"
            "runtime:\n  name: python\n  options:\n    toolchain: pip\n"
            f"    virtualenv: {sys.prefix}\n"
        )
        self.write_spec({})
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AUTH0_", "PULUMI_"))},
            "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(self.home),
            "PULUMI_BACKEND_URL": f"file://{self.state}",
            "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
            "NO_COLOR": "1",
        }
        self.run("stack", "init", self.name)
        self.run("config", "set", "auth0:domain", self.base_url)
        self.run("config", "set", "auth0:clientId", CLIENT_ID)
        self.run("config", "set", "--secret", "auth0:clientSecret", CLIENT_SECRET)

    def set_tenant(self, namespace: str, base_url: str, client_id: str = CLIENT_ID,
                   client_secret: str = CLIENT_SECRET) -> None:
        """Configure (or repoint) a tenant's stack config namespace, e.g. ``auth0-eu``."""
        self.run("config", "set", f"{namespace}:domain", base_url)
        self.run("config", "set", f"{namespace}:clientId", client_id)
        self.run("config", "set", "--secret", f"{namespace}:clientSecret", client_secret)

    # -- program -------------------------------------------------------------------------------

    def write_spec(self, spec: dict[str, Any]) -> None:
        (self.project / "spec.json").write_text(json.dumps(spec, indent=2))

    # -- CLI -----------------------------------------------------------------------------------

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> Result:
        cmd = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        if args[:2] != ("stack", "init"):
            cmd += ["--stack", self.name]
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=self.project, env=self.env, capture_output=True, text=True, timeout=timeout)
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - started)
        self.history.append(result)
        if check and proc.returncode != 0:
            raise PulumiError(f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{result.output[-6000:]}")
        return result

    def preview(self, *extra: str, check: bool = True) -> Result:
        return self.run("preview", "--json", "--show-sames", *extra, check=check)

    def up(self, *extra: str, check: bool = True) -> Result:
        return self.run("up", "--yes", "--skip-preview", "--color", "never", *extra, check=check)

    def refresh(self, *extra: str, check: bool = True) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", "--color", "never", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", "--color", "never", *extra, check=check)

    def outputs(self, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return self.run(*args).json()

    def export(self) -> dict[str, Any]:
        return self.run("stack", "export").json()

    def state_file_text(self) -> str:
        files = list(self.state.rglob(f"{self.name}.json"))
        assert files, "no state file written"
        return files[0].read_text()

    def resources(self, type_suffix: str) -> list[dict[str, Any]]:
        deployment = self.export()["deployment"]
        return [r for r in deployment.get("resources", []) if r["type"].endswith(type_suffix)]


def steps(preview: Result, *, include_provider: bool = False) -> list[dict[str, Any]]:
    """The plan's steps for our resources (not the stack and, by default, not the provider)."""
    out = []
    for step in preview.json().get("steps", []):
        type_ = step.get("urn", "").split("::")[2] if step.get("urn", "").count("::") >= 3 else ""
        if type_ == "pulumi:pulumi:Stack":
            continue
        if not include_provider and type_.startswith("pulumi:providers:"):
            continue
        out.append(step)
    return out


def short_name(urn: str) -> str:
    """``CustomDomain:login`` for ``urn:pulumi:s::p::pulumi-python:dynamic/auth0_mtls:CustomDomain::login``."""
    parts = urn.split("::")
    return f"{parts[2].split(':')[-1]}:{parts[-1]}"


def ops(preview: Result) -> dict[str, list[str]]:
    """``{"CustomDomain:login": ["create"], ...}`` for our resources (a replace has several steps)."""
    out: dict[str, list[str]] = {}
    for step in steps(preview):
        out.setdefault(short_name(step["urn"]), []).append(step["op"])
    return out


class EmulatorAdmin:
    """The emulator's admin API: its state, call log, DNS and faults. ``verify`` is what its https
    certificate is checked against (a CA file), for an emulator that serves https."""

    def __init__(self, base_url: str, verify: str | bool = True) -> None:
        self.base_url = base_url
        self.verify = verify
        self.http = self.session()

    def session(self) -> requests.Session:
        """A session that reads nothing from the environment: REQUESTS_CA_BUNDLE would replace
        ``verify``, and a test's proxy variables must not apply to calls on loopback."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.verify
        return session

    @property
    def host(self) -> str:
        """``host:port``: the tenant's domain as outputs and state name it."""
        return self.base_url.split("://", 1)[1]

    def calls(self) -> list[dict[str, Any]]:
        return self.http.get(f"{self.base_url}/__emulator/calls").json()

    def clear_calls(self) -> None:
        self.http.delete(f"{self.base_url}/__emulator/calls")

    def writes(self) -> list[dict[str, Any]]:
        return [c for c in self.calls() if c["method"] in ("POST", "PATCH", "PUT", "DELETE")
                and c["path"].startswith("/api/v2/")]

    def api_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.calls() if c["path"].startswith(("/api/v2/", "/oauth/"))]

    def state(self) -> dict[str, Any]:
        return self.http.get(f"{self.base_url}/__emulator/state").json()

    def domains(self) -> list[dict[str, Any]]:
        return self.state()["custom_domains"]

    def load_state(self, snapshot: dict[str, Any], cname_api_keys: dict[str, str] | None = None) -> dict[str, Any]:
        """Put the tenant back as ``snapshot`` (a ``state()`` result) shows it; keys restore edge access."""
        body = {**snapshot, **({"cname_api_keys": cname_api_keys} if cname_api_keys else {})}
        r = self.http.put(f"{self.base_url}/__emulator/state", json=body)
        r.raise_for_status()
        return r.json()

    def publish_dns(self, name: str, value: str, type_: str = "TXT") -> None:
        r = self.http.put(f"{self.base_url}/__emulator/dns/{name}", json={"type": type_, "value": value})
        r.raise_for_status()

    def add_fault(self, **rule: Any) -> None:
        r = self.http.post(f"{self.base_url}/__emulator/faults", json=rule)
        r.raise_for_status()

    def mgmt(self) -> Mgmt:
        """A Management API session with its own token, for changes 'behind Pulumi's back'."""
        return Mgmt(self.base_url, CLIENT_ID, CLIENT_SECRET, verify=self.verify)

    def management(self) -> requests.Session:
        """The raw session of :meth:`mgmt`, for calls that check their own status."""
        return self.mgmt().http


# -- interrupted runs ------------------------------------------------------------------------------
# The CLI starts its language host and its dynamic-provider plugin in process groups of their own,
# so killing the CLI's group alone leaves them running. These helpers find and kill all of them.

def start(stack: Stack, *args: str) -> subprocess.Popen[str]:
    """``pulumi <args>`` in the background, in a session (and process group) of its own."""
    cmd = [str(stack.bin_dir / "pulumi"), *args, "--non-interactive", "--stack", stack.name]
    return subprocess.Popen(cmd, cwd=stack.project, env=stack.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _parents() -> dict[int, int]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The command name may hold spaces or parentheses: fields start after the last ")".
                out[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def descendants(pid: int) -> list[int]:
    """Every process started, directly or not, by ``pid``."""
    parents = _parents()
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found



def kill_tree(proc: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the CLI and everything it started, as a lost machine or a cancelled CI job would;
    returns the pids of the processes it started (all gone when this returns)."""
    started = descendants(proc.pid)
    groups = {proc.pid}
    for pid in started:
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            continue
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            continue
    proc.communicate()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    return started


def wait_for_calls(emu: EmulatorAdmin, method: str, path_regex: str, count: int = 1, applied: bool = True,
                   timeout: float = 120) -> list[dict[str, Any]]:
    """Block until the emulator has logged ``count`` matching calls (applied ones, by default)."""
    pattern = re.compile(path_regex)
    deadline = time.monotonic() + timeout
    while True:
        matching = [c for c in emu.calls() if c["method"] == method and pattern.fullmatch(c["path"])
                    and (c.get("applied") or not applied)]
        if len(matching) >= count:
            return matching
        if time.monotonic() > deadline:
            raise AssertionError(f"no {count} {method} {path_regex} call(s) within {timeout}s: {emu.calls()}")
        time.sleep(0.05)
