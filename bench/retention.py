"""Benchmark of the Löschfristen (issue 14) at 20,000 clients on TinyDB and on PostgreSQL.

Prints `retention_list_ms_at_20000_clients_{tinydb,postgres}: <v> ms` (median of REPEAT calls of
`services.retention.due_cases` after one warm-up, every fifth client ended, about half of those past the period)
and `retention_delete_ms_per_client_{tinydb,postgres}: <v> ms` (median of DELETES calls of
`services.retention.delete_case`, each deleting a client with its profilings, EGV and Folgegespräche; TinyDB with
its durable writes). The data is that of bench/reports.py. PostgreSQL: VIERPHASEN_TEST_DATABASE_URL, else a
throwaway local server; skipped if neither.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg import postgres
from bench.reports import CLIENTS, fill, synthetic
from schemas.records import Client, Role, User

REPEAT = 7
DELETES = 30
HEUTE = date(2026, 12, 6)
#: Stored with the data: the services re-read the acting account from the store.
ACTOR = User(id="bench-kdn", username="kdn", display_name="KDN", role=Role.KDN, revision=1)


def with_ended(records: dict) -> dict:
    """Every fifth client's case ended, spread over 2014–2026 (so about half are past five years)."""
    clients = []
    for n, client in enumerate(records[Client]):
        if n % 5 == 0:
            client = client.model_copy(update={"abgemeldet_am": date(2014 + n % 13, 1 + n % 12, 1 + n % 28),
                                               "abmeldegrund": "abm_wegzug"})  # fmt: skip
        clients.append(client)
    return records | {Client: clients, User: [*records.get(User, []), ACTOR]}


def measure(store) -> tuple[float, float, int]:
    """(median ms of the due list, median ms of one deletion, number of due cases before deleting)."""
    from services.retention import delete_case, due_cases

    samples = []
    for _ in range(REPEAT + 1):
        start = time.perf_counter()
        due = due_cases(store, actor=ACTOR, heute=HEUTE)
        samples.append((time.perf_counter() - start) * 1000)
    deletes = []
    for case in due[:DELETES]:
        start = time.perf_counter()
        delete_case(store, case.client_id, actor=ACTOR, heute=HEUTE)
        deletes.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[1:]), statistics.median(deletes), len(due)


def main() -> None:
    from storage.tinydb_store import TinyDBStore

    records = with_ended(synthetic(CLIENTS))
    with tempfile.TemporaryDirectory(prefix="vierphasen-bench-retention-") as tmp:
        fill(TinyDBStore(tmp), records, durable=False)
        listing, delete, due = measure(TinyDBStore(tmp))
        print(f"# tinydb: {due} cases due", file=sys.stderr)
        print(f"retention_list_ms_at_20000_clients_tinydb: {listing:.1f} ms", flush=True)
        print(f"retention_delete_ms_per_client_tinydb: {delete:.1f} ms", flush=True)

    with postgres("bench_retention") as pg:
        if pg is None:
            return
        url, new_schema = pg
        from storage.postgres_store import PostgresStore

        store = PostgresStore(url, schema=new_schema())
        fill(store, records)
        with store.pool.connection() as conn:
            conn.autocommit = True
            conn.execute("ANALYZE")
        listing, delete, due = measure(store)
        store.close_store()
        print(f"# postgres: {due} cases due", file=sys.stderr)
        print(f"retention_list_ms_at_20000_clients_postgres: {listing:.1f} ms", flush=True)
        print(f"retention_delete_ms_per_client_postgres: {delete:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
