"""The server process keeps no sign-in's argon2 memory: after app.py has run, sign-ins on many living threads (as
Streamlit's sessions are) leave the process's resident memory flat (memory.py)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARGON2_MIB = 7  # one password check's memory (services/users.py)
THREADS = 8

#: Runs in a fresh process (malloc's state is per process): with "app" first app.py once through AppTest, then
#: one sign-in on each of THREADS threads that all stay alive; prints how much VmRSS grew by them, in MiB.
SCRIPT = """
import sys, threading
root, mode, threads_n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
if mode == "app":
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(root + "/app.py", default_timeout=60).run()
    assert not at.exception, at.exception
import config
from services.users import authenticate, create_first_admin
from storage import open_store

PASSWORD = "Verwaltung-2026!"
store = open_store(config.get_settings())
create_first_admin(store, username="kdn.admin", display_name="KDN Admin", password=PASSWORD)


def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


authenticate(store, "kdn.admin", PASSWORD)
before = rss_mib()
one_at_a_time, signed_in, done = threading.Lock(), threading.Barrier(threads_n + 1), threading.Event()


def session():
    with one_at_a_time:
        authenticate(store, "kdn.admin", PASSWORD)
    signed_in.wait()
    done.wait()


threads = [threading.Thread(target=session) for _ in range(threads_n)]
for thread in threads:
    thread.start()
signed_in.wait()
print(rss_mib() - before)
done.set()
for thread in threads:
    thread.join()
"""


def rss_growth_mib(data_dir: Path, mode: str) -> float:
    env = {**os.environ, "VIERPHASEN_DATA_DIR": str(data_dir)}
    env.pop("VIERPHASEN_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), mode, str(THREADS)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return float(result.stdout.split()[-1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or not Path("/proc/self/status").exists(),
                    reason="glibc's malloc and /proc only")
def test_sign_ins_on_many_session_threads_keep_no_argon2_memory_after_the_app_has_run(tmp_path):
    growth = rss_growth_mib(tmp_path, "app")

    # without memory.configure each thread's malloc arena kept one check's 7 MiB: about THREADS × 7 MiB
    assert growth < ARGON2_MIB
