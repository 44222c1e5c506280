"""Several tenants in one program, through the real Pulumi CLI: two emulators as two tenants, each
resource bound to the tenant it lives in; a repointed namespace is refused by preview, refresh,
up and destroy without touching either tenant; a deliberate move is a replacement."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from .harness import EmulatorAdmin, Stack, ops, steps

EU_CLIENT_ID = "eu-client"
EU_CLIENT_SECRET = "eu-secret-e2e-91b3"
VERIFY = {"timeout_seconds": 30, "poll_interval_seconds": 1}


@pytest.fixture
def emu_eu() -> Iterator[EmulatorAdmin]:
    from auth0_mtls.emulator import Emulator

    with Emulator(port=0, client_id=EU_CLIENT_ID, client_secret=EU_CLIENT_SECRET, auto_dns=True) as emu:
        yield EmulatorAdmin(emu.base_url)


@pytest.fixture
def two(stack: Stack, emu: EmulatorAdmin, emu_eu: EmulatorAdmin) -> tuple[Stack, EmulatorAdmin, EmulatorAdmin]:
    stack.set_tenant("auth0-eu", emu_eu.base_url, EU_CLIENT_ID, EU_CLIENT_SECRET)
    return stack, emu, emu_eu


# One domain in the default tenant (us), a verified domain and the endpoint aliases in auth0-eu.
# The eu resources depend on the us domain, so a destroy reaches them first.
SPEC = {
    "domains": [
        {"name": "us", "domain": "login.example.com"},
        {"name": "eu", "domain": "login.example.com", "tenant": "auth0-eu", "depends_on": ["us"],
         "verify": {**VERIFY, "tenant": "auth0-eu"}},
    ],
    "settings": [{"name": "mtls-eu", "enable_endpoint_aliases": True, "tenant": "auth0-eu", "depends_on": ["us"]}],
}


def tokens(emu: EmulatorAdmin) -> int:
    return len([c for c in emu.calls() if c["path"] == "/oauth/token"])


def test_two_tenants_in_one_program(two):
    stack, us, eu = two
    stack.write_spec(SPEC)
    preview = stack.preview()
    assert ops(preview) == {"CustomDomain:us": ["create"], "CustomDomain:eu": ["create"],
                            "CustomDomainVerification:eu": ["create"], "TenantMtlsSettings:mtls-eu": ["create"]}
    assert us.api_calls() == [] and eu.api_calls() == []

    stack.up()
    assert [d["domain"] for d in us.domains()] == ["login.example.com"]
    [eu_domain] = eu.domains()
    assert eu_domain["status"] == "ready"
    assert eu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    assert "mtls" not in us.state()["tenant_settings"]
    assert tokens(us) == 1 and tokens(eu) == 1, "one token per tenant per command"
    outputs = stack.outputs()
    assert outputs["us_tenant_host"] == us.host and outputs["eu_tenant_host"] == eu.host
    assert outputs["mtls-eu_tenant"] == eu.host, "TenantMtlsSettings' tenant output is still the host"
    assert {r["outputs"]["tenant_host"] for r in stack.resources("CustomDomainVerification")} == {eu.host}

    us.clear_calls()
    eu.clear_calls()
    preview = stack.preview()
    assert set(op for o in ops(preview).values() for op in o) == {"same"}
    stack.up("--expect-no-changes")
    stack.refresh()
    stack.up("--expect-no-changes")
    assert [c for c in us.api_calls() if c["method"] != "GET" and c["path"] != "/oauth/token"] == []
    assert [c for c in eu.api_calls() if c["method"] != "GET" and c["path"] != "/oauth/token"] == []


def test_repointed_namespace_is_refused_by_every_command_and_changes_nothing(two):
    stack, us, eu = two
    stack.write_spec(SPEC)
    stack.up()
    before = (us.state(), eu.state())
    us.clear_calls()
    eu.clear_calls()

    # Someone points auth0-eu at the other tenant (a copy-paste slip in the stack config).
    stack.set_tenant("auth0-eu", us.base_url)

    # A plain `pulumi refresh` does not run the program: the engine configures the provider with the
    # config recorded in state by the last update, so it reads the tenants the resources live in,
    # and only reads.
    stack.refresh()
    assert us.writes() == [] and eu.writes() == []
    assert [c["path"] for c in us.api_calls()] == [
        "/oauth/token", f"/api/v2/custom-domains/{before[0]['custom_domains'][0]['custom_domain_id']}"]

    refresh_with_program = lambda check: stack.refresh("--run-program", check=check)  # noqa: E731
    for command in (stack.preview, refresh_with_program, stack.up, stack.refresh, stack.destroy):
        result = command(check=False)
        assert result.returncode != 0, f"pulumi {' '.join(result.args)} should refuse"
        assert eu.host in result.output and us.host in result.output, result.output[-3000:]
        assert "auth0-eu:domain" in result.output
        writes = [c for emu in (us, eu) for c in emu.writes()]
        assert writes == [], f"pulumi {' '.join(result.args)} wrote to a tenant: {writes}"
    assert (us.state(), eu.state()) == before, "nothing changed on either tenant"
    assert len(stack.resources("CustomDomain")) == 2 and len(stack.resources("TenantMtlsSettings")) == 1

    # Put the config back: everything is as it was, and destroy cleans up both tenants.
    stack.set_tenant("auth0-eu", eu.base_url, "eu-client", EU_CLIENT_SECRET)
    stack.up("--expect-no-changes")
    stack.destroy()
    assert us.domains() == [] and eu.domains() == []
    assert "mtls" not in eu.state()["tenant_settings"]


def test_moving_a_resource_to_another_tenant_is_a_replacement(two):
    stack, us, eu = two
    spec = {"domains": [{"name": "login", "domain": "login.example.com", "verify": VERIFY}],
            "settings": [{"name": "mtls", "enable_endpoint_aliases": True}]}
    stack.write_spec(spec)
    stack.up()
    [old] = us.domains()

    moved = {"domains": [{"name": "login", "domain": "login.example.com", "tenant": "auth0-eu",
                          "verify": {**VERIFY, "tenant": "auth0-eu"}}],
             "settings": [{"name": "mtls", "enable_endpoint_aliases": True, "tenant": "auth0-eu"}]}
    stack.write_spec(moved)
    us.clear_calls()
    eu.clear_calls()
    preview = stack.preview()
    assert "replace" in ops(preview)["CustomDomain:login"] and "replace" in ops(preview)["TenantMtlsSettings:mtls"]
    replaced = {s["urn"].rsplit("::", 1)[1] + ":" + s["urn"].split("::")[2].rsplit(":", 1)[1]: s["replaceReasons"]
                for s in steps(preview) if s["op"] == "replace"}
    assert replaced["login:CustomDomain"] == ["tenant"] and replaced["mtls:TenantMtlsSettings"] == ["tenant"]
    assert us.api_calls() == [] and eu.api_calls() == []

    stack.up()
    assert us.domains() == [] and [d["domain"] for d in eu.domains()] == ["login.example.com"]
    assert eu.domains()[0]["custom_domain_id"] != old["custom_domain_id"]
    assert "mtls" not in us.state()["tenant_settings"], "the old tenant's setting was restored"
    assert eu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    assert {r["outputs"]["tenant_host"] for r in stack.resources("")
            if "tenant_host" in r.get("outputs", {})} == {eu.host}
    stack.up("--expect-no-changes")


def test_bad_tenant_domain_fails_the_preview_naming_the_key_without_the_password(stack: Stack, emu: EmulatorAdmin):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com"}]})
    stack.run("config", "set", "auth0:domain", "https://admin:hunter2-pw@tenant.auth0.com")
    result = stack.preview(check=False)
    assert result.returncode != 0
    messages = "\n".join(d.get("message", "") for d in result.json().get("diagnostics", []))
    assert "auth0:domain" in messages and "user name or password" in messages, messages
    # Our message never repeats it. (The engine itself lists the provider's non-secret config, this
    # value included, in the plan of the default provider, as `pulumi config` does.)
    assert "hunter2-pw" not in messages
    assert emu.api_calls() == []


def test_upper_case_tenant_domain_works(stack: Stack, emu: EmulatorAdmin):
    stack.run("config", "set", "auth0:domain", emu.base_url.replace("http://127.0.0.1", "HTTP://LOCALHOST"))
    stack.write_spec({"tenant": {"enable_endpoint_aliases": True}})
    stack.up()
    assert emu.state()["tenant_settings"]["mtls"] == {"enable_endpoint_aliases": True}
    assert [c["status"] for c in emu.calls() if c["path"] == "/oauth/token"] == [200]


def test_unconfigured_tenant_namespace_fails_the_preview(stack: Stack, emu: EmulatorAdmin, tmp_path: Path):
    stack.write_spec({"domains": [{"name": "login", "domain": "login.example.com", "tenant": "auth0-jp"}]})
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert "auth0-jp:domain" in result.output and "default namespace 'auth0' only" in result.output
    assert emu.api_calls() == []
