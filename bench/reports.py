"""Benchmark of the Kundensteuerung report at 20,000 clients on TinyDB and on PostgreSQL.

Prints `report_ms_at_20000_clients_tinydb: <v> ms` and `report_ms_at_20000_clients_postgres: <v> ms`: the
median of REPEAT calls of `services.reports.compile_report` (all teams, twelve months) on a store opened as the
app opens it, after one warm-up call (the app process keeps its store: connections, parsed catalogue, file
caches). The first (cold) call is printed as a comment on stderr. The data (20,000 clients, about 40,000 profilings, 12,000 EGVs, 30,000
Folgegespräche, 6,000 Maßnahmen and 2,000 Beschäftigungsaufnahmen) is bulk-loaded with `import_all`.
Also prints `wiedervorlage_ms_at_20000_clients_<backend>`: the median of REPEAT calls of
`services.wiedervorlage.list_wiedervorlage` for an IFK of one of the 12 teams.
`--clients N` runs a smaller data set (the figures' names keep saying 20000 only when N is 20,000). PostgreSQL: VIERPHASEN_TEST_DATABASE_URL, else a throwaway
local server; skipped if neither.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pg import postgres
from schemas.catalogue import SHIPPED_CATALOGUE, set_version
from schemas.records import (
    BedarfEintrag,
    Beschaeftigungsaufnahme,
    Client,
    Egv,
    Folgegespraech,
    Massnahme,
    Profiling,
    Role,
    Status,
    User,
)

CLIENTS = 20_000
REPEAT = 7
STICHTAG = date(2026, 11, 25)
BEDARFE = {
    "schulische_qualifikation": ["schulabschluss_erwerben"],
    "berufliche_qualifikation": ["berufsabschluss_erwerben"],
    "wohnsituation": ["wohnsituation_stabilisieren"],
    "gesundheitliche_einschraenkungen": ["leistungsfaehigkeit_feststellen"],
}
#: Stored with the data: the services re-read the acting account from the store.
ACTOR = User(id="bench-fa", username="fachaufsicht", display_name="Fachaufsicht", role=Role.FACHAUFSICHT, revision=1)
IFK = User(id="bench-ifk", username="ifk", display_name="IFK", role=Role.IFK, team="Team 1", revision=1)
ERGEBNISSE = ["erfolgreich_abgeschlossen", "abgeschlossen_ohne_erfolg", "abbruch_sonstiges"]


def synthetic(clients: int, seed: int = 42) -> dict:
    """Clients of 12 teams; 0–4 profilings each (70 % closed), EGVs, Folgegespräche, measures and job starts."""
    rng = random.Random(seed)
    out: dict = {Client: [], Profiling: [], Egv: [], Folgegespraech: [], Massnahme: [], Beschaeftigungsaufnahme: [],
                 User: [ACTOR, IFK]}
    base = datetime(2026, 11, 25, 12, tzinfo=UTC)
    for n in range(clients):
        client = Client(id=f"c{n:06d}", kundennummer=f"962D{n:06d}", vorname="Vorname", nachname=f"Name{n}",
                        geburtsdatum=date(1980, 1, 1) + timedelta(days=n % 9000), team=f"Team {n % 12 + 1}",
                        revision=1)  # fmt: skip
        out[Client].append(client)
        closed_ids = []
        for k in range(rng.randrange(0, 5)):
            created = base - timedelta(days=rng.randrange(0, 700), minutes=rng.randrange(1440))
            closed = rng.random() < 0.7
            relevant = rng.sample(sorted(BEDARFE), rng.randrange(0, 3))
            profiling = Profiling(
                id=f"p{n:06d}-{k}", client_id=client.id, catalogue_version=1, revision=2, created_at=created,
                status=Status.ABGESCHLOSSEN if closed else Status.OFFEN,
                closed_at=created + timedelta(hours=2) if closed else None,
                zielberuf="Fachkraft Lagerlogistik", kompetenzen=["Teamarbeit", "Staplerschein"],
                handlungsbedarfe={b: BedarfEintrag(relevant=b in relevant, bemerkungen="x" * 120) for b in BEDARFE},
                strategien={b: BEDARFE[b] for b in relevant}, uebergreifend=["vermittlung_arbeit_ausbildung"],
                integrationsprognose=rng.choice(["marktnah", "marktfern", None]),
                integrationsziel="Aufnahme einer Beschäftigung als Fachkraft Lagerlogistik",
            )  # fmt: skip
            out[Profiling].append(profiling)
            if closed:
                closed_ids.append(profiling.id)
        if closed_ids and rng.random() < 0.6:
            created = base - timedelta(days=rng.randrange(0, 300))
            out[Egv].append(Egv(
                id=f"e{n:06d}", client_id=client.id, profiling_id=closed_ids[0], catalogue_version=1, revision=2,
                created_at=created, status=Status.ABGESCHLOSSEN, closed_at=created + timedelta(hours=1),
                teilschritte="Bewerbungen schreiben", ueberpruefung_am=STICHTAG + timedelta(days=rng.randrange(-90, 90)),
            ))  # fmt: skip
        for k in range(rng.randrange(0, 4)):
            datum = STICHTAG - timedelta(days=rng.randrange(0, 400))
            out[Folgegespraech].append(Folgegespraech(
                id=f"f{n:06d}-{k}", client_id=client.id, catalogue_version=1, revision=1, datum=datum,
                created_at=base - timedelta(days=rng.randrange(0, 400)), anliegen="Bewerbungen besprechen",
                naechster_termin=datum + timedelta(days=rng.randrange(14, 90)),
            ))  # fmt: skip
        _verlauf(out, rng, client.id, n, base)
    return out


def _verlauf(out: dict, rng: random.Random, client_id: str, n: int, base: datetime) -> None:
    """About 0.3 measures (half of them ended, with an outcome) and 0.1 job starts per client."""
    if rng.random() < 0.3:
        beginn = STICHTAG - timedelta(days=rng.randrange(0, 500))
        geplant = beginn + timedelta(days=rng.randrange(30, 360))
        ende = beginn + timedelta(days=rng.randrange(20, 300)) if rng.random() < 0.5 else None
        out[Massnahme].append(Massnahme(
            id=f"m{n:06d}", client_id=client_id, catalogue_version=1, revision=1, created_at=base, titel="Umschulung",
            traeger="Bildungsträger", beginn=beginn, ende_geplant=geplant,
            ende_tatsaechlich=ende if ende is not None and ende <= STICHTAG else None,
            ergebnis=rng.choice(ERGEBNISSE) if ende is not None and ende <= STICHTAG else None,
        ))  # fmt: skip
    if rng.random() < 0.1:
        datum = STICHTAG - timedelta(days=rng.randrange(0, 400))
        out[Beschaeftigungsaufnahme].append(Beschaeftigungsaufnahme(
            id=f"b{n:06d}", client_id=client_id, catalogue_version=1, revision=1, created_at=base, datum=datum,
            arbeitgeber="Logistik Nord", ausbildung=rng.random() < 0.2, wochenstunden=30,
            leistungen_weiter=rng.random() < 0.4, nachhalten_am=datum + timedelta(days=rng.randrange(30, 120)),
        ))  # fmt: skip


def measure(open_store, clients: int) -> tuple[float, float, float]:
    """(ms of the first report call on a freshly opened store, median ms of REPEAT further report calls,
    median ms of REPEAT Wiedervorlage calls of an IFK of Team 1)."""
    from services.reports import compile_report
    from services.wiedervorlage import list_wiedervorlage

    store = open_store()
    samples, lists = [], []
    try:
        for _ in range(REPEAT + 1):
            start = time.perf_counter()
            report = compile_report(store, von=date(2025, 12, 1), bis=date(2026, 11, 30), actor=ACTOR,
                                    stichtag=STICHTAG)  # fmt: skip
            samples.append((time.perf_counter() - start) * 1000)
        assert report.counts.clients == clients, report.counts.clients
        for _ in range(REPEAT):
            start = time.perf_counter()
            due = list_wiedervorlage(store, actor=IFK, heute=STICHTAG)
            lists.append((time.perf_counter() - start) * 1000)
        assert due
    finally:
        store.close_store()
    return samples[0], statistics.median(samples[1:]), statistics.median(lists)


def fill(store, records: dict, **kwargs) -> None:
    store.import_all(records, [], [], **kwargs)
    text = set_version(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), 1)
    store.publish_catalogue(text, note="Bench", actor=User(id="sys", username="system", display_name="System",
                                                             role=Role.KDN))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"number of clients (default {CLIENTS})")
    parser.add_argument("--backend", choices=["both", "tinydb", "postgres"], default="both")
    args = parser.parse_args()
    from storage.tinydb_store import TinyDBStore

    started = time.perf_counter()
    records = synthetic(args.clients)
    print(f"# data: {sum(len(v) for v in records.values())} records in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)  # fmt: skip

    if args.backend != "postgres":
        with tempfile.TemporaryDirectory(prefix="vierphasen-bench-reports-") as tmp:
            started = time.perf_counter()
            fill(TinyDBStore(tmp), records, durable=False)
            print(f"# tinydb fill: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            cold, warm, wv = measure(lambda: TinyDBStore(tmp), args.clients)
            print(f"# tinydb first call (cold, catalogue parsed, shards read): {cold:.1f} ms", file=sys.stderr)
            print(f"report_ms_at_{args.clients}_clients_tinydb: {warm:.1f} ms", flush=True)
            print(f"wiedervorlage_ms_at_{args.clients}_clients_tinydb: {wv:.1f} ms", flush=True)

    if args.backend == "tinydb":
        return
    with postgres("bench_reports") as pg:
        if pg is None:
            return
        url, new_schema = pg
        from storage.postgres_store import PostgresStore

        schema = new_schema()
        store = PostgresStore(url, schema=schema)
        started = time.perf_counter()
        fill(store, records)
        with store.pool.connection() as conn:
            conn.autocommit = True
            conn.execute("ANALYZE")
        store.close_store()
        print(f"# postgres fill: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        cold, warm, wv = measure(lambda: PostgresStore(url, schema=schema), args.clients)
        print(f"# postgres first call (cold, second connection opened): {cold:.1f} ms", file=sys.stderr)
        print(f"report_ms_at_{args.clients}_clients_postgres: {warm:.1f} ms", flush=True)
        print(f"wiedervorlage_ms_at_{args.clients}_clients_postgres: {wv:.1f} ms", flush=True)


if __name__ == "__main__":
    main()
