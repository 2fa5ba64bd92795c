"""Measures and job starts that can be due (Store.verlauf_due) and the issue-16 report figures on both backends:
equal to an independent list over a generated data set, through every change, and after a summary rebuild."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from schemas.records import Beschaeftigungsaufnahme, Client, Folgegespraech, Massnahme, Role
from storage.base import DueItem, Store
from tests.contract.test_reports import FILTERS, STICHTAG, expected, generate, stored
from tests.factories import make_client, make_folgegespraech, make_user


def expected_verlauf_due(data: dict[type, list], *, team: str | None, heute: date, massnahme_bis: date,
                         vorschau_tage: int) -> list[DueItem]:
    """Record by record, as the Wiedervorlage decided before the store did."""
    ids = {c.id for c in data[Client] if team is None or c.team == team}
    talks: dict[str, list[date]] = {}
    for g in data[Folgegespraech]:
        talks.setdefault(g.client_id, []).append(g.datum)
    items = []
    for m in data[Massnahme]:
        if m.client_id not in ids:
            continue
        ende = m.ende_tatsaechlich or m.ende_geplant
        if m.ende_tatsaechlich is None and m.ende_geplant >= heute:
            if m.ende_geplant <= massnahme_bis:
                items.append(DueItem(m.ende_geplant, "massnahme_endet", m.client_id, m.catalogue_version))
        elif not any(d >= ende for d in talks.get(m.client_id, [])):
            items.append(DueItem(ende, "nach_massnahme", m.client_id, m.catalogue_version))
    for b in data[Beschaeftigungsaufnahme]:
        if b.client_id not in ids or b.nachhalten_am is None or b.nachhalten_am > heute + timedelta(days=vorschau_tage):
            continue
        since = b.nachhalten_am - timedelta(days=vorschau_tage)
        if not any(d >= since for d in talks.get(b.client_id, [])):
            items.append(DueItem(b.nachhalten_am, "nachhalten", b.client_id, b.catalogue_version))
    return sorted(items)


CASES = [  # team, heute, look-ahead for measures (days), look-ahead (days)
    (None, STICHTAG, 28, 7),
    ("Team 1", STICHTAG, 0, 0),
    ("Team 2", STICHTAG - timedelta(days=200), 120, 30),
    ("Team 9", STICHTAG, 28, 7),  # no such team: nothing, not an error
]


@pytest.fixture
def loaded(store: Store) -> dict[type, list]:
    data = generate()
    store.import_all(data, [], [])
    return data


def _check(store: Store, data: dict[type, list]) -> None:
    for team, heute, vorschau_massnahmen, tage in CASES:
        bis = heute + timedelta(days=vorschau_massnahmen)
        got = store.verlauf_due(team=team, heute=heute, massnahme_bis=bis, vorschau_tage=tage)
        want = expected_verlauf_due(data, team=team, heute=heute, massnahme_bis=bis, vorschau_tage=tage)
        assert got == want, (team, heute)
        assert [i.catalogue_version for i in got] == [i.catalogue_version for i in want]
    for team, von, bis in FILTERS:
        got = store.report_counts(team=team, von=von, bis=bis, stichtag=STICHTAG)
        assert got == expected(data, team=team, von=von, bis=bis, stichtag=STICHTAG), (team, von, bis)


@pytest.mark.slow
def test_verlauf_due_and_figures_equal_an_independent_count(store: Store, loaded):
    whole = store.verlauf_due(team=None, heute=STICHTAG, massnahme_bis=STICHTAG + timedelta(days=28), vorschau_tage=7)
    assert {i.kind for i in whole} == {"massnahme_endet", "nach_massnahme", "nachhalten"}  # not trivial
    counts = store.report_counts(team=None, von=date(2025, 11, 1), bis=date(2026, 11, 30), stichtag=STICHTAG).verlauf
    assert counts.massnahmen_beendet and counts.massnahmen_ohne_folgegespraech and counts.ergebnisse
    assert counts.einverstaendnis_erteilt and counts.einverstaendnis_verweigert and counts.einverstaendnis_offen
    assert counts.beschaeftigungen and counts.ausbildungen and counts.leistungen_weiter
    _check(store, loaded)


@pytest.mark.slow
def test_verlauf_due_and_figures_follow_every_change_through_the_store(store: Store, loaded):
    """A new measure, its actual end, a talk after it, a job start, a measure of a moved client: still the recount."""
    ifk = store.add(make_user(role=Role.IFK, username="anna"), actor=make_user(role=Role.KDN))
    client = loaded[Client][0]
    running = store.add(Massnahme(id="m-neu", client_id=client.id, catalogue_version=1, titel="Coaching",
                                  beginn=STICHTAG - timedelta(days=30), ende_geplant=STICHTAG + timedelta(days=10)),
                        actor=ifk)
    _check(store, stored(store))
    assert DueItem(running.ende_geplant, "massnahme_endet", client.id, 1) in store.verlauf_due(
        team=client.team, heute=STICHTAG, massnahme_bis=STICHTAG + timedelta(days=28), vorschau_tage=7)
    ended = store.save(running.model_copy(update={"ende_tatsaechlich": STICHTAG - timedelta(days=1),
                                                  "ergebnis": "abbruch_sonstiges"}), actor=ifk)
    _check(store, stored(store))
    due = store.verlauf_due(team=client.team, heute=STICHTAG, massnahme_bis=STICHTAG, vorschau_tage=7)
    assert DueItem(ended.ende_tatsaechlich, "nach_massnahme", client.id, 1) in due
    store.add(make_folgegespraech(client.id, datum=STICHTAG + timedelta(days=300)), actor=ifk)
    new_client = store.add(make_client(team="Team 4"), actor=ifk)
    store.add(Beschaeftigungsaufnahme(id="b-neu", client_id=new_client.id, catalogue_version=1, datum=STICHTAG,
                                      arbeitgeber="Bäckerei", wochenstunden=20, leistungen_weiter=True,
                                      nachhalten_am=STICHTAG + timedelta(days=3)), actor=ifk)
    moved = store.get(Client, loaded[Client][1].id)
    store.save(moved.model_copy(update={"team": "Team 4"}), actor=ifk)
    now = stored(store)
    _check(store, now)
    team4 = store.verlauf_due(team="Team 4", heute=STICHTAG, massnahme_bis=STICHTAG, vorschau_tage=7)
    assert team4 == expected_verlauf_due(now, team="Team 4", heute=STICHTAG, massnahme_bis=STICHTAG, vorschau_tage=7)
    assert DueItem(STICHTAG + timedelta(days=3), "nachhalten", new_client.id, 1) in team4


@pytest.mark.slow
def test_tinydb_rebuilds_summaries_of_an_older_format_with_the_new_figures(tmp_path):
    """A data directory whose summaries predate measures and job starts (format 2) is rebuilt once when opened."""
    from storage.tinydb_store import TinyDBStore

    data = generate(seed=11)
    TinyDBStore(tmp_path).import_all(data, [], [], durable=False)
    index = tmp_path / "index"
    for path in index.glob("summary-*.json"):  # as format 2 wrote them: no measures, job starts or consent
        old = {cid: {k: v for k, v in s.items() if k not in ("m", "b")} | {"p": [p[:2] for p in s["p"]]}
               for cid, s in json.loads(path.read_text()).items()}
        path.write_text(json.dumps(old))
    (index / "ready.json").write_bytes(b'{"format":2}')

    fresh = TinyDBStore(tmp_path)
    assert json.loads((index / "ready.json").read_text()) == {"format": 3}
    _check(fresh, data)
