"""The catalogue page driven through AppTest: a trainer edits a draft, checks it, publishes; caseworkers see it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from schemas.catalogue import SHIPPED_CATALOGUE
from schemas.records import Profiling, Role, User
from services.catalogue import latest_version
from services.safety import markdown_literal as md
from storage.base import Store
from tests.factories import make_client, make_profiling, make_user
from tests.ui.test_case_pages import KUNDEN, PROFILING, STRATEGIEN, button, create_client, ok, texts

KATALOG = "pages/katalog.py"


@pytest.fixture
def trainer(store: Store, caseworker: User) -> User:
    return store.add(make_user(role=Role.TRAINER, username="trainer.tina", display_name="Tina Trainer"),
                     actor=make_user(role=Role.KDN))


def as_user(at: AppTest, user: User) -> AppTest:
    at.session_state["user"] = user
    return at


def katalog(app: AppTest, trainer: User) -> AppTest:
    return ok(as_user(app, trainer).switch_page(KATALOG).run())


def start_draft(at: AppTest) -> AppTest:
    return ok(button(at, "Neuen Entwurf aus Version 1 beginnen").click().run())


def revision(store: Store) -> int:
    return store.catalogue_draft().revision


def add_bedarf_with_strategy(at: AppTest, store: Store) -> AppTest:
    rev = revision(store)
    at.text_input(key=f"neu-qualifikation-{rev}").input("Digitale Kompetenzen")
    at.text_input(key=f"neu-qualifikation-{rev}-strategie").input("Digitale Grundbildung vermitteln")
    return ok(at.button(key="add-qualifikation").click().run())


def publish(at: AppTest, note: str) -> AppTest:
    at.text_input(key="publish-note").input(note)
    return ok(button(at, "Veröffentlichen").click().run())


def read_only_profiling_text(app: AppTest, caseworker: User, profiling_id: str, page: str = PROFILING) -> str:
    at = as_user(app, caseworker)
    if "profiling_id" not in at.session_state or at.session_state["profiling_id"] != profiling_id:
        ok(at.switch_page(KUNDEN).run())
        ok(button(at, "Auswählen").click().run())
        ok(button(at, "Ansehen").click().run())
    assert at.session_state["profiling_id"] == profiling_id
    ok(at.switch_page(page).run())
    shown = [texts(at)]
    shown += [f"{w.label}: {getattr(w, 'value', '')}" for w in (*at.multiselect, *at.selectbox, *at.checkbox)]
    return "\n".join(shown)


def print_text(store: Store, profiling_id: str) -> str:
    """The text of the profiling print (PDF, for KDN-Fachbetreuung) without the print's own time stamp."""
    import io

    from pypdf import PdfReader

    from services.documents import profiling_print_pdf

    kdn = store.add(make_user(role=Role.KDN, username=f"kdn.{len(store.catalogue_numbers())}"),
                    actor=make_user(role=Role.KDN))
    _, pdf = profiling_print_pdf(store, profiling_id, actor=kdn)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return "\n".join(line for line in text.splitlines() if not line.startswith("Ausgedruckt"))


def test_trainer_adds_a_bedarf_with_strategy_publishes_and_a_new_profiling_shows_it(
        app: AppTest, store: Store, trainer: User, caseworker: User) -> None:
    at = start_draft(katalog(app, trainer))
    assert "Entwurf begonnen." in texts(at)
    add_bedarf_with_strategy(at, store)
    assert "Handlungsbedarf hinzugefügt." in texts(at)
    assert "Digitale Kompetenzen · `digitale_kompetenzen`" in texts(at)
    assert "Der Entwurf ist gültig." in texts(at)
    assert md("neu: Handlungsbedarf „Digitale Kompetenzen“ (in „Qualifikation“)") in texts(at)
    publish(at, "Digitale Kompetenzen aufgenommen")
    assert "Version 2 veröffentlicht. Neue Profilings nutzen sie ab sofort." in texts(at)
    assert latest_version(store) == 2
    assert store.catalogue_version(2).published_by == "trainer.tina"
    assert store.catalogue_draft() is None

    at = create_client(as_user(at, caseworker))
    ok(at.switch_page(PROFILING).run())
    key = f"0-{at.session_state['profiling_id']}-qualifikation-digitale_kompetenzen-relevant"
    at.checkbox(key=key).check()
    ok(at.run())
    ok(at.switch_page("pages/strategien.py").run())
    strategies = [m for m in at.multiselect if "digitale_kompetenzen" in m.key]
    assert strategies and "Digitale Grundbildung vermitteln" in strategies[0].options


def _in_order(node):
    """The page's elements in the order they are drawn."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _in_order(child)


def test_publishing_a_draft_without_a_change_shows_a_german_message_and_keeps_the_draft(
        app: AppTest, store: Store, trainer: User) -> None:
    at = start_draft(katalog(app, trainer))
    assert "Keine Änderungen." in texts(at)
    at.text_input(key="publish-note").input("Nichts geändert")
    button(at, "Veröffentlichen").click().run()
    assert not at.exception
    message = "Der Katalog stimmt mit der veröffentlichten Version 1 überein; eine Version ohne Änderung wird nicht angelegt."
    assert [e.value for e in at.error] == [message]
    shown = [(n.type, getattr(n, "label", None) or getattr(n, "value", None)) for n in _in_order(at.main)]
    assert shown[shown.index(("button", "Veröffentlichen")) + 1] == ("error", message)  # right below the button
    assert latest_version(store) == 1 and store.catalogue_draft() is not None
    assert at.text_input(key="publish-note").value == "Nichts geändert"


def test_closed_profiling_renders_exactly_as_before_after_a_publish(
        app: AppTest, store: Store, trainer: User, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    profiling = store.add(make_profiling(client.id, relevant=["berufliche_qualifikation", "berufserfahrung"],
                                         zielberuf="Koch", integrationsprognose="marktnah",
                                         strategien={"berufliche_qualifikation": ["absolventenmanagement"]}),
                          actor=caseworker)
    store.close(Profiling, profiling.id, revision=profiling.revision, actor=caseworker)
    before = read_only_profiling_text(app, caseworker, profiling.id)
    strategies_before = read_only_profiling_text(app, caseworker, profiling.id, STRATEGIEN)
    print_before = print_text(store, profiling.id)
    assert "Absolventenmanagement" in strategies_before and "Absolventenmanagement" in print_before

    at = start_draft(katalog(app, trainer))
    rev = revision(store)
    at.text_input(key=f"label-berufliche_qualifikation-{rev}").input("Berufsabschluss und Qualifikation")
    ok(at.button(key="rename-berufliche_qualifikation").click().run())
    rev = revision(store)
    at.text_input(key=f"label-absolventenmanagement-{rev}").input("Übergang nach der Ausbildung begleiten")
    ok(at.button(key="rename-absolventenmanagement").click().run())
    ok(at.button(key="retire-berufserfahrung").click().run())
    ok(at.button(key="up-marktfern").click().run())
    add_bedarf_with_strategy(at, store)
    publish(at, "Umbenennung, Aussonderung, Reihenfolge")
    assert latest_version(store) == 2

    after = read_only_profiling_text(app, caseworker, profiling.id)
    assert after == before
    assert "Berufsabschluss und Qualifikation" not in after
    strategies_after = read_only_profiling_text(app, caseworker, profiling.id, STRATEGIEN)
    assert strategies_after == strategies_before
    print_after = print_text(store, profiling.id)
    assert print_after == print_before
    assert "Übergang nach der Ausbildung" not in strategies_after + print_after


def test_renaming_orphans_no_record_and_the_impact_check_counts_open_profilings(
        app: AppTest, store: Store, trainer: User, caseworker: User) -> None:
    client = store.add(make_client(team="Team 1"), actor=caseworker)
    for _ in range(2):
        store.add(make_profiling(client.id, relevant=["berufserfahrung"],
                                 strategien={"berufserfahrung": ["berufserfahrung_ermoeglichen"]}), actor=caseworker)
    at = start_draft(katalog(app, trainer))
    rev = revision(store)
    at.text_input(key=f"label-berufserfahrung-{rev}").input("Praxiserfahrung")
    ok(at.button(key="rename-berufserfahrung").click().run())
    at.button(key="retire-berufserfahrung_ermoeglichen").click().run()
    assert not at.exception
    shown = texts(at)
    assert md("umbenannt: Handlungsbedarf „Berufserfahrung“ → „Praxiserfahrung“") + " — **2 offene Profilings**" in shown
    assert any(md("ausgesondert: Handlungsstrategie „Berufserfahrung ermöglichen“") + " — **2 offene Profilings**" in w.value
               for w in at.warning)
    # the only strategy of an offered Bedarf retired: the draft is not publishable, and says why
    assert "Handlungsbedarf „Praxiserfahrung“: Jede Handlungsstrategie ist ausgesondert." in "\n".join(
        e.value for e in at.error)
    assert button(at, "Veröffentlichen").disabled
    text = store.catalogue_draft().text
    assert "id: berufserfahrung\n" in text and "label: Praxiserfahrung" in text


def test_invalid_draft_shows_messages_at_the_entry_and_cannot_be_published(
        app: AppTest, store: Store, trainer: User) -> None:
    at = start_draft(katalog(app, trainer))
    rev = revision(store)
    at.text_input(key=f"neu-qualifikation-{rev}").input("Ohne Strategie")
    at.button(key="add-qualifikation").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Der Entwurf ist fehlerhaft" in e for e in errors)
    assert any(md("Handlungsbedarf „ohne_strategie“ › handlungsstrategien: Braucht mindestens einen Eintrag.") in e
               for e in errors)
    assert button(at, "Veröffentlichen").disabled
    assert latest_version(store) == 1


def test_yaml_import_becomes_the_draft_with_the_check_messages(app: AppTest, store: Store, trainer: User) -> None:
    at = katalog(app, trainer)
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace("label: Wohnsituation\n", "labl: Wohnsituation\n")
    # st.file_uploader cannot be driven by AppTest; the page hands the upload to this use case
    from services.catalogue_editor import import_draft

    import_draft(store, text.encode("utf-8"), filename="katalog.yaml", revision=None, actor=trainer)
    at.run()
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "Handlungsbedarf „wohnsituation“ › labl: Unbekannter Schlüssel" in errors


def test_published_entries_offer_aussondern_and_only_new_entries_offer_loeschen(
        app: AppTest, store: Store, trainer: User) -> None:
    at = start_draft(katalog(app, trainer))
    rev = revision(store)
    assert not [b for b in at.button if b.key.startswith("remove-")]  # every entry stands in version 1
    assert at.button(key="retire-wohnsituation").label == "Aussondern"
    at.text_input(key=f"neu-wohnsituation-{rev}").input("Wohnung suchen")
    ok(at.button(key="add-wohnsituation").click().run())
    assert [b.key for b in at.button if b.key.startswith("remove-")] == ["remove-wohnung_suchen"]
    ok(at.button(key="remove-wohnung_suchen").click().run())
    assert "„Wohnung suchen“ gelöscht." in texts(at)


def test_published_version_shows_labels_literally_like_the_draft(app: AppTest, store: Store, trainer: User) -> None:
    from services.catalogue import publish_catalogue

    label = "Mobilität *erhöhen* [ÖPNV](https://example.org) <b>"
    publish_catalogue(store, SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "label: Mobilität erhöhen\n", f"label: '{label}'\n").replace(
        "label: Örtliche Mobilität\n", "label: Örtliche_Mobilität_\n"), note="Markdown", actor=trainer)
    at = katalog(app, trainer)
    shown = texts(at)
    assert f"- {md(label)} · `mobilitaet_erhoehen`" in shown
    assert f"**{md('Örtliche_Mobilität_')}** · `oertliche_mobilitaet`" in shown
    assert f"- {label}" not in shown and "**Örtliche_Mobilität_**" not in shown


def test_versions_are_compared_in_german(app: AppTest, store: Store, trainer: User) -> None:
    from services.catalogue import publish_catalogue

    renamed = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "label: Örtliche Mobilität\n", "label: Mobilität\n")
    publish_catalogue(store, renamed, note="Kürzer", actor=trainer)
    at = katalog(app, trainer)
    assert "- " + md("umbenannt: Handlungsbedarf „Örtliche Mobilität“ → „Mobilität“") in texts(at)


def test_caseworker_cannot_open_the_catalogue_page(app: AppTest, caseworker: User) -> None:
    at = as_user(app, caseworker).switch_page(KATALOG).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Die Seite „Katalog“ ist für Ihre Rolle „IFK“ nicht freigegeben. Bitte wählen Sie eine Seite aus dem Menü."]
    assert not [b for b in at.button if "Entwurf" in b.label or b.label == "Veröffentlichen"]
