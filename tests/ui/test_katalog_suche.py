"""The catalogue editor's search over labels and ids (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.test_case_pages import ok, texts
from tests.ui.test_katalog import katalog, start_draft, trainer  # noqa: F401 - the trainer fixture


def shown_entries(at: AppTest) -> list[str]:
    """The entry rows shown: "label · `id`" lines of the draft's tree editor."""
    (tab,) = [t for t in at.tabs if t.label == "Einträge bearbeiten"]
    return [m.value for m in tab.markdown if " · `" in m.value]


def test_search_shows_matching_entries_with_their_parents_only(app: AppTest, trainer) -> None:  # noqa: F811
    at = start_draft(katalog(app, trainer))
    everything = shown_entries(at)
    assert len(everything) > 60

    at.text_input(key="katalog-suche").input("mobilität")
    ok(at.run())

    rows = shown_entries(at)
    assert rows[:2] == ["Rahmenbedingungen · `rahmenbedingungen`", "Örtliche Mobilität · `oertliche_mobilitaet`"]
    assert all("Mobilität" in row or "mobil" in row.lower() or row == rows[0] for row in rows[1:3])
    assert len(rows) < 10
    assert "Handlungsbedarf hinzufügen" not in texts(at)


def test_search_finds_an_entry_by_its_id(app: AppTest, trainer) -> None:  # noqa: F811
    at = start_draft(katalog(app, trainer))
    at.text_input(key="katalog-suche").input("oertliche_mob")
    ok(at.run())
    assert "Örtliche Mobilität · `oertliche_mobilitaet`" in shown_entries(at)
    assert "Wohnsituation · `wohnsituation`" not in shown_entries(at)


def test_search_without_a_hit_says_so(app: AppTest, trainer) -> None:  # noqa: F811
    at = start_draft(katalog(app, trainer))
    at.text_input(key="katalog-suche").input("gibt es nicht")
    ok(at.run())
    assert shown_entries(at) == []
    assert "0 passende Einträge." in texts(at)
