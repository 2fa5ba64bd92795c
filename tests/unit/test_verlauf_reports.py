"""Issue 16 in the Auskunft and the Kundensteuerung report: measures, job starts, job searches and consent
decisions are included; the report carries counts and catalogue labels only, never free text."""

from __future__ import annotations

import json
from datetime import date, timedelta

from dates import today
from schemas.records import Beschaeftigungsaufnahme, Massnahme, Role
from services import documents as docs
from services.access import SYSTEM
from services.gespraechsvorbereitung import record_stellensuchlauf
from services.profiling import close_profiling, save_profiling
from services.reports import compile_report
from tests.factories import make_user, new_id
from tests.unit.world import complete_profiling

HEUTE = today()


def records(store, client, ifk) -> None:
    store.add(Massnahme(id=new_id(), client_id=client.id, catalogue_version=1, titel="Geheimkurs Lagerlogistik",
                        traeger="Träger Vertraulich", beginn=HEUTE - timedelta(days=100),
                        ende_geplant=HEUTE - timedelta(days=2), ende_tatsaechlich=HEUTE - timedelta(days=2),
                        ergebnis="erfolgreich_abgeschlossen"), actor=ifk)
    store.add(Beschaeftigungsaufnahme(id=new_id(), client_id=client.id, catalogue_version=1, datum=HEUTE,
                                      arbeitgeber="Firma Verschwiegen", wochenstunden=30, leistungen_weiter=True,
                                      strategien=["beschaeftigungsaufnahme_stabilisieren"],
                                      nachhalten_am=HEUTE + timedelta(days=42)), actor=ifk)
    record_stellensuchlauf(store, client.id, suchprofil="Zielberuf: Koch", angebote=7, uebergeben="Hotel Geheim",
                           actor=ifk)
    refused = save_profiling(store, complete_profiling(
        client.id, einverstaendnis=False, einverstaendnis_verweigert=True, einverstaendnis_datum=HEUTE,
        einverstaendnis_notiz="Notiz Intern"), actor=ifk)
    close_profiling(store, refused.id, revision=refused.revision, actor=ifk)
    given = save_profiling(store, complete_profiling(client.id), actor=ifk)
    close_profiling(store, given.id, revision=given.revision, actor=ifk)


def test_auskunft_lists_measures_job_starts_searches_and_the_consent_decision(store, client, ifk, catalogue):
    records(store, client, ifk)

    _, _, _, raw = docs.auskunft(store, client.id, actor=ifk)

    datensaetze = json.loads(raw)["datensaetze"]
    saetze = {d["titel"]: d["felder"] for d in datensaetze}
    massnahme = saetze[f"Maßnahme „Geheimkurs Lagerlogistik“ ab {(HEUTE - timedelta(days=100)):%d.%m.%Y}"]
    assert massnahme["Ergebnis"] == "erfolgreich abgeschlossen" and massnahme["Träger"] == "Träger Vertraulich"
    aufnahme = saetze[f"Beschäftigungsaufnahme vom {HEUTE:%d.%m.%Y}"]
    assert aufnahme["Handlungsstrategien"] == ["Beschäftigungsaufnahme aktiv stabilisieren"]
    assert saetze[f"Stellensuchlauf vom {HEUTE:%d.%m.%Y}"]["Gefundene Angebote"] == 7
    profilings = [d["felder"] for d in datensaetze if d["titel"].startswith("Profiling vom")]
    assert {p["Einverständnis nicht erteilt"] for p in profilings} == {True, False}
    assert "Notiz Intern" in {p["Notiz zum nicht erteilten Einverständnis"] for p in profilings}


def test_report_counts_measures_job_starts_and_consent_decisions_without_free_text(store, client, ifk, catalogue):
    records(store, client, ifk)
    fachaufsicht = store.add(make_user(role=Role.FACHAUFSICHT, team=""), actor=SYSTEM)

    report = compile_report(store, von=HEUTE - timedelta(days=30), bis=HEUTE, actor=fachaufsicht)

    zeilen = dict(map(tuple, report.tabelle("massnahmen-beschaeftigung").zeilen))
    assert zeilen["Maßnahmen beendet"] == 1
    assert zeilen["beendet, ohne Folgegespräch seit dem Ende"] == 1
    assert zeilen["Ergebnis: erfolgreich abgeschlossen"] == 1
    assert (zeilen["Beschäftigungsaufnahmen"], zeilen["davon weiter auf Leistungen angewiesen"]) == (1, 1)
    assert zeilen["Profilings abgeschlossen mit Einverständnis erteilt"] == 1
    assert zeilen["Profilings abgeschlossen mit Einverständnis nicht erteilt"] == 1
    everything = "\n".join(t.csv() for t in report.tabellen)
    for secret in ("Geheimkurs", "Vertraulich", "Verschwiegen", "Hotel Geheim", "Notiz Intern", client.nachname):
        assert secret not in everything


def test_report_period_filters_measures_by_their_end(store, client, ifk, catalogue):
    records(store, client, ifk)
    fachaufsicht = store.add(make_user(role=Role.FACHAUFSICHT, team=""), actor=SYSTEM)

    report = compile_report(store, von=date(2020, 1, 1), bis=date(2020, 12, 31), actor=fachaufsicht)

    zeilen = dict(map(tuple, report.tabelle("massnahmen-beschaeftigung").zeilen))
    assert zeilen["Maßnahmen beendet"] == 0 and zeilen["Beschäftigungsaufnahmen"] == 0
