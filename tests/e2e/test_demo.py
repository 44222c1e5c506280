"""`make demo` is the README's first command: it must keep working end to end."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .harness import ROOT


def test_make_demo_runs_preview_up_and_destroy(pulumi_bin):
    env = {**os.environ, "AUTH0_MTLS_VENV": sys.prefix, "AUTH0_MTLS_PULUMI_BIN": str(pulumi_bin)}
    env = {k: v for k, v in env.items() if not k.startswith(("AUTH0_DOMAIN", "AUTH0_CLIENT", "PULUMI_"))}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], env=env, capture_output=True, text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "+ 7 to create" in out and "7 unchanged" in out and "- 7 deleted" in out
    # the rotation: add a credential (one create, the client updated), then drop the old one
    assert "+ 1 created" in out and "- 1 deleted" in out
    rotation = out.split("rotation, 2 of 2")[1].split("== pulumi destroy")[0]
    patch = rotation.index("PATCH  /api/v2/clients/")
    delete = rotation.index("DELETE /api/v2/clients/")
    assert patch < delete, "the client moves to the new credential before the old one is deleted"
    restored = out.split("the application after destroy")[1]
    assert '"token_endpoint_auth_method": "client_secret_post"' in restored
    assert "PRIVATE KEY" not in out
    assert re.search(r"cname_api_key +: \[secret\]", out)
    assert not re.search(r"\b[0-9a-f]{128}\b", out), "the demo printed the cname_api_key"
    assert "Done: the tenant is back as it was." in out
    assert not (ROOT / "Pulumi.demo.yaml").exists(), "the demo leaves no stack file behind"
