"""The case pages driven through AppTest: one client through all four phases, drafts, read-only closed records."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dates import today
from pages import widgets as w
from schemas.records import Egv, Folgegespraech, Profiling, Role, Status
from services.access import SYSTEM
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
    """The key of a streamlit-pydantic widget of the current profiling: '0-<id>-<suffix>' (with '-g<n>' after
    the id once the stored state was loaded over the input n times, see case_state.form_key)."""
    profiling_id = at.session_state["profiling_id"]
    generations = at.session_state.get("form_generation", {})
    generation = generations.get(profiling_id, 0)
    return f"0-{profiling_id}-{suffix}" if not generation else f"0-{profiling_id}-g{generation}-{suffix}"


def _tab_container(at: AppTest):
    def blocks(node):
        yield node
        for child in getattr(node, "children", {}).values():
            yield from blocks(child)

    (container,) = [b for b in blocks(at.main) if type(getattr(b, "proto", None)).__name__ == "Block"
                    and b.proto.HasField("tab_container")]
    return container


def open_tab(at: AppTest) -> str:
    """The label of the Handlungsfeld tab that is open (the one whose Handlungsbedarfe are drawn)."""
    return at.tabs[_tab_container(at).proto.tab_container.default_tab_index].label


def click_tab(at: AppTest, handlungsfeld: str) -> AppTest:
    """A click on the Handlungsfeld tab whose label starts with `handlungsfeld`, as the browser sends it: the
    other widgets' values together with the tab container's new value (AppTest has no tab interaction)."""
    (label,) = [t.label for t in at.tabs if t.label.startswith(f"{handlungsfeld} (")]
    states = at._tree.get_widget_states()
    tab = states.widgets.add()
    tab.id, tab.string_value = _tab_container(at).proto.tab_container.id, label
    return at._run(states)


def open_section(at: AppTest, key: str) -> AppTest:
    """Open a collapsed section of the page (pages.widgets.section) as a click on its title does: its state in
    the session becomes True and the page runs again, now with the section's content."""
    at.session_state[key] = True
    return ok(at.run())


def create_client(at: AppTest, kundennummer: str = "123D000001") -> AppTest:
    open_section(at.switch_page(KUNDEN), "kunden-neu-offen")
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
    at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).check()
    ok(at.run())  # the Bemerkungen box shows once the Bedarf is marked relevant
    at.text_area(key=form_key(at, "qualifikation-berufliche_qualifikation-notiz-bemerkungen")).input(
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
    assert "Zu „Berufsabschluss erwerben“: Wird dafür eine Förderleistung eingesetzt" in texts(at)
    at.checkbox(key=f"{profiling_id}-foerderung").check()
    ok(at.run())
    at.text_input(key=form_key(at, "foerdercheck-massnahme")).input("Umschulung Fachkraft Lagerlogistik")
    at.checkbox(key=form_key(at, "foerdercheck-passgenau")).check()
    ok(at.run())
    assert f"{w.DONE} Handlungsstrategie für „Berufliche Qualifikation“ gewählt" in texts(at)
    assert f"{w.TODO} Förder-Check: Maßnahme benannt, passgenau – erfolgswahrscheinlich – wirtschaftlich" in texts(at)
    at.checkbox(key=form_key(at, "foerdercheck-erfolgswahrscheinlich")).check()
    at.checkbox(key=form_key(at, "foerdercheck-wirtschaftlich")).check()
    ok(at.run())
    assert f"{w.DONE} Förder-Check: Maßnahme benannt, passgenau – erfolgswahrscheinlich – wirtschaftlich" in texts(at)
    ok(button(at, "Speichern").click().run())
    stored = store.get(Profiling, profiling_id)
    assert stored.integrationsziel == "Festanstellung als Fachkraft Lagerlogistik"
    assert stored.einverstaendnis and stored.einverstaendnis_datum is not None
    assert stored.strategien == {"berufliche_qualifikation": ["berufsabschluss_erwerben"]}
    assert stored.uebergreifend == ["vermittlung_arbeit_ausbildung"]
    assert stored.foerderung_geplant and stored.foerder_check.passgenau

    # Phase 4: EGV prefilled from the strategies and edited; it is agreed only from a closed profiling
    ok(at.switch_page(EGV).run())
    assert "- Berufsabschluss erwerben" in texts(at)
    teilschritte = next(t for t in at.text_area if t.label == "Teilschritte und Zwischenziele")
    assert "- Berufsabschluss erwerben: " in teilschritte.value
    assert f"{w.TODO} Das Profiling ist noch offen – bitte zuerst das Profiling abschließen" in texts(at)
    teilschritte.input("\n".join(f"{line}bis 31.01. anmelden" for line in teilschritte.value.splitlines()))
    next(t for t in at.text_area if t.label == "Leistungen des Jobcenters").input("Bildungsgutschein")
    next(t for t in at.text_area if t.label == "Bemühungen der Kundin / des Kunden").input("Fünf Bewerbungen im Monat")
    ok(at.run())
    assert "Ungespeicherte Änderungen" in texts(at)
    ok(button(at, "EGV speichern").click().run())
    assert "EGV gespeichert" in texts(at)

    # Close the profiling, then agree the EGV
    ok(at.switch_page(PROFILING).run())
    ok(button(at, "Abschließen").click().run())
    assert "Profiling abgeschlossen. Es ist jetzt nur noch lesbar; nächster Schritt: 4 EGV." in texts(at)
    assert ":green-badge[:material/lock: abgeschlossen]" in texts(at)
    assert store.get(Profiling, profiling_id).status == Status.ABGESCHLOSSEN
    ok(at.switch_page(EGV).run())
    assert f"{w.DONE} Alles Nötige ist eingetragen" in texts(at)
    ok(button(at, "EGV abschließen (vereinbart)").click().run())
    assert "EGV abgeschlossen" in texts(at)
    (egv,) = store.list_for_client(Egv, stored.client_id)
    assert egv.status == Status.ABGESCHLOSSEN and egv.leistungen_jobcenter == "Bildungsgutschein"
    assert "bis 31.01. anmelden" in egv.teilschritte

    # Fortschreibung: a new open Fassung, the agreed one stays readable
    ok(button(at, "Fortschreibung anlegen").click().run())
    assert "Fassung 2 angelegt" in texts(at)
    assert "Weitere Fassungen (1)" in [e.label for e in at.expander]

    # Folgegespräch: activities, next appointment, Beratungsvermerk, clone as the suggested next step
    ok(at.switch_page(FOLGE).run())
    gespraech_id = next(iter(at.session_state["folge_draft"].values())).id
    assert "Ungespeicherte Änderungen" not in texts(at)
    at.checkbox(key=f"{gespraech_id}-egv_abgleich-erledigt").check()
    at.text_input(key=f"{gespraech_id}-egv_abgleich-notiz").input("Anmeldung erfolgt")
    termin = today() + timedelta(days=28)
    at.date_input(key=f"{gespraech_id}-naechster-termin").set_value(termin)
    ok(at.run())
    assert "Ungespeicherte Änderungen" in texts(at)
    ok(button(at, "Folgegespräch speichern").click().run())
    assert "Folgegespräch vom" in texts(at) and "gespeichert" in texts(at)
    (talk,) = store.list_for_client(Folgegespraech, stored.client_id)
    assert talk.aktivitaeten["egv_abgleich"].erledigt and talk.naechster_termin == termin
    assert f"Standortbestimmung, siehe Profiling vom {w.fmt_date(stored.created_at)}" in texts(at)
    ok(button(at, "Profiling klonen und aktualisieren").click().run())
    assert "Neues Profiling als Kopie angelegt" in texts(at)
    clone_id = at.session_state["profiling_id"]
    assert clone_id != profiling_id
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Fachkraft Lagerlogistik"
    assert len(store.list_for_client(Profiling, stored.client_id)) == 2

    # Back in the Folgegespräch, the open clone is continued, not cloned again
    ok(at.switch_page(FOLGE).run())
    labels = [b.label for b in at.button]
    assert "Offenes Profiling weiterbearbeiten" in labels and "Profiling klonen und aktualisieren" not in labels
    assert f"Standortbestimmung, siehe Profiling vom {w.fmt_date(stored.created_at)}" in texts(at)


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
    assert at.checkbox(key=form_key(at, "qualifikation-berufliche_qualifikation-relevant")).value is True
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
    ok(click_tab(at, "Rahmenbedingungen"))
    at.checkbox(key=form_key(at, "rahmenbedingungen-wohnsituation-relevant")).check()
    ok(at.run())
    assert f"{w.TODO} Zielberuf angegeben" in texts(at)
    assert f"{w.TODO} Handlungsstrategie für „Wohnsituation“ gewählt" in texts(at)
    button(at, "Abschließen").click().run()
    assert not at.exception
    message = "\n".join(e.value for e in at.error)
    assert "kann noch nicht abgeschlossen werden" in message
    assert "Zielberuf fehlt" in message
    assert "Für den relevanten Handlungsbedarf „Wohnsituation“ ist noch keine Handlungsstrategie gewählt" in message
    assert "Integrationsprognose oder Profillage fehlt" in message
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
    publish_catalogue(store, renamed, note="Umbenennung", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))

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
    open_section(at.switch_page(KUNDEN), "kunden-neu-offen")
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
    typed = at.text_input(key=form_key(at, "basisprofil-zielberuf"))
    assert typed.value == "Berufskraftfahrerin"
    assert "Ungespeicherte Änderungen" in texts(at)
    assert store.get(Profiling, profiling_id).zielberuf == "Fachkraft Lagerlogistik"

    ok(button(at, "Gespeicherten Stand laden").click().run())
    assert "Der zuletzt gespeicherte Stand ist geladen." in texts(at)
    loaded = at.text_input(key=form_key(at, "basisprofil-zielberuf"))
    assert loaded.value == "Fachkraft Lagerlogistik"
    # The browser keeps what was typed into a widget as long as its id stays: only a new widget (or a value
    # the server sets explicitly) shows the loaded value there too.
    assert loaded.id != typed.id or (loaded.proto.set_value and loaded.proto.value == "Fachkraft Lagerlogistik")
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


def publish_kooperationsplan(store: Store) -> None:
    """Publish the shipped catalogue with the Kooperationsplan block as version 2."""
    from schemas.catalogue import KOOPERATIONSPLAN_BLOCK, SHIPPED_CATALOGUE, with_vereinbarung
    from services.catalogue import publish_catalogue

    text = with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                             KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8"))
    publish_catalogue(store, text, note="Kooperationsplan", actor=store.add(make_user(role=Role.TRAINER), actor=SYSTEM))


def shown(at: AppTest) -> str:
    """Every text on the screen, button and link labels and widget labels included."""
    labels = [*(b.label for b in at.button), *(link.label for link in at.get("page_link")),
              *(t.label for t in at.text_area), *(t.label for t in at.text_input), *(c.label for c in at.checkbox)]
    return "\n".join([texts(at), *labels])


def test_after_switching_to_the_kooperationsplan_no_screen_says_egv(app: AppTest, store: Store) -> None:
    """Switching the agreement to the Kooperationsplan is a data change: its sections, its name everywhere."""
    publish_kooperationsplan(store)
    ok(app.run())
    assert "4 Kooperationsplan" in [page["page_name"] for page in app._registered_pages.values()]
    assert "Profiling, Ziel, Strategien und Kooperationsplan" in texts(app)
    assert "EGV" not in shown(app)
    at = create_client(app)
    fill_profiling(at)
    ok(at.switch_page(ZIEL).run())
    at.text_area(key=form_key(at, "ziel-integrationsziel")).input("Arbeit im Lager")
    at.checkbox(key=f"{at.session_state['profiling_id']}-einverstaendnis").check()
    ok(at.run())
    ok(at.switch_page(STRATEGIEN).run())
    at.multiselect(key=form_key(at, "strategien-berufliche_qualifikation-berufliche_qualifikation")).select(
        "Berufsabschluss erwerben")
    ok(button(at, "Speichern").click().run())
    assert "Kooperationsplan aus den gewählten Strategien erstellen." in texts(at)
    assert "4 Kooperationsplan erstellen" in [link.label for link in at.get("page_link")]
    assert "EGV" not in shown(at)

    ok(at.switch_page(EGV).run())
    assert at.title[0].value == "4 Kooperationsplan"
    assert [t.label for t in at.text_area] == ["Ihr berufliches Ziel", "Ihr Zwischenziel", "Ihre nächsten Schritte",
                                               "So unterstützt Sie das Jobcenter", "Weitere Unterstützung", "Sonstiges"]
    assert at.text_area[0].value == "Arbeit im Lager"
    assert "Handlungsstrategien: Berufsabschluss erwerben" in texts(at)
    at.text_area[1].input("Führerschein bis März")
    at.text_area[2].input("Bewerbungsmappe fertigstellen")
    at.text_area[3].input("Bewerbungskosten")
    at.text_area[5].input("Kinderbetreuung geklärt")
    ok(at.run())
    assert "EGV" not in shown(at)
    ok(button(at, "Kooperationsplan speichern").click().run())
    assert "Kooperationsplan gespeichert – Status „offen“." in texts(at)
    (egv,) = store.list_for_client(Egv, at.session_state["client_id"])
    assert (egv.zwischenziel, egv.bemuehungen_kunde, egv.leistungen_jobcenter, egv.sonstiges) == (
        "Führerschein bis März", "Bewerbungsmappe fertigstellen", "Bewerbungskosten", "Kinderbetreuung geklärt")
    assert egv.catalogue_version == 2
    assert "Kooperationsplan-Entwurf drucken (PDF)" in [b.label for b in at.download_button]
    assert "EGV" not in shown(at)

    ok(at.switch_page(PROFILING).run())
    ok(button(at, "Abschließen").click().run())
    assert "nächster Schritt: 4 Kooperationsplan." in texts(at)
    assert "4 Kooperationsplan" in [link.label for link in at.get("page_link")]
    ok(at.switch_page(EGV).run())
    ok(button(at, "Kooperationsplan abschließen (vereinbart)").click().run())
    assert "Kooperationsplan abgeschlossen (vereinbart)." in texts(at)
    assert "EGV" not in shown(at)


def test_open_egv_shows_the_profilings_new_strategies_and_offers_its_new_ziel(
        app: AppTest, store: Store, caseworker) -> None:
    from services.egv import draft_egv, save_egv
    from services.profiling import save_profiling, start_profiling
    from tests.factories import make_client

    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = start_profiling(store, client.id, actor=caseworker)
    profiling.handlungsbedarfe["berufliche_qualifikation"].relevant = True
    profiling = save_profiling(store, profiling.model_copy(update={
        "zielberuf": "Koch", "integrationsziel": "Arbeit als Koch",
        "strategien": {"berufliche_qualifikation": ["berufsabschluss_erwerben"]}}), actor=caseworker)
    egv = save_egv(store, draft_egv(store, profiling.id, actor=caseworker), actor=caseworker)
    profiling.uebergreifend = ["vermittlung_arbeit_ausbildung"]
    profiling.integrationsziel = "Ausbildung zum Koch"
    save_profiling(store, profiling, actor=caseworker)

    at = app
    ok(at.switch_page(KUNDEN).run())
    ok(button(at, "Auswählen").click().run())
    ok(at.switch_page(PROFILING).run())
    ok(at.switch_page(EGV).run())

    assert "- Berufsabschluss erwerben\n- Vermittlung in Arbeit/ Ausbildung 1. AMA" in texts(at)
    assert "Ungespeicherte Änderungen" in texts(at)
    assert "Das Profiling hat ungespeicherte Änderungen" not in texts(at)
    assert "Im Profiling steht ein anderes Integrationsziel: „Ausbildung zum Koch“" in texts(at)
    ok(button(at, "Aus dem Profiling übernehmen").click().run())
    assert at.text_area(key=f"{egv.id}-integrationsziel").value == "Ausbildung zum Koch"
    assert "Im Profiling steht ein anderes Integrationsziel" not in texts(at)
    ok(button(at, "EGV speichern").click().run())
    stored = store.get(Egv, egv.id)
    assert stored.strategien == ["berufsabschluss_erwerben", "vermittlung_arbeit_ausbildung"]
    assert stored.integrationsziel == "Ausbildung zum Koch"


def test_selecting_a_client_opens_the_newest_open_profiling_not_a_new_entry(
        app: AppTest, store: Store, caseworker) -> None:
    from services.profiling import close_profiling, save_profiling
    from tests.factories import make_client, make_profiling

    client = store.add(make_client(team="Team 1"), actor=caseworker)
    older = save_profiling(store, make_profiling(client.id, zielberuf="Koch", integrationsprognose="marktfern"),
                           actor=caseworker)
    close_profiling(store, older.id, revision=older.revision, actor=caseworker)
    open_one = save_profiling(store, make_profiling(client.id, zielberuf="Beikoch"), actor=caseworker)

    at = app
    ok(at.switch_page(KUNDEN).run())
    ok(button(at, "Auswählen").click().run())
    ok(at.switch_page(PROFILING).run())

    assert at.session_state["profiling_id"] == open_one.id
    assert at.text_input(key=form_key(at, "basisprofil-zielberuf")).value == "Beikoch"
    assert "Profiling: **neuer Eintrag**" not in texts(at)
    assert len(store.list_for_client(Profiling, client.id)) == 2


def test_sidebar_names_role_and_team_once(app: AppTest) -> None:
    ok(app.run())

    (account,) = [t.value for t in app.sidebar.text]
    assert account.endswith("IFK, Team 1") and "Team Team" not in account


def test_saved_folgegespraech_stays_visible_and_a_talk_without_activity_is_saved_with_a_warning(
        app: AppTest, store: Store) -> None:
    at = create_client(app)
    ok(at.switch_page(FOLGE).run())
    gespraech_id = next(iter(at.session_state["folge_draft"].values())).id
    at.text_area(key=f"{gespraech_id}-anliegen").input("Rückfrage zur Bewerbung")
    ok(at.run())
    assert "Ungespeicherte Änderungen" in texts(at)

    ok(button(at, "Folgegespräch speichern").click().run())

    (talk,) = store.list_for_client(Folgegespraech, at.session_state["client_id"])
    assert talk.anliegen == "Rückfrage zur Bewerbung"
    assert "gespeichert, aber noch offen" in "\n".join(e.value for e in at.warning)
    assert f"Gespeichert: Folgegespräch vom {w.fmt_date(talk.datum)}" in texts(at)
    assert "Rückfrage zur Bewerbung" in texts(at)
    assert "Folgegespräch speichern" not in [b.label for b in at.button] and not at.text_area
    assert "Ungespeicherte Änderungen" not in texts(at)

    ok(button(at, "Weiteres Folgegespräch erfassen").click().run())
    assert at.text_area[0].value == "" and "Folgegespräch speichern" in [b.label for b in at.button]


def test_closed_profiling_shows_its_changes_with_the_reason_of_a_kdn_correction(
    app: AppTest, store: Store, caseworker
) -> None:
    from services.profiling import correct_closed_profiling
    from tests.factories import make_client, make_profiling

    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = store.add(make_profiling(client.id, zielberuf="Koch", integrationsprognose="marktnah"),
                          actor=caseworker)
    closed = store.close(Profiling, profiling.id, revision=profiling.revision, actor=caseworker)
    kdn = store.add(make_user(role=Role.KDN, username="kdn.korrektur"), actor=caseworker)
    correct_closed_profiling(store, closed.model_copy(update={"zielberuf": "Köchin"}),
                             reason="Datenschutzvorfall 7/2026", actor=kdn)

    at = app
    ok(at.switch_page(KUNDEN).run())
    ok(button(at, "Auswählen").click().run())
    ok(button(at, "Ansehen").click().run())
    assert "Änderungen an diesem Profiling" in [e.label for e in at.expander]
    assert not at.dataframe  # read from the audit trail only when opened
    history = open_section(at.switch_page(PROFILING), "profiling-verlauf-offen").dataframe[0].value
    assert history["Aktion"].tolist() == ["angelegt", "abgeschlossen", "korrigiert (KDN)"]
    assert history["Begründung"].tolist()[-1] == "Datenschutzvorfall 7/2026"
