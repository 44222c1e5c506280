"""A real nginx for tests: installed from Debian's packages when missing, run as a child process on
loopback from a private prefix, stopped by its pid.

    server = start_nginx(tmp_path / "nginx", lambda port: render(listen=f"127.0.0.1:{port}"))
    ...  # https://127.0.0.1:{server.port}
    server.stop()

``render`` gets the port to listen on and returns text for nginx's ``http`` context (what
``auth0_mtls.edge.render_nginx_config`` produces); this module wraps it in a minimal ``nginx.conf``
whose pid file, logs and temp paths all live under the prefix. A port taken by someone else between
choosing and binding is retried with another one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from system_packages import ensure_command


class NginxError(RuntimeError):
    """nginx refused its configuration or did not come up."""


def nginx_binary() -> str:
    """The nginx executable, installing Debian's ``nginx`` package on first use if there is none."""
    return ensure_command("nginx", package="nginx",
                          also=("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main_config(prefix: Path, http_conf: Path, *, http_extra: str = "") -> str:
    """A whole ``nginx.conf`` around an ``http``-context file, with every writable path under
    ``prefix``."""
    tmp = prefix / "tmp"
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read and write the prefix
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\n"
            f"pid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'logs' / 'error.log'} info;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"    access_log {prefix / 'logs' / 'access.log'};\n"
            f"{temp_paths}\n"
            f"{http_extra}\n"
            f"    include {http_conf};\n"
            "}\n")


def _layout(prefix: Path, http_text: str, http_extra: str) -> Path:
    for sub in ("logs", "tmp", "conf"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    http_conf = prefix / "conf" / "site.conf"
    http_conf.touch(mode=0o600)  # it holds a cname-api-key
    http_conf.write_text(http_text)
    conf = prefix / "conf" / "nginx.conf"
    conf.write_text(main_config(prefix, http_conf, http_extra=http_extra))
    return conf


def _command(prefix: Path, conf: Path, *extra: str) -> list[str]:
    return [nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs" / "error.log"), *extra]


def check_config(prefix: Path, http_text: str, *, http_extra: str = "") -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on the text (it reads certificate files and resolves proxy_pass hosts)."""
    conf = _layout(prefix, http_text, http_extra)
    return subprocess.run(_command(prefix, conf, "-t", "-q"), capture_output=True, text=True, timeout=60)



@dataclass
class RunningNginx:
    process: subprocess.Popen[bytes]
    prefix: Path
    port: int
    config_text: str

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def error_log(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "RunningNginx":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def stop(self, timeout: float = 10) -> None:
        """Stop the master by its pid (fast shutdown; it stops its workers) and wait for it."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)


def _wait_ready(process: subprocess.Popen[bytes], prefix: Path, port: int, deadline: float) -> bool:
    """True once nginx has bound its sockets and accepts; False if it exited (read the log)."""
    pid_file = prefix / "nginx.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        # nginx writes the pid file after it has bound every listening socket, so a connect after
        # that reaches this nginx and not whoever else might hold the port.
        if pid_file.exists() and pid_file.read_text().strip() == str(process.pid):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                pass
        time.sleep(0.02)
    raise NginxError(f"nginx (pid {process.pid}) did not start listening on port {port} in time")


def start_nginx(prefix: Path, render: Callable[[int], str], *, http_extra: str = "",
                attempts: int = 3, startup_timeout: float = 20, first_port: int | None = None) -> RunningNginx:
    """Start nginx in the foreground (``daemon off``) from ``render(port)``, on a free loopback port
    (``first_port`` first, when given: a configuration rendered for a port chosen beforehand).
    The caller must :meth:`RunningNginx.stop` it."""
    last_log = ""
    for attempt in range(attempts):
        port = first_port if first_port is not None and attempt == 0 else free_port()
        text = render(port)
        conf = _layout(prefix, text, http_extra)
        log = prefix / "logs" / "error.log"
        log.write_text("")
        (prefix / "nginx.pid").unlink(missing_ok=True)
        process = subprocess.Popen(_command(prefix, conf, "-g", "daemon off;"), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RunningNginx(process, prefix, port, text)
        try:
            ready = _wait_ready(process, prefix, port, time.monotonic() + startup_timeout)
        except BaseException:
            server.stop()
            raise
        if ready:
            return server
        last_log = server.error_log
        if "Address already in use" not in last_log:
            break
    raise NginxError(f"nginx exited at startup; its error log:\n{last_log[-4000:]}")
