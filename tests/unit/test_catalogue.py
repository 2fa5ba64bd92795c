"""The shipped catalogue holds the seed's table; bad catalogue files give German messages that locate the problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from cli import main as cli_main
from errors import CatalogueInvalid
from schemas.catalogue import SHIPPED_CATALOGUE, load_catalogue, parse_catalogue

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


def test_catalogue_holds_every_entry_of_the_seed_table(catalogue):
    table = {
        feld.label: {b.label: [s.label for s in b.handlungsstrategien] for b in feld.handlungsbedarfe}
        for feld in catalogue.handlungsfelder
    }
    assert table == SEED_TABLE


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
    from schemas.catalogue import _entries_with_path

    entries = [entry for entry, _ in _entries_with_path(catalogue) if hasattr(entry, "label")]
    assert len(entries) > 50
    assert all(entry.id and entry.id != entry.label for entry in entries)


def test_kooperationsplan_example_is_a_valid_catalogue():
    example = SHIPPED_CATALOGUE.parent / "kooperationsplan.example.yaml"
    catalogue = load_catalogue(example)
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


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    text = SHIPPED_CATALOGUE.read_text(encoding="utf-8").replace(
        "    label: Qualifikation\n", "    label: [Qualifikation\n", 1
    )
    (problem,) = problems_of(text, tmp_path)
    assert problem.startswith("kaputt.yaml, Zeile ")
    assert "YAML-Syntax ist fehlerhaft" in problem


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


def test_empty_label_names_the_entry(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][1]["handlungsbedarfe"][0]["label"] = "  "
    (problem,) = problems_of(data, tmp_path)
    assert "Handlungsbedarf „intellektuelle_leistungsfaehigkeit“ › label: Darf nicht leer sein." in problem
    assert ", Zeile " in problem


def test_duplicate_id_names_both_places(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][3]["handlungsbedarfe"][2]["id"] = "oertliche_mobilitaet"
    (problem,) = problems_of(data, tmp_path)
    assert "Die id „oertliche_mobilitaet“ ist doppelt" in problem
    assert "Wohnsituation" in problem and "Örtliche Mobilität" in problem


def test_handlungsbedarf_without_strategy_is_reported(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][2]["handlungsbedarfe"][0]["handlungsstrategien"] = []
    (problem,) = problems_of(data, tmp_path)
    assert "Handlungsbedarf „eigeninitiative_arbeitshaltung“ › handlungsstrategien" in problem
    assert "Braucht mindestens einen Eintrag." in problem


def test_reference_to_unknown_id_is_reported(tmp_path):
    data = shipped_data()
    data["hinweise"][0]["wenn"]["strategie_fehlt"] = ["gibt_es_nicht"]
    (problem,) = problems_of(data, tmp_path)
    assert "hinweise[1] (vorrang_vermittlung): Die Handlungsstrategie „gibt_es_nicht“ gibt es nicht." in problem


def test_invalid_id_and_duplicate_label_are_reported(tmp_path):
    data = shipped_data()
    data["handlungsfelder"][0]["id"] = "Qualifikation!"
    data["uebergreifend"]["handlungsstrategien"][1]["label"] = "Verfügbarkeit überprüfen"
    problems = problems_of(data, tmp_path)
    assert any("Handlungsfeld Nr. 1 › id" in p or "Handlungsfeld „Qualifikation!“ › id" in p for p in problems)
    text = "\n".join(problems)
    assert "Kleinbuchstaben" in text


def test_duplicate_label_among_siblings_is_reported(tmp_path):
    data = shipped_data()
    data["uebergreifend"]["handlungsstrategien"][1]["label"] = "Verfügbarkeit überprüfen"
    (problem,) = problems_of(data, tmp_path)
    assert "Übergreifend: Die Bezeichnung „Verfügbarkeit überprüfen“ kommt mehrfach vor." in problem


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


def test_cli_check_reports_a_missing_file(tmp_path, capsys):
    assert cli_main(["catalogue", "check", str(tmp_path / "fehlt.yaml")]) == 1
    assert "fehlt.yaml: Die Datei kann nicht gelesen werden" in capsys.readouterr().err
