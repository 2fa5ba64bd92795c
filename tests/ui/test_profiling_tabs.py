"""Phase 1 draws only the open Handlungsfeld tab (AppTest): what was entered in another tab is kept, counted in the
tab labels, and a refused value there is shown at its field with its tab opened."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from schemas.records import Profiling
from storage.base import Store
from tests.ui.test_case_pages import PROFILING, button, click_tab, create_client, form_key, ok, open_tab
from tests.ui.test_katalog import _in_order

QUALIFIKATION = "qualifikation-berufliche_qualifikation"


def _marked_with_notes(app: AppTest, notes: str) -> AppTest:
    """Berufliche Qualifikation marked relevant and `notes` typed into its Bemerkungen, not yet sent."""
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    at.checkbox(key=form_key(at, f"{QUALIFIKATION}-relevant")).check()
    ok(at.run())
    at.text_area(key=form_key(at, f"{QUALIFIKATION}-notiz-bemerkungen")).input(notes)
    return at


def _draft(at: AppTest) -> Profiling:
    return at.session_state["drafts"][at.session_state["profiling_id"]]


def test_only_the_open_tabs_handlungsbedarfe_are_drawn(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    assert open_tab(at) == "Qualifikation (0)"
    assert at.checkbox and all("-qualifikation-" in c.key for c in at.checkbox if c.key.endswith("-relevant"))

    ok(click_tab(at, "Motivation"))

    assert open_tab(at) == "Motivation (0)"
    relevant = [c.key for c in at.checkbox if c.key.endswith("-relevant")]
    assert relevant and all("-motivation-" in key for key in relevant)


def test_bemerkungen_typed_in_a_tab_are_kept_when_another_tab_is_clicked(app: AppTest, store: Store) -> None:
    at = _marked_with_notes(app, "Kein anerkannter Abschluss")

    ok(click_tab(at, "Motivation"))  # the text reaches the server with the click, its box is not drawn then

    assert not [t for t in at.text_area if QUALIFIKATION in t.key]
    assert _draft(at).handlungsbedarfe["berufliche_qualifikation"].bemerkungen == "Kein anerkannter Abschluss"
    ok(at.run())  # another rerun: the draft keeps it although the box's state is gone
    ok(click_tab(at, "Qualifikation"))
    assert at.text_area(key=form_key(at, f"{QUALIFIKATION}-notiz-bemerkungen")).value == "Kein anerkannter Abschluss"
    ok(click_tab(at, "Rahmenbedingungen"))
    ok(button(at, "Speichern").click().run())
    stored = store.get(Profiling, at.session_state["profiling_id"])
    assert stored.handlungsbedarfe["berufliche_qualifikation"].bemerkungen == "Kein anerkannter Abschluss"


def test_a_box_ticked_just_before_a_tab_click_is_counted_in_its_tab_label(app: AppTest) -> None:
    at = create_client(app)
    ok(at.switch_page(PROFILING).run())
    at.checkbox(key=form_key(at, f"{QUALIFIKATION}-relevant")).check()

    ok(click_tab(at, "Rahmenbedingungen"))
    at.checkbox(key=form_key(at, "rahmenbedingungen-wohnsituation-relevant")).check()
    ok(click_tab(at, "Leistungsfähigkeit"))

    assert [t.label for t in at.tabs] == ["Qualifikation (1)", "Leistungsfähigkeit (0)",
                                         "Motivation (0)", "Rahmenbedingungen (1)"]
    assert open_tab(at) == "Leistungsfähigkeit (0)"
    at.checkbox(key=form_key(at, "leistungsfaehigkeit-gesundheitliche_einschraenkungen-relevant")).check()
    ok(at.run())
    assert [t.label for t in at.tabs] == ["Qualifikation (1)", "Leistungsfähigkeit (1)",
                                         "Motivation (0)", "Rahmenbedingungen (1)"]
    assert open_tab(at) == "Leistungsfähigkeit (1)"


def test_a_refused_bemerkung_of_a_closed_tab_opens_its_tab_with_the_message_below_it(
        app: AppTest, store: Store) -> None:
    at = _marked_with_notes(app, "Abschluss 漢")
    ok(click_tab(at, "Motivation"))

    button(at, "Speichern").click().run()

    message = "Das Zeichen „漢“ (U+6F22) kann in Dokumenten nicht gedruckt werden. Bitte ersetzen oder entfernen Sie es."
    assert not at.exception
    assert sorted(e.value for e in at.error) == sorted([message, "Bitte prüfen Sie die markierte Eingabe."])
    assert open_tab(at) == "Qualifikation (1)"
    notes = at.text_area(key=form_key(at, f"{QUALIFIKATION}-notiz-bemerkungen"))
    assert notes.value == "Abschluss 漢"  # nothing typed is lost
    shown = [(n.type, getattr(n, "label", None) or getattr(n, "value", None)) for n in _in_order(at.main)]
    assert shown[shown.index(("text_area", notes.label)) + 1] == ("error", message)  # right below the field
    assert not any(e.bemerkungen for p in store.list_for_client(Profiling, _draft(at).client_id)
                   for e in p.handlungsbedarfe.values())  # nothing refused was saved
    # The tab does not stick: another tab opens on a click while the message waits for a correction.
    click_tab(at, "Motivation")
    assert open_tab(at) == "Motivation (0)"


def _placeholders(at: AppTest) -> int:
    return sum(1 for node in _in_order(at.main) if node.type == "empty")


def test_a_rerun_without_a_save_draws_no_empty_places_for_messages_and_a_refused_save_shows_its_message_below_the_field(app: AppTest) -> None:
    at = _marked_with_notes(app, "Abschluss 漢")  # a character no shipped font prints: refused on save
    ok(at.run())
    assert _placeholders(at) == 0  # each element costs every rerun: a message place only while it can be needed

    button(at, "Speichern").click().run()  # refused: the message is shown below the field in this run
    assert not at.exception and "Bitte prüfen Sie die markierte Eingabe." in [e.value for e in at.error]
    message = next(e.value for e in at.error if "U+6F22" in e.value)
    _assert_right_below_the_notes(at, message)
    at.run()  # the message stays below the field in the next runs, and no other place is drawn
    assert not at.exception
    _assert_right_below_the_notes(at, message)
    assert _placeholders(at) == 0


def _assert_right_below_the_notes(at: AppTest, message: str) -> None:
    shown = [(node.type, getattr(node, "label", None) or getattr(node, "value", None)) for node in _in_order(at.main)]
    notes = at.text_area(key=form_key(at, f"{QUALIFIKATION}-notiz-bemerkungen"))
    assert shown.index(("error", message)) == shown.index(("text_area", notes.label)) + 1
