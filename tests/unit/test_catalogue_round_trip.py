"""The tree editor keeps the trainers' YAML as they wrote it (comments, flow lists, folded texts, order) through
every edit, and warns about sibling labels that differ only in case or spacing (page and CLI alike)."""

from __future__ import annotations

from pathlib import Path

from cli import main
from schemas.catalogue import SHIPPED_CATALOGUE, label_warnings
from schemas.records import User
from services import catalogue_editor as editor
from storage.base import Store

SHIPPED = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
TRAINER_NOTE = "      # Trainerin Berg, 03/2026: mit dem Team Integration abgestimmt\n"
OTHER_NOTE = "      # Zahlen aus der Schuldnerberatung 2025\n"
WRITTEN = SHIPPED.replace("      - id: wohnsituation\n", TRAINER_NOTE + "      - id: wohnsituation\n").replace(
    "      - id: finanzielle_situation\n", OTHER_NOTE + "      - id: finanzielle_situation\n").replace(
    "            label: Mobilität erhöhen\n", "            label: Mobilität erhöhen  # oft gewählt\n")


def kept(text: str) -> list[str]:
    """The lines a tree edit must not touch: every comment, the flow lists and folded texts of hints/samples."""
    return [line for line in text.splitlines()
            if line.lstrip().startswith("#") or "# oft gewählt" in line or ": [" in line or line.endswith(">-")]


def test_every_tree_edit_keeps_comments_and_formatting(store: Store, catalogue, trainer: User) -> None:
    rev = editor.start_draft(store, actor=trainer).revision
    rev = editor.save_draft_text(store, WRITTEN, revision=rev, actor=trainer).revision
    expected = kept(WRITTEN)
    assert len(expected) >= 40
    edits = [
        lambda r: editor.add_entry(store, parent="rahmenbedingungen", label="Schulden", first_strategy="Beratung",
                                   revision=r, actor=trainer),
        lambda r: editor.add_entry(store, parent="handlungsfelder", label="Digitales", revision=r, actor=trainer),
        lambda r: editor.add_entry(store, parent="uebergreifend", label="Coaching", revision=r, actor=trainer),
        lambda r: editor.add_entry(store, parent="oertliche_mobilitaet",
                                   label="Führerschein", revision=r, actor=trainer),
        lambda r: editor.rename_entry(store, "wohnsituation", "Wohnen", revision=r, actor=trainer),
        lambda r: editor.move_entry(store, "wohnsituation", -1, revision=r, actor=trainer),
        lambda r: editor.retire_entry(store, "finanzielle_situation_stabilisieren", revision=r, actor=trainer),
        lambda r: editor.retire_entry(store, "finanzielle_situation_stabilisieren", retired=False, revision=r,
                                      actor=trainer),
        lambda r: editor.remove_entry(store, "coaching", revision=r, actor=trainer),
        lambda r: editor.edit_agreement(store, kurzname="EGV", titel="Eingliederungsvereinbarung",
                                        rechtsgrundlage="§ 15 SGB II (alt)", revision=r, actor=trainer),
    ]
    for number, edit in enumerate(edits):
        rev = edit(rev).revision
        text = store.catalogue_draft().text
        assert [line for line in expected if line not in text] == []
        lines = text.splitlines()
        if number == 3:  # a strategy appended just above the note: the note still stands above its entry
            assert lines[lines.index(TRAINER_NOTE.rstrip("\n")) + 1] == "      - id: wohnsituation"
    # reordering keeps every comment; one above an entry stays at its place in the list
    assert lines[lines.index(OTHER_NOTE.rstrip("\n")) + 1] == "      - id: finanzielle_situation"
    assert "            label: Mobilität erhöhen  # oft gewählt" in lines
    assert "label: Wohnen" in text and "id: schulden" in text and "rechtsgrundlage: § 15 SGB II (alt)" in text
    problems = editor.check_draft(store, actor=trainer).problems  # only the new, still empty Handlungsfeld
    assert problems and all("Handlungsfeld „digitales“ › handlungsbedarfe" in p for p in problems)


def test_editing_a_hint_keeps_the_other_hints_folded_and_all_comments(store: Store, catalogue, trainer) -> None:
    rev = editor.start_draft(store, actor=trainer).revision
    rev = editor.save_draft_text(store, WRITTEN, revision=rev, actor=trainer).revision
    editor.edit_hint(store, "foerder_check", "Förder-Check: passgenau, erfolgswahrscheinlich, wirtschaftlich.",
                     revision=rev, actor=trainer)
    text = store.catalogue_draft().text
    assert [line for line in kept(WRITTEN) if line not in text] == []
    assert "    text: >-\n      Förder-Check: passgenau, erfolgswahrscheinlich, wirtschaftlich.\n" in text


ALIKE = SHIPPED.replace("            label: Mobilität erhöhen\n",
                        "            label: Mobilität erhöhen\n          - id: mobil_2\n            label: mobilität  Erhöhen\n")
LINE = ALIKE.splitlines().index("            label: mobilität  Erhöhen") + 1
WARNING = (f"Zeile {LINE}: Hinweis – Handlungsbedarf „Örtliche Mobilität“: Die Bezeichnungen „Mobilität erhöhen“ und "
           "„mobilität  Erhöhen“ unterscheiden sich nur in Groß-/Kleinschreibung oder Leerzeichen; bitte eindeutig "
           f"benennen. Die erste steht in Zeile {LINE - 2}.")


def test_labels_differing_only_in_case_or_spacing_are_warned_about_on_the_page_and_by_the_cli(
        store: Store, catalogue, trainer: User, tmp_path: Path, capsys) -> None:
    assert label_warnings(SHIPPED) == []
    rev = editor.start_draft(store, actor=trainer).revision
    editor.save_draft_text(store, ALIKE, revision=rev, actor=trainer)
    check = editor.check_draft(store, actor=trainer)
    assert check.warnings == [f"Entwurf, {WARNING}"]
    assert check.publishable  # a warning, not an error
    path = tmp_path / "katalog.yaml"
    path.write_text(ALIKE, encoding="utf-8")
    assert main(["catalogue", "check", str(path)]) == 0
    assert f"katalog.yaml, {WARNING}" in capsys.readouterr().out
