"""Fault injection (status, drop_before, drop_after, slow) and the call log."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

import pytest
import requests

from auth0_mtls.emulator import Emulator

from .conftest import Api, fetch_token

CREATE = "/api/v2/custom-domains"


def add_fault(api: Api, **rule: Any) -> dict[str, Any]:
    response = api.admin("POST", "/faults", json=rule)
    assert response.status_code == 201, response.text
    return response.json()


def test_status_503_has_no_effect(api: Api, emu: Emulator) -> None:
    fault = add_fault(api, method="POST", path=CREATE, kind="status", status=503)
    assert fault["id"]
    response = api.post(CREATE, json={"domain": "f.example.com", "type": "self_managed_certs"})
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"statusCode", "error", "message", "errorCode"}
    assert (body["statusCode"], body["error"]) == (503, "Service Unavailable")
    assert "x-ratelimit-limit" in response.headers
    assert emu.state.snapshot()["custom_domains"] == []
    # count defaults to 1: the retry goes through.
    assert api.post(CREATE, json={"domain": "f.example.com", "type": "self_managed_certs"}).status_code == 201
    calls = [c for c in emu.state.calls() if c["path"] == CREATE]
    assert [(c["status"], c["outcome"], c["applied"]) for c in calls] == [
        (503, "fault:status", False), (201, "ok", True)]


def test_status_429_headers(api: Api) -> None:
    add_fault(api, method="GET", path=CREATE, kind="status", status=429, reset_after_seconds=3)
    before = time.time()
    response = api.get(CREATE)
    assert response.status_code == 429
    assert response.json() == {"statusCode": 429, "error": "Too Many Requests",
                               "message": "Global limit has been reached", "errorCode": "too_many_requests"}
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert before + 3 <= int(response.headers["x-ratelimit-reset"]) <= before + 5
    assert "Retry-After" not in response.headers
    add_fault(api, path=CREATE, kind="status", status=429, retry_after=2, message="custom", error_code="x")
    response = api.get(CREATE)
    assert response.headers["Retry-After"] == "2"
    assert response.json()["message"] == "custom" and response.json()["errorCode"] == "x"


def test_drop_before(api: Api, emu: Emulator) -> None:
    add_fault(api, method="POST", path=CREATE, kind="drop_before")
    with pytest.raises(requests.ConnectionError):
        api.post(CREATE, json={"domain": "d.example.com", "type": "self_managed_certs"})
    assert emu.state.snapshot()["custom_domains"] == []
    last = emu.state.calls()[-1]
    assert (last["status"], last["outcome"], last["applied"]) == (None, "fault:drop_before", False)
    # The same session reconnects for the next call.
    assert api.post(CREATE, json={"domain": "d.example.com", "type": "self_managed_certs"}).status_code == 201


def test_drop_after_applies_then_loses_response(api: Api, emu: Emulator) -> None:
    add_fault(api, method="POST", path=CREATE, kind="drop_after")
    with pytest.raises(requests.ConnectionError):
        api.post(CREATE, json={"domain": "lost.example.com", "type": "self_managed_certs"})
    domains = emu.state.snapshot()["custom_domains"]
    assert [d["domain"] for d in domains] == ["lost.example.com"]
    last = emu.state.calls()[-1]
    assert (last["status"], last["outcome"], last["applied"]) == (None, "fault:drop_after", True)
    retry = api.post(CREATE, json={"domain": "lost.example.com", "type": "self_managed_certs"})
    assert retry.status_code == 409


def test_slow(api: Api, emu: Emulator) -> None:
    add_fault(api, method="GET", path=CREATE, kind="slow", delay_seconds=0.3)
    started = time.monotonic()
    response = api.get(CREATE)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200 and response.json() == []
    last = emu.state.calls()[-1]
    assert (last["status"], last["outcome"], last["applied"]) == (200, "fault:slow", True)
    started = time.monotonic()
    api.get(CREATE)
    assert time.monotonic() - started < 0.3


def test_path_regex_method_and_count(api: Api, emu: Emulator) -> None:
    domain_id = api.create("rx.example.com")["custom_domain_id"]
    add_fault(api, method="POST", path_regex=r"/api/v2/custom-domains/[^/]+/verify", kind="status", status=500,
              count=2)
    assert api.get(f"{CREATE}/{domain_id}").status_code == 200  # other method/path untouched
    listed = api.admin("GET", "/faults").json()
    assert listed[0]["remaining"] == 2 and listed[0]["fired"] == 0
    assert api.verify(domain_id).status_code == 500
    assert api.admin("GET", "/faults").json()[0]["remaining"] == 1
    assert api.verify(domain_id).status_code == 500
    assert api.verify(domain_id).status_code == 200
    assert api.admin("GET", "/faults").json()[0]["remaining"] == 0


def test_fraction_is_seeded(make_emu: Any) -> None:
    def pattern() -> list[int]:
        api = Api(make_emu())
        add_fault(api, method="GET", path=CREATE, kind="status", status=502, fraction=0.5, seed=7)
        return [api.get(CREATE).status_code for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert set(first) == {200, 502}


def test_faults_on_token_endpoint(emu: Emulator, api: Api) -> None:
    add_fault(api, method="POST", path="/oauth/token", kind="status", status=503)
    response = requests.post(f"{emu.base_url}/oauth/token", data={}, timeout=10)
    assert response.status_code == 503
    assert set(response.json()) == {"error", "error_description"}
    add_fault(api, path="/oauth/token", kind="drop_before")
    with pytest.raises(requests.ConnectionError):
        fetch_token(emu)
    assert fetch_token(emu)


def test_fault_admin(api: Api) -> None:
    for bad in ({"kind": "explode"}, {"kind": "status"}, {"kind": "status", "status": 200},
                {"kind": "slow"}, {"kind": "status", "status": 500, "count": 0},
                {"kind": "drop_before", "fraction": 2}, {"kind": "drop_before", "path_regex": "("},
                {"kind": "drop_before", "colour": "red"}):
        assert api.admin("POST", "/faults", json=bad).status_code == 400, bad
    fault = add_fault(api, kind="drop_before", path="/nowhere")
    assert api.admin("DELETE", f"/faults/{fault['id']}").status_code == 200
    assert api.admin("GET", "/faults").json() == []
    add_fault(api, kind="drop_before", path="/nowhere")
    assert api.admin("DELETE", "/faults").status_code == 200
    assert api.admin("GET", "/faults").json() == []


def test_python_fault_api(emu: Emulator, api: Api) -> None:
    emu.state.add_fault({"method": "GET", "path": "/api/v2/tenants/settings", "kind": "status", "status": 504})
    assert api.get("/api/v2/tenants/settings").status_code == 504
    assert emu.state.faults()[0]["remaining"] == 0
    emu.state.clear_faults()
    assert emu.state.faults() == []


def test_call_log_contents(emu: Emulator, api: Api) -> None:
    token = api.session.headers["Authorization"].split()[1]
    api.get(CREATE, params={"take": "5", "client_secret": "oops"})
    api.post(CREATE, json={"domain": "log.example.com", "type": "self_managed_certs"})
    calls = emu.state.calls()
    assert [c["path"] for c in calls] == ["/oauth/token", CREATE, CREATE]
    assert [c["seq"] for c in calls] == [1, 2, 3]
    entry = calls[1]
    assert set(entry) == {"seq", "time", "method", "path", "query", "status", "outcome", "applied"}
    assert entry["query"] == {"take": "5", "client_secret": "[redacted]"}
    assert (entry["method"], entry["status"], entry["outcome"], entry["applied"]) == ("GET", 200, "ok", True)
    assert calls[0]["outcome"] == "ok" and calls[2]["status"] == 201
    dumped = json.dumps(api.admin("GET", "/calls").json())
    assert token not in dumped and emu.client_secret not in dumped and "oops" not in dumped
    # Admin calls are not logged; the log can be cleared.
    assert len(api.admin("GET", "/calls").json()) == 3
    api.admin("DELETE", "/calls")
    assert emu.state.calls() == []


def test_keep_alive_and_framing(emu: Emulator) -> None:
    token = fetch_token(emu)
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", CREATE, body=json.dumps({"domain": "ka.example.com", "type": "self_managed_certs"}),
                     headers=headers)
        created = conn.getresponse()
        assert created.status == 201 and created.getheader("Content-Length")
        domain_id = json.loads(created.read())["custom_domain_id"]
        sock = conn.sock
        conn.request("DELETE", f"{CREATE}/{domain_id}", headers=headers)
        deleted = conn.getresponse()
        assert deleted.status == 204 and deleted.read() == b""
        conn.request("GET", CREATE, headers=headers)
        listed = conn.getresponse()
        assert listed.status == 200 and json.loads(listed.read()) == []
        assert conn.sock is sock  # one connection served all three
    finally:
        conn.close()


def test_chunked_request_body(emu: Emulator) -> None:
    token = fetch_token(emu)

    def chunks():
        yield b'{"domain": "chunked.example.com",'
        yield b' "type": "self_managed_certs"}'

    response = requests.post(f"{emu.base_url}{CREATE}", data=chunks(), timeout=10,
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def test_state_and_reset(emu: Emulator, api: Api) -> None:
    created = api.create("snap.example.com")
    emu.state.publish_dns("x.example.com", "TXT", "v")
    add_fault(api, kind="drop_before", path="/nowhere")
    snapshot = api.admin("GET", "/state").json()
    assert set(snapshot) == {"custom_domains", "tenant_settings", "dns", "cname_api_keys_issued", "clients",
                             "client_secrets", "client_credentials", "resource_servers", "client_grants"}
    assert snapshot["custom_domains"] == [created]
    assert snapshot["dns"] == {"x.example.com": {"type": "TXT", "value": "v"}}
    assert snapshot["cname_api_keys_issued"] == {}
    assert "mtls" not in snapshot["tenant_settings"]
    assert api.admin("POST", "/reset").status_code == 200
    assert emu.state.snapshot()["custom_domains"] == [] and emu.state.dns_records() == {}
    assert emu.state.faults() == [] and emu.state.calls() == []
    assert api.admin("GET", "/nothing-here").status_code == 404
    config = api.admin("GET", "/config").json()
    assert config["audience"] == emu.audience


def test_hang_after_applies_then_holds_the_answer(api: Api, emu: Emulator) -> None:
    add_fault(api, method="POST", path=CREATE, kind="hang_after", delay_seconds=30)
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            outcome["response"] = api.post(CREATE, json={"domain": "held.example.com", "type": "self_managed_certs"})
        except requests.RequestException as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=call)
    started = time.monotonic()
    caller.start()
    deadline = started + 10
    while not any(c["path"] == CREATE for c in emu.state.calls()) and time.monotonic() < deadline:
        time.sleep(0.02)
    # Applied and logged, while the caller is still waiting for its answer.
    assert [d["domain"] for d in emu.state.snapshot()["custom_domains"]] == ["held.example.com"]
    last = emu.state.calls()[-1]
    assert (last["status"], last["outcome"], last["applied"]) == (201, "fault:hang_after", True)
    assert caller.is_alive() and not outcome
    # Stopping the emulator ends the hang at once instead of after 30 s.
    emu.stop()
    caller.join(timeout=10)
    assert not caller.is_alive() and time.monotonic() - started < 10
    assert "response" not in outcome or outcome["response"].status_code == 201


def test_hang_after_answers_once_the_delay_is_over(api: Api) -> None:
    add_fault(api, method="GET", path=CREATE, kind="hang_after", delay_seconds=0.4)
    started = time.monotonic()
    response = api.get(CREATE)
    assert time.monotonic() - started >= 0.4
    assert response.status_code == 200 and response.json() == []
    add_fault(api, method="GET", path=CREATE, kind="hang_after", delay_seconds=5)
    with pytest.raises(requests.Timeout):
        api.session.get(api.base + CREATE, timeout=0.3)
    assert api.admin("POST", "/faults", json={"kind": "hang_after"}).status_code == 400
