"""The catalogue editor's use cases on a real TinyDB store: draft, check, impact, samples, publish, versions."""

from __future__ import annotations

import pytest

from errors import CatalogueInvalid, InvalidInput, NotPermitted, StaleRevision
from schemas.catalogue import (
    KOOPERATIONSPLAN_BLOCK,
    SHIPPED_CATALOGUE,
    Catalogue,
    load_catalogue,
    parse_catalogue,
    set_version,
    with_vereinbarung,
)
from schemas.records import Client, Profiling, Role, User
from services import catalogue_editor as editor
from services.access import SYSTEM
from services.catalogue import get_catalogue, latest_version
from services.profiling import clone_profiling, save_profiling, start_profiling
from storage.base import Store
from tests.factories import make_profiling, make_user


@pytest.fixture
def draft_rev(store: Store, catalogue: Catalogue, trainer: User) -> int:
    """A draft started from version 1; its revision."""
    return editor.start_draft(store, actor=trainer).revision


def texts(store: Store, actor: User) -> list[str]:
    return [a.aenderung.text for a in editor.check_draft(store, actor=actor).auswirkungen]


def test_added_bedarf_with_strategy_is_published_and_offered_to_new_profilings(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User) -> None:
    draft = editor.add_entry(store, parent="motivation", label="Digitale Kompetenzen", revision=draft_rev,
                             first_strategy="Digitale Grundbildung", actor=trainer)
    check = editor.check_draft(store, actor=trainer)
    assert check.publishable
    assert "neu: Handlungsbedarf „Digitale Kompetenzen“ (in „Motivation“)" in texts(store, trainer)
    version = editor.publish_draft(store, note="Digitales", revision=draft.revision, actor=trainer)
    assert (version.number, version.note, version.published_by) == (2, "Digitales", trainer.username)
    assert store.catalogue_draft() is None
    new = start_profiling(store, client.id, actor=ifk)
    assert new.catalogue_version == 2
    assert "digitale_kompetenzen" in new.handlungsbedarfe
    assert [s.id for s in get_catalogue(store, 2).bedarf("digitale_kompetenzen").handlungsstrategien] == [
        "digitale_grundbildung"]


def test_rename_keeps_the_id_so_no_record_is_orphaned(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User) -> None:
    profiling = store.add(make_profiling(client.id, relevant=["berufserfahrung"],
                                         strategien={"berufserfahrung": ["berufserfahrung_ermoeglichen"]}),
                          actor=ifk)
    rev = editor.rename_entry(store, "berufserfahrung", "Praxiserfahrung", revision=draft_rev, actor=trainer).revision
    rev = editor.rename_entry(store, "berufserfahrung_ermoeglichen", "Praxis ermöglichen", revision=rev,
                              actor=trainer).revision
    assert texts(store, trainer)[:2] == [
        "umbenannt: Handlungsbedarf „Berufserfahrung“ → „Praxiserfahrung“",
        "umbenannt: Handlungsstrategie „Berufserfahrung ermöglichen“ → „Praxis ermöglichen“",
    ]
    editor.publish_draft(store, note="Umbenannt", revision=rev, actor=trainer)
    new = get_catalogue(store, 2)
    assert new.bedarf("berufserfahrung").label == "Praxiserfahrung"
    assert new.label("berufserfahrung_ermoeglichen") == "Praxis ermöglichen"
    clone = clone_profiling(store, profiling.id, actor=ifk)
    assert clone.catalogue_version == 2
    assert clone.handlungsbedarfe["berufserfahrung"].relevant
    assert clone.strategien == {"berufserfahrung": ["berufserfahrung_ermoeglichen"]}


def test_open_profiling_continues_on_its_version_after_a_publish(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User) -> None:
    profiling = store.add(make_profiling(client.id, relevant=["berufliche_qualifikation"],
                                         strategien={"berufliche_qualifikation": ["absolventenmanagement"]}),
                          actor=ifk)
    rev = editor.retire_entry(store, "absolventenmanagement", revision=draft_rev, actor=trainer).revision
    editor.publish_draft(store, note="Aussonderung", revision=rev, actor=trainer)
    saved = save_profiling(store, profiling.model_copy(update={"zielberuf": "Koch"}), actor=ifk)
    assert saved.catalogue_version == 1
    assert saved.strategien == {"berufliche_qualifikation": ["absolventenmanagement"]}
    clone = clone_profiling(store, profiling.id, actor=ifk)
    assert clone.catalogue_version == 2 and clone.strategien == {}


def test_retired_entry_is_not_offered_for_new_profilings(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User) -> None:
    rev = editor.retire_entry(store, "wohnsituation", revision=draft_rev, actor=trainer).revision
    assert "ausgesondert: Handlungsbedarf „Wohnsituation“" in texts(store, trainer)
    rev = editor.retire_entry(store, "wohnsituation", retired=False, revision=rev, actor=trainer).revision
    assert texts(store, trainer) == []
    rev = editor.retire_entry(store, "wohnsituation", revision=rev, actor=trainer).revision
    editor.publish_draft(store, note="Wohnsituation ausgesondert", revision=rev, actor=trainer)
    assert "wohnsituation" not in start_profiling(store, client.id, actor=ifk).handlungsbedarfe
    assert get_catalogue(store, 2).bedarf("wohnsituation").ausgesondert


def test_impact_check_counts_open_profilings_per_changed_entry(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User) -> None:
    for _ in range(2):
        store.add(make_profiling(client.id, relevant=["oertliche_mobilitaet"], integrationsprognose="marktfern",
                                 strategien={"oertliche_mobilitaet": ["mobilitaet_erhoehen"]}), actor=ifk)
    closed = store.add(make_profiling(client.id, relevant=["oertliche_mobilitaet"]), actor=ifk)
    store.close(Profiling, closed.id, revision=closed.revision, actor=ifk)
    rev = editor.retire_entry(store, "mobilitaet_erhoehen", revision=draft_rev, actor=trainer).revision
    rev = editor.rename_entry(store, "marktfern", "marktfern (mehr als 12 Monate)", revision=rev, actor=trainer).revision
    editor.rename_entry(store, "wohnsituation", "Wohnen", revision=rev, actor=trainer)
    counts = {a.aenderung.entry_id: a.offene_profilings
              for a in editor.check_draft(store, actor=trainer).auswirkungen}
    assert counts == {"mobilitaet_erhoehen": 2, "marktfern": 2, "wohnsituation": 0}


def test_invalid_draft_is_refused_with_the_messages_of_catalogue_check(
        store: Store, trainer: User, draft_rev: int, tmp_path) -> None:
    broken = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace("label: Wohnsituation\n", "label: ''\n")
    draft = editor.save_draft_text(store, broken, revision=draft_rev, actor=trainer)
    check = editor.check_draft(store, actor=trainer)
    assert not check.publishable
    (tmp_path / "Entwurf").write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as expected:
        load_catalogue(tmp_path / "Entwurf")  # what `vierphasen catalogue check` prints for this text
    assert check.problems == expected.value.problems
    at, rest = editor.problems_at_entries(draft.text, check.problems)
    assert list(at) == ["wohnsituation"] and rest == []
    with pytest.raises(CatalogueInvalid):
        editor.publish_draft(store, note="Kaputt", revision=draft.revision, actor=trainer)
    assert latest_version(store) == 1 and store.catalogue_draft() is not None


def test_publish_needs_a_note_and_the_checked_revision(store: Store, trainer: User, draft_rev: int) -> None:
    with pytest.raises(CatalogueInvalid):
        editor.publish_draft(store, note="  ", revision=draft_rev, actor=trainer)
    with pytest.raises(StaleRevision):
        editor.publish_draft(store, note="Neu", revision=draft_rev + 1, actor=trainer)
    assert latest_version(store) == 1


def test_a_draft_without_a_change_is_not_published_again(store: Store, trainer: User, draft_rev: int) -> None:
    """Also the draft left behind when publishing was cut off between keeping the version and removing the draft."""
    with pytest.raises(InvalidInput, match="stimmt mit der veröffentlichten Version 1 überein"):
        editor.publish_draft(store, note="Nichts", revision=draft_rev, actor=trainer)
    draft = editor.rename_entry(store, "motivation", "Motivation und Haltung", revision=draft_rev, actor=trainer)
    store.publish_catalogue(set_version(draft.text, 2), note="Umbenannt", actor=trainer)  # the draft stays behind
    with pytest.raises(InvalidInput, match="Version 2"):
        editor.publish_draft(store, note="Umbenannt", revision=draft.revision, actor=trainer)
    assert latest_version(store) == 2 and store.catalogue_draft() is not None
    editor.discard_draft(store, actor=trainer)
    rollback = editor.start_draft(store, actor=trainer, from_version=1)  # going back to an older version is a change
    assert editor.publish_draft(store, note="Zurück", revision=rollback.revision, actor=trainer).number == 3


def test_samples_must_still_fit_the_draft(store: Store, trainer: User, draft_rev: int) -> None:
    # the sample "Marktfern …" chooses leistungsfaehigkeit_feststellen: the Handlungsfeld retired hides its Bedarf
    rev = editor.retire_entry(store, "leistungsfaehigkeit", revision=draft_rev, actor=trainer).revision
    check = editor.check_draft(store, actor=trainer)
    assert check.problems == []
    line = next(n for n, text in enumerate(store.catalogue_draft().text.splitlines(), 1) if "id: beispiel_marktfern" in text)
    assert check.form_problems == [(
        f"Entwurf, Zeile {line}: Beispiel „Marktfern mit gesundheitlichen Einschränkungen“ (beispiel_marktfern): Das Handlungsfeld "
        "„Leistungsfähigkeit“ ist ausgesondert; der relevante Handlungsbedarf „Vermittlungsrelevante gesundheitliche "
        "Einschränkungen“ würde im Formular fehlen.")]
    with pytest.raises(CatalogueInvalid):
        editor.publish_draft(store, note="Feld ausgesondert", revision=rev, actor=trainer)
    # a sample that names a strategy no longer under its Bedarf fails validation itself
    text = store.catalogue_draft().text.replace("leistungsfaehigkeit_feststellen, wohnsituation_stabilisieren]",
                                                "leistungsfaehigkeit_feststellen, mobilitaet_erhoehen]")
    editor.save_draft_text(store, text, revision=rev, actor=trainer)
    problems = editor.check_draft(store, actor=trainer).problems
    assert any("beispiel_marktfern" in p and "„mobilitaet_erhoehen“ gehört zu keinem relevanten" in p
               for p in problems), problems


def test_entries_of_a_published_version_are_retired_not_removed(store: Store, trainer: User, draft_rev: int) -> None:
    with pytest.raises(InvalidInput) as err:
        editor.remove_entry(store, "wohnsituation", revision=draft_rev, actor=trainer)
    assert "ausgesondert, nicht gelöscht" in err.value.message
    rev = editor.add_entry(store, parent="wohnsituation", label="Wohnung suchen", revision=draft_rev,
                           actor=trainer).revision
    rev = editor.remove_entry(store, "wohnung_suchen", revision=rev, actor=trainer).revision
    assert texts(store, trainer) == []


def test_difference_between_versions_names_new_renamed_retired_and_removed(store: Store, catalogue: Catalogue) -> None:
    from schemas.catalogue import set_version

    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
    changed = (text.replace("label: Örtliche Mobilität\n", "label: Mobilität\n")
               .replace("          - id: lernbereitschaft_foerdern\n            label: Lernbereitschaft fördern\n",
                        "          - id: lernbereitschaft_foerdern\n            label: Lernbereitschaft fördern\n"
                        "            ausgesondert: true\n"
                        "          - id: lernen_lernen\n            label: Lernen lernen\n")
               .replace("    - id: mitwirkung_ueberpruefen\n      label: Mitwirkung überprüfen\n", ""))
    trainer = store.add(make_user(role=Role.TRAINER), actor=SYSTEM)
    # stored directly: since a published entry can no longer be deleted, only a version kept from before shows it
    store.publish_catalogue(set_version(changed, 2), note="Test", actor=trainer)
    lines = [c.text for c in editor.compare_versions(store, 1, 2, actor=trainer)]
    assert lines == [
        "ausgesondert: Handlungsstrategie „Lernbereitschaft fördern“",
        "neu: Handlungsstrategie „Lernen lernen“ (in „Lern-/Weiterbildungsbereitschaft“)",
        "umbenannt: Handlungsbedarf „Örtliche Mobilität“ → „Mobilität“",
        "entfernt: Übergreifende Strategie „Mitwirkung überprüfen“ (aus „Übergreifend“)",
    ]


def test_reorder_moves_among_siblings_and_refuses_beyond_the_end(store: Store, trainer: User, draft_rev: int) -> None:
    rev = editor.move_entry(store, "berufliche_qualifikation", -1, revision=draft_rev, actor=trainer).revision
    rev = editor.check_draft(store, actor=trainer).draft.revision
    order = [b.id for b in parse_catalogue(store.catalogue_draft().text).handlungsfelder[0].handlungsbedarfe]
    assert order[:2] == ["berufliche_qualifikation", "schulische_qualifikation"]
    assert texts(store, trainer) == ["Reihenfolge geändert: in „Qualifikation“"]
    with pytest.raises(InvalidInput):
        editor.move_entry(store, "berufliche_qualifikation", -1, revision=rev, actor=trainer)


def test_two_trainers_cannot_overwrite_each_other(store: Store, trainer: User, draft_rev: int) -> None:
    colleague = store.add(make_user(role=Role.KDN, username="kdn.karl"), actor=SYSTEM)
    editor.rename_entry(store, "wohnsituation", "Wohnen", revision=draft_rev, actor=colleague)
    with pytest.raises(StaleRevision) as err:
        editor.rename_entry(store, "wohnsituation", "Wohnung", revision=draft_rev, actor=trainer)
    assert "kdn.karl" in err.value.message
    assert "label: Wohnen" in store.catalogue_draft().text
    with pytest.raises(InvalidInput):
        editor.start_draft(store, actor=trainer)


def test_import_makes_a_file_the_draft_and_checks_it(store: Store, trainer: User, catalogue: Catalogue) -> None:
    with pytest.raises(InvalidInput):
        editor.import_draft(store, "version: 1\n".encode("utf-16"), filename="k.yaml", revision=None, actor=trainer)
    example = with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                                KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8")).encode("utf-8")
    draft = editor.import_draft(store, example, filename="kooperationsplan.example.yaml", revision=None,
                                actor=trainer)
    assert draft.base_version == 1
    lines = texts(store, trainer)
    assert "geändert: Vereinbarung Kurzname „EGV“ → „Kooperationsplan“" in lines
    with pytest.raises(StaleRevision):
        editor.import_draft(store, example, filename="k.yaml", revision=None, actor=trainer)


def test_agreement_and_hint_texts_are_edited_in_the_draft(store: Store, trainer: User, draft_rev: int) -> None:
    rev = editor.edit_agreement(store, kurzname="Kooperationsplan", titel="Kooperationsplan",
                                rechtsgrundlage="§ 15 SGB II", revision=draft_rev, actor=trainer).revision
    editor.edit_hint(store, "reha_verweis", "Bitte an die BA als Reha-Trägerin verweisen.", revision=rev, actor=trainer)
    check = editor.check_draft(store, actor=trainer)
    assert check.publishable
    assert check.catalogue.vereinbarung.kurzname == "Kooperationsplan"
    assert "geändert: Hinweis „reha_verweis“" in texts(store, trainer)


def test_new_ids_are_readable_and_unique(store: Store, trainer: User, draft_rev: int) -> None:
    rev = editor.add_entry(store, parent="uebergreifend", label="Übergänge größer gestalten", revision=draft_rev,
                           actor=trainer).revision
    editor.add_entry(store, parent="uebergreifend", label="Übergänge größer gestalten!", revision=rev, actor=trainer)
    ids = [s.id for s in editor.check_draft(store, actor=trainer).catalogue.uebergreifend.handlungsstrategien]
    assert ids[-2:] == ["uebergaenge_groesser_gestalten", "uebergaenge_groesser_gestalten_2"]


def test_caseworker_and_fachaufsicht_may_not_edit(store: Store, ifk: User, fachaufsicht: User, draft_rev: int) -> None:
    for actor in (ifk, fachaufsicht):
        with pytest.raises(NotPermitted):
            editor.rename_entry(store, "wohnsituation", "Wohnen", revision=draft_rev, actor=actor)
        with pytest.raises(NotPermitted):
            editor.publish_draft(store, note="x", revision=draft_rev, actor=actor)
    assert latest_version(store) == 1


def test_import_of_a_file_not_in_utf8_says_to_save_it_as_utf8(store: Store, trainer: User, catalogue: Catalogue) -> None:
    with pytest.raises(InvalidInput) as err:
        editor.import_draft(store, "version: 1\n# Übergänge\n".encode("cp1252"), filename="k.yaml", revision=None,
                            actor=trainer)
    assert err.value.message.startswith("„k.yaml“, Zeile 2: Die Datei ist nicht als UTF-8 gespeichert")
    assert store.catalogue_draft() is None


@pytest.mark.parametrize("bad", ["x", "", "0", "-1", "1.5", True])
def test_comparing_with_a_bad_version_number_is_a_german_domain_error(store: Store, trainer: User,
                                                                       catalogue: Catalogue, bad) -> None:
    with pytest.raises(InvalidInput) as err:
        editor.compare_versions(store, "1", bad, actor=trainer)
    assert err.value.message == f"„{bad}“ ist keine Versionsnummer. Bitte eine ganze Zahl ab 1 angeben."
    assert editor.compare_versions(store, "1", " 1 ", actor=trainer) == []


def test_problems_are_placed_at_the_entry_they_are_about(store: Store, trainer: User, draft_rev: int) -> None:
    text = store.catalogue_draft().text
    strategy = "          - id: wohnsituation_stabilisieren\n            label: Wohnsituation stabilisieren\n"
    twice = strategy + strategy.replace("id: wohnsituation_stabilisieren", "id: wohnung_sichern")
    text = (text.replace(strategy, twice, 1)  # a second strategy with the same label
            .replace("            label: Mobilität erhöhen\n", "            label: ''\n", 1)
            .replace("strategie_fehlt: [vermittlung_arbeit_ausbildung]", "strategie_fehlt: [gibt_es_nicht]", 1)
            .replace("          - id: lernbereitschaft_foerdern\n",  # a strategy repeating the id of another one
                     "          - id: perspektiven_veraendern\n", 1))
    draft = editor.save_draft_text(store, text, revision=draft_rev, actor=trainer)
    problems = editor.check_draft(store, actor=trainer).problems
    at, rest = editor.problems_at_entries(draft.text, problems)
    assert rest == []
    assert [p.split(": ", 1)[1] for p in at["wohnung_sichern"]] == [
        ("Handlungsbedarf „Wohnsituation“: Die Bezeichnung „Wohnsituation stabilisieren“ kommt mehrfach vor, zuerst "
        f"in Zeile {text.splitlines().index('            label: Wohnsituation stabilisieren') + 1}.")]
    assert "wohnsituation_stabilisieren" not in at and "wohnsituation" not in at
    assert [p.split(": ", 1)[1] for p in at["mobilitaet_erhoehen"]] == [
        ("Handlungsfeld „rahmenbedingungen“ › Handlungsbedarf „oertliche_mobilitaet“ › "
        "Handlungsstrategie „mobilitaet_erhoehen“ › label: Darf nicht leer sein.")]
    assert "oertliche_mobilitaet" not in at
    assert at["vorrang_vermittlung"][0].endswith("Hinweis „vorrang_vermittlung“: Die Handlungsstrategie "
                                                 "„gibt_es_nicht“ gibt es nicht.")
    # the duplicate id is shown at the strategy that repeats it, not at its parent Handlungsbedarf
    assert any("Die id „perspektiven_veraendern“ ist doppelt" in p for p in at["perspektiven_veraendern"])
    assert "lern_weiterbildungsbereitschaft" not in at


def test_impact_check_reads_open_profilings_once_per_draft_revision(
        store: Store, trainer: User, draft_rev: int, client: Client, ifk: User, monkeypatch) -> None:
    store.add(make_profiling(client.id, relevant=["wohnsituation"]), actor=ifk)
    reads = []
    original = store.open_profilings
    monkeypatch.setattr(store, "open_profilings", lambda: reads.append(1) or original())
    rev = editor.add_entry(store, parent="uebergreifend", label="Neu", revision=draft_rev, actor=trainer).revision
    check = editor.check_draft(store, actor=trainer)
    assert reads == [] and check.gezaehlt_am is None  # only a new entry: nothing open profilings could use
    rev = editor.retire_entry(store, "wohnsituation", revision=rev, actor=trainer).revision
    for _ in range(3):  # the Katalog page reruns
        counts = {a.aenderung.entry_id: a.offene_profilings for a in editor.check_draft(store, actor=trainer).auswirkungen}
    assert reads == [1]
    assert counts["wohnsituation"] == 1
    editor.rename_entry(store, "wohnsituation", "Wohnen", revision=rev, actor=trainer)
    editor.check_draft(store, actor=trainer)
    assert reads == [1, 1]  # a changed draft is counted anew
