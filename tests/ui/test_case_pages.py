"""The case pages driven through AppTest: one client through all four phases, drafts, read-only closed records."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from pages import widgets as w
from schemas.records import Egv, Folgegespraech, Profiling, Role, Status
from services.dates import today
from storage.base import Store
from tests.factories import make_user

KUNDEN = "pages/kunden.py"
PROFILING = "pages/profiling.py"
ZIEL = "pages/ziel.py"
STRATEGIEN = "pages/strategien.py"
EGV = "pages/egv.py"
FOLGE = "pages/folgegespraech.py"


# --- helpers: find things by what the caseworker sees ------------------------------------------


def texts(at: AppTest) -> str:
    """Everything readable on the page, for assertions on shown messages and labels."""
    parts = [*(e.value for e in at.title), *(e.value for e in at.markdown), *(e.value for e in at.caption),
             *(e.value for e in at.success), *(e.value for e in at.info), *(e.value for e in at.warning),
             *(e.value for e in at.error), *(e.value for e in at.subheader), *(e.value for e in at.code)]
    return "\n".join(str(p) for p in parts)


def ok(at: AppTest) -> AppTest:
    """The run ended without an exception and without an error message."""
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button „{label}“ among {[b.label for b in at.button]}"
    return matches[0]


def form_key(at: AppTest, suffix: str) -> str:
    """The key of a streamlit-pydantic widget of the current profiling: '0-<id>-<suffix>'."""
    return f"0-{at.session_state['profiling_id']}-{suffix}"


def create_client(at: AppTest, kundennummer: str = "123D000001") -> AppTest:
    at.switch_page(KUNDEN).run()
    at.text_input(key="neu-kundennummer").input(kundennummer)
    at.text_input(key="neu-vorname").input("Maria")
    at.text_input(key="neu-nachname").input("Muster")
    at.date_input(key="neu-geburtsdatum").set_value(date(1985, 5, 17))
    return ok(button(at, "Anlegen").click().run())


def fill_profiling(at: AppTest) -> AppTest:
    """Phase 1: Zielberuf + Kompetenzen, Berufliche Qualifikation relevant, marktnah."""
    at.switch_page(PROFILING).run()
    ok(at)
    at.text_input(key=form_key(at, "basisprofil-zielberuf")).input("Fachkraft Lagerlogistik")
    at.text_area(key=form_key(at, "basisprofil-kompetenzen")).input("Staplerschein\nTeamarbeit")
    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation.relevant")).check()
    at.text_area(key=form_key(at, "qualifikation-berufliche_qualifikation.bemerkungen")).input(
        "Kein anerkannter Berufsabschluss")
    at.selectbox(key=form_key(at, "einschaetzung-integrationsprognose")).select("marktnah (< 12 Monate)")
    return ok(at.run())


# --- tests ------------------------------------------------------------------------------------


def test_start_page_greets_and_suggests_client_search(app: AppTest) -> None:
    ok(app.run())
    assert "Guten Tag" in app.title[0].value
    assert any(link.label == "Kundin / Kunden suchen" for link in app.get("page_link"))


def test_one_client_through_all_four_phases(app: AppTest, store: Store) -> None:
    at = create_client(app)
    assert "angelegt und ausgewählt" in texts(at)
    assert "neuer Eintrag …" in texts(at)

    fill_profiling(at)
    assert "Ungespeicherte Änderungen" in texts(at)
    assert f"{w.TODO} Handlungsstrategie für „Berufliche Qualifikation“ gewählt" in texts(at)
    ok(button(at, "Speichern").click().run())
    assert "Profiling gespeichert" in texts(at)
    assert "Ungespeicherte Änderungen" not in texts(at)
    assert ":orange-badge[:material/edit: offen]" in texts(at)
    profiling_id = at.session_state["profiling_id"]
    stored = store.get(Profiling, profiling_id)
    assert stored.zielberuf == "Fachkraft Lagerlogistik"
    assert stored.kompetenzen == ["Staplerschein", "Teamarbeit"]
    assert stored.handlungsbedarfe["berufliche_qualifikation"].relevant
    assert stored.integrationsprognose == "marktnah"

    # Phase 2: goal and consent
    ok(at.switch_page(ZIEL).run())
    at.text_area(key=form_key(at, "ziel-integrationsziel")).input("Festanstellung als Fachkraft Lagerlogistik")
    at.checkbox(key=f"{profiling_id}-einverstaendnis").check()
    ok(at.run())
    assert at.date_input(key=f"{profiling_id}-einverstaendnis-datum").value is not None

    # Phase 3: strategies; the priority hint shows while Vermittlung is not chosen for a marktnah client
    ok(at.switch_page(STRATEGIEN).run())
    assert "Vorrang hat die Vermittlung in Arbeit" in texts(at)
    at.multiselect(key=form_key(at, "strategien-berufliche_qualifikation-berufliche_qualifikation")).select(
        "Berufsabschluss erwerben")
    at.multiselect(key=form_key(at, "uebergreifend-strategien")).select("Vermittlung in Arbeit/ Ausbildung 1. AMA")
    ok(at.run())
    assert "Vorrang hat die Vermittlung in Arbeit" not in texts(at)
    assert "Wird dafür eine Förderleistung eingesetzt" in texts(at)
    at.checkbox(key=f"{profiling_id}-foerderung").check()
    ok(at.run())
    at.text_input(key=form_key(at, "foerdercheck-massnahme")).input("Umschulung Fachkraft Lagerlogistik")
    at.checkbox(key=form_key(at, "foerdercheck-passgenau")).check()
    ok(at.run())
    assert f"{w.DONE} Handlungsstrategie für „Berufliche Qualifikation“ gewählt" in texts(at)
    ok(button(at, "Speichern").click().run())
    stored = store.get(Profiling, profiling_id)
    assert stored.integrationsziel == "Festanstellung als Fachkraft Lagerlogistik"
    assert stored.einverstaendnis and stored.einverstaendnis_datum is not None
    assert stored.strategien == {"berufliche_qualifikation": ["berufsabschluss_erwerben"]}
    assert stored.uebergreifend == ["vermittlung_arbeit_ausbildung"]
    assert stored.foerderung_geplant and stored.foerder_check.passgenau

    # Phase 4: EGV prefilled from the strategies, edited, saved and agreed
    ok(at.switch_page(EGV).run())
    assert "- Berufsabschluss erwerben" in texts(at)
    teilschritte = next(t for t in at.text_area if t.label == "Teilschritte und Zwischenziele")
    assert "- Berufsabschluss erwerben: " in teilschritte.value
    teilschritte.input(teilschritte.value + "Anmeldung zur Umschulung bis 31.01.")
    next(t for t in at.text_area if t.label == "Leistungen des Jobcenters").input("Bildungsgutschein")
    ok(at.run())
    assert "Ungespeicherte Änderungen" in texts(at)
    ok(button(at, "EGV speichern").click().run())
    assert "EGV gespeichert" in texts(at)
    ok(button(at, "EGV abschließen (vereinbart)").click().run())
    assert "EGV abgeschlossen" in texts(at)
    (egv,) = store.list_for_client(Egv, stored.client_id)
    assert egv.status == Status.ABGESCHLOSSEN and egv.leistungen_jobcenter == "Bildungsgutschein"
    assert "Anmeldung zur Umschulung" in egv.teilschritte

    # Fortschreibung: a new open Fassung, the agreed one stays readable
    ok(button(at, "Fortschreibung anlegen").click().run())
    assert "Fassung 2 angelegt" in texts(at)
    assert "Weitere Fassungen (1)" in [e.label for e in at.expander]

    # Close the profiling, then clone it
    ok(at.switch_page(PROFILING).run())
    ok(button(at, "Abschließen").click().run())
    assert "Profiling abgeschlossen" in texts(at)
    assert ":green-badge[:material/lock: abgeschlossen]" in texts(at)
    assert store.get(Profiling, profiling_id).status == Status.ABGESCHLOSSEN
    ok(button(at, "Klonen").click().run())
    assert "Kopie angelegt" in texts(at)
    clone_id = at.session_state["profiling_id"]
    assert clone_id != profiling_id
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"

    # Folgegespräch: activities, next appointment, Beratungsvermerk, clone as the suggested next step
    ok(at.switch_page(FOLGE).run())
    gespraech_id = next(iter(at.session_state["folge_draft"].values())).id
    at.checkbox(key=f"{gespraech_id}-egv_abgleich-erledigt").check()
    at.text_input(key=f"{gespraech_id}-egv_abgleich-notiz").input("Anmeldung erfolgt")
    termin = today() + timedelta(days=28)
    at.date_input(key=f"{gespraech_id}-naechster-termin").set_value(termin)
    ok(at.run())
    ok(button(at, "Folgegespräch speichern").click().run())
    assert "Folgegespräch vom" in texts(at) and "gespeichert" in texts(at)
    (talk,) = store.list_for_client(Folgegespraech, stored.client_id)
    assert talk.aktivitaeten["egv_abgleich"].erledigt and talk.naechster_termin == termin
    assert "Standortbestimmung, siehe Profiling vom" in texts(at)
    ok(button(at, "Profiling klonen und aktualisieren").click().run())
    assert "Neues Profiling als Kopie angelegt" in texts(at)
    assert len(store.list_for_client(Profiling, stored.client_id)) == 3


def test_entries_survive_switching_between_phase_pages(app: AppTest) -> None:
    at = create_client(app)
    fill_profiling(at)
    ok(at.switch_page(ZIEL).run())
    at.text_area(key=form_key(at, "ziel-integrationsziel")).input("Arbeit im Lager")
    ok(at.run())
    for page in (KUNDEN, STRATEGIEN, EGV, FOLGE, PROFILING):
        ok(at.switch_page(page).run())
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"
    assert at.text_area(key=form_key(at, "basisprofil-kompetenzen")).value == "Staplerschein\nTeamarbeit"
    assert at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation.relevant")).value is True
    assert at.selectbox(key=form_key(at, "einschaetzung-integrationsprognose")).value == "marktnah (< 12 Monate)"
    assert "Ungespeicherte Änderungen" in texts(at)
    ok(at.switch_page(ZIEL).run())
    assert at.text_area(key=form_key(at, "ziel-integrationsziel")).value == "Arbeit im Lager"


def test_unsaved_new_profiling_is_kept_when_another_client_is_chosen(app: AppTest) -> None:
    at = create_client(app, "111A")
    fill_profiling(at)
    first = at.session_state["profiling_id"]
    create_client(at, "222B")
    ok(at.switch_page(PROFILING).run())
    assert at.session_state["profiling_id"] != first
    ok(at.switch_page(KUNDEN).run())
    at.text_input(key="kunden-suche").input("111A")
    ok(button(at, "Auswählen").click().run())
    ok(at.switch_page(PROFILING).run())
    assert at.session_state["profiling_id"] == first
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"


def test_closing_an_incomplete_profiling_lists_what_is_missing(app: AppTest, store: Store) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    at.checkbox(key=form_key(at, "rahmenbedingungen-wohnsituation.relevant")).check()
    ok(at.run())
    assert f"{w.TODO} Zielberuf angegeben" in texts(at)
    assert f"{w.TODO} Handlungsstrategie für „Wohnsituation“ gewählt" in texts(at)
    button(at, "Abschließen").click().run()
    assert not at.exception
    message = "\n".join(e.value for e in at.error)
    assert "kann noch nicht abgeschlossen werden" in message
    assert "Zielberuf fehlt" in message
    assert "Für den relevanten Handlungsbedarf „Wohnsituation“ ist noch keine Handlungsstrategie gewählt" in message
    assert "Integrationsprognose oder Profillage (Z/I) fehlt" in message
    assert store.get(Profiling, at.session_state["profiling_id"]).status == Status.OFFEN


def test_closed_profiling_is_read_only_with_its_own_catalogue_version(app: AppTest, store: Store,
                                                                     caseworker) -> None:
    from schemas.catalogue import SHIPPED_CATALOGUE
    from schemas.records import Role
    from services.catalogue import publish_catalogue
    from tests.factories import make_client, make_profiling, make_user

    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = store.add(make_profiling(client.id, relevant=["berufliche_qualifikation"],
                                         zielberuf="Koch", integrationsprognose="marktnah",
                                         strategien={"berufliche_qualifikation": ["berufsabschluss_erwerben"]}),
                          actor=caseworker)
    store.close(Profiling, profiling.id, revision=profiling.revision, actor=caseworker)
    renamed = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "label: Berufliche Qualifikation\n", "label: Berufliche Qualifikation (umbenannt)\n")
    publish_catalogue(store, renamed, note="Umbenennung", actor=make_user(role=Role.TRAINER))

    at = app
    ok(at.switch_page(KUNDEN).run())
    ok(button(at, "Auswählen").click().run())
    ok(button(at, "Ansehen").click().run())
    assert at.session_state["profiling_id"] == profiling.id
    assert ":green-badge[:material/lock: abgeschlossen]" in texts(at)
    assert "Abgeschlossen – nur zur Information (Katalogversion 1)" in texts(at)
    assert "- Berufliche Qualifikation – relevant" in texts(at)
    assert "umbenannt" not in texts(at)
    assert not at.text_input and not at.text_area and not at.checkbox
    labels = [b.label for b in at.button]
    assert "Klonen" in labels and "Speichern" not in labels and "Verwerfen" not in labels
    for page in (ZIEL, STRATEGIEN):
        ok(at.switch_page(page).run())
        assert not at.text_area and not at.multiselect and not at.checkbox
        assert "Speichern" not in [b.label for b in at.button]
    assert "- Berufsabschluss erwerben" in texts(at)

    # A clone takes the newest catalogue version and is open again
    ok(button(at, "Klonen").click().run())
    assert ":orange-badge[:material/edit: offen]" in texts(at)
    assert "Berufliche Qualifikation (umbenannt)" in [t.label for t in at.tabs] or \
        "Berufliche Qualifikation (umbenannt)" in texts(at)


def test_discard_asks_for_confirmation_then_deletes(app: AppTest, store: Store) -> None:
    at = create_client(app)
    fill_profiling(at)
    ok(button(at, "Speichern").click().run())
    profiling_id = at.session_state["profiling_id"]
    ok(button(at, "Verwerfen").click().run())
    assert "Das ganze Profiling wird gelöscht" in texts(at)
    ok(button(at, "Abbrechen").click().run())
    assert store.list_for_client(Profiling, store.get(Profiling, profiling_id).client_id)
    ok(button(at, "Verwerfen").click().run())
    ok(button(at, "Ja, verwerfen").click().run())
    assert "Profiling verworfen." in texts(at)
    assert at.title[0].value == "Kundinnen und Kunden"
    assert [e for e in texts(at).splitlines() if e.endswith("offen")] == []


def test_bad_client_input_is_shown_at_the_field_and_entries_stay(app: AppTest) -> None:
    at = app
    ok(at.switch_page(KUNDEN).run())
    at.text_input(key="neu-kundennummer").input("a!")
    at.text_input(key="neu-vorname").input("Maria")
    at.text_input(key="neu-nachname").input("Muster")
    at.date_input(key="neu-geburtsdatum").set_value(date(1985, 5, 17))
    button(at, "Anlegen").click().run()
    assert not at.exception
    assert any("Kundennummer" in e.value for e in at.error)
    assert "Bitte prüfen Sie die markierte Eingabe." in [e.value for e in at.error]
    assert at.text_input(key="neu-vorname").value == "Maria"


def test_history_lists_new_entry_then_profilings_newest_first(app: AppTest) -> None:
    at = create_client(app)
    fill_profiling(at)
    ok(button(at, "Speichern").click().run())
    ok(button(at, "Klonen").click().run())
    ok(at.switch_page(KUNDEN).run())
    lines = [m.value for m in at.markdown if m.value == "neuer Eintrag …" or m.value.endswith(" offen")]
    assert lines[0] == "neuer Eintrag …"
    assert len(lines) == 3
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d / \d\d\.\d\d\.\d{4} \d\d:\d\d offen", line)
               for line in lines[1:])


def test_stale_save_keeps_the_input_and_offers_the_colleagues_version(app: AppTest, store: Store, caseworker) -> None:
    at = create_client(app)
    fill_profiling(at)
    ok(button(at, "Speichern").click().run())
    profiling_id = at.session_state["profiling_id"]
    colleague_copy = store.get(Profiling, profiling_id)
    store.save(colleague_copy.model_copy(update={"integrationsziel": "Kollegin war schneller"}), actor=caseworker)

    at.text_input(key=form_key(at, "basisprofil-zielberuf")).input("Berufskraftfahrerin")
    button(at, "Speichern").click().run()
    assert not at.exception
    assert at.error, "a stale save must be refused with a message"
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Berufskraftfahrerin"
    assert "Ungespeicherte Änderungen" in texts(at)
    assert store.get(Profiling, profiling_id).zielberuf == "Fachkraft Lagerlogistik"

    ok(button(at, "Gespeicherten Stand laden").click().run())
    assert "Der zuletzt gespeicherte Stand ist geladen." in texts(at)
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"
    assert "Ungespeicherte Änderungen" not in texts(at)
    ok(at.switch_page(ZIEL).run())
    assert at.text_area(key=form_key(at, "ziel-integrationsziel")).value == "Kollegin war schneller"


@pytest.mark.parametrize("role", [Role.TRAINER, Role.FACHAUFSICHT, Role.KDN])
def test_start_page_speaks_to_every_role(app: AppTest, store: Store, role: Role) -> None:
    user = store.add(make_user(role=role, team=""), actor=make_user(role=Role.KDN))
    app.session_state["user"] = user
    ok(app.run())
    assert app.title[0].value.startswith("Guten Tag")
    assert f"Angemeldet als {role}" in texts(app)


def test_phase_pages_without_a_client_point_to_the_client_search(app: AppTest) -> None:
    for page in (PROFILING, ZIEL, STRATEGIEN, EGV, FOLGE):
        ok(app.switch_page(page).run())
        assert "Bitte wählen Sie zuerst eine Kundin / einen Kunden aus." in texts(app)
        assert [link.label for link in app.get("page_link")] == ["Kundin / Kunden suchen"]


def test_egv_page_follows_a_kooperationsplan_catalogue(app: AppTest, store: Store, caseworker) -> None:
    """Switching the agreement to the Kooperationsplan is a data change: the page shows its sections."""
    from schemas.catalogue import SHIPPED_CATALOGUE
    from services.catalogue import publish_catalogue

    example = SHIPPED_CATALOGUE.with_name("kooperationsplan.example.yaml").read_text(encoding="utf-8")
    publish_catalogue(store, example, note="Kooperationsplan", actor=make_user(role=Role.TRAINER))
    at = create_client(app)
    fill_profiling(at)
    ok(at.switch_page(ZIEL).run())
    at.text_area(key=form_key(at, "ziel-integrationsziel")).input("Arbeit im Lager")
    ok(at.run())
    ok(at.switch_page(STRATEGIEN).run())
    at.multiselect(key=form_key(at, "strategien-berufliche_qualifikation-berufliche_qualifikation")).select(
        "Berufsabschluss erwerben")
    ok(button(at, "Speichern").click().run())

    ok(at.switch_page(EGV).run())
    labels = [t.label for t in at.text_area]
    assert labels == ["Ihr berufliches Ziel", "Ihre nächsten Schritte", "So unterstützt Sie das Jobcenter",
                      "Weitere Unterstützung", "Sonstiges"]
    assert at.text_area[0].value == "Arbeit im Lager"
    assert "Ihr Zwischenziel" in texts(at) and "- Berufsabschluss erwerben" in texts(at)
    at.text_area[2].input("Bewerbungskosten")
    ok(button(at, "EGV speichern").click().run())
    (egv,) = store.list_for_client(Egv, at.session_state["client_id"])
    assert egv.leistungen_jobcenter == "Bewerbungskosten" and egv.catalogue_version == 2
