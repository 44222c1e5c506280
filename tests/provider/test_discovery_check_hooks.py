"""MtlsDiscoveryCheck's hooks called as the engine would, against an HTTPS server on loopback that
serves the document the test chooses (the real edge and emulator: tests/e2e/test_mtls_proof.py)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from auth0_mtls import discovery_check as dc
from certs import CertificateAuthority, CertPaths
from discovery_server import DiscoveryServer, Seen, discovery
from processes import alive, start_engine

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "login.example.com"
ALIAS = f"https://mtls.{DOMAIN}/oauth/token"


@dataclass(frozen=True)
class Pki:
    ca: Path
    ca_pem: str
    server: CertPaths
    other_name: CertPaths


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    root = tmp_path_factory.mktemp("discovery-pki")
    ca = CertificateAuthority("edge CA")
    return Pki(ca.write(root / "ca.pem"), ca.cert_pem,
               ca.issue(DOMAIN, names=[DOMAIN, f"mtls.{DOMAIN}"], server=True).write(root / "edge"),
               ca.issue("elsewhere", names=["auth.example.org"], server=True).write(root / "other"))


@pytest.fixture
def server(pki: Pki) -> Iterator[DiscoveryServer]:
    with DiscoveryServer(pki.server) as running:
        running.serve(discovery(DOMAIN))
        yield running


def inputs(server: DiscoveryServer, pki: Pki, **extra: Any) -> dict[str, Any]:
    return dc.normalize_inputs({"domain": DOMAIN, "connect_to": server.address, "ca_bundle": str(pki.ca),
                                "timeout_seconds": 10, **extra})


def test_create_reads_the_document_through_the_given_edge(server: DiscoveryServer, pki: Pki,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    props = inputs(server, pki, require_bound_tokens=True)
    assert provider.check({}, props).failures == []
    assert server.requests() == []  # check (the preview) makes no request
    created = provider.create(props)
    assert created.id == f"https://{DOMAIN}/.well-known/openid-configuration"
    assert created.outs == {**props, "issuer": f"https://{DOMAIN}/", "token_endpoint": f"https://{DOMAIN}/oauth/token",
                            "mtls_token_endpoint": ALIAS, "tls_client_certificate_bound_access_tokens": True}
    # TCP went to connect_to; SNI and Host named the domain, as a client resolving DNS would send them.
    assert server.requests() == [Seen(DOMAIN, DOMAIN, "/.well-known/openid-configuration")]
    assert f"advertises the mTLS token endpoint {ALIAS} (attempt 1" in capsys.readouterr().err


def test_the_ca_bundle_may_be_pem_text(server: DiscoveryServer, pki: Pki) -> None:
    created = dc.MtlsDiscoveryCheckProvider().create(inputs(server, pki, ca_bundle=pki.ca_pem))
    assert created.outs["mtls_token_endpoint"] == ALIAS


def test_create_waits_for_the_alias(server: DiscoveryServer, pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    server.serve(discovery(DOMAIN, aliases=False))
    timer = threading.Timer(1.5, lambda: server.serve(discovery(DOMAIN)))
    timer.start()
    started = time.monotonic()
    try:
        created = dc.MtlsDiscoveryCheckProvider().create(inputs(server, pki))
    finally:
        timer.cancel()
    assert created.outs["mtls_token_endpoint"] == ALIAS
    assert 1.5 <= time.monotonic() - started < 8
    assert len(server.requests()) >= 2
    err = capsys.readouterr().err
    assert "attempt 1, 0s of 10s: mtls_endpoint_aliases.token_endpoint is missing" in err


def test_create_times_out_saying_what_is_missing(server: DiscoveryServer, pki: Pki) -> None:
    server.serve(discovery(DOMAIN, aliases=False, bound=False))
    started = time.monotonic()
    with pytest.raises(dc.DiscoveryCheckFailed) as failure:
        dc.MtlsDiscoveryCheckProvider().create(inputs(server, pki, timeout_seconds=2, require_bound_tokens=True))
    elapsed = time.monotonic() - started
    assert 2 <= elapsed < 6
    text = str(failure.value)
    assert text.startswith(f"https://{DOMAIN}/.well-known/openid-configuration (connecting to {server.address}) does "
                           "not advertise the mTLS token endpoint after 2s and ")
    assert (f"mtls_endpoint_aliases.token_endpoint is missing (expected {ALIAS}): the tenant's mTLS endpoint aliases "
            "are off; tls_client_certificate_bound_access_tokens is not true.") in text
    assert "To fix: turn on the tenant's mTLS endpoint aliases (TenantMtlsSettings enable_endpoint_aliases=True)." \
        in text
    assert len(server.requests()) >= 2  # it kept trying until the deadline


@pytest.mark.parametrize(("case", "fragment"), [
    ("system trust store", "the edge's certificate is not trusted for login.example.com"),
    ("certificate for another name", "the edge's certificate does not name login.example.com"),
    ("nothing listening", "could not connect to 127.0.0.1:"),
    ("HTTP 403", "answered HTTP 403: {\"error\":\"access_denied\"}"),
    ("not JSON", "the answer is not JSON"),
    ("a JSON array", "the answer is not a JSON object"),
    ("another issuer", "issuer is 'https://tenant.eu.auth0.com/', expected"),
])
def test_failures_are_explained(pki: Pki, case: str, fragment: str) -> None:
    certificate = pki.other_name if case == "certificate for another name" else pki.server
    with DiscoveryServer(certificate) as server:
        server.serve(discovery(DOMAIN))
        extra: dict[str, Any] = {"timeout_seconds": 1}
        if case == "system trust store":
            extra["ca_bundle"] = None
        elif case == "nothing listening":
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                extra["connect_to"] = f"127.0.0.1:{sock.getsockname()[1]}"
        elif case == "HTTP 403":
            server.serve_raw(b'{"error":"access_denied"}', 403)
        elif case == "not JSON":
            server.serve_raw(b"<html>")
        elif case == "a JSON array":
            server.serve([])
        elif case == "another issuer":
            server.serve(discovery(DOMAIN, issuer="https://tenant.eu.auth0.com/"))
        with pytest.raises(dc.DiscoveryCheckFailed) as failure:
            dc.MtlsDiscoveryCheckProvider().create(inputs(server, pki, **extra))
    assert fragment in str(failure.value)
    assert "To fix: " in str(failure.value)


def test_refresh_sees_the_alias_go_and_the_next_update_checks_again(server: DiscoveryServer, pki: Pki,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    props = inputs(server, pki, timeout_seconds=1)
    created = provider.create(props)
    unchanged = provider.read(created.id, created.outs)
    assert unchanged.outs == created.outs and unchanged.inputs == props
    assert provider.diff(created.id, unchanged.outs, props).changes is False

    server.serve(discovery(DOMAIN, aliases=False))
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.inputs == props
    assert refreshed.outs["mtls_token_endpoint"] is None and refreshed.outs["issuer"] == f"https://{DOMAIN}/"
    assert "no longer advertises the mTLS token endpoint: mtls_endpoint_aliases.token_endpoint is missing" in \
        capsys.readouterr().err
    assert provider.diff(created.id, refreshed.outs, props).changes is True
    with pytest.raises(dc.DiscoveryCheckFailed, match="mtls_endpoint_aliases.token_endpoint is missing"):
        provider.update(created.id, refreshed.outs, props)

    server.serve(discovery(DOMAIN))
    updated = provider.update(created.id, refreshed.outs, props)
    assert updated.outs == created.outs
    assert provider.diff(created.id, updated.outs, props).changes is False


def test_refresh_with_the_edge_gone_records_nothing_advertised(server: DiscoveryServer, pki: Pki) -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    props = inputs(server, pki)
    created = provider.create(props)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        gone = {**created.outs, "connect_to": f"127.0.0.1:{sock.getsockname()[1]}"}
        refreshed = provider.read(created.id, gone)
    assert refreshed.outs["mtls_token_endpoint"] is None


def test_an_update_of_the_timeout_alone_makes_no_request(server: DiscoveryServer, pki: Pki) -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    created = provider.create(inputs(server, pki))
    before = len(server.requests())
    news = inputs(server, pki, timeout_seconds=60)
    assert provider.diff(created.id, created.outs, news).changes is None
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs == {**created.outs, "timeout_seconds": 60}
    assert len(server.requests()) == before
    # A new connect_to is a new check.
    rechecked = provider.update(created.id, created.outs, inputs(server, pki, connect_to=f"localhost:{server.port}"))
    assert rechecked.outs["connect_to"] == f"localhost:{server.port}"
    assert len(server.requests()) == before + 1


def test_delete_touches_nothing(server: DiscoveryServer, pki: Pki) -> None:
    provider = dc.MtlsDiscoveryCheckProvider()
    created = provider.create(inputs(server, pki))
    before = len(server.requests())
    provider.delete(created.id, created.outs)
    assert len(server.requests()) == before


# The provider process, waiting for an alias that does not come; its parent stands for the engine.
CHILD = """
import sys
sys.path.insert(0, {provider!r})
from auth0_mtls import discovery_check as dc
dc.MtlsDiscoveryCheckProvider().create(dc.normalize_inputs(
    {{"domain": {domain!r}, "connect_to": {connect_to!r}, "ca_bundle": {ca!r}, "timeout_seconds": 600}}))
"""




def test_an_orphaned_check_stops_within_a_slice_of_its_wait(server: DiscoveryServer, pki: Pki, tmp_path: Path) -> None:
    server.serve(discovery(DOMAIN, aliases=False))
    script = tmp_path / "provider.py"
    script.write_text(CHILD.format(provider=str(ROOT / "provider"), domain=DOMAIN, connect_to=server.address,
                                   ca=str(pki.ca)))
    out = tmp_path / "provider.out"
    engine, child = start_engine(script, out)
    try:
        # Attempts at 0, 1 and 3 s; the next wait is 4 s, and the engine dies at its start.
        deadline = time.monotonic() + 20
        while len(server.requests()) < 3:
            assert time.monotonic() < deadline, f"the check never got going:\n{out.read_text()}"
            time.sleep(0.05)
        engine.send_signal(signal.SIGKILL)
        engine.wait()
        killed_at, seen = time.monotonic(), len(server.requests())
        while alive(child) and time.monotonic() < killed_at + 6:
            time.sleep(0.05)
        assert not alive(child), f"the orphan is still waiting:\n{out.read_text()}"
        assert time.monotonic() - killed_at < 1.5, "it stopped within a slice of its wait, not at the next attempt"
        assert len(server.requests()) == seen, "no request after the engine was gone"
        assert "engine" in out.read_text().lower(), out.read_text()
    finally:
        if alive(child):
            os.kill(child, signal.SIGKILL)


def test_the_wait_never_passes_the_timeout(server: DiscoveryServer, pki: Pki) -> None:
    # Attempts at 0, 1, 3 s; the wait after the third would end at 7 s, past a 3.5 s timeout: the
    # check ends at the timeout, not after the whole wait.
    server.serve(discovery(DOMAIN, aliases=False))
    started = time.monotonic()
    with pytest.raises(dc.DiscoveryCheckFailed, match="after [34]s and [34] attempt"):
        dc.MtlsDiscoveryCheckProvider().create(inputs(server, pki, timeout_seconds=3.5))
    assert time.monotonic() - started < 5
