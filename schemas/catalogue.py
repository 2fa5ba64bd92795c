"""The catalogue model: loads a catalogue YAML file and validates it, with German messages per entry.

The catalogue (Handlungsfelder → Handlungsbedarfe → Handlungsstrategien, Übergreifend, Integrationsprognose,
Profillagen, Folgegespräch activities, the agreement document, rule hints) is data that trainers change.
Every entry has a stable `id`; labels may change without orphaning stored records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from errors import CatalogueInvalid

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ten times faster

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=60)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Entry(_Strict):
    """Any catalogue entry: a stable id, the label shown, an optional description, retired or not."""

    id: Id
    label: Label
    beschreibung: str = ""
    ausgesondert: bool = False  # retired: not offered for new records, still shown in old ones


class Handlungsbedarf(Entry):
    handlungsstrategien: list[Entry] = Field(min_length=1)


class Handlungsfeld(Entry):
    handlungsbedarfe: list[Handlungsbedarf] = Field(min_length=1)


class Gruppe(_Strict):
    """A titled group of entries with a remark (Übergreifend, Integrationsprognose, Profillagen, Folgegespräch)."""

    label: Label
    bemerkung: str = ""


class Uebergreifend(Gruppe):
    handlungsstrategien: list[Entry] = Field(min_length=1)


class Auswahl(Gruppe):
    optionen: list[Entry] = Field(min_length=1)


class Folgegespraech(Gruppe):
    aktivitaeten: list[Entry] = Field(min_length=1)


#: The EGV fields a section of the agreement can show (`feld:` of an entry of `vereinbarung.abschnitte`), with their
#: German names. `handlungsstrategien` is the list of agreed strategies; every other field is a text.
VEREINBARUNG_FELDER: dict[str, str] = {
    "integrationsziel": "Integrationsziel",
    "handlungsstrategien": "Vereinbarte Handlungsstrategien",
    "teilschritte": "Teilschritte und Zwischenziele",
    "zwischenziel": "Zwischenziel",
    "leistungen_jobcenter": "Leistungen des Jobcenters",
    "bemuehungen_kunde": "Bemühungen der Kundin / des Kunden",
    "angebote_dritter": "Angebote anderer Leistungsträger",
    "sonstiges": "Sonstiges",
}


class Abschnitt(Entry):
    """A section of the agreement document; `feld` names the EGV field it shows (without `feld:`: the id)."""

    feld: str = ""

    @model_validator(mode="before")
    @classmethod
    def _feld_defaults_to_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("feld") is None and isinstance(data.get("id"), str):
            return {**data, "feld": data["id"]}
        return data

    @field_validator("feld")
    @classmethod
    def _feld_known(cls, value: str, info: ValidationInfo) -> str:
        if not (info.context or {}).get("lenient") and value not in VEREINBARUNG_FELDER:
            raise ValueError(
                f"„{value}“ ist kein Feld der Vereinbarung (ohne „feld:“ gilt die id des Abschnitts). "
                f"Erlaubt sind: {', '.join(VEREINBARUNG_FELDER)}."
            )
        return value


class Vereinbarung(_Strict):
    """The agreement document of phase 4 (EGV, or Kooperationsplan since July 2023)."""

    kurzname: Label
    titel: Label
    rechtsgrundlage: Label
    unterschriften: bool
    abschnitte: list[Abschnitt] = Field(min_length=1)

    def angeboten(self) -> list[Abschnitt]:
        """The sections shown on the page and printed, in catalogue order: those not retired."""
        return [abschnitt for abschnitt in self.abschnitte if not abschnitt.ausgesondert]

    @model_validator(mode="after")
    def _each_feld_once(self, info: ValidationInfo) -> Vereinbarung:
        if (info.context or {}).get("lenient"):
            return self
        shown: dict[str, str] = {}
        for abschnitt in self.angeboten():
            if abschnitt.feld in shown:
                raise ValueError(
                    f"Die Abschnitte „{shown[abschnitt.feld]}“ und „{abschnitt.label}“ zeigen beide das Feld "
                    f"„{abschnitt.feld}“; jedes Feld darf nur in einem Abschnitt stehen."
                )
            shown[abschnitt.feld] = abschnitt.label
        return self


class Bedingung(_Strict):
    """When a hint applies: every condition given must hold."""

    prognose: Id | None = None
    bedarf_relevant: list[Id] = Field(default_factory=list)
    strategie_gewaehlt: list[Id] = Field(default_factory=list)
    strategie_fehlt: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> Bedingung:
        if not (self.prognose or self.bedarf_relevant or self.strategie_gewaehlt or self.strategie_fehlt):
            raise ValueError("Ein Hinweis braucht mindestens eine Bedingung unter „wenn“.")
        return self


class Hinweis(_Strict):
    id: Id
    wenn: Bedingung
    text: Text


class Beispiel(_Strict):
    """A sample profiling kept with the catalogue: trainers check that every draft still accepts it."""

    id: Id
    label: Label
    relevant: list[Id] = Field(default_factory=list)  # Handlungsbedarf ids marked relevant
    strategien: list[Id] = Field(default_factory=list)  # strategies chosen for the relevant Bedarfe
    uebergreifend: list[Id] = Field(default_factory=list)
    integrationsprognose: Id | None = None
    profillage: Id | None = None


class Catalogue(_Strict):
    """One catalogue version, validated. Lookups by id are provided for the services."""

    version: int = Field(ge=1)
    handlungsfelder: list[Handlungsfeld] = Field(min_length=1)
    uebergreifend: Uebergreifend
    integrationsprognose: Auswahl
    profillagen: Auswahl
    folgegespraech: Folgegespraech
    vereinbarung: Vereinbarung
    hinweise: list[Hinweis] = Field(default_factory=list)
    beispiele: list[Beispiel] = Field(default_factory=list)  # sample profilings (issue 8)

    # --- lookups ---------------------------------------------------------------------------
    def bedarfe(self) -> list[tuple[Handlungsfeld, Handlungsbedarf]]:
        return [(feld, bedarf) for feld in self.handlungsfelder for bedarf in feld.handlungsbedarfe]

    def bedarf(self, bedarf_id: str) -> Handlungsbedarf:
        return next(b for _, b in self.bedarfe() if b.id == bedarf_id)

    def strategien(self) -> dict[str, Entry]:
        """Every strategy by id, those of the Bedarfe and the übergreifende ones."""
        found = {s.id: s for _, b in self.bedarfe() for s in b.handlungsstrategien}
        found.update({s.id: s for s in self.uebergreifend.handlungsstrategien})
        return found

    def label(self, entry_id: str) -> str:
        """The label of any entry by id; an unknown id shows as itself, so nothing is hidden."""
        return self._labels.get(entry_id, entry_id)

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {entry.id: entry.label for entry, _ in _entries_with_path(self) if isinstance(entry, Entry)}

    def counts(self) -> dict[str, int]:
        return {
            "Handlungsfelder": len(self.handlungsfelder),
            "Handlungsbedarfe": len(self.bedarfe()),
            "Handlungsstrategien": sum(len(b.handlungsstrategien) for _, b in self.bedarfe()),
            "übergreifende Strategien": len(self.uebergreifend.handlungsstrategien),
            "Integrationsprognosen": len(self.integrationsprognose.optionen),
            "Profillagen": len(self.profillagen.optionen),
            "Folgegespräch-Aktivitäten": len(self.folgegespraech.aktivitaeten),
            "Vereinbarungsabschnitte": len(self.vereinbarung.abschnitte),
            "Hinweise": len(self.hinweise),
        }

    @model_validator(mode="after")
    def _ids_unique_and_references_known(self) -> Catalogue:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for entry, path in _entries_with_path(self):
            if entry.id in seen:
                problems.append(f"{path}: Die id „{entry.id}“ ist doppelt (schon bei {seen[entry.id]}).")
            else:
                seen[entry.id] = path
        for siblings, where in _sibling_lists(self):
            labels = [entry.label for entry in siblings]
            for label in sorted({label for label in labels if labels.count(label) > 1}):
                problems.append(f"{where}: Die Bezeichnung „{label}“ kommt mehrfach vor.")
        bedarf_ids = {b.id for _, b in self.bedarfe()}
        strategie_ids = set(self.strategien())
        prognose_ids = {o.id for o in self.integrationsprognose.optionen}
        for index, hinweis in enumerate(self.hinweise):
            where = f"hinweise[{index + 1}] ({hinweis.id})"
            wenn = hinweis.wenn
            if wenn.prognose and wenn.prognose not in prognose_ids:
                problems.append(f"{where}: Die Integrationsprognose „{wenn.prognose}“ gibt es nicht.")
            for ref in wenn.bedarf_relevant:
                if ref not in bedarf_ids:
                    problems.append(f"{where}: Der Handlungsbedarf „{ref}“ gibt es nicht.")
            for ref in [*wenn.strategie_gewaehlt, *wenn.strategie_fehlt]:
                if ref not in strategie_ids:
                    problems.append(f"{where}: Die Handlungsstrategie „{ref}“ gibt es nicht.")
        problems += _beispiel_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _sibling_lists(catalogue: Catalogue) -> list[tuple[list[Entry], str]]:
    """Lists whose labels must differ, because a form offers them side by side."""
    lists: list[tuple[list[Entry], str]] = [(list(catalogue.handlungsfelder), "Handlungsfelder")]
    for feld in catalogue.handlungsfelder:
        lists.append((list(feld.handlungsbedarfe), f"Handlungsfeld „{feld.label}“"))
        lists += [(b.handlungsstrategien, f"Handlungsbedarf „{b.label}“") for b in feld.handlungsbedarfe]
    lists.append((catalogue.uebergreifend.handlungsstrategien, "Übergreifend"))
    lists.append((catalogue.integrationsprognose.optionen, "Integrationsprognose"))
    lists.append((catalogue.profillagen.optionen, "Profillagen"))
    return lists


def _entries_with_path(catalogue: Catalogue) -> list[tuple[Entry | Hinweis, str]]:
    """Every entry that has an id, with a readable path for messages."""
    found: list[tuple[Entry | Hinweis, str]] = []
    for feld in catalogue.handlungsfelder:
        found.append((feld, f"Handlungsfeld „{feld.label}“"))
        for bedarf in feld.handlungsbedarfe:
            found.append((bedarf, f"Handlungsbedarf „{bedarf.label}“"))
            found += [(s, f"Handlungsstrategie „{s.label}“ (unter „{bedarf.label}“)") for s in bedarf.handlungsstrategien]
    found += [(s, f"Übergreifend „{s.label}“") for s in catalogue.uebergreifend.handlungsstrategien]
    found += [(o, f"Integrationsprognose „{o.label}“") for o in catalogue.integrationsprognose.optionen]
    found += [(o, f"Profillage „{o.label}“") for o in catalogue.profillagen.optionen]
    found += [(a, f"Folgegespräch „{a.label}“") for a in catalogue.folgegespraech.aktivitaeten]
    found += [(a, f"Vereinbarung „{a.label}“") for a in catalogue.vereinbarung.abschnitte]
    found += [(h, f"Hinweis „{h.id}“") for h in catalogue.hinweise]
    return found


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

_FIELD_NAMES = {
    "handlungsfelder": "Handlungsfeld",
    "handlungsbedarfe": "Handlungsbedarf",
    "handlungsstrategien": "Handlungsstrategie",
    "optionen": "Option",
    "aktivitaeten": "Aktivität",
    "abschnitte": "Abschnitt",
    "hinweise": "Hinweis",
    "beispiele": "Beispiel",
}


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate a catalogue file. Raises CatalogueInvalid with one German message per problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueInvalid([f"{Path(path).name}: Die Datei kann nicht gelesen werden ({exc.__class__.__name__})."])
    return parse_catalogue(text, source=Path(path).name)


def parse_catalogue(text: str, *, source: str = "Katalog") -> Catalogue:
    """Validate catalogue YAML text; `source` names the file in messages. Raises CatalogueInvalid."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, Zeile {mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or "unbekannter Fehler"
        raise CatalogueInvalid([f"{where}: Die YAML-Syntax ist fehlerhaft ({problem})."]) from exc
    if data is None:
        raise CatalogueInvalid([f"{source}: Die Datei ist leer."])
    if not isinstance(data, dict):
        raise CatalogueInvalid([f"{source}, Zeile 1: Der Katalog muss aus Abschnitten mit Schlüsseln bestehen."])
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        node = yaml.compose(text, Loader=_Loader)  # only now: line numbers for the messages
        raise CatalogueInvalid([_describe(error, data, node, source) for error in exc.errors()]) from exc


def _describe(error: dict[str, Any], data: Any, node: yaml.Node | None, source: str) -> str:
    loc = list(error["loc"])
    if error["type"] == "value_error" and not loc:
        # Cross-entry checks (duplicate ids, unknown references) already name their entries.
        return "\n".join(f"{source}: {line}" for line in str(error["ctx"]["error"]).splitlines())
    line = _line_of(node, loc)
    where = f"{source}, Zeile {line}" if line else source
    message = _MESSAGES.get(error["type"]) or _translate_value_error(error)
    return f"{where}: {_path_text(data, loc)}: {message}"


def _translate_value_error(error: dict[str, Any]) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    return f"Ungültiger Wert ({error['msg']})."


def _path_text(data: Any, loc: list[Any]) -> str:
    """A readable path like „Handlungsfeld qualifikation › Handlungsbedarf 2 › label“."""
    parts: list[str] = []
    current = data
    for index, key in enumerate(loc):
        if isinstance(key, int) and index > 0 and isinstance(loc[index - 1], str):
            name = _FIELD_NAMES.get(loc[index - 1], loc[index - 1])
            item = current[key] if isinstance(current, list) and key < len(current) else None
            ident = item.get("id") if isinstance(item, dict) else None
            parts[-1] = f"{name} „{ident}“" if ident else f"{name} Nr. {key + 1}"
        else:
            parts.append(str(key))
        try:
            current = current[key]
        except (KeyError, IndexError, TypeError):
            current = None
    return " › ".join(parts) or "Katalog"


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


def set_version(text: str, number: int) -> str:
    """Return catalogue text whose top-level `version:` is `number` (added on top if missing)."""
    if re.search(r"(?m)^version:", text):
        return re.sub(r"(?m)^version:.*$", f"version: {number}", text, count=1)
    return f"version: {number}\n{text}"


SHIPPED_CATALOGUE = Path(__file__).parent / "catalogue" / "katalog.yaml"
#: Only the `vereinbarung` block of the Kooperationsplan (§ 15 SGB II since July 2023), to put into a catalogue.
KOOPERATIONSPLAN_BLOCK = SHIPPED_CATALOGUE.with_name("kooperationsplan.example.yaml")

_VEREINBARUNG_BLOCK = re.compile(r"(?ms)^vereinbarung:.*?(?=^\S|\Z)")


def with_vereinbarung(text: str, block: str) -> str:
    """Catalogue text whose top-level `vereinbarung:` block is replaced by the one in `block` (a file that holds
    such a block, e.g. kooperationsplan.example.yaml); everything else of `text` stays as written.

    Raises ValueError if either text has no top-level `vereinbarung:` block.
    """
    new = _VEREINBARUNG_BLOCK.search(block)
    if new is None or _VEREINBARUNG_BLOCK.search(text) is None:
        raise ValueError("Ein Block „vereinbarung:“ am Zeilenanfang fehlt.")
    replacement = new.group(0).rstrip("\n") + "\n\n"
    return _VEREINBARUNG_BLOCK.sub(lambda _: replacement, text, count=1)


# --- sample profilings and the difference between versions (issue 8) ---------------------------------


def _beispiel_problems(catalogue: Catalogue) -> list[str]:
    """Every id a sample profiling uses must exist where it is used; sample ids are unique among samples."""
    problems: list[str] = []
    bedarfe = {b.id: b for _, b in catalogue.bedarfe()}
    uebergreifend = {s.id for s in catalogue.uebergreifend.handlungsstrategien}
    prognosen = {o.id for o in catalogue.integrationsprognose.optionen}
    profillagen = {o.id for o in catalogue.profillagen.optionen}
    seen: set[str] = set()
    for index, beispiel in enumerate(catalogue.beispiele):
        where = f"beispiele[{index + 1}] „{beispiel.label}“ ({beispiel.id})"
        if beispiel.id in seen:
            problems.append(f"{where}: Die id „{beispiel.id}“ ist unter den Beispielen doppelt.")
        seen.add(beispiel.id)
        for ref in beispiel.relevant:
            if ref not in bedarfe:
                problems.append(f"{where}: Der Handlungsbedarf „{ref}“ gibt es nicht.")
        offered = {s.id for ref in beispiel.relevant if ref in bedarfe for s in bedarfe[ref].handlungsstrategien}
        for ref in beispiel.strategien:
            if ref not in offered:
                problems.append(
                    f"{where}: Die Handlungsstrategie „{ref}“ gehört zu keinem relevanten Handlungsbedarf des Beispiels."
                )
        for ref in beispiel.uebergreifend:
            if ref not in uebergreifend:
                problems.append(f"{where}: Die übergreifende Strategie „{ref}“ gibt es nicht.")
        if beispiel.integrationsprognose and beispiel.integrationsprognose not in prognosen:
            problems.append(f"{where}: Die Integrationsprognose „{beispiel.integrationsprognose}“ gibt es nicht.")
        if beispiel.profillage and beispiel.profillage not in profillagen:
            problems.append(f"{where}: Die Profillage „{beispiel.profillage}“ gibt es nicht.")
    return problems


#: The kinds of entries with an id, in German, as the difference names them.
ENTRY_KINDS = (
    "Handlungsfeld", "Handlungsbedarf", "Handlungsstrategie", "Übergreifende Strategie", "Integrationsprognose",
    "Profillage", "Folgegespräch-Aktivität", "Vereinbarungsabschnitt",
)


@dataclass(frozen=True)
class Platz:
    """Where an entry stands: its kind, label, retired flag, and the list it belongs to."""

    art: str
    label: str
    ausgesondert: bool
    beschreibung: str
    liste: str  # key of the sibling list, e.g. "handlungsbedarfe:qualifikation"
    eltern: str  # label of the parent (Handlungsfeld, Handlungsbedarf or group)


def entry_places(catalogue: Catalogue) -> dict[str, Platz]:
    """Every entry with an id (not hints or samples) by id, in catalogue order."""
    places: dict[str, Platz] = {}

    def put(entries: list[Entry], art: str, liste: str, eltern: str) -> None:
        for e in entries:
            places.setdefault(e.id, Platz(art, e.label, e.ausgesondert, e.beschreibung, liste, eltern))

    put(list(catalogue.handlungsfelder), "Handlungsfeld", "handlungsfelder", "Handlungsfelder")
    for feld in catalogue.handlungsfelder:
        put(list(feld.handlungsbedarfe), "Handlungsbedarf", f"handlungsbedarfe:{feld.id}", feld.label)
        for bedarf in feld.handlungsbedarfe:
            put(bedarf.handlungsstrategien, "Handlungsstrategie", f"handlungsstrategien:{bedarf.id}", bedarf.label)
    put(catalogue.uebergreifend.handlungsstrategien, "Übergreifende Strategie", "uebergreifend",
        catalogue.uebergreifend.label)
    put(catalogue.integrationsprognose.optionen, "Integrationsprognose", "integrationsprognose",
        catalogue.integrationsprognose.label)
    put(catalogue.profillagen.optionen, "Profillage", "profillagen", catalogue.profillagen.label)
    put(catalogue.folgegespraech.aktivitaeten, "Folgegespräch-Aktivität", "folgegespraech",
        catalogue.folgegespraech.label)
    put(catalogue.vereinbarung.abschnitte, "Vereinbarungsabschnitt", "vereinbarung", catalogue.vereinbarung.titel)
    return places


@dataclass(frozen=True)
class Aenderung:
    """One difference between two catalogue versions; `text` is the German line shown to trainers."""

    art: str  # neu | umbenannt | ausgesondert | wieder aufgenommen | entfernt | verschoben | geändert | Reihenfolge
    entry_id: str | None
    text: str


def diff_catalogues(old: Catalogue, new: Catalogue) -> list[Aenderung]:
    """The changes from `old` to `new`, keyed by ids: a renamed label is „umbenannt“, never „entfernt“ + „neu“."""
    changes: list[Aenderung] = []
    before, after = entry_places(old), entry_places(new)
    for entry_id, place in after.items():
        was = before.get(entry_id)
        name = f"{place.art} „{place.label}“"
        if was is None:
            changes.append(Aenderung("neu", entry_id, f"neu: {name} (in „{place.eltern}“)"))
            continue
        if was.label != place.label:
            changes.append(Aenderung("umbenannt", entry_id, f"umbenannt: {place.art} „{was.label}“ → „{place.label}“"))
        if place.ausgesondert and not was.ausgesondert:
            changes.append(Aenderung("ausgesondert", entry_id, f"ausgesondert: {name}"))
        elif was.ausgesondert and not place.ausgesondert:
            changes.append(Aenderung("wieder aufgenommen", entry_id, f"wieder aufgenommen: {name}"))
        if was.liste != place.liste:
            changes.append(Aenderung("verschoben", entry_id,
                                     f"verschoben: {name} von „{was.eltern}“ nach „{place.eltern}“"))
        if was.beschreibung != place.beschreibung:
            changes.append(Aenderung("geändert", entry_id, f"geändert: Beschreibung von {name}"))
    for entry_id, was in before.items():
        if entry_id not in after:
            changes.append(Aenderung("entfernt", entry_id, f"entfernt: {was.art} „{was.label}“ (aus „{was.eltern}“)"))
    changes += _order_changes(before, after)
    changes += _text_changes(old, new)
    return changes


def _order_changes(before: dict[str, Platz], after: dict[str, Platz]) -> list[Aenderung]:
    lists_before: dict[str, list[str]] = {}
    for entry_id, place in before.items():
        lists_before.setdefault(place.liste, []).append(entry_id)
    lists_after: dict[str, list[str]] = {}
    for entry_id, place in after.items():
        lists_after.setdefault(place.liste, []).append(entry_id)
    changes = []
    for liste, ids in lists_after.items():
        common = [i for i in ids if i in set(lists_before.get(liste, []))]
        old_common = [i for i in lists_before.get(liste, []) if i in set(common)]
        if common != old_common:
            changes.append(Aenderung("Reihenfolge", None, f"Reihenfolge geändert: in „{after[ids[0]].eltern}“"))
    return changes


def _text_changes(old: Catalogue, new: Catalogue) -> list[Aenderung]:
    changes: list[Aenderung] = []
    for name, a, b in (
        ("Übergreifend", old.uebergreifend, new.uebergreifend),
        ("Integrationsprognose", old.integrationsprognose, new.integrationsprognose),
        ("Profillagen", old.profillagen, new.profillagen),
        ("Folgegespräch", old.folgegespraech, new.folgegespraech),
    ):
        if a.label != b.label:
            changes.append(Aenderung("umbenannt", None, f"umbenannt: Gruppe „{a.label}“ → „{b.label}“"))
        if a.bemerkung != b.bemerkung:
            changes.append(Aenderung("geändert", None, f"geändert: Bemerkung der Gruppe {name}"))
    fields = {"kurzname": "Kurzname", "titel": "Titel", "rechtsgrundlage": "Rechtsgrundlage",
              "unterschriften": "Unterschriften"}
    for key, title in fields.items():
        a, b = getattr(old.vereinbarung, key), getattr(new.vereinbarung, key)
        if a != b:
            shown = {True: "ja", False: "nein"}
            changes.append(Aenderung("geändert", None,
                                     f"geändert: Vereinbarung {title} „{shown.get(a, a)}“ → „{shown.get(b, b)}“"))
    felder = {abschnitt.id: abschnitt.feld for abschnitt in old.vereinbarung.abschnitte}
    for abschnitt in new.vereinbarung.abschnitte:
        if felder.get(abschnitt.id, abschnitt.feld) != abschnitt.feld:
            was, now = (VEREINBARUNG_FELDER.get(f, f) for f in (felder[abschnitt.id], abschnitt.feld))
            changes.append(Aenderung("geändert", abschnitt.id,
                                     f"geändert: Vereinbarungsabschnitt „{abschnitt.label}“ zeigt „{now}“ statt „{was}“"))
    for kind, olds, news in (("Hinweis", old.hinweise, new.hinweise), ("Beispiel", old.beispiele, new.beispiele)):
        before = {h.id: h for h in olds}
        after = {h.id: h for h in news}
        for item_id, item in after.items():
            if item_id not in before:
                changes.append(Aenderung("neu", item_id, f"neu: {kind} „{item_id}“"))
            elif before[item_id] != item:
                changes.append(Aenderung("geändert", item_id, f"geändert: {kind} „{item_id}“"))
        changes += [Aenderung("entfernt", i, f"entfernt: {kind} „{i}“") for i in before if i not in after]
    return changes
