"""Hostile or broken input: body limits, framing errors, and the admin surface's Host/Origin guard.

Framing cases go over raw sockets, because well-behaved clients cannot send them.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import requests

from auth0_mtls.emulator import Emulator

from .conftest import Api, fetch_token

LIMIT = 1024 * 1024


def exchange(emu: Emulator, data: bytes, *, read_all: bool = False) -> tuple[int, dict[str, str], Any]:
    """Send raw bytes; parse one response (status, lower-cased headers, JSON body)."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(data)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without a response; got {buffer!r}"
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {name.strip().lower(): value.strip() for name, value in
                   (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        body = json.loads(rest[:length]) if length else None
        if read_all:
            sock.settimeout(5)
            assert sock.recv(1) == b""  # the server closed the connection after a framing error
        return status, headers, body


def request_bytes(emu: Emulator, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{emu.port}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def assert_json_error(status: int, headers: dict[str, str], body: Any, expected: int, fragment: str) -> None:
    assert status == expected
    assert headers["content-type"].startswith("application/json")
    assert set(body) == {"statusCode", "error", "message"} and body["statusCode"] == expected
    assert fragment in body["message"], body


@pytest.fixture
def token(emu: Emulator) -> str:
    return fetch_token(emu)


def test_body_over_the_limit_is_413_before_it_is_read(emu: Emulator, token: str) -> None:
    data = request_bytes(emu, "POST", "/api/v2/custom-domains", {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": str(LIMIT + 1)})
    status, headers, body = exchange(emu, data, read_all=True)
    assert_json_error(status, headers, body, 413, f"greater than maximum allowed: {LIMIT}")
    assert body["error"] == "Request Entity Too Large"
    assert headers["connection"] == "close"


def test_body_at_the_limit_is_read(api: Api) -> None:
    padding = "x" * (LIMIT - 200)
    response = api.post("/api/v2/custom-domains", data=json.dumps({"domain": "big.example.com", "type": "x",
                                                                    "pad": padding}),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body"  # read and validated


def test_chunked_body_over_the_limit(emu: Emulator, token: str) -> None:
    chunk = b"a" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk) + 1)) + b"0\r\n\r\n"
    data = request_bytes(emu, "POST", "/api/v2/custom-domains", {
        "Authorization": f"Bearer {token}", "Transfer-Encoding": "chunked"}, body)
    status, headers, payload = exchange(emu, data)
    assert_json_error(status, headers, payload, 413, "greater than maximum allowed")


@pytest.mark.parametrize(
    ("headers", "body", "fragment"),
    [
        ({"Content-Length": "abc"}, b"", "Invalid Content-Length"),
        ({"Content-Length": "-1"}, b"", "Invalid Content-Length"),
        ({"Content-Length": "+5"}, b"{}   ", "Invalid Content-Length"),
        ({"Content-Length": "1e3"}, b"", "Invalid Content-Length"),
        ({"Content-Length": "2, 3"}, b"{}", "Invalid Content-Length"),
        ({"Transfer-Encoding": "chunked", "Content-Length": "5"}, b"0\r\n\r\n", "must not both be sent"),
        ({"Transfer-Encoding": "gzip, chunked"}, b"0\r\n\r\n", "Unsupported Transfer-Encoding"),
        ({"Transfer-Encoding": "chunked"}, b"zz\r\n{}\r\n0\r\n\r\n", "bad chunk size line"),
        ({"Transfer-Encoding": "chunked"}, b"2\r\n{}XX0\r\n\r\n", "not followed by CRLF"),
        ({"Transfer-Encoding": "chunked"}, b"-2\r\n{}\r\n0\r\n\r\n", "bad chunk size line"),
    ],
)
def test_broken_body_framing_is_400_json(emu: Emulator, token: str, headers: dict[str, str], body: bytes,
                                         fragment: str) -> None:
    data = request_bytes(emu, "POST", "/api/v2/custom-domains", {"Authorization": f"Bearer {token}", **headers},
                         body)
    status, response_headers, payload = exchange(emu, data, read_all=True)
    assert_json_error(status, response_headers, payload, 400, fragment)
    assert emu.state.snapshot()["custom_domains"] == []
    # Refused before reaching the API: nothing in the call log.
    assert [c["path"] for c in emu.state.calls()] == ["/oauth/token"]


def test_repeated_equal_content_length_is_accepted(emu: Emulator, token: str) -> None:
    body = b'{"domain": "twice.example.com", "type": "self_managed_certs"}'
    data = (request_bytes(emu, "POST", "/api/v2/custom-domains", {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": str(len(body))})
        .replace(b"\r\n\r\n", f"\r\nContent-Length: {len(body)}\r\n\r\n".encode(), 1) + body)
    status, _, payload = exchange(emu, data)
    assert status == 201 and payload["domain"] == "twice.example.com"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"GARBAGE\r\n\r\n", "Bad request syntax"),
        (b"GET / HTTP/1.1 extra\r\n\r\n", "Bad request"),
        (b"GET /api/v2/custom-domains HTTP/2.0\r\n\r\n", "Invalid HTTP version"),
        (b"GET /api/v2/custom-domains HTTP/x.y\r\n\r\n", "Bad request version"),
        (b"GET /api/v2/custom-domains\r\n\r\n", "HTTP/0.9"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", "too large"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", "too large"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", "Request header fields too large"),
        (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", "too large"),
    ],
)
def test_malformed_requests_get_json_not_html(emu: Emulator, data: bytes, fragment: str,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    status, headers, body = exchange(emu, data)
    assert_json_error(status, headers, body, 400, fragment)
    assert "<html" not in json.dumps(body).lower()
    assert "Traceback" not in capfd.readouterr().err


def test_unknown_method_is_json(emu: Emulator) -> None:
    status, headers, body = exchange(emu, b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 501 and headers["content-type"].startswith("application/json")
    assert body["error"] == "Not Implemented"


def test_emulator_keeps_serving_after_hostile_input(emu: Emulator, api: Api) -> None:
    for data in (b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40):
        with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            try:
                while sock.recv(4096):
                    pass
            except ConnectionResetError:
                pass
    assert api.get("/api/v2/custom-domains").status_code == 200


# ---------------------------------------------------------------------- admin surface guard


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"Host": "evil.example.com"}, "loopback address"),
        ({"Host": "attacker.test:{port}"}, "loopback address"),
        ({"Host": "127.0.0.1:1"}, "loopback address"),
        ({"Origin": "http://evil.example.com"}, "other origins"),
        ({"Origin": "null"}, "other origins"),
        ({"Origin": "http://127.0.0.1:1"}, "other origins"),
    ],
)
def test_admin_refuses_foreign_host_or_origin(emu: Emulator, headers: dict[str, str], fragment: str) -> None:
    emu.state.publish_dns("kept.example.com", "TXT", "v")
    headers = {name: value.replace("{port}", str(emu.port)) for name, value in headers.items()}
    for method, path in (("POST", "/reset"), ("GET", "/state"),
                         ("POST", "/faults")):
        response = requests.request(method, f"{emu.base_url}/__emulator{path}", headers=headers,
                                    json={"kind": "drop_before"}, timeout=10)
        assert response.status_code == 403, (method, path)
        assert fragment in response.json()["error"]
    assert emu.state.dns_records() and emu.state.faults() == []


def test_admin_missing_host_is_refused(emu: Emulator) -> None:
    status, _, body = exchange(emu, b"GET /__emulator/state HTTP/1.0\r\n\r\n")
    assert status == 403 and "missing" in body["error"]


def test_admin_accepts_own_addresses_and_origin(emu: Emulator) -> None:
    for host in (f"127.0.0.1:{emu.port}", f"localhost:{emu.port}", f"LOCALHOST:{emu.port}", f"[::1]:{emu.port}"):
        response = requests.get(f"{emu.base_url}/__emulator/config", headers={"Host": host}, timeout=10)
        assert response.status_code == 200, host
    same_origin = requests.post(f"{emu.base_url}/__emulator/reset", headers={"Origin": emu.base_url}, timeout=10)
    assert same_origin.status_code == 200


def test_api_surface_is_not_host_guarded(emu: Emulator) -> None:
    # The Management and Authentication APIs answer whatever Host a proxy or SDK sends.
    response = requests.post(f"{emu.base_url}/oauth/token", headers={"Host": "tenant.example.com"}, timeout=10,
                             data={"grant_type": "client_credentials", "client_id": emu.client_id,
                                   "client_secret": emu.client_secret, "audience": emu.audience})
    assert response.status_code == 200
