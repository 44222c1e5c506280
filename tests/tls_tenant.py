"""An emulated tenant served over https under a real-looking host name, signed by a private CA.

    tenant = NamedTenant.start(tmp_path)          # https://tenant.example.test:<port>, and 127.0.0.1
    tenant.ca_path                                # the CA its certificate chains to
    tenant.admin.calls()                          # the call log, read over loopback

``.test`` names never resolve (RFC 6761), so a client reaches ``tenant.example.test`` only through a
proxy that maps it (``ConnectProxy(hosts=tenant.hosts)``): a call that succeeds went through it.
The certificate also names 127.0.0.1 for the direct, unproxied cases.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auth0_mtls.emulator import Emulator
from certs import CertificateAuthority
from e2e.harness import CLIENT_ID, CLIENT_SECRET, EmulatorAdmin

TENANT_NAME = "tenant.example.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class NamedTenant:
    emulator: Emulator
    name: str
    ca: CertificateAuthority
    ca_path: Path
    admin: EmulatorAdmin

    @classmethod
    def start(cls, directory: Path, name: str = TENANT_NAME, **emulator_args: Any) -> "NamedTenant":
        ca = CertificateAuthority("Private tenant CA")
        paths = ca.issue(name, names=[name, "127.0.0.1"], server=True).write(directory / "tenant")
        ca_path = ca.write(directory / "tenant-ca.pem")
        for _ in range(20):  # the audience names the port, so it is chosen before the server starts
            port = _free_port()
            emulator = Emulator(port=port, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tls_cert=paths.cert,
                                tls_key=paths.key, extra_audiences=[f"https://{name}:{port}/api/v2/"], **emulator_args)
            try:
                emulator.start()
                break
            except OSError:
                continue
        else:
            raise RuntimeError("no free port for the emulator")
        return cls(emulator, name, ca, ca_path, EmulatorAdmin(emulator.base_url, verify=str(ca_path)))

    @property
    def port(self) -> int:
        return self.emulator.port

    @property
    def url(self) -> str:
        """The tenant under its name (reachable through a proxy only)."""
        return f"https://{self.name}:{self.port}"

    @property
    def loopback_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def hosts(self) -> dict[str, str]:
        return {self.name: "127.0.0.1"}

    def api_calls(self) -> list[str]:
        return [f"{c['method']} {c['path']}" for c in self.admin.api_calls()]

    def stop(self) -> None:
        self.emulator.stop()
