"""The shipped catalogue holds the seed's table; bad catalogue files give German messages that locate the problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from cli import main as cli_main
from errors import CatalogueInvalid
from schemas.catalogue import (
    KOOPERATIONSPLAN_BLOCK,
    SHIPPED_CATALOGUE,
    load_catalogue,
    parse_catalogue,
    with_vereinbarung,
)

# Written from the seed's table in chapter 4.3 (Schlüsselgruppe → Handlungsbedarf → Handlungsstrategien).
SEED_TABLE = {
    "Qualifikation": {
        "Schulische Qualifikation": [
            "Schulabschluss erwerben",
            "Berufsausbildung vorbereiten (nur AusbV und/oder Reha)",
        ],
        "Berufliche Qualifikation": [
            "Berufliche (Teil-) Qualifikation realisieren",
            "Berufsabschluss erwerben",
            "Absolventenmanagement",
            "Ausländische Bildungsabschlüsse/ Qualifikationen/ Zertifikate anerkennen",
        ],
        "Berufserfahrung": ["Berufserfahrung ermöglichen"],
        "Sprachkenntnisse": [
            "Deutsche Sprachkenntnisse erwerben bzw. verbessern",
            "Integrationsrelevante Fremdsprachkenntnisse erwerben",
        ],
    },
    "Leistungsfähigkeit": {
        "Intellektuelle Leistungsfähigkeit": [
            "Intellektuelle Leistungsfähigkeit",
            "Leistungsfähigkeit fördern",
            "Gesundheitlich angemessene Beschäftigung realisieren",
        ],
        "Vermittlungsrelevante gesundheitliche Einschränkungen": [
            "Leistungsfähigkeit feststellen",
            "Leistungsfähigkeit fördern",
            "Gesundheitlich angemessene Beschäftigung realisieren",
        ],
        "Arbeits- und Sozialverhalten": [
            "Heranführen an das Arbeitsleben (Tagesstruktur herstellen)",
            "Arbeits- und Sozialverhalten stärken",
        ],
    },
    "Motivation": {
        "Eigeninitiative/Arbeitshaltung": ["Perspektiven verändern"],
        "Lern-/Weiterbildungsbereitschaft": ["Lernbereitschaft fördern"],
    },
    "Rahmenbedingungen": {
        "Persönliche Rahmenbedingungen": ["Individuelle Wettbewerbsnachteile ausgleichen"],
        "Örtliche Mobilität": ["Mobilität erhöhen"],
        "Wohnsituation": ["Wohnsituation stabilisieren"],
        "Familiäre Situation (inkl. Betreuungsverhältnisse)": [
            "Betreuungsverhältnisse für Kinder schaffen bzw. ausbauen",
            "Betreuungsverhältnisse für zu pflegende Angehörige schaffen bzw. ausbauen",
            "Familiäre Situation stabilisieren",
        ],
        "Finanzielle Situation": ["Finanzielle Situation stabilisieren"],
    },
}
SEED_UEBERGREIFEND = [
    "Vermittlung in Arbeit/ Ausbildung 1. AMA",
    "Beschäftigungsaufnahme aktiv stabilisieren",
    "Nachhaltiger Übergang in Selbständigkeit",
    "Verfügbarkeit überprüfen",
    "Mitwirkung überprüfen",
    "Beendigung oder Verringerung der Hilfebedürftigkeit von Beschäftigten",
    "Beendigung oder Verringerung der Hilfebedürftigkeit von Selbständigen",
]
SEED_FOLGEGESPRAECH = [
    "Abgleich der EGV mit dem tatsächlichen Stand der Umsetzung",
    "Überprüfung von Profiling, Ziel und Strategieauswahl",
    "Besprechung von Bewerbungsaktivitäten",
    "Vereinbarung nächster Schritte",
]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(SHIPPED_CATALOGUE)


def test_catalogue_holds_every_entry_of_the_seed_table_in_its_order(catalogue):
    table = [
        (feld.label, [(b.label, [s.label for s in b.handlungsstrategien]) for b in feld.handlungsbedarfe])
        for feld in catalogue.handlungsfelder
    ]
    # lists, not dicts: the forms show Handlungsfelder, Bedarfe and strategies in the seed's order
    assert table == [(feld, list(bedarfe.items())) for feld, bedarfe in SEED_TABLE.items()]


def test_catalogue_holds_uebergreifend_prognose_and_profillagen_with_their_remarks(catalogue):
    assert catalogue.uebergreifend.label == "Übergreifend"
    assert catalogue.uebergreifend.bemerkung == "Auswahl optional und unabhängig von festgestellten Handlungsbedarfen"
    assert [s.label for s in catalogue.uebergreifend.handlungsstrategien] == SEED_UEBERGREIFEND
    assert catalogue.integrationsprognose.bemerkung == (
        "Auswahl individuell und abhängig von festgestellten Handlungsbedarfen"
    )
    assert [o.label for o in catalogue.integrationsprognose.optionen] == [
        "marktnah (< 12 Monate)",
        "marktfern (> 12 Monate)",
    ]
    lagen = {o.id: o for o in catalogue.profillagen.optionen}
    assert "Zuordnung nicht erforderlich" in lagen["z"].label
    assert "§ 10 SGB II" in lagen["z"].beschreibung
    assert "integriert, aber hilfebedürftig" in lagen["i"].label


def test_catalogue_holds_folgegespraech_activities_agreement_and_hints(catalogue):
    assert [a.label for a in catalogue.folgegespraech.aktivitaeten] == SEED_FOLGEGESPRAECH
    assert (catalogue.vereinbarung.kurzname, catalogue.vereinbarung.rechtsgrundlage) == ("EGV", "§ 15 SGB II")
    assert catalogue.vereinbarung.titel == "Eingliederungsvereinbarung"
    hints = {h.id: h for h in catalogue.hinweise}
    assert hints["vorrang_vermittlung"].wenn.strategie_fehlt == ["vermittlung_arbeit_ausbildung"]
    assert hints["vorrang_vermittlung"].wenn.prognose == "marktnah"
    assert "ärztlichen bzw. psychologischen Dienst" in hints["gesundheit_alternative"].text
    assert "Reha-Trägerin" in hints["reha_verweis"].text


def test_every_entry_has_a_stable_id_separate_from_its_label(catalogue):
    from schemas.catalogue import walk

    entries = [place.entry for place in walk(catalogue) if hasattr(place.entry, "label")]
    assert len(entries) > 50
    assert all(entry.id and entry.id != entry.label for entry in entries)


def test_kooperationsplan_example_is_a_valid_catalogue():
    text = with_vereinbarung(SHIPPED_CATALOGUE.read_text(encoding="utf-8"),
                             KOOPERATIONSPLAN_BLOCK.read_text(encoding="utf-8"))
    catalogue = parse_catalogue(text, source=KOOPERATIONSPLAN_BLOCK.name)
    assert catalogue.vereinbarung.kurzname == "Kooperationsplan"
    assert catalogue.vereinbarung.unterschriften is False


# --- bad files ----------------------------------------------------------------------------------


def shipped_data() -> dict:
    return yaml.safe_load(SHIPPED_CATALOGUE.read_text(encoding="utf-8"))


def problems_of(data_or_text, tmp_path: Path, name: str = "kaputt.yaml") -> list[str]:
    text = data_or_text if isinstance(data_or_text, str) else yaml.safe_dump(
        data_or_text, allow_unicode=True, sort_keys=False
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as caught:
        load_catalogue(path)
    assert caught.value.problems
    return caught.value.problems


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


def test_yaml_syntax_error_names_file_and_line_in_german(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "    label: Qualifikation\n", "    label: [Qualifikation\n", 1
    )
    (problem,) = problems_of(text, tmp_path)
    opened = line_of(text, "    label: [Qualifikation")
    assert problem == (
        f"kaputt.yaml, Zeile {opened + 1}: Die YAML-Syntax ist fehlerhaft: In der Liste in eckigen Klammern fehlt "
        f"ein Komma oder die schließende Klammer „]“. Geöffnet wurde in Zeile {opened}."
    )


# PyYAML's most common problems; none of its English words may reach the trainer.
YAML_MISTAKES = {
    "colon_in_text": ("version: 1\nhandlungsfelder: Hinweis: nicht erlaubt\n", 2, "Doppelpunkt"),
    "indentation": ("version: 1\nhandlungsfelder:\n  - id: a\n    label: A\n   x: 1\n", 5, "Einrückung"),
    "tab": ("version: 1\nhandlungsfelder:\n\t- id: a\n", 3, "Tabulator"),
    "open_quote": ('version: 1\nhandlungsfelder: "offen\n', 3, "Anführungszeichen"),
    "open_brace": ("version: 1\nuebergreifend: {label: A\nprofillagen: x\n", 3, "„}“"),
    "star": ("version: 1\nuebergreifend: *fett*\n", 2, "„*“"),
    "at_sign": ("version: 1\nuebergreifend: @team\n", 2, "„@“"),
    "exclamation": ("version: 1\nuebergreifend: !wichtig\n", 2, "„!“"),
    "two_documents": ("version: 1\n---\nversion: 2\n", 2, "mehr als einen Katalog"),
    "list_after_colon": ("version: 1\nhandlungsfelder: - id: a\n", 2, "Listeneintrag"),
    "missing_colon": ("version: 1\nhandlungsfelder:\n - id: a\n label\n", 5, "Doppelpunkt"),
}
ENGLISH = ("expected", "found", "mapping", "while", "not allowed", "could not", "character", "document", "stream")


@pytest.mark.parametrize("name", YAML_MISTAKES)
def test_common_yaml_mistakes_are_explained_in_german(tmp_path, name):
    text, line, hint = YAML_MISTAKES[name]
    (problem,) = problems_of(text, tmp_path)
    assert problem.startswith(f"kaputt.yaml, Zeile {line}: Die YAML-Syntax ist fehlerhaft: ")
    assert hint in problem
    assert not [word for word in ENGLISH if word in problem.lower()], problem


def test_unknown_yaml_problem_falls_back_to_a_german_sentence():
    from schemas.catalogue.load import _yaml_message

    error = yaml.YAMLError()
    error.problem = "something PyYAML has never said before"
    assert _yaml_message(error, "k.yaml") == (
        "k.yaml: Die YAML-Syntax ist fehlerhaft: Die Zeile lässt sich nicht lesen; bitte Einrückung, Doppelpunkte, "
        "Anführungszeichen und Klammern in dieser Zeile und der Zeile davor prüfen.")


def test_repeated_key_is_refused_with_entry_and_line(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "            label: Schulabschluss erwerben\n",
        "            label: Schulabschluss erwerben\n            label: Hauptschulabschluss\n", 1)
    (problem,) = problems_of(text, tmp_path)
    first = line_of(text, "            label: Schulabschluss erwerben")
    assert problem == (
        f"kaputt.yaml, Zeile {first + 1}: Eintrag „schulabschluss_erwerben“: Der Schlüssel „label“ steht doppelt "
        f"(zuerst in Zeile {first}); es gilt nur einer. Bitte löschen Sie eine der beiden Zeilen.")


def test_file_that_is_not_utf8_asks_to_save_it_as_utf8(tmp_path):
    path = tmp_path / "windows.yaml"
    path.write_bytes(SHIPPED_CATALOGUE.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(CatalogueInvalid) as caught:
        load_catalogue(path)
    (problem,) = caught.value.problems
    assert problem.startswith("windows.yaml, Zeile ")
    assert "nicht als UTF-8 gespeichert" in problem and "Codierung „UTF-8“" in problem


def test_empty_file_is_reported(tmp_path):
    assert problems_of("   \n# nur ein Kommentar\n", tmp_path) == ["kaputt.yaml: Die Datei ist leer."]


def test_unknown_key_names_entry_and_line(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "          - id: schulabschluss_erwerben\n",
        "          - id: schulabschluss_erwerben\n            lable: Tippfehler\n",
        1,
    )
    (problem,) = problems_of(text, tmp_path)
    line = text.splitlines().index("            lable: Tippfehler") + 1
    assert problem.startswith(f"kaputt.yaml, Zeile {line}: ")
    assert "Handlungsstrategie „schulabschluss_erwerben“ › lable" in problem
    assert "Unbekannter Schlüssel" in problem


def test_missing_key_is_reported(tmp_path):
    data = shipped_data()
    del data["vereinbarung"]["rechtsgrundlage"]
    (problem,) = problems_of(data, tmp_path)
    assert "vereinbarung › rechtsgrundlage: Pflichtangabe fehlt." in problem


def test_label_with_nothing_after_it_must_not_be_empty(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace("    label: Qualifikation\n", "    label:\n", 1)
    (problem,) = problems_of(text, tmp_path)
    assert problem == (f"kaputt.yaml, Zeile {line_of(text, '    label:')}: Handlungsfeld „qualifikation“ › label: "
                       "Darf nicht leer sein.")


def test_empty_label_names_the_entry(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][1]["handlungsbedarfe"][0]["label"] = "  "
    (problem,) = problems_of(data, tmp_path)
    assert "Handlungsbedarf „intellektuelle_leistungsfaehigkeit“ › label: Darf nicht leer sein." in problem
    assert ", Zeile " in problem


def test_duplicate_id_names_both_places_with_their_lines(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace("      - id: wohnsituation\n",
                                                                 "      - id: oertliche_mobilitaet\n", 1)
    problems = problems_of(text, tmp_path)
    first = line_of(text, "      - id: oertliche_mobilitaet")
    second = text.splitlines().index("      - id: oertliche_mobilitaet", first) + 1
    assert (f"kaputt.yaml, Zeile {second}: Handlungsbedarf „Wohnsituation“: Die id „oertliche_mobilitaet“ ist doppelt, "
            f"schon bei Handlungsbedarf „Örtliche Mobilität“ in Zeile {first}.") in problems


def test_handlungsbedarf_without_strategy_is_reported(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][2]["handlungsbedarfe"][0]["handlungsstrategien"] = []
    (problem,) = problems_of(data, tmp_path)
    assert "Handlungsbedarf „eigeninitiative_arbeitshaltung“ › handlungsstrategien" in problem
    assert "Braucht mindestens einen Eintrag." in problem


def test_reference_to_unknown_id_is_reported_with_its_line(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "strategie_fehlt: [vermittlung_arbeit_ausbildung]", "strategie_fehlt: [gibt_es_nicht]", 1)
    (problem,) = problems_of(text, tmp_path)
    line = line_of(text, "      strategie_fehlt: [gibt_es_nicht]")
    assert problem == (f"kaputt.yaml, Zeile {line}: Hinweis „vorrang_vermittlung“: Die Handlungsstrategie "
                       "„gibt_es_nicht“ gibt es nicht.")


def test_unknown_handlungsbedarf_is_named_in_correct_german(tmp_path):
    data = shipped_data()
    data["hinweise"][1]["wenn"]["bedarf_relevant"] = ["gibt_es_nicht"]
    (problem,) = problems_of(data, tmp_path)
    assert ": Den Handlungsbedarf „gibt_es_nicht“ gibt es nicht." in problem


def test_invalid_id_and_duplicate_label_are_reported(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][0]["id"] = "Qualifikation!"
    data["uebergreifend"]["handlungsstrategien"][1]["label"] = "Verfügbarkeit überprüfen"
    problems = problems_of(data, tmp_path)
    assert len(problems) == 2
    assert "Handlungsfeld „Qualifikation!“ › id: Die id darf nur Kleinbuchstaben" in problems[0]
    assert "übergreifende Strategien: Die Bezeichnung „Verfügbarkeit überprüfen“ kommt mehrfach vor" in problems[1]


def test_duplicate_label_among_siblings_is_reported(tmp_path):
    data = shipped_data()
    data["uebergreifend"]["handlungsstrategien"][1]["label"] = "Verfügbarkeit überprüfen"
    (problem,) = problems_of(data, tmp_path)
    assert problem.startswith("kaputt.yaml, Zeile ")
    assert "übergreifende Strategien: Die Bezeichnung „Verfügbarkeit überprüfen“ kommt mehrfach vor, zuerst in Zeile " in problem


def test_several_problems_are_all_reported(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][0]["label"] = ""
    data["folgegespraech"]["aktivitaeten"][0]["farbe"] = "rot"
    assert len(problems_of(data, tmp_path)) == 2


def test_parse_catalogue_accepts_text_and_names_source():
    data = copy.deepcopy(shipped_data())
    data["version"] = 0
    with pytest.raises(CatalogueInvalid) as caught:
        parse_catalogue(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), source="Entwurf")
    assert caught.value.problems[0].startswith("Entwurf, Zeile 1: version: Muss mindestens 1 sein.")


# --- the command line ---------------------------------------------------------------------------


def test_cli_check_prints_ok_with_counts(capsys):
    assert cli_main(["catalogue", "check", str(SHIPPED_CATALOGUE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    assert "4 Handlungsfelder, 14 Handlungsbedarfe, 26 Handlungsstrategien, 7 übergreifende Strategien" in out


def test_cli_check_prints_messages_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("version: 1\nhandlungsfelder: []\n", encoding="utf-8")
    assert cli_main(["catalogue", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Der Katalog ist fehlerhaft" in err
    assert "kaputt.yaml, Zeile 2: handlungsfelder: Braucht mindestens einen Eintrag." in err
    assert "uebergreifend: Pflichtangabe fehlt." in err


RETIRED_STRATEGIES = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
    "          - id: wohnsituation_stabilisieren\n",
    "          - id: wohnsituation_stabilisieren\n            ausgesondert: true\n", 1)
UNRENDERABLE_SAMPLE = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
    "  - id: leistungsfaehigkeit\n    label: Leistungsfähigkeit\n",
    "  - id: leistungsfaehigkeit\n    label: Leistungsfähigkeit\n    ausgesondert: true\n", 1)


@pytest.mark.parametrize(("text", "expected"), [
    (RETIRED_STRATEGIES, "Handlungsbedarf „Wohnsituation“: Jede Handlungsstrategie ist ausgesondert."),
    (UNRENDERABLE_SAMPLE, ("Beispiel „Marktfern mit gesundheitlichen Einschränkungen“ (beispiel_marktfern): Das "
                          "Handlungsfeld „Leistungsfähigkeit“ ist ausgesondert")),
], ids=["every_strategy_retired", "sample_no_longer_renders"])
def test_cli_check_refuses_what_publishing_refuses(tmp_path, capsys, store, trainer, text, expected):
    from errors import CatalogueInvalid as Refused
    from services.catalogue import publish_catalogue

    path = tmp_path / "katalog.yaml"
    path.write_text(text, encoding="utf-8")
    assert cli_main(["catalogue", "check", str(path)]) == 1
    err = capsys.readouterr().err
    entry = "      - id: wohnsituation" if "Wohnsituation" in expected else "  - id: beispiel_marktfern"
    assert f"- katalog.yaml, Zeile {line_of(text, entry)}: {expected}" in err
    with pytest.raises(Refused) as refused:
        publish_catalogue(store, text, note="Prüfung", actor=trainer)
    assert any(expected in problem for problem in refused.value.problems)


def test_cli_check_reports_a_missing_file(tmp_path, capsys):
    assert cli_main(["catalogue", "check", str(tmp_path / "fehlt.yaml")]) == 1
    assert "fehlt.yaml: Die Datei kann nicht gelesen werden" in capsys.readouterr().err
