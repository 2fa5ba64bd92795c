"""A throwaway PostgreSQL server for tests and the bench: initdb into a temp dir, unix socket only, stopped at exit."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.browser.streamlit_server import free_port


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are (PATH first, then Debian's /usr/lib/postgresql/<version>/bin)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class TempServer:
    base: Path
    port: int
    bin_dir: Path
    run_as: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://vierphasen@/vierphasen_test?host={self.base}&port={self.port}"

    def stop(self) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.base / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def start_temp_server(*, durable: bool = False) -> TempServer:
    """Start a server as the `postgres` OS user when running as root; raises RuntimeError with the reason.

    Tests run it with fsync off (`durable=False`); the bench measures with the server's default durability.
    """
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("keine PostgreSQL-Programme (initdb) gefunden")
    base = Path(tempfile.mkdtemp(prefix="vierphasen-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres", group="postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = base / "data"

    def run(*args: str) -> None:
        result = subprocess.run([*run_as, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} schlug fehl: {result.stderr.strip() or result.stdout.strip()}"
            )

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "vierphasen",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-o",
            f"-p {port} -k {base} -c listen_addresses='' -c max_connections=200"
            + ("" if durable else " -c fsync=off"),
            "-w",
            "start",
        )
        run(
            str(bin_dir / "createdb"), "-h", str(base), "-p", str(port), "-U", "vierphasen", "vierphasen_test"
        )
    except BaseException:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
        raise
    return TempServer(base=base, port=port, bin_dir=bin_dir, run_as=run_as)
