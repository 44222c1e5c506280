"""The real Pulumi CLI behind a corporate network: the provider process inherits the CLI's
environment, so HTTPS_PROXY, NO_PROXY and REQUESTS_CA_BUNDLE set for `pulumi` reach it, and the
tenant's private CA comes from stack config or that environment. A preview still opens no
connection at all, and a .netrc for the tenant's host changes nothing."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from connect_proxy import ConnectProxy
from tls_tenant import NamedTenant

from .harness import Stack, ops

SPEC = {"domains": [{"name": "login", "domain": "login.example.com",
                     "verify": {"timeout_seconds": 30, "poll_interval_seconds": 1}}],
        "tenant": {"enable_endpoint_aliases": True}}
NETWORK_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
                     "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "NETRC")


@pytest.fixture
def tenant(tmp_path: Path) -> Iterator[NamedTenant]:
    named = NamedTenant.start(tmp_path / "tenant", auto_dns=True)
    yield named
    named.stop()


def test_the_cli_reaches_a_private_ca_tenant_through_the_proxy_and_nothing_else(
        tmp_path: Path, tenant: NamedTenant, pulumi_bin: Path) -> None:
    with ConnectProxy(hosts=tenant.hosts) as proxy:
        stack = Stack(tmp_path / "stack", tenant.url, pulumi_bin)
        home = tmp_path / "home"
        home.mkdir()
        netrc = home / ".netrc"
        netrc.write_text(f"machine {tenant.name}\nlogin netrc-user\npassword netrc-password\n")
        netrc.chmod(0o600)
        for name in NETWORK_VARIABLES:
            stack.env.pop(name, None)
        # This machine's CA variable, as a developer's shell has it: the system bundle.
        stack.env.update({"HTTPS_PROXY": proxy.url, "HOME": str(home), "NETRC": str(netrc),
                          "REQUESTS_CA_BUNDLE": ssl.get_default_verify_paths().openssl_cafile})
        stack.run("config", "set", "auth0:caBundle", str(tenant.ca_path))
        stack.write_spec(SPEC)

        preview = stack.preview()
        assert ops(preview) == {"CustomDomain:login": ["create"], "CustomDomainVerification:login": ["create"],
                                "TenantMtlsSettings:mtls": ["create"]}
        assert proxy.connects == [] and tenant.api_calls() == [], "a preview opens no connection at all"

        stack.up()
        assert tenant.api_calls() == ["POST /oauth/token", "POST /api/v2/custom-domains",
                                      f"POST /api/v2/custom-domains/{tenant.admin.domains()[0]['custom_domain_id']}"
                                      "/verify", "GET /api/v2/tenants/settings", "PATCH /api/v2/tenants/settings"]
        assert proxy.connects and set(proxy.connects) == {f"{tenant.name}:{tenant.port}"}
        assert stack.outputs()["login_tenant_host"] == f"{tenant.name}:{tenant.port}"

        proxy.clear()
        tenant.admin.clear_calls()
        stack.up("--expect-no-changes")
        assert proxy.connects == [] and tenant.api_calls() == []

        # Without the stack's CA, the system bundle of REQUESTS_CA_BUNDLE is all there is. (A plain
        # refresh would still use the config recorded by the last update; --run-program reads it anew.)
        stack.run("config", "rm", "auth0:caBundle")
        failed = stack.refresh("--run-program", check=False)
        assert failed.returncode != 0
        assert f"{tenant.name}:{tenant.port}" in failed.output and "not trusted" in failed.output
        assert "pulumi config set auth0:caBundle" in failed.output and "REQUESTS_CA_BUNDLE" in failed.output
        assert tenant.api_calls() == []

        # The CLI's environment reaches the provider process.
        stack.env["REQUESTS_CA_BUNDLE"] = str(tenant.ca_path)
        proxy.clear()
        stack.refresh("--run-program", "--expect-no-changes")
        # token, one GET of the domain (its verification shares it), GET tenant settings
        assert len(tenant.api_calls()) == 3 and set(proxy.connects) == {f"{tenant.name}:{tenant.port}"}

        stack.destroy()
        assert tenant.admin.domains() == []


@pytest.mark.parametrize("command", [
    "pulumi config set auth0-eu:caBundle < eu-ca.pem",
    'pulumi config set auth0-eu:caBundle -- "$(cat eu-ca.pem)"',
])
def test_the_readmes_pem_text_commands_give_a_tenant_its_ca(tmp_path: Path, tenant: NamedTenant, pulumi_bin: Path,
                                                           command: str) -> None:
    """The README's commands for PEM text in stack config, run as written in a shell: the CLI stores
    the text, and the provider trusts it for that tenant."""
    stack = Stack(tmp_path / "stack", "http://127.0.0.1:9", pulumi_bin)  # the default tenant is not used
    for name in NETWORK_VARIABLES:
        stack.env.pop(name, None)
    stack.set_tenant("auth0-eu", tenant.loopback_url)
    (stack.project / "eu-ca.pem").write_text(tenant.ca.cert_pem)

    def shell(line: str) -> subprocess.CompletedProcess[str]:
        # The harness puts the CLI first on PATH, as a user's shell has it.
        return subprocess.run(["bash", "-c", line], cwd=stack.project, env=stack.env, capture_output=True, text=True,
                              timeout=120)

    # The form the README used to show: the CLI takes the PEM's first line for a flag.
    old = shell('pulumi config set auth0-eu:caBundle "$(cat eu-ca.pem)"')
    assert old.returncode != 0 and "bad flag syntax: -----BEGIN CERTIFICATE-----" in old.stderr, old.stderr
    done = shell(command)
    assert done.returncode == 0, done.stderr
    stored = stack.run("config", "get", "auth0-eu:caBundle").stdout
    assert stored.strip() == tenant.ca.cert_pem.strip()

    stack.write_spec({"settings": [{"name": "mtls-eu", "enable_endpoint_aliases": True, "tenant": "auth0-eu"}]})
    stack.up()
    assert tenant.api_calls() == ["POST /oauth/token", "GET /api/v2/tenants/settings",
                                  "PATCH /api/v2/tenants/settings"]


def test_a_bundle_file_holding_a_key_or_no_certificate_fails_the_preview(tmp_path: Path, tenant: NamedTenant,
                                                                         pulumi_bin: Path) -> None:
    """A second tenant's caBundle file is read during the preview: `cat ca.pem key.pem > bundle.pem`
    is refused without the key reaching the output, a file with no certificate too, and neither
    tenant is called. Before, both passed the preview and failed at the first call of `up`, after
    the other tenant's changes were applied."""
    stack = Stack(tmp_path / "stack", "http://127.0.0.1:9", pulumi_bin)  # the default tenant: never reached
    for name in NETWORK_VARIABLES:
        stack.env.pop(name, None)
    stack.set_tenant("auth0-eu", tenant.loopback_url)
    bundle = stack.project / "eu-bundle.pem"
    key_pem = tenant.ca.certificate.key_pem
    stack.run("config", "set", "auth0-eu:caBundle", str(bundle))
    stack.write_spec({**SPEC, "settings": [{"name": "mtls-eu", "enable_endpoint_aliases": True, "tenant": "auth0-eu"}]})

    for contents, words in ((tenant.ca.cert_pem + key_pem, "holds a private key (PRIVATE KEY)"),
                            ("not a certificate\n", "holds no CA certificate")):
        bundle.write_text(contents)
        failed = stack.preview(check=False)
        assert failed.returncode != 0
        assert f"auth0-eu:caBundle names '{bundle}', which {words}" in failed.output, failed.output[-3000:]
        key_lines = [line for line in key_pem.splitlines() if "-----" not in line]
        assert not any(line in failed.output for line in key_lines), "the key is never printed"
        assert tenant.api_calls() == []

    bundle.write_text(tenant.ca.cert_pem)
    assert "TenantMtlsSettings:mtls-eu" in ops(stack.preview())
    assert tenant.api_calls() == []
