"""Report figures and Wiedervorlage on both backends: equal to an independent count over a generated data set."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schemas.records import (
    Beschaeftigungsaufnahme,
    Client,
    Egv,
    Folgegespraech,
    Massnahme,
    Profiling,
    Role,
    Status,
)
from storage.base import DueItem, ReportCounts, Store, VerlaufCounts
from tests.factories import make_client, make_egv, make_folgegespraech, make_profiling, make_user

BERLIN = ZoneInfo("Europe/Berlin")
STICHTAG = date(2026, 11, 25)
TEAMS = ["Team 1", "Team 2", "Team 3"]
BEDARFE = ["schulische_qualifikation", "berufliche_qualifikation", "wohnsituation", "gesundheitliche_einschraenkungen"]
STRATEGIEN = ["schulabschluss_erwerben", "berufsabschluss_erwerben", "wohnsituation_stabilisieren",
              "leistungsfaehigkeit_feststellen"]
UEBERGREIFEND = ["vermittlung_arbeit_ausbildung", "verfuegbarkeit_ueberpruefen"]
ERGEBNISSE = ["erfolgreich_abgeschlossen", "abgeschlossen_ohne_erfolg", None]


def _at(rng: random.Random) -> datetime:
    """A time in the 14 months before the Stichtag; a quarter of them late in the evening (UTC) so that the
    day in Berlin differs from the day in UTC."""
    day = STICHTAG - timedelta(days=rng.randrange(0, 430))
    hour = rng.choice([23, 22, 10, 0])
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), rng.randrange(10**6),
                    tzinfo=UTC)


def generate(seed: int = 7, clients: int = 60) -> dict[type, list]:
    """Clients of three teams with profilings (open and closed), EGVs and Folgegespräche, stored verbatim."""
    rng = random.Random(seed)
    out: dict[type, list] = {Client: [], Profiling: [], Egv: [], Folgegespraech: []}
    for n in range(clients):
        client = make_client(team=TEAMS[n % 3], revision=1, created_at=_at(rng))
        out[Client].append(client)
        profilings = []
        for _ in range(rng.randrange(0, 4)):
            created = _at(rng)
            closed = rng.random() < 0.7
            relevant = rng.sample(BEDARFE, rng.randrange(0, 3))
            # a Bedarf unmarked after its strategies were chosen keeps them stored; they must count nowhere
            unmarked = rng.sample([b for b in BEDARFE if b not in relevant], rng.randrange(0, 2))
            strategien = {b: rng.sample(STRATEGIEN, rng.randrange(1, 3)) for b in relevant + unmarked}
            prognose = rng.choice(["marktnah", "marktfern", None])
            profiling = make_profiling(
                client.id, relevant=relevant, revision=2, created_at=created, updated_at=created,
                status=Status.ABGESCHLOSSEN if closed else Status.OFFEN,
                closed_at=created + timedelta(hours=rng.randrange(0, 400)) if closed else None,
                strategien=strategien, uebergreifend=rng.sample(UEBERGREIFEND, rng.randrange(0, 3)),
                integrationsprognose=prognose, profillage=None if prognose else rng.choice(["z", "i", None]),
            )
            profilings.append(profiling)
        out[Profiling] += profilings
        closed_profilings = [p for p in profilings if p.status == Status.ABGESCHLOSSEN]
        for k in range(rng.randrange(0, 3) if closed_profilings else 0):
            created = _at(rng)
            closed = rng.random() < 0.7
            out[Egv].append(make_egv(
                client.id, closed_profilings[0].id, fassung=k + 1, revision=2, created_at=created,
                status=Status.ABGESCHLOSSEN if closed else Status.OFFEN,
                closed_at=created + timedelta(hours=5) if closed else None,
                ueberpruefung_am=rng.choice([None, STICHTAG + timedelta(days=rng.randrange(-90, 90))]),
            ))
        for _ in range(rng.randrange(0, 4)):
            datum = STICHTAG - timedelta(days=rng.randrange(0, 400))
            out[Folgegespraech].append(make_folgegespraech(
                client.id, revision=1, created_at=_at(rng), datum=datum,
                naechster_termin=rng.choice([None, datum + timedelta(days=rng.randrange(1, 120))]),
            ))
    add_verlauf(out, random.Random(seed + 1))
    return out


def add_verlauf(out: dict[type, list], rng: random.Random) -> None:
    """Measures, job starts and consent decisions (issue 16), from their own random stream."""
    out[Massnahme], out[Beschaeftigungsaufnahme] = [], []
    for client in out[Client]:
        for _ in range(rng.randrange(0, 3)):
            beginn = STICHTAG - timedelta(days=rng.randrange(0, 500))
            geplant = beginn + timedelta(days=rng.randrange(0, 400))
            ende = rng.choice([None, beginn + timedelta(days=rng.randrange(0, 300))])
            out[Massnahme].append(Massnahme(
                id=f"m-{client.id}-{len(out[Massnahme])}", client_id=client.id, catalogue_version=rng.choice([1, 2]),
                titel="Umschulung", beginn=beginn, ende_geplant=geplant, ende_tatsaechlich=ende,
                ergebnis=rng.choice(ERGEBNISSE) if ende else None, revision=1, created_at=_at(rng),
            ))
        for _ in range(rng.randrange(0, 2)):
            datum = STICHTAG - timedelta(days=rng.randrange(0, 500))
            out[Beschaeftigungsaufnahme].append(Beschaeftigungsaufnahme(
                id=f"b-{client.id}-{len(out[Beschaeftigungsaufnahme])}", client_id=client.id,
                catalogue_version=1, datum=datum, arbeitgeber="Logistik Nord", ausbildung=rng.random() < 0.3,
                wochenstunden=30, leistungen_weiter=rng.random() < 0.5, revision=1, created_at=_at(rng),
                nachhalten_am=rng.choice([None, datum + timedelta(days=rng.randrange(0, 200))]),
            ))
    consent = [{"einverstaendnis": True}, {"einverstaendnis": False, "einverstaendnis_verweigert": True},
               {"einverstaendnis": False, "einverstaendnis_datum": None}]
    out[Profiling] = [p.model_copy(update=rng.choice(consent)) for p in out[Profiling]]


# --- the independent count -------------------------------------------------------------------------------------
def _day(at: datetime) -> date:
    return at.astimezone(BERLIN).date()


def _newest_closed(records: list) -> object | None:
    closed = [r for r in records if r.status == Status.ABGESCHLOSSEN]
    return max(closed, key=lambda r: (r.closed_at, r.id)) if closed else None


def expected(data: dict[type, list], *, team: str | None, von: date, bis: date, stichtag: date) -> ReportCounts:
    clients = [c for c in data[Client] if team is None or c.team == team]
    team_of = {c.id: c.team for c in clients}
    by_client: dict[str, dict[type, list]] = {c.id: {Profiling: [], Egv: [], Folgegespraech: []} for c in clients}
    for kind in (Profiling, Egv, Folgegespraech):
        for record in data[kind]:
            if record.client_id in by_client:
                by_client[record.client_id][kind].append(record)
    prognose, profillage, bedarfe, strategien = Counter(), Counter(), Counter(), Counter()
    with_closed = valid = overdue = 0
    team_month: dict[tuple[str, str], list[int]] = {}
    due_held: dict[str, list[int]] = {}
    for client_id, records in by_client.items():
        newest = _newest_closed(records[Profiling])
        if newest is not None:
            with_closed += 1
            prognose[newest.integrationsprognose or ""] += 1
            profillage[newest.profillage or ""] += 1
            for bedarf, eintrag in newest.handlungsbedarfe.items():
                if eintrag.relevant:
                    bedarfe[bedarf] += 1
            relevant = {b for b, eintrag in newest.handlungsbedarfe.items() if eintrag.relevant}
            chosen = {s for b, ids in newest.strategien.items() if b in relevant for s in ids}
            chosen |= set(newest.uebergreifend)
            for strategie in chosen:
                strategien[strategie] += 1
        egv = _newest_closed(records[Egv])
        if egv is not None:
            if egv.ueberpruefung_am is not None and egv.ueberpruefung_am < stichtag:
                overdue += 1
            else:
                valid += 1
        for p in records[Profiling]:
            if von <= _day(p.created_at) <= bis:
                team_month.setdefault((team_of[client_id], f"{_day(p.created_at):%Y-%m}"), [0, 0, 0])[0] += 1
            if p.status == Status.ABGESCHLOSSEN and von <= _day(p.closed_at) <= bis:
                team_month.setdefault((team_of[client_id], f"{_day(p.closed_at):%Y-%m}"), [0, 0, 0])[1] += 1
        for g in records[Folgegespraech]:
            if von <= g.datum <= bis:
                team_month.setdefault((team_of[client_id], f"{g.datum:%Y-%m}"), [0, 0, 0])[2] += 1
                due_held.setdefault(f"{g.datum:%Y-%m}", [0, 0])[1] += 1
            if g.naechster_termin is not None and von <= g.naechster_termin <= bis:
                due_held.setdefault(f"{g.naechster_termin:%Y-%m}", [0, 0])[0] += 1
    return ReportCounts(
        clients=len(clients), with_closed_profiling=with_closed, egv_valid=valid, egv_overdue=overdue,
        prognose=dict(prognose), profillage=dict(profillage), bedarfe=dict(bedarfe), strategien=dict(strategien),
        team_month={k: tuple(v) for k, v in team_month.items()}, due_held={k: tuple(v) for k, v in due_held.items()},
        verlauf=expected_verlauf(data, team=team, von=von, bis=bis, stichtag=stichtag),
    )


def expected_verlauf(data: dict[type, list], *, team: str | None, von: date, bis: date,
                     stichtag: date) -> VerlaufCounts:
    """The issue-16 figures, counted record by record as the report counted them before the store did."""
    ids = {c.id for c in data[Client] if team is None or c.team == team}
    talks: dict[str, list[date]] = {}
    for g in data[Folgegespraech]:
        talks.setdefault(g.client_id, []).append(g.datum)
    massnahmen = [m for m in data.get(Massnahme, []) if m.client_id in ids]
    ended = [m for m in massnahmen if von <= (m.ende_tatsaechlich or m.ende_geplant) <= bis
             and (m.ende_tatsaechlich or m.ende_geplant) < stichtag
             or m.ende_tatsaechlich is not None and von <= m.ende_tatsaechlich <= bis]
    starts = [b for b in data.get(Beschaeftigungsaufnahme, []) if b.client_id in ids and von <= b.datum <= bis]
    closed = [p for p in data[Profiling] if p.client_id in ids and p.status == Status.ABGESCHLOSSEN
              and von <= _day(p.closed_at) <= bis]
    return VerlaufCounts(
        massnahmen_begonnen=sum(von <= m.beginn <= bis for m in massnahmen),
        massnahmen_laufend=sum(m.beginn <= stichtag and m.ende_tatsaechlich is None and m.ende_geplant >= stichtag
                               for m in massnahmen),
        massnahmen_beendet=len(ended),
        massnahmen_ohne_folgegespraech=sum(
            not any(d >= (m.ende_tatsaechlich or m.ende_geplant) for d in talks.get(m.client_id, [])) for m in ended),
        ergebnisse=dict(Counter(m.ergebnis for m in ended if m.ergebnis)),
        beschaeftigungen=len(starts),
        ausbildungen=sum(b.ausbildung for b in starts),
        leistungen_weiter=sum(b.leistungen_weiter for b in starts),
        einverstaendnis_erteilt=sum(p.einverstaendnis for p in closed),
        einverstaendnis_verweigert=sum(p.einverstaendnis_verweigert for p in closed),
        einverstaendnis_offen=sum(not p.einverstaendnis and not p.einverstaendnis_verweigert for p in closed),
    )


def expected_due(data: dict[type, list], *, team: str | None, until: date) -> list[DueItem]:
    items = []
    for client in data[Client]:
        if team is not None and client.team != team:
            continue
        talks = [g for g in data[Folgegespraech] if g.client_id == client.id]
        if talks:
            latest = max(talks, key=lambda g: (g.datum, g.created_at, g.id))
            if latest.naechster_termin is not None and latest.naechster_termin <= until:
                items.append(DueItem(latest.naechster_termin, "folgegespraech", client.id))
        egv = _newest_closed([e for e in data[Egv] if e.client_id == client.id])
        if egv is not None and egv.ueberpruefung_am is not None and egv.ueberpruefung_am <= until:
            items.append(DueItem(egv.ueberpruefung_am, "egv", client.id))
    return sorted(items)


def stored(store: Store) -> dict[type, list]:
    return {kind: list(store.export_records(kind))
            for kind in (Client, Profiling, Egv, Folgegespraech, Massnahme, Beschaeftigungsaufnahme)}


FILTERS = [
    (None, date(2025, 11, 1), date(2026, 11, 30)),
    ("Team 2", date(2026, 3, 1), date(2026, 8, 31)),
    ("Team 3", date(2026, 11, 25), date(2026, 11, 25)),
    ("Team 9", date(2025, 1, 1), date(2026, 12, 31)),  # no such team: zeros, not an error
]


@pytest.fixture
def loaded(store: Store) -> dict[type, list]:
    data = generate()
    store.import_all(data, [], [])
    return data


# --- tests -----------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_report_counts_equal_an_independent_count(store: Store, loaded):
    assert sum(1 for p in loaded[Profiling] if p.status == Status.ABGESCHLOSSEN) > 20  # the data set is not trivial
    for team, von, bis in FILTERS:
        got = store.report_counts(team=team, von=von, bis=bis, stichtag=STICHTAG)
        assert got == expected(loaded, team=team, von=von, bis=bis, stichtag=STICHTAG), (team, von, bis)
    whole = store.report_counts(team=None, von=FILTERS[0][1], bis=FILTERS[0][2], stichtag=STICHTAG)
    assert whole.clients == 60 and whole.egv_overdue > 0 and whole.egv_valid > 0 and whole.due_held


@pytest.mark.slow
def test_due_items_equal_an_independent_list(store: Store, loaded):
    for team, until in [(None, STICHTAG + timedelta(days=7)), ("Team 1", STICHTAG), ("Team 2", date(2025, 1, 1))]:
        assert store.due_items(team=team, until=until) == expected_due(loaded, team=team, until=until)
    assert store.due_items(team=None, until=STICHTAG + timedelta(days=7))


@pytest.mark.slow
def test_report_teams_lists_every_team_of_a_client(store: Store, loaded):
    assert store.report_teams() == TEAMS


@pytest.mark.slow
def test_figures_follow_every_change_through_the_store(store: Store, loaded):
    """Add, save, close, discard, a KDN deletion and a new client: the figures still equal the recount."""
    ifk = store.add(make_user(role=Role.IFK, username="anna"), actor=make_user(role=Role.KDN))
    kdn = store.add(make_user(role=Role.KDN, username="kdn"), actor=ifk)
    new_client = store.add(make_client(team="Team 4"), actor=ifk)
    client = loaded[Client][0]
    opened = store.add(make_profiling(client.id, relevant=["wohnsituation"], integrationsprognose="marktfern",
                                      strategien={"wohnsituation": ["wohnsituation_stabilisieren"]}), actor=ifk)
    opened = store.save(opened.model_copy(update={"uebergreifend": ["verfuegbarkeit_ueberpruefen"]}), actor=ifk)
    store.close(Profiling, opened.id, revision=opened.revision, actor=ifk)
    other = store.add(make_profiling(new_client.id, profillage="z"), actor=ifk)
    store.close(Profiling, other.id, revision=other.revision, actor=ifk)
    discard = next(p for p in loaded[Profiling] if p.status == Status.OFFEN)
    store.discard(Profiling, discard.id, revision=discard.revision, actor=ifk)
    gone = next(p for p in loaded[Profiling] if p.status == Status.ABGESCHLOSSEN)
    store.override_delete(Profiling, gone.id, actor=kdn, reason="Datenschutzvorfall")
    egv = store.add(make_egv(new_client.id, other.id, ueberpruefung_am=STICHTAG - timedelta(days=1)), actor=ifk)
    store.close(Egv, egv.id, revision=egv.revision, actor=ifk)
    store.add(make_folgegespraech(client.id, datum=STICHTAG + timedelta(days=400),
                                  naechster_termin=STICHTAG + timedelta(days=401)), actor=ifk)
    moved = store.get(Client, loaded[Client][1].id)
    store.save(moved.model_copy(update={"team": "Team 4"}), actor=ifk)

    now = stored(store)
    today = datetime.now(BERLIN).date()
    for team, von, bis in [*FILTERS, ("Team 4", date(2020, 1, 1), today + timedelta(days=800))]:
        got = store.report_counts(team=team, von=von, bis=bis, stichtag=STICHTAG)
        assert got == expected(now, team=team, von=von, bis=bis, stichtag=STICHTAG), (team, von, bis)
    assert store.report_counts(team="Team 4", von=today, bis=today, stichtag=STICHTAG).egv_overdue == 1
    until = STICHTAG + timedelta(days=500)
    assert store.due_items(team=None, until=until) == expected_due(now, team=None, until=until)
    assert "Team 4" in store.report_teams()


@pytest.mark.slow
def test_tinydb_builds_missing_summaries_from_the_records(tmp_path):
    """A data directory from before the summaries (or with them deleted) gets them built on the first report."""
    from storage.tinydb_store import TinyDBStore

    data = generate(seed=11)
    TinyDBStore(tmp_path).import_all(data, [], [], durable=False)
    for path in [*(tmp_path / "index").glob("summary*"), tmp_path / "index" / "ready.json"]:
        path.unlink()
    fresh = TinyDBStore(tmp_path)
    for team, von, bis in FILTERS:
        got = fresh.report_counts(team=team, von=von, bis=bis, stichtag=STICHTAG)
        assert got == expected(data, team=team, von=von, bis=bis, stichtag=STICHTAG)
    assert (tmp_path / "index" / "ready.json").exists()


def test_an_empty_store_reports_zeros(store: Store):
    counts = store.report_counts(team=None, von=date(2026, 1, 1), bis=date(2026, 12, 31), stichtag=STICHTAG)
    assert counts == ReportCounts(clients=0, with_closed_profiling=0, egv_valid=0, egv_overdue=0)
    assert store.due_items(team=None, until=STICHTAG) == []
    assert store.report_teams() == []
