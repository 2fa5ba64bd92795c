"""The Kundensteuerung report and the Wiedervorlage as services: tables, labels, shares, filters, CSV, due items."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import dates
from errors import InvalidInput
from schemas.records import Egv, Profiling, Role, User
from services.access import SYSTEM
from services.catalogue import ensure_catalogue, get_catalogue
from services.reports import compile_report, list_report_teams, percent
from services.wiedervorlage import list_wiedervorlage
from storage.base import Store
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_egv, make_folgegespraech, make_profiling, make_user

HEUTE = date(2026, 11, 25)


@pytest.fixture
def store(tmp_path) -> Store:
    opened = TinyDBStore(tmp_path / "data")
    ensure_catalogue(opened, actor=SYSTEM)
    return opened


def closed(store: Store, record, actor: User):
    stored = store.add(record, actor=actor)
    return store.close(type(record), stored.id, revision=stored.revision, actor=actor)


def rows(report, key: str) -> list[list[object]]:
    return report.tabelle(key).zeilen


def test_report_tables_carry_catalogue_labels_counts_and_shares(store, ifk, fachaufsicht):
    a = store.add(make_client(team="Team 1", nachname="Adler"), actor=ifk)
    b = store.add(make_client(team="Team 1", nachname="Berg"), actor=ifk)
    store.add(make_client(team="Team 2", nachname="Clausen"), actor=ifk)
    closed(store, make_profiling(a.id, relevant=["wohnsituation"], integrationsprognose="marktnah",
                                 strategien={"wohnsituation": ["wohnsituation_stabilisieren"]},
                                 uebergreifend=["vermittlung_arbeit_ausbildung"], zielberuf="Koch"), ifk)  # fmt: skip
    profiling_b = closed(store, make_profiling(b.id, profillage="i"), ifk)
    closed(store, make_egv(b.id, profiling_b.id, ueberpruefung_am=HEUTE - timedelta(days=1)), ifk)
    store.add(make_profiling(b.id, relevant=["wohnsituation"]), actor=ifk)  # open: not part of the Bestand

    report = compile_report(store, von=HEUTE.replace(day=1), bis=HEUTE, actor=fachaufsicht, stichtag=HEUTE)
    catalogue = get_catalogue(store)
    assert rows(report, "kennzahlen") == [
        ["Kundinnen und Kunden (aktiv)", 3, "100,0 %"],
        ["mit abgeschlossenem Profiling", 2, "66,7 %"],
        ["mit gültiger EGV", 0, "0,0 %"],
        ["mit EGV nach dem Überprüfungsdatum", 1, "33,3 %"],
    ]
    prognose = {(r[0], r[1]): (r[2], r[3]) for r in rows(report, "prognose_profillage")}
    assert prognose[("Integrationsprognose", "marktnah (< 12 Monate)")] == (1, "50,0 %")
    assert prognose[("Integrationsprognose", "keine Integrationsprognose")] == (1, "50,0 %")
    assert prognose[("Profillage", "I – integriert, aber hilfebedürftig")] == (1, "50,0 %")
    bedarfe = rows(report, "handlungsbedarfe")
    assert len(bedarfe) == len(catalogue.bedarfe())  # every Handlungsbedarf, also those never relevant
    assert [r for r in bedarfe if r[2]] == [
        [next(f.label for f, x in catalogue.bedarfe() if x.id == "wohnsituation"), catalogue.label("wohnsituation"),
         1, "50,0 %"]]  # fmt: skip
    strategien = {(r[0], r[1]): r[2] for r in rows(report, "handlungsstrategien")}
    assert strategien[("Übergreifend", catalogue.label("vermittlung_arbeit_ausbildung"))] == 1
    assert strategien[(catalogue.label("wohnsituation"), catalogue.label("wohnsituation_stabilisieren"))] == 1
    assert sum(strategien.values()) == 2
    today = dates.today()  # the profilings were created and closed today: counted in this month
    this_month = compile_report(store, von=today.replace(day=1), bis=today, actor=fachaufsicht, stichtag=HEUTE)
    assert rows(this_month, "team_monat") == [["Team 1", f"{today:%Y-%m}", 3, 2, 0]]


def test_team_filter_counts_only_that_teams_clients(store, ifk, fachaufsicht):
    store.add(make_client(team="Team 1"), actor=ifk)
    store.add(make_client(team="Team 2"), actor=ifk)
    report = compile_report(store, von=HEUTE, bis=HEUTE, team="Team 2", actor=fachaufsicht, stichtag=HEUTE)
    assert rows(report, "kennzahlen")[0][1] == 1
    assert list_report_teams(store, actor=fachaufsicht) == ["Team 1", "Team 2"]


def test_report_contains_no_names_and_no_free_text(store, ifk, fachaufsicht):
    client = store.add(make_client(vorname="Zacharias", nachname="Geheimrat"), actor=ifk)
    profiling = make_profiling(client.id, relevant=["wohnsituation"], zielberuf="Sternekoch",
                               integrationsziel="Arbeit als Sternekoch", integrationsprognose="marktfern",
                               strategien={"wohnsituation": ["wohnsituation_stabilisieren"]})  # fmt: skip
    profiling.handlungsbedarfe["wohnsituation"].bemerkungen = "vertrauliche Bemerkung"
    closed(store, profiling, ifk)
    store.add(make_folgegespraech(client.id, datum=HEUTE, anliegen="privates Anliegen"), actor=ifk)
    report = compile_report(store, von=HEUTE - timedelta(days=30), bis=HEUTE, actor=fachaufsicht, stichtag=HEUTE)
    everything = "\n".join(t.csv() for t in report.tabellen)
    for secret in ("Zacharias", "Geheimrat", client.kundennummer, "Sternekoch", "vertrauliche", "privates"):
        assert secret not in everything


def test_csv_cells_cannot_start_a_formula(store, ifk, fachaufsicht):
    kdn = store.add(make_user(role=Role.KDN, team=""), actor=SYSTEM)
    client = store.add(make_client(team="=HYPERLINK(\"http://x\")"), actor=kdn)
    store.add(make_folgegespraech(client.id, datum=HEUTE), actor=kdn)
    report = compile_report(store, von=HEUTE, bis=HEUTE, actor=fachaufsicht, stichtag=HEUTE)
    csv = report.tabelle("team_monat").csv()
    assert csv.splitlines()[0] == "Team;Monat;Profilings angelegt;Profilings abgeschlossen;Folgegespräche geführt"
    assert csv.splitlines()[1].startswith('"\'=HYPERLINK(""http://x"")";')  # quoted, apostrophe first


def test_ids_the_newest_catalogue_does_not_know_are_shown_not_dropped(store, ifk, fachaufsicht):
    client = store.add(make_client(), actor=ifk)
    closed(store, make_profiling(client.id, relevant=["frueherer_bedarf"], integrationsprognose="marktnah",
                                 strategien={"frueherer_bedarf": ["fruehere_strategie"]}), ifk)  # fmt: skip
    report = compile_report(store, von=HEUTE, bis=HEUTE, actor=fachaufsicht, stichtag=HEUTE)
    assert ["(aus früherer Katalogversion)", "frueherer_bedarf", 1, "100,0 %"] in rows(report, "handlungsbedarfe")
    assert ["(aus früherer Katalogversion)", "fruehere_strategie", 1] in rows(report, "handlungsstrategien")


@pytest.mark.parametrize(
    ("von", "bis", "text"),
    [
        (HEUTE, HEUTE - timedelta(days=1), "„von“ liegt nach „bis“"),
        (HEUTE - timedelta(days=6 * 366), HEUTE, "höchstens fünf Jahren"),
        (None, HEUTE, "vollständig"),
    ],
)
def test_report_refuses_a_bad_period_in_german(store, fachaufsicht, von, bis, text):
    with pytest.raises(InvalidInput) as err:
        compile_report(store, von=von, bis=bis, actor=fachaufsicht)
    assert text in err.value.message


def test_percent_uses_the_german_decimal_comma():
    assert percent(1, 3) == "33,3 %"
    assert percent(0, 0) == "—"


# --- Wiedervorlage ----------------------------------------------------------------------------------------------
def test_wiedervorlage_lists_exactly_the_due_items_most_urgent_first(store, ifk):
    a = store.add(make_client(team="Team 1", nachname="Anton"), actor=ifk)
    b = store.add(make_client(team="Team 1", nachname="Berta"), actor=ifk)
    c = store.add(make_client(team="Team 1", nachname="Caesar"), actor=ifk)
    other = store.add(make_client(team="Team 2", nachname="Dora"), actor=ifk)
    # a: the latest talk's appointment is overdue; an earlier talk's appointment is replaced by it
    store.add(make_folgegespraech(a.id, datum=HEUTE - timedelta(days=60), naechster_termin=HEUTE - timedelta(days=40)),
              actor=ifk)  # fmt: skip
    store.add(make_folgegespraech(a.id, datum=HEUTE - timedelta(days=20), naechster_termin=HEUTE - timedelta(days=2)),
              actor=ifk)  # fmt: skip
    # b: the newest closed EGV is due in 7 days (an older one was due long ago; an open Fortschreibung counts not)
    pb = closed(store, make_profiling(b.id), ifk)
    closed(store, make_egv(b.id, pb.id, ueberpruefung_am=HEUTE - timedelta(days=100)), ifk)
    closed(store, make_egv(b.id, pb.id, fassung=2, ueberpruefung_am=HEUTE + timedelta(days=7)), ifk)
    store.add(make_egv(b.id, pb.id, fassung=3, ueberpruefung_am=HEUTE - timedelta(days=5)), actor=ifk)
    # b: a talk today with its next appointment today
    store.add(make_folgegespraech(b.id, datum=HEUTE, naechster_termin=HEUTE), actor=ifk)
    # c: not yet due (8 days) and a talk without a next appointment
    pc = closed(store, make_profiling(c.id), ifk)
    closed(store, make_egv(c.id, pc.id, ueberpruefung_am=HEUTE + timedelta(days=8)), ifk)
    store.add(make_folgegespraech(c.id, datum=HEUTE - timedelta(days=1)), actor=ifk)
    # another team: not on this IFK's list
    store.add(make_folgegespraech(other.id, datum=HEUTE - timedelta(days=9), naechster_termin=HEUTE - timedelta(days=3)),
              actor=ifk)  # fmt: skip

    items = list_wiedervorlage(store, actor=ifk, heute=HEUTE)
    assert [(i.kunde.split(",")[0], i.art, i.faellig_am, i.ueberfaellig) for i in items] == [
        ("Anton", "Folgegespräch", HEUTE - timedelta(days=2), True),
        ("Berta", "Folgegespräch", HEUTE, False),
        ("Berta", "EGV-Überprüfung", HEUTE + timedelta(days=7), False),
    ]
    assert [i.seite for i in items] == ["folgegespraech", "folgegespraech", "egv"]
    assert items[0].tage == 2

    kdn = store.add(make_user(role=Role.KDN, team=""), actor=SYSTEM)
    assert {i.kunde.split(",")[0] for i in list_wiedervorlage(store, actor=kdn, heute=HEUTE)} == {
        "Anton", "Berta", "Dora"}


def test_wiedervorlage_follows_a_new_talk_and_an_egv_update(store, ifk):
    client = store.add(make_client(team="Team 1"), actor=ifk)
    store.add(make_folgegespraech(client.id, datum=HEUTE - timedelta(days=30), naechster_termin=HEUTE - timedelta(days=1)),
              actor=ifk)  # fmt: skip
    assert len(list_wiedervorlage(store, actor=ifk, heute=HEUTE)) == 1
    store.add(make_folgegespraech(client.id, datum=HEUTE, naechster_termin=HEUTE + timedelta(days=30)), actor=ifk)
    assert list_wiedervorlage(store, actor=ifk, heute=HEUTE) == []
    profiling = closed(store, make_profiling(client.id), ifk)
    egv = closed(store, make_egv(client.id, profiling.id, ueberpruefung_am=HEUTE), ifk)
    assert [i.art for i in list_wiedervorlage(store, actor=ifk, heute=HEUTE)] == ["EGV-Überprüfung"]
    store.override_delete(Egv, egv.id, actor=store.add(make_user(role=Role.KDN), actor=SYSTEM), reason="Datenschutzvorfall")
    assert list_wiedervorlage(store, actor=ifk, heute=HEUTE) == []
    assert store.get(Profiling, profiling.id)


@pytest.mark.parametrize(("heute", "tage", "text"), [
    (date.max, 7, "gültiges Datum"),  # regression: date.max + 7 days raised OverflowError
    (HEUTE, -1, "0 bis 366 Tage"),
    (HEUTE, 10**9, "0 bis 366 Tage"),
    (HEUTE, "7", "0 bis 366 Tage"),
])
def test_wiedervorlage_refuses_a_look_ahead_beyond_the_calendar_in_german(store, ifk, heute, tage, text):
    with pytest.raises(InvalidInput) as err:
        list_wiedervorlage(store, actor=ifk, heute=heute, vorschau_tage=tage)
    assert text in err.value.message
