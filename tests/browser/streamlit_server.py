"""Start `streamlit run app.py` on a free loopback port for browser tests and stop it again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(
    env: dict[str, str], log_path: Path, *, cwd: Path = ROOT, port: int | None = None
) -> Iterator[str]:
    """The app on `port` (default: a free one) with `env` added to this process's environment (no PostgreSQL URL
    unless given); yields its base URL once the health endpoint answers, fails the test if it does not start."""
    port = port or free_port()
    full_env = {**os.environ, **env}
    if "VIERPHASEN_DATABASE_URL" not in env:
        full_env.pop("VIERPHASEN_DATABASE_URL", None)
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             # Colleagues edit the checkout while tests run; a reloaded module must not change the app under test.
             "--server.fileWatcherType", "none"],
            cwd=cwd, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120  # a loaded 2-core machine starts it slowly
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit run startete nicht:\n" + log_path.read_text())
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
