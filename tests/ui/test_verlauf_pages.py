"""Issue 16 on the pages: consent decision and Ziel in the checklist, the four Folgegespräch activities,
Maßnahmen, Beschäftigungsaufnahme and the Gesprächsvorbereitung."""

from __future__ import annotations

from datetime import date, timedelta

from streamlit.testing.v1 import AppTest

from pages import widgets as w
from schemas.records import (
    Beschaeftigungsaufnahme,
    Client,
    Folgegespraech,
    Massnahme,
    Profiling,
    Stellensuchlauf,
    User,
)
from services.profiling import save_profiling, start_profiling
from storage.base import Store
from tests.factories import make_client
from tests.ui.test_case_pages import open_section
from tests.ui.test_downloads import ZIEL, click, ok, open_case

FOLGE = "pages/folgegespraech.py"
STRATEGIEN = "pages/strategien.py"


def texts(at: AppTest) -> str:
    parts = [*(e.value for e in at.markdown), *(e.value for e in at.caption), *(e.value for e in at.success),
             *(e.value for e in at.info), *(e.value for e in at.warning), *(e.value for e in at.error),
             *(e.value for e in at.subheader), *(e.value for e in at.code)]
    return "\n".join(str(p) for p in parts)


def open_profiling_without_phase_2(store: Store, caseworker: User) -> tuple[Client, Profiling]:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    started = start_profiling(store, client.id, actor=caseworker)
    profiling = save_profiling(store, started.model_copy(update={"zielberuf": "Koch",
                                                                 "integrationsprognose": "marktnah"}),
                               actor=caseworker)
    return client, profiling


def test_ziel_page_lists_ziel_and_consent_as_missing_then_records_a_refusal_with_note(
        app: AppTest, store: Store, caseworker: User) -> None:
    client, profiling = open_profiling_without_phase_2(store, caseworker)
    at = open_case(app, client, profiling)
    ok(at.switch_page(ZIEL).run())
    assert f"{w.TODO} Integrationsziel festgelegt" in texts(at)
    assert f"{w.TODO} Einverständnis vermerkt (erteilt oder nicht erteilt)" in texts(at)

    at.text_area(key=f"0-{profiling.id}-ziel-integrationsziel").input("Arbeit als Koch")
    at.checkbox(key=f"{profiling.id}-einverstaendnis-verweigert").check()
    ok(at.run())
    at.text_area(key=f"{profiling.id}-einverstaendnis-notiz").input("Lehnt ab; Folgen erläutert.")
    ok(at.run())
    assert f"{w.DONE} Integrationsziel festgelegt" in texts(at)
    assert f"{w.DONE} Einverständnis vermerkt (erteilt oder nicht erteilt)" in texts(at)
    click(at, "Speichern")
    click(at, "Abschließen")

    stored = store.get(Profiling, profiling.id)
    assert stored.status == "abgeschlossen"
    assert stored.einverstaendnis_verweigert and stored.einverstaendnis_notiz == "Lehnt ab; Folgen erläutert."
    assert stored.einverstaendnis_datum is not None


def test_closing_without_consent_shows_what_is_missing_and_keeps_the_input(
        app: AppTest, store: Store, caseworker: User) -> None:
    client, profiling = open_profiling_without_phase_2(store, caseworker)
    at = open_case(app, client, profiling)
    ok(at.switch_page(ZIEL).run())
    at.text_area(key=f"0-{profiling.id}-ziel-integrationsziel").input("Arbeit als Koch")
    ok(at.run())
    click(at, "Speichern")
    next(b for b in at.button if b.label == "Abschließen").click().run()

    assert not at.exception
    assert any("Einverständnis der Kundin / des Kunden ist nicht vermerkt" in e.value for e in at.error)
    assert store.get(Profiling, profiling.id).integrationsziel == "Arbeit als Koch"


def open_client(at: AppTest, client: Client, page: str) -> AppTest:
    ok(at.switch_page("pages/kunden.py").run())
    ok(at.button(key=f"waehle-{client.id}").click().run())
    return ok(at.switch_page(page).run())


def test_folgegespraech_checklist_names_missing_activities_and_an_incomplete_talk_is_saved_offen(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_client(app, client, FOLGE)
    gespraech_id = next(iter(at.session_state["folge_draft"].values())).id
    at.checkbox(key=f"{gespraech_id}-egv_abgleich-erledigt").check()
    at.text_input(key=f"{gespraech_id}-egv_abgleich-notiz").input("Stand wie vereinbart")
    at.checkbox(key=f"{gespraech_id}-bewerbungsaktivitaeten-entfaellt").check()
    ok(at.run())
    assert "1 von 4 Aktivitäten dokumentiert" in texts(at)
    assert f"{w.TODO} „Besprechung von Bewerbungsaktivitäten“: Grund für „entfällt“ fehlt" in texts(at)
    assert (f"{w.TODO} „Vereinbarung nächster Schritte“: weder dokumentiert noch als „entfällt“ markiert"
            in texts(at))

    click(at, "Folgegespräch speichern")

    assert any("gespeichert, aber noch offen" in m.value for m in at.warning)
    (talk,) = store.list_for_client(Folgegespraech, client.id)
    assert talk.aktivitaeten["egv_abgleich"].notiz == "Stand wie vereinbart"
    assert talk.aktivitaeten["bewerbungsaktivitaeten"].entfaellt
    assert "(offen)" in texts(at)


def test_strategien_page_asks_for_alternativberuf_and_dienst_when_health_restrictions_are_relevant(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    started = start_profiling(store, client.id, actor=caseworker)
    started.handlungsbedarfe["gesundheitliche_einschraenkungen"].relevant = True
    profiling = save_profiling(store, started.model_copy(update={
        "zielberuf": "Dachdecker", "integrationsprognose": "marktfern", "integrationsziel": "Arbeit im Büro",
        "einverstaendnis": True, "strategien": {"gesundheitliche_einschraenkungen": ["leistungsfaehigkeit_feststellen"]},
    }), actor=caseworker)
    at = open_case(app, client, profiling)
    ok(at.switch_page(STRATEGIEN).run())
    assert f"{w.TODO} Berufliche Alternative (Alternativberuf) erarbeitet" in texts(at)

    at.text_input(key=f"{profiling.id}-neu-alternativberuf").input("Kaufmann für Büromanagement")
    at.checkbox(key=f"{profiling.id}-neu-dienst").check()
    ok(at.run())
    assert f"{w.DONE} Berufliche Alternative (Alternativberuf) erarbeitet" in texts(at)
    assert (f"{w.DONE} Ärztlicher/psychologischer Dienst: eingeschaltet (Datum) oder nicht erforderlich "
            "(Begründung)") in texts(at)
    click(at, "Speichern")

    stored = store.get(Profiling, profiling.id).neuorientierung
    assert stored.alternativberuf == "Kaufmann für Büromanagement"
    assert stored.dienst_eingeschaltet and stored.dienst_datum is not None


VERLAUF = "pages/verlauf.py"


def test_verlauf_page_records_a_measure_refuses_an_end_before_the_start_at_its_field_and_keeps_the_input(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_client(app, client, VERLAUF)
    new_id = at.session_state["verlauf_new"][client.id]["massnahme"].id
    assert not at.text_input  # the forms are in closed sections: built when opened
    open_section(at, f"offen-{new_id}")
    at.text_input(key=f"{new_id}-titel").input("Umschulung Fachkraft Lagerlogistik")
    at.text_input(key=f"{new_id}-traeger").input("Bildungswerk Nord")
    at.date_input(key=f"{new_id}-beginn").set_value(date(2026, 3, 1))
    at.date_input(key=f"{new_id}-ende-geplant").set_value(date(2026, 2, 1))
    at.button(key=f"{new_id}-save").click().run()

    assert not at.exception
    assert "Das geplante Ende liegt vor dem Beginn der Maßnahme." in [e.value for e in at.error]
    assert at.text_input(key=f"{new_id}-titel").value == "Umschulung Fachkraft Lagerlogistik"
    assert store.list_for_client(Massnahme, client.id) == []

    at.date_input(key=f"{new_id}-ende-geplant").set_value(date(2027, 2, 1))
    ok(at.button(key=f"{new_id}-save").click().run())

    (stored,) = store.list_for_client(Massnahme, client.id)
    assert (stored.titel, stored.traeger, stored.ende_geplant) == (
        "Umschulung Fachkraft Lagerlogistik", "Bildungswerk Nord", date(2027, 2, 1))
    assert any("gespeichert" in s.value for s in at.success)


def test_verlauf_page_records_a_job_start_with_the_suggested_strategies(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    at = open_client(app, client, VERLAUF)
    new_id = at.session_state["verlauf_new"][client.id]["aufnahme"].id
    open_section(at, f"offen-{new_id}")
    assert at.multiselect(key=f"{new_id}-strategien-ohne").value == ["beschaeftigungsaufnahme_stabilisieren"]
    at.text_input(key=f"{new_id}-arbeitgeber").input("Logistik Nord GmbH")
    at.number_input(key=f"{new_id}-stunden").set_value(30)
    at.checkbox(key=f"{new_id}-weiter").check()
    ok(at.run())
    assert at.multiselect(key=f"{new_id}-strategien-leistungen").value == [
        "beschaeftigungsaufnahme_stabilisieren", "hilfebeduerftigkeit_beschaeftigte"]
    ok(at.button(key=f"{new_id}-save").click().run())

    (stored,) = store.list_for_client(Beschaeftigungsaufnahme, client.id)
    assert stored.arbeitgeber == "Logistik Nord GmbH" and stored.leistungen_weiter
    assert stored.nachhalten_am == stored.datum + timedelta(days=42)
    assert stored.strategien == ["beschaeftigungsaufnahme_stabilisieren", "hilfebeduerftigkeit_beschaeftigte"]
    assert "Logistik Nord GmbH" in texts(at)


def closed_profiling_with(store: Store, caseworker: User, client: Client, uebergreifend: list[str]) -> Profiling:
    from services.profiling import close_profiling

    started = start_profiling(store, client.id, actor=caseworker)
    saved = save_profiling(store, started.model_copy(update={
        "zielberuf": "Fachkraft Lagerlogistik", "kompetenzen": ["Staplerschein", "Teamarbeit"],
        "integrationsprognose": "marktnah", "integrationsziel": "Arbeit im Lager", "einverstaendnis": True,
        "uebergreifend": uebergreifend}), actor=caseworker)
    return close_profiling(store, saved.id, revision=saved.revision, actor=caseworker)


def test_folgegespraech_offers_the_search_profile_and_records_a_stellensuchlauf_for_placement_clients(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    closed_profiling_with(store, caseworker, client, ["vermittlung_arbeit_ausbildung"])
    at = open_client(app, client, FOLGE)
    assert "Zielberuf: Fachkraft Lagerlogistik · Kompetenzen: Staplerschein, Teamarbeit" in [c.value for c in at.code]
    assert "Suchprofil als CSV" in [b.label for b in at.get("download_button")]
    assert "**Letzter dokumentierter Stellensuchlauf:** —" in texts(at)

    at.number_input(key="folge-suchlauf-angebote").set_value(12)
    at.text_area(key="folge-suchlauf-uebergeben").input("Logistik Nord, Lager Süd")
    ok(at.button(key="folge-suchlauf-save").click().run())

    (lauf,) = store.list_for_client(Stellensuchlauf, client.id)
    assert (lauf.angebote, lauf.uebergeben) == (12, "Logistik Nord, Lager Süd")
    assert f"**Letzter dokumentierter Stellensuchlauf:** {w.fmt_date(lauf.datum)}" in texts(at)


def test_folgegespraech_has_no_preparation_block_without_the_placement_strategy(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    closed_profiling_with(store, caseworker, client, [])
    at = open_client(app, client, FOLGE)

    assert "Suchprofil als CSV" not in [b.label for b in at.get("download_button")]


def test_client_page_shows_measures_and_job_starts_in_the_history(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    store.add(Massnahme(id="m1", client_id=client.id, catalogue_version=1, titel="Umschulung *Lager*",
                        beginn=date(2026, 1, 5), ende_geplant=date(2027, 1, 4)), actor=caseworker)
    at = open_client(app, client, "pages/kunden.py")

    assert "- Maßnahme Umschulung \\*Lager\\*: 05.01.2026 – 04.01.2027" in texts(at)
    assert "Maßnahmen und Beschäftigung öffnen" in [link.label for link in at.get("page_link")]


def test_start_page_wiedervorlage_lists_a_measure_ending_soon_and_opens_its_page(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    store.add(Massnahme(id="m2", client_id=client.id, catalogue_version=1, titel="Umschulung",
                        beginn=date(2026, 1, 5), ende_geplant=w.today() + timedelta(days=10)), actor=caseworker)
    ok(app.switch_page("pages/start.py").run())
    assert "Maßnahme endet" in texts(app)

    ok(next(b for b in app.button if b.key.startswith("wv-0-")).click().run())
    ok(app.switch_page(VERLAUF).run())
    assert "Umschulung" in [e.label.split(" (")[0] for e in app.expander]


def test_verlauf_page_records_the_actual_end_and_outcome_of_a_stored_measure(
        app: AppTest, store: Store, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    store.add(Massnahme(id="m3", client_id=client.id, catalogue_version=1, titel="Umschulung",
                        beginn=date(2026, 1, 5), ende_geplant=date(2026, 10, 30)), actor=caseworker)
    at = open_section(open_client(app, client, VERLAUF), "offen-m3")
    at.date_input(key="m3-ende").set_value(date(2026, 10, 23))
    at.selectbox(key="m3-ergebnis").select("erfolgreich_abgeschlossen")
    ok(at.button(key="m3-save").click().run())

    stored = store.get(Massnahme, "m3")
    assert (stored.ende_tatsaechlich, stored.ergebnis, stored.revision) == (
        date(2026, 10, 23), "erfolgreich_abgeschlossen", 2)
