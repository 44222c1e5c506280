"""HTTPS: a private CA per run, given certificates, handshakes off the accept loop, the CLI."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

import pytest
import requests
from cryptography import x509

from auth0_mtls.emulator import Emulator
from auth0_mtls.emulator.tls import generate

PROVIDER = Path(__file__).resolve().parents[2] / "provider"


def _token(emu: Emulator, verify: str | bool) -> requests.Response:
    return requests.post(f"{emu.base_url}/oauth/token", verify=verify, timeout=10, data={
        "grant_type": "client_credentials", "client_id": emu.client_id, "client_secret": emu.client_secret,
        "audience": emu.audience})


def test_https_with_generated_ca(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(tls=True)
    assert emu.base_url.startswith("https://127.0.0.1:") and emu.audience.startswith("https://")
    assert emu.ca_path is not None and emu.ca_path.is_file()
    ca = x509.load_pem_x509_certificate(emu.ca_path.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    token = _token(emu, str(emu.ca_path))
    assert token.status_code == 200, token.text
    # Per request: a REQUESTS_CA_BUNDLE in the environment would override a session's verify.
    verify = str(emu.ca_path)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    created = session.post(f"{emu.base_url}/api/v2/custom-domains", timeout=10, verify=verify,
                           json={"domain": "tls.example.com", "type": "self_managed_certs"})
    assert created.status_code == 201
    again = session.get(f"{emu.base_url}/api/v2/custom-domains", timeout=10, verify=verify)
    assert [d["domain"] for d in again.json()] == ["tls.example.com"]  # over the same kept-alive connection
    assert session.get(f"{emu.base_url}/__emulator/config", timeout=10, verify=verify).json()["base_url"] == \
        emu.base_url
    # Only the run's CA is trusted: the system store does not know it, and plain http is not served.
    with pytest.raises(requests.exceptions.SSLError):
        _token(emu, True)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{emu.port}/api/v2/custom-domains", timeout=5)
    # localhost is in the certificate too.
    assert requests.get(f"https://localhost:{emu.port}/__emulator/config", verify=str(emu.ca_path),
                        timeout=10).status_code == 200
    ca_dir = emu.ca_path.parent
    emu.stop()
    assert not ca_dir.exists()


def test_https_with_given_certificate(make_emu: Callable[..., Emulator], tmp_path: Path) -> None:
    files = generate(tmp_path, ("127.0.0.1",))
    emu = make_emu(tls_cert=files.cert_path, tls_key=files.key_path)
    assert emu.ca_path is None and emu.base_url.startswith("https://")
    assert _token(emu, str(files.ca_path)).status_code == 200
    with pytest.raises(ValueError):
        Emulator(tls_cert=files.cert_path)


def test_tls_1_1_refused(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(tls=True)
    context = ssl.create_default_context(cafile=str(emu.ca_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the point is to try an old version
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as raw:
        with pytest.raises((ssl.SSLError, OSError)):
            with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass


def test_a_stalled_handshake_does_not_block_others(make_emu: Callable[..., Emulator]) -> None:
    emu = make_emu(tls=True)
    stalled = [socket.create_connection(("127.0.0.1", emu.port), timeout=5) for _ in range(3)]
    try:
        # These clients never send a ClientHello; others are served at once.
        started = time.monotonic()
        for _ in range(3):
            assert _token(emu, str(emu.ca_path)).status_code == 200
        assert time.monotonic() - started < 3
        # A plain-http client on the TLS port gets nothing, and the emulator keeps serving.
        garbage = socket.create_connection(("127.0.0.1", emu.port), timeout=5)
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        garbage.settimeout(5)
        try:
            answer = garbage.recv(100)
        except ConnectionResetError:
            answer = b""
        assert answer == b""  # closed without an answer
        garbage.close()
        assert _token(emu, str(emu.ca_path)).status_code == 200
    finally:
        for sock in stalled:
            sock.close()


def _spawn(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {**os.environ, "PYTHONPATH": str(PROVIDER) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "auth0_mtls.emulator", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    lines: list[str] = []
    while not lines or "listening on" not in lines[-1]:
        line = proc.stdout.readline()
        assert line, f"emulator exited early: {proc.stderr.read() if proc.stderr else ''}"
        lines.append(line.rstrip("\n"))
    return proc, lines


def test_cli_tls_prints_ca_then_listening_line() -> None:
    proc, lines = _spawn("--tls")
    try:
        assert len(lines) == 2
        ca_match = re.fullmatch(r"CA certificate: (/\S+)", lines[0])
        url_match = re.fullmatch(r"Auth0 Management API emulator listening on (https://127\.0\.0\.1:\d+)", lines[1])
        assert ca_match and url_match, lines
        ca_path, url = Path(ca_match.group(1)), url_match.group(1)
        response = requests.post(f"{url}/oauth/token", verify=str(ca_path), timeout=10, data={
            "grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
            "audience": f"{url}/api/v2/"})
        assert response.status_code == 200, response.text
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0 and out == "" and err == ""
        assert not ca_path.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_cli_tls_cert_and_key(tmp_path: Path) -> None:
    files = generate(tmp_path)
    proc, lines = _spawn("--tls-cert", str(files.cert_path), "--tls-key", str(files.key_path))
    try:
        assert len(lines) == 1 and "listening on https://" in lines[0]
        url = lines[0].rsplit(" ", 1)[1]
        assert requests.get(f"{url}/__emulator/config", verify=str(files.ca_path), timeout=10).status_code == 200
    finally:
        proc.kill()
        proc.communicate()
    half = subprocess.run([sys.executable, "-m", "auth0_mtls.emulator", "--tls-cert", str(files.cert_path)],
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(PROVIDER)})
    assert half.returncode == 2 and "--tls-key" in half.stderr
