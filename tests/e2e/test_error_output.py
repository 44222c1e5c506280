"""What the terminal shows when a provider hook fails, through the real CLI.

The SDK's dynamic-provider wrapper prints a Python traceback before every error a hook raises.
For the package's own errors (a refused token, a 409, a verification timeout, a repointed
namespace, a discovery check that fails) the message says everything: the traceback is cut to the
SDK's two frames and the hook's boundary, with no frame of the package's internals and no chained
exception before it.
"""

from __future__ import annotations

import re
from pathlib import Path

from .harness import EmulatorAdmin, Result, Stack

DOMAIN = "login.example.com"
FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in \S+$')
# The SDK's wrapper and its gRPC method, then the hook boundary that re-raises the error. Measured
# on these five cases before the boundary existed: 4 to 10 frames, 2 to 8 of them the package's own.
MAX_FRAMES = 3


def tracebacks(output: str) -> list[tuple[list[str], str]]:
    """Each full traceback in the output (the progress display repeats only its first line): the
    paths of its frames, and the line after them, the exception and its message."""
    lines = output.splitlines()
    found = []
    for i, line in enumerate(lines):
        if not line.endswith("Traceback (most recent call last):") or i + 1 == len(lines) \
                or not FRAME.match(lines[i + 1]):
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > indent:
            j += 1
        paths = [m.group("path") for m in map(FRAME.match, lines[i + 1:j]) if m]
        found.append((paths, lines[j].strip() if j < len(lines) else ""))
    return found


def assert_short(result: Result, message: str) -> None:
    output = result.output
    assert result.returncode != 0, output[-3000:]
    found = tracebacks(output)
    assert found, output[-3000:]
    for paths, last in found:
        assert message in last, f"the message is the traceback's last line: {last!r}\n{output[-3000:]}"
        assert len(paths) <= MAX_FRAMES, output[-3000:]
        internal = [p for p in paths if "/auth0_mtls/" in p and not p.endswith("/auth0_mtls/provider_base.py")]
        assert internal == [], f"package-internal frames in the output: {internal}\n{output[-3000:]}"
    assert "During handling of the above exception" not in output, output[-3000:]
    assert "direct cause of the following exception" not in output, output[-3000:]


def test_a_refused_token_shows_the_message_after_a_short_traceback(stack: Stack, emu: EmulatorAdmin):
    stack.run("config", "set", "--secret", "auth0:clientSecret", "not-the-secret")
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN}]})
    assert_short(stack.up(check=False), "check auth0:clientId/auth0:clientSecret")


def test_a_conflict_on_create_shows_the_message_after_a_short_traceback(stack: Stack, emu: EmulatorAdmin):
    emu.management().post(f"{emu.base_url}/api/v2/custom-domains",
                          json={"domain": DOMAIN, "type": "self_managed_certs"})
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN}]})
    assert_short(stack.up(check=False), "adopt_existing")


def test_a_verification_timeout_shows_the_message_after_a_short_traceback(
        tmp_path: Path, emu_strict_dns: EmulatorAdmin, pulumi_bin: Path):
    stack = Stack(tmp_path, emu_strict_dns.base_url, pulumi_bin)
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN,
                                   "verify": {"timeout_seconds": 2, "poll_interval_seconds": 1}}]})
    assert_short(stack.up(check=False), "Publish this DNS record and run `pulumi up` again")


def test_a_repointed_namespace_shows_the_message_after_a_short_traceback(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN}]})
    stack.up()
    # Loopback, nothing listening: the refusal (in diff) comes before any call.
    stack.run("config", "set", "auth0:domain", "http://127.0.0.1:9")
    assert_short(stack.up(check=False), "Refusing to act on the wrong tenant")


def test_a_failed_discovery_check_shows_the_message_after_a_short_traceback(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"checks": [{"name": "edge", "domain": DOMAIN, "connect_to": "127.0.0.1:9",
                                  "timeout_seconds": 1}]})
    assert_short(stack.up(check=False), "could not connect to 127.0.0.1:9")
