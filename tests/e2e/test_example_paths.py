"""The example reads certificate files named in stack config: a relative path from the program's
directory, and a missing file fails the preview with one line naming the config key."""

from __future__ import annotations

from pathlib import Path

from certs import self_signed

from .harness import ROOT, EmulatorAdmin, Stack

EXAMPLE = ROOT / "examples" / "mtls-tenant"


def test_a_relative_certificate_path_is_read_from_the_program_directory(
        tmp_path: Path, emu: EmulatorAdmin, pulumi_bin: Path) -> None:
    stack = Stack(tmp_path, emu.base_url, pulumi_bin, program_dir=EXAMPLE)
    self_signed("partner-a 2026").write(stack.project / "certs" / "partner-a")
    stack.run("config", "set", "appClientId", "Abc123appClientIdXyz0987654321ab")
    stack.run("config", "set", "--path", "clientCertificates.partner-a-2026", "certs/partner-a.pem")
    stack.run("config", "set", "--path", "clientCertificates.partner-a-2027", "certs/missing.pem")
    emu.clear_calls()

    failed = stack.preview(check=False)
    assert failed.returncode != 0
    assert "config clientCertificates.partner-a-2027: cannot read 'certs/missing.pem'" in failed.output
    assert "Traceback" not in failed.output
    assert emu.calls() == []

    stack.run("config", "rm", "--path", "clientCertificates.partner-a-2027")
    previewed = stack.preview()
    assert "ClientCertificateCredential" in previewed.stdout
    assert emu.calls() == []
