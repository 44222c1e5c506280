"""``python -m auth0_mtls.emulator``: startup line, options, clean shutdown."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

PROVIDER = Path(__file__).resolve().parents[2] / "provider"
LINE = re.compile(r"^Auth0 Management API emulator listening on (http://127\.0\.0\.1:(\d+))$")


def _spawn(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "auth0_mtls.emulator", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().rstrip("\n")
    match = LINE.match(line)
    assert match, f"unexpected first line {line!r}; stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
    return proc, match.group(1)


@pytest.fixture
def cli() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_serves_and_stops_on_sigterm(cli: list[subprocess.Popen[str]]) -> None:
    proc, url = _spawn("--client-id", "cid", "--client-secret", "csecret", "--api-token", "tok-123",
                       "--auto-dns", "--rate-limit", "2/2", "--verify-rate-limit", "3/60", "--token-ttl", "600")
    cli.append(proc)
    token = requests.post(f"{url}/oauth/token", data={"grant_type": "client_credentials", "client_id": "cid",
                                                      "client_secret": "csecret", "audience": f"{url}/api/v2/"},
                          timeout=10).json()
    assert token["expires_in"] == 600
    headers = {"Authorization": "Bearer tok-123"}
    created = requests.post(f"{url}/api/v2/custom-domains", json={"domain": "cli.example.com",
                                                                  "type": "self_managed_certs"},
                            headers=headers, timeout=10)
    assert created.status_code == 201
    assert created.headers["x-ratelimit-limit"] == "2"
    time.sleep(0.5)
    verified = requests.post(f"{url}/api/v2/custom-domains/{created.json()['custom_domain_id']}/verify",
                             headers=headers, timeout=10)
    assert verified.json()["status"] == "ready"  # --auto-dns
    assert verified.headers["x-ratelimit-limit"] == "3"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert proc.stdout is not None and proc.stdout.read() == ""  # exactly one line on stdout


def test_cli_sigint_and_quiet(cli: list[subprocess.Popen[str]]) -> None:
    proc, url = _spawn()
    cli.append(proc)
    assert requests.get(f"{url}/api/v2/custom-domains", timeout=10).status_code == 401
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    assert proc.stderr is not None and proc.stderr.read() == ""  # no per-request logging


def test_cli_origin_port_serves_only_edge_requests(cli: list[subprocess.Popen[str]]) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "auth0_mtls.emulator", "--port", "0", "--origin-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    cli.append(proc)
    assert proc.stdout is not None
    first, ready = proc.stdout.readline().rstrip("\n"), proc.stdout.readline().rstrip("\n")
    origin = re.fullmatch(r"Custom domain origin: (http://127\.0\.0\.1:\d+)", first)
    url = LINE.match(ready)
    assert origin and url, (first, ready)
    assert origin.group(1) != url.group(1)
    path = "/.well-known/openid-configuration"
    assert requests.get(f"{url.group(1)}{path}", timeout=10).status_code == 200
    refused = requests.get(f"{origin.group(1)}{path}", timeout=10)
    assert refused.status_code == 403 and refused.json()["error"] == "access_denied"
    assert "cname-api-key header is missing" in refused.json()["error_description"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_cli_help_names_the_origin_port() -> None:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER)}
    result = subprocess.run([sys.executable, "-m", "auth0_mtls.emulator", "--help"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0 and "--origin-port PORT" in result.stdout
    assert "cname-api-key" in " ".join(result.stdout.split())


def test_cli_rejects_bad_rate() -> None:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER)}
    result = subprocess.run([sys.executable, "-m", "auth0_mtls.emulator", "--rate-limit", "fast"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 2
    assert "--rate-limit" in result.stderr
