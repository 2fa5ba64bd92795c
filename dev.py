#!/usr/bin/env python3
"""One-command set-up for newcomers: `python3 dev.py start` runs the app, `python3 dev.py test` runs all tests
(in parallel with pytest-xdist, one worker per core up to `MAX_WORKERS`; `-n 0` runs them in this process).

Both create (or reuse) the virtual environment `.venv` and install the dependencies, every one pinned by
`constraints.txt`, only when `pyproject.toml` or `constraints.txt` changed since the last install, so they are
idempotent and fast on the second call.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
#: What the installed environment is made from; a change of either reinstalls.
INSTALL_INPUTS = (ROOT / "pyproject.toml", ROOT / "constraints.txt")
#: More workers than this only multiply the per-worker start-up (imports, a PostgreSQL server each).
MAX_WORKERS = 4


def pytest_args(extra: list[str]) -> list[str]:
    """pytest's arguments: `extra`, run by pytest-xdist workers unless `extra` chooses the workers itself
    (`-n …`, `--numprocesses`, `--dist`, `-p no:xdist`). `loadgroup` keeps each xdist_group on one worker."""
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg.endswith("no:xdist") for arg in extra):
        return extra
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return ["-n", str(min(cores, MAX_WORKERS)), "--dist", "loadgroup", *extra]


def ensure_environment() -> None:
    """Create .venv and install the project with its test extras, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - a newcomer may start it with an older python3
        sys.exit("Vierphasen braucht Python 3.11 oder neuer.")
    if not PYTHON.exists():
        print("Lege die virtuelle Umgebung .venv an …", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256(b"".join(path.read_bytes() for path in INSTALL_INPUTS)).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installiere die Abhängigkeiten (einmalig) …", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", "-e", f"{ROOT}[test]"],
                   check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "help"
    if command not in {"start", "test"}:
        print("Aufruf: python3 dev.py start   (App starten)\n       python3 dev.py test    (alle Tests)")
        return 2
    ensure_environment()
    os.chdir(ROOT)
    if command == "start":
        args = [str(PYTHON), "-m", "streamlit", "run", "app.py", *argv[2:]]
    else:
        args = [str(PYTHON), "-m", "pytest", *pytest_args(argv[2:])]
    os.execv(args[0], args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
