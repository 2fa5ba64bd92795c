"""Benchmark of the storage backends: save p95 at 100 and at 100,000 profilings, a client's history, and a restore.

Prints `name: value unit` lines with the prefixes tinydb_ / postgres_. The large database (100,000 profilings over
20,000 clients) is bulk-loaded directly; only the measured `store.save` / `list_for_client` calls go through the
store. PostgreSQL: VIERPHASEN_TEST_DATABASE_URL, else a throwaway local server (fsync on); skipped if neither.

Interleaved with the measured saves at 100,000 profilings (one each right before every save, on the file system
of the TinyDB store): the disk's floor for a durable replace (`*_floor_replace_`: 3 KB written, fsync, rename,
fsync of the directory) and SQLite in WAL mode with synchronous=FULL (`*_sqlite_`: one UPDATE of a 3.4 KB row). `tinydb_fsyncs_per_save` counts os.fsync/os.fdatasync calls during the measured
saves at 100,000 profilings, `tinydb_syncfs_per_save` the write-ahead log's checkpoints (one syncfs each).
`*_save_cpu_p50_ms_at_100000`: this process's CPU time per save (for PostgreSQL without the server's), which
other load on the machine disturbs less than the wall time.

Options: `--backend tinydb|postgres` runs one backend only (then no cross-backend ratio); `--no-import` skips the
restore of a 200,000-entry audit trail.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg import postgres
from schemas.records import BedarfEintrag, Client, Profiling, Role, User, utcnow
from storage import audit_chain
from storage.core import RuleStore

SAVES = 300
HISTORY_READS = 300
PER_CLIENT = 5
rng = random.Random(42)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


class FsyncCounter:
    """Counts os.fsync / os.fdatasync calls and the TinyDB store's syncfs checkpoints while `counting`."""

    def __init__(self) -> None:
        from storage import tinydb_store

        self.fsyncs = self.syncfs = 0
        self.counting = False
        self._module = tinydb_store
        self._fsync, self._fdatasync, self._syncfs = os.fsync, os.fdatasync, tinydb_store.sync_filesystem

        def counted(real, attr):
            def call(*args):
                if self.counting:
                    setattr(self, attr, getattr(self, attr) + 1)
                return real(*args)

            return call

        os.fsync = counted(self._fsync, "fsyncs")
        os.fdatasync = counted(self._fdatasync, "fsyncs")
        tinydb_store.sync_filesystem = counted(self._syncfs, "syncfs")


class Neighbours:
    """The floor and SQLite, timed one operation each right before every measured save (same conditions).

    floor: 3 KB to a temp file, fsync, rename over the file, fsync of the directory (a durable replace).
    sqlite: WAL mode, synchronous=FULL, one UPDATE of a 3.4 KB row of 20,000, committed.
    """

    def __init__(self, directory: Path, rows: int = 20_000):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.payload = os.urandom(1536).hex().encode()
        self.floor: list[float] = []
        self.sqlite: list[float] = []
        self.rows = rows
        self.conn = sqlite3.connect(directory / "bench.sqlite", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("CREATE TABLE profilings (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        self.body = "x" * 3400
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT INTO profilings VALUES (?, ?)", ((f"p{n}", self.body) for n in range(rows)))
        self.conn.execute("COMMIT")

    def step(self) -> None:
        target, tmp = self.directory / "floor.json", self.directory / ".floor.json.tmp"
        start = time.perf_counter()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, self.payload)
        os.fsync(fd)
        os.close(fd)
        os.replace(tmp, target)
        dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(dir_fd)
        os.close(dir_fd)
        self.floor.append((time.perf_counter() - start) * 1000)
        row = f"p{rng.randrange(self.rows)}"
        start = time.perf_counter()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("UPDATE profilings SET data = ? WHERE id = ?", (uuid.uuid4().hex + self.body[32:], row))
        self.conn.execute("COMMIT")
        self.sqlite.append((time.perf_counter() - start) * 1000)

    def report(self, prefix: str, store_p50: float) -> None:
        floor_p50, sqlite_p50 = statistics.median(self.floor), statistics.median(self.sqlite)
        print(f"{prefix}floor_replace_p50_ms: {floor_p50:.2f} ms", flush=True)
        print(f"{prefix}floor_replace_p95_ms: {p95(self.floor):.2f} ms", flush=True)
        print(f"{prefix}sqlite_wal_full_save_p50_ms: {sqlite_p50:.2f} ms", flush=True)
        print(f"{prefix}sqlite_wal_full_save_p95_ms: {p95(self.sqlite):.2f} ms", flush=True)
        print(f"{prefix}save_p50_over_floor_p50: {store_p50 / floor_p50:.2f} ratio", flush=True)
        print(f"{prefix}save_p50_over_sqlite_p50: {store_p50 / sqlite_p50:.2f} ratio", flush=True)


def synthetic(clients: int) -> tuple[User, dict, list]:
    """Users, clients, PER_CLIENT profilings each, and one "angelegt" audit entry per record."""
    actor = User(id="bench-user", username="bench", display_name="Bench", role=Role.IFK, revision=1)
    now = utcnow()
    client_rows, profiling_rows, audit = [], [], []
    prev = audit_chain.GENESIS
    for n in range(clients):
        client = Client(id=f"c{n:06d}", kundennummer=f"962D{n:06d}", vorname="Vorname", nachname=f"Name{n}",
                        geburtsdatum=date(1980, 1, 1) + timedelta(days=n % 9000), team=f"Team {n % 12 + 1}",
                        revision=1, created_by="bench", updated_by="bench")  # fmt: skip
        client_rows.append(client)
        for k in range(PER_CLIENT):
            profiling_rows.append(
                Profiling(
                    id=f"p{n:06d}-{k}", client_id=client.id, catalogue_version=1, revision=1,
                    created_at=now - timedelta(days=PER_CLIENT - k), created_by="bench", updated_by="bench",
                    zielberuf="Fachkraft Lagerlogistik", kompetenzen=["Teamarbeit", "Staplerschein", "Deutsch B2"],
                    handlungsbedarfe={f"bedarf_{b}": BedarfEintrag(relevant=b % 2 == 0, bemerkungen="x" * 120)
                                      for b in range(6)},
                    strategien={"bedarf_0": ["strategie_1", "strategie_4"], "bedarf_2": ["strategie_7"]},
                    integrationsziel="Aufnahme einer Beschäftigung als Fachkraft Lagerlogistik",
                )
            )  # fmt: skip
    for seq, record in enumerate([*client_rows, *profiling_rows], start=1):
        entry = audit_chain.make_entry(seq=seq, prev_hash=prev, at=now, actor="bench", role="IFK", action="angelegt",
                                       record_kind="Profiling", record_id=record.id,
                                       client_id=getattr(record, "client_id", record.id), catalogue_version=1,
                                       reason=None)  # fmt: skip
        audit.append(entry)
        prev = entry.hash
    return actor, {User: [actor], Client: client_rows, Profiling: profiling_rows}, audit


def measure(store: RuleStore, records: dict, actor: User, counter: FsyncCounter | None = None,
            neighbours: Neighbours | None = None) -> tuple[list[float], float, list[float]]:
    """(save samples ms, history p95 ms, save CPU samples ms) over random profilings / clients of the loaded data."""
    profilings = records[Profiling]
    for profiling in rng.sample(profilings, 20):  # warm-up: imports, connections, caches
        store.save(store.get(Profiling, profiling.id), actor=actor)
    save_ms, cpu_ms = [], []
    for _ in range(SAVES):
        current = store.get(Profiling, rng.choice(profilings).id)
        changed = current.model_copy(update={"integrationsziel": f"Ziel {uuid.uuid4().hex[:6]}"})
        if neighbours is not None:
            neighbours.step()
        if counter is not None:
            counter.counting = True
        cpu, start = time.process_time(), time.perf_counter()
        store.save(changed, actor=actor)
        save_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        if counter is not None:
            counter.counting = False
    history_ms = []
    clients = records[Client]
    for _ in range(HISTORY_READS):
        client_id = rng.choice(clients).id
        start = time.perf_counter()
        history = store.list_for_client(Profiling, client_id)
        history_ms.append((time.perf_counter() - start) * 1000)
        assert len(history) == PER_CLIENT
    return save_ms, p95(history_ms), cpu_ms


def settle_postgres(store) -> None:
    """After the bulk load: statistics for the planner, and the checkpoint now rather than during the measurement."""
    with store.pool.connection() as conn:
        conn.autocommit = True
        conn.execute("ANALYZE")
        try:
            conn.execute("CHECKPOINT")
        except Exception as exc:  # noqa: BLE001 - only a superuser may; without it the figures are just noisier
            print(f"# CHECKPOINT nicht möglich: {exc}", file=sys.stderr)


def run(prefix: str, open_store, counter: FsyncCounter | None, neighbours: Neighbours) -> float:
    """Prints the backend's figures; returns its save p50 (ms) at 100,000 profilings."""
    results = {}
    for clients in (20, 20_000):
        actor, records, audit = synthetic(clients)
        store = open_store(f"{prefix}{clients}")
        started = time.perf_counter()
        if prefix == "tinydb_":
            store.import_all(records, audit, [], durable=False)
        else:
            store.import_all(records, audit, [])
            settle_postgres(store)
        fill_s = time.perf_counter() - started
        os.sync()  # the bulk fill's dirty pages must not be flushed by (and billed to) the measured saves
        large = clients == 20_000
        results[clients] = measure(store, records, actor, counter if large else None, neighbours if large else None)
        store.close_store()
        print(f"{prefix}fill_s_at_{clients * PER_CLIENT}: {fill_s:.1f} s", file=sys.stderr)
    small, large = p95(results[20][0]), p95(results[20_000][0])
    median = statistics.median(results[20_000][0])
    print(f"{prefix}save_p95_ms_at_100: {small:.2f} ms", flush=True)
    print(f"{prefix}save_p95_ms_at_100000: {large:.2f} ms", flush=True)
    print(f"{prefix}save_p50_ms_at_100000: {median:.2f} ms", flush=True)
    print(f"{prefix}save_cpu_p50_ms_at_100000: {statistics.median(results[20_000][2]):.2f} ms", flush=True)
    print(f"{prefix}save_ratio: {large / small:.2f} ratio", flush=True)
    print(f"{prefix}history_p95_ms: {results[20_000][1]:.2f} ms", flush=True)
    neighbours.report(prefix, median)
    if counter is not None:
        print(f"{prefix}fsyncs_per_save: {counter.fsyncs / SAVES:.2f} count", flush=True)
        print(f"{prefix}syncfs_per_save: {counter.syncfs / SAVES:.3f} count", flush=True)
    return median


def audit_chain_of(length: int) -> list:
    """`length` chained audit entries, as a restore or migration of a house's trail copies them."""
    now, prev, entries = utcnow(), audit_chain.GENESIS, []
    for seq in range(1, length + 1):
        entry = audit_chain.make_entry(seq=seq, prev_hash=prev, at=now, actor="bench", role="IFK", action="gelesen",
                                       record_kind="Kunde", record_id=f"c{seq % 20_000:06d}",
                                       client_id=f"c{seq % 20_000:06d}", catalogue_version=None, reason=None)  # fmt: skip
        entries.append(entry)
        prev = entry.hash
    return entries


def import_seconds(open_store, audit: list) -> float:
    """Seconds to import `audit` into an empty store and check chain and head once after the copy."""
    store = open_store("postgres_import")
    started = time.perf_counter()
    store.import_all({}, audit, [])
    broken = store.audit_verify()
    seconds = time.perf_counter() - started
    store.close_store()
    assert broken is None, f"audit chain broken at {broken} after the import"
    return seconds


def main() -> None:
    from storage.tinydb_store import TinyDBStore

    backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else None
    if backend not in (None, "tinydb", "postgres"):
        sys.exit("--backend tinydb|postgres")
    tinydb_p50 = None
    if backend in (None, "tinydb"):
        counter = FsyncCounter()
        with tempfile.TemporaryDirectory(prefix="vierphasen-bench-") as tmp:
            tinydb_p50 = run("tinydb_", lambda name: TinyDBStore(Path(tmp) / name), counter,
                             Neighbours(Path(tmp) / "neighbours"))  # fmt: skip
    if backend == "tinydb":
        return

    with postgres("bench") as pg:
        if pg is None:
            return
        url, new_schema = pg
        from storage.postgres_store import PostgresStore

        def open_pg(name: str) -> PostgresStore:
            return PostgresStore(url, schema=new_schema() + "_" + name.replace("postgres_", ""))

        with tempfile.TemporaryDirectory(prefix="vierphasen-bench-") as tmp:
            postgres_p50 = run("postgres_", open_pg, None, Neighbours(Path(tmp) / "neighbours"))
        if tinydb_p50 is not None:
            print(f"tinydb_save_p50_over_postgres_p50: {tinydb_p50 / postgres_p50:.2f} ratio", flush=True)
        if "--no-import" not in sys.argv:  # the restore of a long trail takes minutes
            print(f"postgres_import_s_at_200000_audit: {import_seconds(open_pg, audit_chain_of(200_000)):.1f} s",
                  flush=True)


if __name__ == "__main__":
    main()
