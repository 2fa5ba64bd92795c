"""The one launcher of `streamlit run app.py` for tests and benches: a free loopback port, health wait, stop.

Browser tests use `streamlit_server` (a context manager), the two-instance test `streamlit_servers` (several at
once), `bench/load.py` the `StreamlitServer` class itself (it reads the server's RSS through `process.pid`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0  # seconds; a loaded 2-core machine starts it slowly


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitDidNotStart(RuntimeError):
    """The server exited or did not answer its health check in time; the message ends with its log."""


class StreamlitServer:
    """`streamlit run app.py` started on `port` (default: a free one) with `env` added to this process's
    environment; this process's PostgreSQL URL does not leak in unless `env` names one."""

    def __init__(self, env: dict[str, str], log_path: Path, *, cwd: Path = ROOT, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        full_env = {**os.environ, **env}
        if "VIERPHASEN_DATABASE_URL" not in env:
            full_env.pop("VIERPHASEN_DATABASE_URL", None)
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             # Colleagues edit the checkout while tests run; a reloaded module must not change the app under test.
             "--server.fileWatcherType", "none"],
            cwd=cwd, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float = START_TIMEOUT) -> None:
        """Return once the health endpoint answers; raise StreamlitDidNotStart if the server exits or times out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._log.flush()
                raise StreamlitDidNotStart("streamlit run startete nicht:\n" + self.log_path.read_text()[-5000:])
            time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@contextmanager
def streamlit_servers(envs: Sequence[dict[str, str]], log_paths: Sequence[Path]) -> Iterator[list[str]]:
    """One server per environment, started together; yields their base URLs once all answer, fails the test if
    one does not start; stops them all."""
    with ExitStack() as stack:
        servers = []
        for env, log_path in zip(envs, log_paths, strict=True):
            server = StreamlitServer(env, log_path)
            stack.callback(server.stop)
            servers.append(server)
        try:
            for server in servers:
                server.wait()
        except StreamlitDidNotStart as error:
            pytest.fail(str(error))
        yield [server.url for server in servers]


@contextmanager
def streamlit_server(
    env: dict[str, str], log_path: Path, *, cwd: Path = ROOT, port: int | None = None
) -> Iterator[str]:
    """The app on `port` (default: a free one) with `env` added to this process's environment (no PostgreSQL URL
    unless given); yields its base URL once the health endpoint answers, fails the test if it does not start."""
    server = StreamlitServer(env, log_path, cwd=cwd, port=port)
    try:
        try:
            server.wait()
        except StreamlitDidNotStart as error:
            pytest.fail(str(error))
        yield server.url
    finally:
        server.stop()
