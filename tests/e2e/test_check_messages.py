"""What `pulumi preview` prints when ``check`` refuses an input, through the real CLI: a private key
never reaches the terminal or the state, a non-finite number from stack config is refused instead
of waiting forever, and a config problem is not pinned on an input the program never set."""

from __future__ import annotations

import json

from certs import CertificateAuthority

from .harness import EmulatorAdmin, Result, Stack

DOMAIN = "login.example.com"


def _messages(result: Result) -> str:
    """The diagnostics of a `preview --json`, as the terminal shows them (no JSON escapes)."""
    return "\n".join(d.get("message", "") for d in result.json().get("diagnostics", []))


def _key_lines(key_pem: str) -> list[str]:
    """The base64 lines of a PEM private key: any one of them in the output is a leak."""
    return [line for line in key_pem.splitlines() if line and not line.startswith("-----")]


def test_a_private_key_given_as_a_ca_bundle_is_refused_and_never_printed_or_stored(stack: Stack,
                                                                                   emu: EmulatorAdmin):
    ca = CertificateAuthority("edge CA")
    key = ca.certificate.key_pem
    lines = _key_lines(key)
    for bundle in (key, ca.cert_pem + key):  # the key alone; `cat ca.pem ca.key`
        stack.write_spec({"checks": [{"name": "edge", "domain": DOMAIN, "ca_bundle": bundle}]})
        for result in (stack.preview(check=False), stack.up(check=False)):
            assert result.returncode != 0, result.output[-2000:]
            assert "ca_bundle" in result.output and "private key" in result.output, result.output[-2000:]
            assert [line for line in lines if line in result.output] == [], "a line of the key reached the output"
        export = json.dumps(stack.export())
        assert [line for line in lines if line in export] == [], "a line of the key reached the state"
    assert stack.resources("MtlsDiscoveryCheck") == []
    # The CA certificate alone is what the check takes: its preview passes, with no call anywhere.
    stack.write_spec({"checks": [{"name": "edge", "domain": DOMAIN, "ca_bundle": ca.cert_pem}]})
    assert stack.preview().returncode == 0
    assert emu.calls() == []


def test_nan_from_stack_config_is_refused_by_the_preview(stack: Stack, emu: EmulatorAdmin):
    stack.run("config", "set", "t", "nan")
    # One resource per preview: the engine stops the program at the first resource that fails check.
    for spec, props in (
        ({"domains": [{"name": "login", "domain": DOMAIN,
                       "verify": {"timeout_seconds": {"config_float": "t"},
                                  "poll_interval_seconds": {"config_float": "t"}}}]},
         ["timeout_seconds", "poll_interval_seconds"]),
        ({"checks": [{"name": "edge", "domain": DOMAIN, "timeout_seconds": {"config_float": "t"}}]},
         ["timeout_seconds"]),
    ):
        stack.write_spec(spec)
        result = stack.preview(check=False)
        assert result.returncode != 0, result.output[-3000:]
        messages = _messages(result)
        for prop in props:
            assert f"property {prop} value {{NaN}} has a problem: {prop} must be a finite number of seconds, " \
                   "got nan" in messages, messages
    assert emu.api_calls() == []


def test_missing_tenant_config_is_not_pinned_on_an_unset_tenant_input(stack: Stack, emu: EmulatorAdmin):
    stack.run("config", "rm", "auth0:domain")
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN}]})
    result = stack.preview(check=False)
    assert result.returncode != 0
    messages = _messages(result)
    # The engine then names the resource alone: "… resource 'login' has a problem: …".
    assert "resource 'login' has a problem: Auth0 credentials are missing" in messages, messages
    assert "(missing: auth0:domain)" in messages, messages
    assert "property tenant" not in messages and "<nil>" not in messages, messages
    # A tenant input the program did set is the thing to look at: the engine names it, with its value.
    stack.write_spec({"domains": [{"name": "login", "domain": DOMAIN, "tenant": "auth0-jp"}]})
    named = stack.preview(check=False)
    assert named.returncode != 0
    named_messages = _messages(named)
    assert "property tenant value {auth0-jp}" in named_messages and "auth0-jp:domain" in named_messages, \
        named_messages
    assert emu.api_calls() == []
