"""Records a compatibility fixture: the state a released version of auth0-mtls writes.

Run it once per release, with the *released* package installed (the version whose state is being
preserved): ``python tests/compat/record_fixture.py`` writes ``tests/compat/fixtures/v<version>``
(the installed distribution's version) and refuses to overwrite a recorded release. It runs the e2e
program with the real Pulumi CLI against the emulator, then writes:

- ``stack.json``: ``pulumi stack export`` (secrets stay encrypted with the e2e passphrase), with the
  emulator's address replaced by ``{{TENANT_HOST}}``;
- ``emulator.json``: the emulator's state snapshot, so a later test can put the tenant back exactly;
- ``meta.json``: the package version, the spec the program ran, and the plaintext test key;
- ``program/``: the program itself, since a user upgrading the package keeps their program.

Every later version must refresh, update and destroy these stacks (tests/compat/test_state_compat.py).
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import version
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import CLIENT_ID, CLIENT_SECRET, PROGRAM, EmulatorAdmin, Stack, pulumi_bin_dir  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SPEC = {
    "domains": [
        {"name": "login", "domain": "login.example.com", "type": "self_managed_certs",
         "tls_policy": "recommended", "custom_client_ip_header": "true-client-ip",
         "domain_metadata": {"team": "identity"},
         "verify": {"timeout_seconds": 30, "poll_interval_seconds": 1}},
        {"name": "legacy", "domain": "legacy.example.com", "type": "auth0_managed_certs",
         "domain_metadata": {"owner": "platform"}},
    ],
    "tenant": {"enable_endpoint_aliases": True},
}


def main(out: Path) -> None:
    from auth0_mtls.emulator import Emulator

    if (out / "stack.json").exists():
        raise SystemExit(f"{out} is already recorded; a release's fixture is never rewritten")
    out.mkdir(parents=True, exist_ok=True)
    with TemporaryDirectory() as tmp, Emulator(port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                               auto_dns=True) as emulator:
        emu = EmulatorAdmin(emulator.base_url)
        stack = Stack(Path(tmp), emulator.base_url, pulumi_bin_dir())
        stack.write_spec(SPEC)
        stack.up()
        key = stack.outputs(show_secrets=True)["login_cname_api_key"]
        host = emulator.base_url.split("://", 1)[1]
        exported = stack.run("stack", "export").stdout.replace(host, "{{TENANT_HOST}}")
        assert key not in exported
        (out / "stack.json").write_text(json.dumps(json.loads(exported), indent=2, sort_keys=True) + "\n")
        snapshot = emu.state()
        (out / "emulator.json").write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
        meta = {"package_version": version("auth0-mtls"), "spec": SPEC, "passphrase": "e2e-passphrase",
                "cname_api_keys": {next(d["custom_domain_id"] for d in snapshot["custom_domains"]
                                        if d["domain"] == "login.example.com"): key}}
        (out / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        (out / "program").mkdir(exist_ok=True)
        for source in PROGRAM.parent.glob("*.py"):
            shutil.copy(source, out / "program" / source.name)
        stack.run("stack", "rm", "--yes", "--force")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES / f"v{version('auth0-mtls')}")
