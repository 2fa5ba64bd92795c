"""A published entry is retired, never deleted: publishing, the catalogue page and `vierphasen catalogue check
--store` refuse a text that lacks one (however it was edited), with the same German message."""

from __future__ import annotations

from pathlib import Path

import pytest

import config
from cli import main
from errors import CatalogueInvalid
from schemas.catalogue import SHIPPED_CATALOGUE
from services.access import SYSTEM
from services.catalogue import ensure_catalogue, latest_version, publish_catalogue
from services.catalogue_editor import check_draft, save_draft_text, start_draft
from storage import open_store

SHIPPED = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
STRATEGY = "          - id: mobilitaet_erhoehen\n            label: Mobilität erhöhen\n"
WITHOUT_STRATEGY = SHIPPED.replace(
    STRATEGY, "          - id: fahrtkosten\n            label: Fahrtkosten übernehmen\n")
RETIRED = SHIPPED.replace(STRATEGY, STRATEGY + "            ausgesondert: true\n"
                          "          - id: fahrtkosten\n            label: Fahrtkosten übernehmen\n")
#: The lines of the entry's parent in the edited text and of the entry in version 1.
PARENT_LINE = WITHOUT_STRATEGY.splitlines().index("      - id: oertliche_mobilitaet") + 1
OLD_LINE = SHIPPED.splitlines().index("          - id: mobilitaet_erhoehen") + 1
MESSAGE = (f"Zeile {PARENT_LINE}: Handlungsstrategie „Mobilität erhöhen“ (id „mobilitaet_erhoehen“, in „Örtliche "
           f"Mobilität“) fehlt; der Eintrag stand in Version 1, Zeile {OLD_LINE}. Veröffentlichte Einträge werden nicht "
           "gelöscht, sondern ausgesondert: bitte wieder einfügen mit „ausgesondert: true“.")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIERPHASEN_DATABASE_URL", raising=False)
    config.get_settings.cache_clear()
    store = open_store()
    ensure_catalogue(store, actor=SYSTEM)
    yield store
    store.close_store()
    config.get_settings.cache_clear()


def test_publishing_refuses_a_text_that_deletes_a_published_entry_and_names_it_with_its_lines(store, trainer):
    with pytest.raises(CatalogueInvalid) as refused:
        publish_catalogue(store, WITHOUT_STRATEGY, note="Fahrtkosten statt Mobilität", actor=trainer)
    assert refused.value.problems == [f"Version 2, {MESSAGE}"]
    assert latest_version(store) == 1


def test_retiring_the_entry_instead_is_published(store, trainer):
    assert publish_catalogue(store, RETIRED, note="Mobilität ausgesondert", actor=trainer).number == 2


def test_an_entry_of_an_older_version_is_still_required_after_a_later_version(store, trainer):
    publish_catalogue(store, RETIRED, note="Mobilität ausgesondert", actor=trainer)
    without = RETIRED.replace(STRATEGY + "            ausgesondert: true\n", "")
    with pytest.raises(CatalogueInvalid) as refused:
        publish_catalogue(store, without, note="aufgeräumt", actor=trainer)
    assert "Handlungsstrategie „Mobilität erhöhen“ (id „mobilitaet_erhoehen“" in refused.value.problems[0]
    assert "der Eintrag stand in Version 2" in refused.value.problems[0]


def test_the_catalogue_page_shows_the_same_message_for_a_draft_edited_as_yaml_text(store, trainer):
    draft = start_draft(store, actor=trainer)
    save_draft_text(store, WITHOUT_STRATEGY, revision=draft.revision, actor=trainer)
    check = check_draft(store, actor=trainer)
    assert check.form_problems == [f"Entwurf, {MESSAGE}"]
    assert not check.publishable


def test_catalogue_check_with_store_gives_the_same_message(store, tmp_path, capsys):
    path = tmp_path / "katalog.yaml"
    path.write_text(WITHOUT_STRATEGY, encoding="utf-8")
    assert main(["catalogue", "check", str(path)]) == 0  # the file alone is valid
    capsys.readouterr()
    assert main(["catalogue", "check", str(path), "--store"]) == 1
    assert f"katalog.yaml, {MESSAGE}" in capsys.readouterr().err
