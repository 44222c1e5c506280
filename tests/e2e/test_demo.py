"""`make demo` is the README's first command: it must keep working end to end, with a real nginx
edge where the machine has one (or can install it), and saying what it skips where it cannot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from .harness import ROOT

# A JWT as the emulator issues them (header and claims are JSON objects: base64url of '{"').
JWT = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_demo(pulumi_bin: object, **extra: str) -> str:
    env = {**os.environ, "AUTH0_MTLS_VENV": sys.prefix, "AUTH0_MTLS_PULUMI_BIN": str(pulumi_bin), **extra}
    env = {k: v for k, v in env.items() if not k.startswith(("AUTH0_DOMAIN", "AUTH0_CLIENT", "PULUMI_"))}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    out = ANSI.sub("", proc.stdout)  # one stream, in the order a user reads it, without the bold headings
    assert proc.returncode == 0, out[-4000:]
    return out


def check_story(out: str, resources: int) -> None:
    """What every run shows: preview, up, the rotation, destroy, and no secret on the screen."""
    assert "+ 7 to create" in out and "7 unchanged" in out and f"- {resources} deleted" in out
    # the rotation: add a credential (one create, the client updated), then drop the old one
    assert "+ 1 created" in out and "- 1 deleted" in out
    rotation = out.split("rotation, 2 of 2")[1].split("== pulumi destroy")[0]
    patch = rotation.index("PATCH  /api/v2/clients/")
    delete = rotation.index("DELETE /api/v2/clients/")
    assert patch < delete, "the client moves to the new credential before the old one is deleted"
    restored = out.split("the application after destroy")[1]
    assert '"token_endpoint_auth_method": "client_secret_post"' in restored
    assert "PRIVATE KEY" not in out
    assert re.search(r"cname_api_key +: \[secret\]", out) and re.search(r"nginx_conf +: \[secret\]", out)
    assert not re.search(r"\b[0-9a-f]{128}\b", out), "the demo printed the cname_api_key"
    assert not JWT.search(out), "the demo printed an access token"
    assert "client_secret\"" not in out and "client_secrets" not in out, "the demo printed a client secret"
    assert not (ROOT / "Pulumi.demo.yaml").exists(), "the demo leaves no stack file behind"


def check_ending(out: str) -> dict[str, object]:
    """The demo ends with the bound token's claims, its signature checked, its binding shown."""
    assert out.rstrip().endswith("Done: the tenant is back as it was.")
    last = out.split("\n== ")[-1]
    assert last.startswith("the certificate-bound token partner A got, decoded")
    claims = json.loads(last.split("claims: ", 1)[1].split("\nsignature: ")[0])
    assert claims["iss"] == "https://login.example.com/" and claims["aud"] == "https://api.example.com/payments"
    assert claims["gty"] == "client-credentials" and claims["scope"] == "pay"
    bound = claims["cnf"]["x5t#S256"]
    assert f"  = SHA-256 of partner-a-2027.pem      {bound}" in last
    assert f"  = its credential's thumbprint_sha256 {bound}" in last
    return dict(claims)


def test_make_demo_tells_the_whole_story_through_a_real_edge(pulumi_bin):
    out = run_demo(pulumi_bin)
    check_story(out, resources=8)  # the six resources, the stack, and the discovery check
    assert "SKIPPED" not in out
    edge = out.split("== the edge: nginx")[1].split("\n== ")[0]
    pid = int(re.search(r"nginx [\d.]+ \(pid (\d+)\) serves both hosts on 127\.0\.0\.1:\d+", edge).group(1))
    assert "server_name mtls.login.example.com;" in edge and "cname-api-key" not in edge
    assert ("advertises the mTLS token endpoint https://mtls.login.example.com/oauth/token" in
            out.split("== the discovery check, through the edge")[1])
    asked = out.split("== partner A asks for a token")[1].split("\n== ")[0]
    assert "-> token_type DPoP, scope pay, expires_in 86400 (the token itself is not shown)" in asked
    assert '-> {"error":"invalid_client","error_description":"No client certificate was presented' in asked
    assert "through the edge" in out.split("signature: RS256")[1]
    check_ending(out)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"the demo left nginx (pid {pid}) running")


def test_make_demo_says_what_it_skips_without_nginx(pulumi_bin):
    out = run_demo(pulumi_bin, AUTH0_MTLS_DEMO_NGINX="no")
    check_story(out, resources=7)
    assert "SKIPPED: the real edge, because AUTH0_MTLS_DEMO_NGINX=no was set." in out
    assert "SKIPPED: the discovery check, which reads the document through the edge." in out
    assert "-> token_type DPoP, scope pay" in out
    check_ending(out)
