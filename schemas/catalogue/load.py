"""Loading catalogue YAML with German messages: the file's bytes and syntax, the model's fields and the rules
across entries (rules.py), each message with the file's name and line; also the hints on labels that differ only
in case, and the line of every entry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from errors import CatalogueInvalid
from schemas.catalogue.model import LENIENT, Catalogue
from schemas.catalogue.rules import Problem, path_text, rule_problems
from schemas.catalogue.walk import Loc, walk


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml: ten times faster
    """The safe YAML loader, noting every key that a mapping repeats (PyYAML silently keeps the last one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[yaml.Node, yaml.Node, int]] = []  # (mapping, repeated key, line of the first)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                if key_node.value in first:
                    self.repeated.append((node, key_node, first[key_node.value]))
                else:
                    first[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)



# --- loading with German messages --------------------------------------------------------------

_MESSAGES = {
    "missing": "Pflichtangabe fehlt.",
    "extra_forbidden": "Unbekannter Schlüssel – bitte Schreibweise prüfen.",
    "string_too_short": "Darf nicht leer sein.",
    "too_short": "Braucht mindestens einen Eintrag.",
    "string_pattern_mismatch": "Die id darf nur Kleinbuchstaben, Ziffern und _ enthalten und muss mit einem "
    "Buchstaben beginnen.",
    "string_type": "Hier wird ein Text erwartet.",
    "list_type": "Hier wird eine Liste (Zeilen mit „- “) erwartet.",
    "bool_parsing": "Hier wird true oder false erwartet.",
    "bool_type": "Hier wird true oder false erwartet.",
    "int_parsing": "Hier wird eine ganze Zahl erwartet.",
    "int_type": "Hier wird eine ganze Zahl erwartet.",
    "greater_than_equal": "Muss mindestens 1 sein.",
    "model_type": "Hier wird ein Abschnitt mit Schlüsseln erwartet.",
    "dict_type": "Hier wird ein Abschnitt mit Schlüsseln erwartet.",
    "string_too_long": "Der Text ist zu lang.",
}


#: The messages for a missing value (`label:` with nothing after it), by the type expected.
_EMPTY = {
    "list_type": "Darf nicht leer sein; hier wird eine Liste (Zeilen mit „- “) erwartet.",
    "model_type": "Darf nicht leer sein; hier wird ein Abschnitt mit Schlüsseln erwartet.",
    "dict_type": "Darf nicht leer sein; hier wird ein Abschnitt mit Schlüsseln erwartet.",
}

#: PyYAML's problem texts (libyaml's and the pure-Python parser's), in German.
_YAML_PROBLEMS = (
    (r"expected ',' or '\]'", "In der Liste in eckigen Klammern fehlt ein Komma oder die schließende Klammer „]“"),
    (r"expected ',' or '\}'", "Im Abschnitt in geschweiften Klammern fehlt ein Komma oder die schließende Klammer „}“"),
    (r"mapping values are not allowed", ("Hier steht ein Doppelpunkt, wo kein Schlüssel beginnen kann. Enthält der "
     "Text einen Doppelpunkt, bitte ihn in Anführungszeichen setzen; sonst fehlt ein Zeilenumbruch")),
    (r"expected key|expected <block end>", ("Die Einrückung passt nicht: Die Zeile gehört weder zum Abschnitt darüber "
     "noch beginnt sie einen neuen. Bitte mit Leerzeichen so weit einrücken wie die Schlüssel daneben")),
    (r"expected '-' indicator", "In der Liste fehlt „- “ am Zeilenanfang, oder die Einrückung passt nicht"),
    (r"block sequence entries are not allowed", ("Ein Listeneintrag „- “ steht, wo keine Liste beginnen kann; bitte "
     "in einer neuen Zeile beginnen und einrücken")),
    (r"could not find expected ':'", "Nach dem Schlüssel fehlt der Doppelpunkt"),
    (r"unexpected end of stream", "Die Datei endet mitten in einem Text; fehlt ein schließendes Anführungszeichen?"),
    (r"tab character|'\\t'", "Bitte mit Leerzeichen einrücken, nicht mit dem Tabulator"),
    (r"cannot start any token", ("Ein Text beginnt mit einem Zeichen, das YAML nicht erlaubt (z. B. „@“ oder „`“); "
     "bitte den Text in Anführungszeichen setzen")),
    (r"undefined alias", "Ein Text beginnt mit „*“; bitte den Text in Anführungszeichen setzen"),
    (r"unknown escape character", ("In Anführungszeichen steht ein unbekanntes Zeichen nach „\\“; bitte einfache "
     "Anführungszeichen verwenden")),
    (r"constructor for the tag", "Ein Text beginnt mit „!“; bitte den Text in Anführungszeichen setzen"),
    (r"another document|single document", "Die Datei enthält mehr als einen Katalog („---“); bitte nur einen"),
    (r"node content", "Hier fehlt ein Wert, oder ein Zeichen wie „,“, „]“ oder „}“ steht an der falschen Stelle"),
    (r"control characters|special characters", "Die Datei enthält ein Steuerzeichen, das in YAML nicht erlaubt ist"),
    (r"unhashable key|unacceptable key", "Ein Schlüssel muss ein einfacher Text sein"),
    (r"found duplicate anchor|alphabetic or numeric character", ("Ein Text beginnt mit „&“ oder „*“; bitte den Text "
     "in Anführungszeichen setzen")),
)
_YAML_UNKNOWN = ("Die Zeile lässt sich nicht lesen; bitte Einrückung, Doppelpunkte, Anführungszeichen und Klammern "
                 "in dieser Zeile und der Zeile davor prüfen")
#: Contexts whose start is worth naming: an opening bracket or quote far above the place the parser stopped.
_YAML_OPENED = ("flow sequence", "flow mapping", "quoted scalar")


def decode_catalogue(content: bytes, source: str) -> str:
    """Catalogue file bytes as text. Raises CatalogueInvalid (with the line) if they are not UTF-8."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise CatalogueInvalid([
            (f"{source}, Zeile {line}: Die Datei ist nicht als UTF-8 gespeichert (z. B. Umlaute im Windows-Zeichensatz). "
            "Bitte speichern Sie sie im Texteditor mit der Codierung „UTF-8“ und prüfen Sie erneut.")]) from exc


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate a catalogue file. Raises CatalogueInvalid with one German message per problem."""
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise CatalogueInvalid([f"{Path(path).name}: Die Datei kann nicht gelesen werden ({exc.__class__.__name__})."])
    return parse_catalogue(decode_catalogue(content, Path(path).name), source=Path(path).name)


def parse_catalogue(text: str, *, source: str = "Katalog", lenient: bool = False) -> Catalogue:
    """Validate catalogue YAML text; `source` names the file in messages. Raises CatalogueInvalid.

    `lenient` is for a kept (published) version: its structure is validated, the rules across entries and
    repeated keys are not, so that a rule made stricter later never makes an old version unloadable.
    """
    data = _load_yaml(text, source, lenient)
    if data is None:
        raise CatalogueInvalid([f"{source}: Die Datei ist leer."])
    if not isinstance(data, dict):
        raise CatalogueInvalid([f"{source}, Zeile 1: Der Katalog muss aus Abschnitten mit Schlüsseln bestehen."])
    errors: list[dict[str, Any]] = []
    try:
        catalogue = Catalogue.model_validate(data, context=LENIENT if lenient else None)
    except ValidationError as exc:
        errors = exc.errors()
    rules = [] if lenient else rule_problems(data)
    if not errors and not rules:
        return catalogue
    node = yaml.compose(text, Loader=_Loader)  # only now: line numbers for the messages
    found = [_describe(error, data, node, source) for error in errors]
    found += [_describe_rule(problem, node, source) for problem in rules]
    found.sort(key=lambda item: item[0] if item[0] is not None else float("inf"))
    raise CatalogueInvalid([message for _, message in found])


def label_warnings(text: str, *, source: str = "Katalog") -> list[str]:
    """Sibling labels that differ only in upper/lower case or spacing („Kurs A“ / „kurs  a“):
    allowed, but caseworkers could not tell them apart. German messages with the lines of both; [] for text
    that does not load (its errors are reported by `parse_catalogue`)."""
    try:
        data = _load_yaml(text, source, lenient=True)
    except CatalogueInvalid:
        return []
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []
    seen: dict[tuple[Loc, str], tuple[str, Loc]] = {}
    for place in walk(data):
        entry, loc, siblings = place.entry, place.loc, place.geschwister
        if not isinstance(entry.get("id"), str):
            continue
        label = entry.get("label")
        if not siblings or not isinstance(label, str) or not label.strip():
            continue
        key = (loc[:-1], " ".join(label.split()).casefold())
        if key in seen and seen[key][0] != label.strip():
            problems.append(Problem((*loc, "label"), f"Hinweis – {siblings}: Die Bezeichnungen „{seen[key][0]}“ und "
                                     f"„{label.strip()}“ unterscheiden sich nur in Groß-/Kleinschreibung oder "
                                     "Leerzeichen; bitte eindeutig benennen. Die erste steht", seen[key][1]))
        seen.setdefault(key, (label.strip(), (*loc, "label")))
    if not problems:
        return []
    node = yaml.compose(text, Loader=_Loader)
    return [_describe_rule(problem, node, source)[1] for problem in problems]


def _load_yaml(text: str, source: str, lenient: bool) -> Any:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise CatalogueInvalid([_yaml_message(exc, source, text)]) from exc
    finally:
        loader.dispose()
    if loader.repeated and not lenient:
        raise CatalogueInvalid([_repeated_key(*repeated, source) for repeated in loader.repeated])
    return data


def _yaml_message(exc: yaml.YAMLError, source: str, text: str = "") -> str:
    """PyYAML's error in German, with the line; never an English word (an unknown problem gets a general hint)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{source}, Zeile {mark.line + 1}" if mark else source
    problem = str(getattr(exc, "problem", None) or "")
    if mark and text[mark.index:mark.index + 1] == "\t":
        problem = "tab character"  # libyaml does not name the character that cannot start a token
    german = next((german for pattern, german in _YAML_PROBLEMS if re.search(pattern, problem)), _YAML_UNKNOWN)
    opened = getattr(exc, "context_mark", None)
    context = str(getattr(exc, "context", None) or "")
    message = f"{where}: Die YAML-Syntax ist fehlerhaft: {german}" + ("" if german.endswith("?") else ".")
    if opened and mark and opened.line != mark.line and any(kind in context for kind in _YAML_OPENED):
        message += f" Geöffnet wurde in Zeile {opened.line + 1}."
    return message


def _repeated_key(mapping: yaml.Node, key: yaml.Node, first_line: int, source: str) -> str:
    entry_id = next((v.value for k, v in mapping.value if k.value == "id" and isinstance(v, yaml.ScalarNode)), None)
    where = f"Eintrag „{entry_id}“: " if entry_id else ""
    return (f"{source}, Zeile {key.start_mark.line + 1}: {where}Der Schlüssel „{key.value}“ steht doppelt (zuerst in "
            f"Zeile {first_line}); es gilt nur einer. Bitte löschen Sie eine der beiden Zeilen.")


def _describe(error: dict[str, Any], data: Any, node: yaml.Node | None, source: str) -> tuple[int | None, str]:
    loc = list(error["loc"])
    line = _line_of(node, loc)
    where = f"{source}, Zeile {line}" if line else source
    if error.get("input", "") is None and error["type"] in (*_EMPTY, "string_type"):
        message = _EMPTY.get(error["type"], "Darf nicht leer sein.")
    else:
        message = _MESSAGES.get(error["type"]) or _translate_value_error(error)
    return line, f"{where}: {path_text(data, loc)}: {message}"


def _describe_rule(problem: Problem, node: yaml.Node | None, source: str) -> tuple[int | None, str]:
    line = _line_of(node, list(problem.loc))
    where = f"{source}, Zeile {line}" if line else source
    earlier = _line_of(node, list(problem.earlier)) if problem.earlier else None
    return line, f"{where}: {problem.text}" + (f" in Zeile {earlier}." if earlier else ".")


def entry_lines(text: str) -> dict[str, int]:
    """The line of every entry with an id in catalogue YAML text (the first, where an id repeats)."""
    lines: dict[str, int] = {}
    pending = [yaml.compose(text, Loader=_Loader)]
    while pending:
        node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == "id" and isinstance(value, yaml.ScalarNode):
                    lines.setdefault(value.value, node.start_mark.line + 1)
            pending += [value for _, value in reversed(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            pending += reversed(node.value)
    return lines


def _translate_value_error(error: dict[str, Any]) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return f"Ungültiger Wert ({error['msg']})."



def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """The 1-based line of the deepest YAML node on `loc` that exists."""
    line = None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, key)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node, key: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node if not isinstance(value_node, yaml.ScalarNode) or value_node.value else key_node
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None

