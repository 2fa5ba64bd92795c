"""Capacity of one server process: how many caseworkers it serves with an action p95 of at most 1 s.

Simulated caseworkers, one thread each, in this one process, act through the services on one store like a
caseworker at work: an action every 4–6 s (open a client, open the profiling, search the client list, open the
client again, and every fifth action a profiling save). The number of caseworkers rises in steps (LEVELS); at
each step the actions of a WINDOW_S window are timed. The bench stops at the first step whose p95 exceeds 1 s and
prints `<backend>_sessions_per_process_at_p95_1s` (the last step within 1 s), every step's p95 and the process's
RSS growth per simulated caseworker. This is the service layer (store, rules, audit) without Streamlit's
rendering; `bench/load.py` measures a Streamlit server's memory per browser session (`rss_mb_per_session`).

Run: `.venv/bin/python bench/capacity.py [--backend tinydb|postgres]` (about 5 minutes per backend).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LEVELS = (50, 100, 150, 200, 250, 300, 400, 500, 700)
WINDOW_S = 30.0
THINK_S = (4.0, 6.0)
LIMIT_MS = 1000.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def prepare(store, count: int) -> list[tuple[object, str, str]]:
    """Catalogue, one stored IFK account, client and open profiling per caseworker."""
    from schemas.records import Role
    from services.access import SYSTEM
    from services.catalogue import ensure_catalogue
    from services.profiling import save_profiling, start_profiling
    from tests.factories import make_client, make_user

    ensure_catalogue(store, actor=SYSTEM)
    sessions = []
    for n in range(count):
        user = store.add(make_user(Role.IFK, username=f"ifk.kap{n:04d}", team=f"Team {n % 5 + 1}"), actor=SYSTEM)
        client = store.add(make_client(team=user.team, nachname=f"Kapazitaet{n:04d}"), actor=user)
        profiling = save_profiling(store, start_profiling(store, client.id, actor=user), actor=user)
        sessions.append((user, client.id, profiling.id))
    return sessions


class Caseworkers:
    def __init__(self, store):
        self.store = store
        self.stop = threading.Event()
        self.samples: list[tuple[float, float]] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self, session: tuple[object, str, str], number: int) -> None:
        thread = threading.Thread(target=self._work, args=(*session, number), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _work(self, user, client_id: str, profiling_id: str, number: int) -> None:
        from services.clients import find_clients, open_client
        from services.profiling import open_profiling, save_profiling

        rng = random.Random(number)
        step = rng.randrange(5)
        while not self.stop.wait(rng.uniform(*THINK_S)):
            step += 1
            started = time.perf_counter()
            try:
                if step % 5 == 0:
                    profiling = open_profiling(self.store, profiling_id, actor=user)
                    profiling.zielberuf = f"Fachkraft Lagerlogistik {step}"
                    save_profiling(self.store, profiling, actor=user)
                elif step % 5 == 2:
                    open_profiling(self.store, profiling_id, actor=user)
                elif step % 5 == 3:
                    find_clients(self.store, "Kapazitaet", actor=user)
                else:
                    open_client(self.store, client_id, actor=user)
            except Exception as exc:  # noqa: BLE001 - counted and named
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {getattr(exc, 'message', exc)}")
                continue
            with self.lock:
                self.samples.append((time.monotonic(), (time.perf_counter() - started) * 1000))


def measure(prefix: str, store) -> None:
    sessions = prepare(store, max(LEVELS))
    before = rss_mb()
    crowd = Caseworkers(store)
    passed = 0
    try:
        for level in LEVELS:
            for number in range(len(crowd.threads), level):
                crowd.start(sessions[number], number)
            time.sleep(THINK_S[1] + 1)  # the new caseworkers' first actions are under way
            window_start = time.monotonic()
            time.sleep(WINDOW_S)
            with crowd.lock:
                window = [ms for at, ms in crowd.samples if at >= window_start]
            p95 = statistics.quantiles(window, n=20)[-1] if len(window) > 1 else float("inf")
            print(f"{prefix}_p95_ms_at_{level}_sessions: {p95:.1f} ms", flush=True)
            print(f"{prefix}_actions_per_s_at_{level}_sessions: {len(window) / WINDOW_S:.1f} count", flush=True)
            if p95 > LIMIT_MS:
                break
            passed = level
        grown = rss_mb() - before
    finally:
        crowd.stop.set()
        for thread in crowd.threads:
            thread.join(timeout=60)
    print(f"{prefix}_sessions_per_process_at_p95_1s: {passed} count", flush=True)
    print(f"{prefix}_rss_mb_per_simulated_session: {grown / max(1, len(crowd.threads)):.2f} MB", flush=True)
    print(f"{prefix}_capacity_errors: {len(crowd.errors)} count", flush=True)
    for error in crowd.errors[:5]:
        print(f"# {prefix} Fehler: {error}", file=sys.stderr)


def main() -> None:
    import os

    backends = ("tinydb", "postgres") if "--backend" not in sys.argv else (sys.argv[sys.argv.index("--backend") + 1],)
    print(f"cpu_cores: {os.cpu_count()} count")
    print(f"load_average_1min_at_start: {os.getloadavg()[0]:.1f} tasks", flush=True)
    if "tinydb" in backends:
        from storage.tinydb_store import TinyDBStore

        with tempfile.TemporaryDirectory(prefix="vierphasen-capacity-") as tmp:
            measure("tinydb", TinyDBStore(Path(tmp) / "data"))
    if "postgres" in backends:
        from bench.pg import postgres
        from storage.postgres_store import PostgresStore

        with postgres("capacity") as pg:
            if pg is None:
                return
            url, new_schema = pg
            store = PostgresStore(url, schema=new_schema())
            try:
                measure("postgres", store)
            finally:
                store.close_store()
    print(f"load_average_1min_at_end: {os.getloadavg()[0]:.1f} tasks")


if __name__ == "__main__":
    main()
