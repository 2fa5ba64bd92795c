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


#: Validation context of a kept version: structure only, not the rules a new version must meet to be published.
LENIENT = {"lenient": True}


def rules_apply(info: ValidationInfo) -> bool:
    """False while a kept version is loaded: a model validator that enforces a publishing rule returns early then,
    so that a stricter rule added later never makes an old version (and the records made with it) unloadable."""
    return not (info.context or {}).get("lenient")

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
    # At least one, unless the Handlungsfeld is `nur_profiling` (checked with the rules across entries).
    handlungsstrategien: list[Entry] = Field(default_factory=list)
    strategie_pflicht: bool = True  # a relevant Bedarf needs a chosen strategy before closing
    #: Marked relevant, this Bedarf may rule out the learned occupation: the profiling then records an
    #: occupational alternative and the involvement of the ärztlicher/psychologischer Dienst (issue 16).
    neuorientierung: bool = False


class Handlungsfeld(Entry):
    handlungsbedarfe: list[Handlungsbedarf] = Field(min_length=1)
    nur_profiling: bool = False  # profiling only: its Bedarfe are assessed, they offer no strategies


class Gruppe(_Strict):
    """A titled group of entries with a remark (Übergreifend, Integrationsprognose, Profillagen, Folgegespräch)."""

    label: Label
    bemerkung: str = ""


class Uebergreifend(Gruppe):
    handlungsstrategien: list[Entry] = Field(min_length=1)


class Auswahl(Gruppe):
    optionen: list[Entry] = Field(min_length=1)
    einverstaendnis: str = ""  # the line the consent form prints about this assessment (default: the label)

    @property
    def vorhanden(self) -> bool:
        """False for a group the catalogue does not have (e.g. no Integrationsprognose)."""
        return bool(self.optionen)


def _keine_auswahl() -> Auswahl:
    """The stand-in for a group the catalogue leaves out: no label, no options."""
    return Auswahl.model_construct(label="", bemerkung="", optionen=[], einverstaendnis="")


#: Which of the two assessments (Integrationsprognose, Profillagen) closing a profiling requires, where the
#: catalogue has both: exactly one of them (they exclude each other), at least one, or both.
EINSCHAETZUNG_PFLICHT = {
    "genau_eine": "genau eine der beiden",
    "mindestens_eine": "mindestens eine der beiden",
    "beide": "beide",
}


class Kompetenzklasse(Entry):
    """A class of Kompetenzen (e.g. Methodenkompetenz): free-text entries, or a choice of `auswahl` if given."""

    auswahl: list[Entry] = Field(default_factory=list)


class Folgegespraech(Gruppe):
    aktivitaeten: list[Entry] = Field(min_length=1)


class Abmeldegrund(Entry):
    notiz_pflicht: bool = False  # e.g. "Sonstiges": the Abmeldung needs a note


class Abmeldegruende(Gruppe):
    """Why a case ends (Abmeldung, issue 14); the Kundensteuerung report counts ended cases by these ids."""

    optionen: list[Abmeldegrund] = Field(min_length=1)


def _default_abmeldegruende() -> Abmeldegruende:
    """For catalogue versions published before the list existed."""
    return Abmeldegruende(label="Abmeldegrund", optionen=[
        Abmeldegrund(id="abm_integration", label="Integration in Arbeit oder Ausbildung"),
        Abmeldegrund(id="abm_wegzug", label="Wegzug"),
        Abmeldegrund(id="abm_hilfebeduerftigkeit", label="Wegfall der Hilfebedürftigkeit"),
        Abmeldegrund(id="abm_sonstiges", label="Sonstiges", notiz_pflicht=True),
    ])  # fmt: skip


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
        if rules_apply(info) and value not in VEREINBARUNG_FELDER:
            raise ValueError(
                f"„{value}“ ist kein Feld der Vereinbarung (ohne „feld:“ gilt die id des Abschnitts). "
                f"Erlaubt sind: {', '.join(VEREINBARUNG_FELDER)}."
            )
        return value


class Massnahmen(Gruppe):
    """Measures a client takes part in (issue 16): the outcomes to choose from and the look-ahead of the support
    before the end (days before a planned end that a measure appears in the Wiedervorlage)."""

    ergebnisse: list[Entry] = Field(min_length=1)
    vorschau_tage: int = Field(default=28, ge=1, le=366)


class Beschaeftigungsaufnahme(Gruppe):
    """A job or training start (issue 16): the Übergreifend strategies suggested for it (ids) and the days until
    the start is followed up."""

    strategien: list[Id] = Field(default_factory=list)
    #: suggested in addition when the client still needs benefits after the start
    strategien_leistungsbezug: list[Id] = Field(default_factory=list)
    nachhalten_tage: int = Field(default=42, ge=1, le=366)


class Gespraechsvorbereitung(Gruppe):
    """Preparing a Folgegespräch with a job search (issue 16): offered for clients with one of these strategies."""

    strategien: list[Id] = Field(default_factory=list)


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
        if not rules_apply(info):
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
    def _not_empty(self, info: ValidationInfo) -> Bedingung:
        if rules_apply(info) and not (self.prognose or self.bedarf_relevant or self.strategie_gewaehlt or self.strategie_fehlt):
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
    integrationsprognose: Auswahl = Field(default_factory=_keine_auswahl)  # may be left out
    profillagen: Auswahl = Field(default_factory=_keine_auswahl)  # may be left out
    einschaetzung_pflicht: str = "genau_eine"  # a key of EINSCHAETZUNG_PFLICHT
    kompetenzklassen: list[Kompetenzklasse] = Field(default_factory=list)  # none: one free-text list
    folgegespraech: Folgegespraech
    vereinbarung: Vereinbarung
    abmeldegruende: Abmeldegruende = Field(default_factory=_default_abmeldegruende)
    hinweise: list[Hinweis] = Field(default_factory=list)
    beispiele: list[Beispiel] = Field(default_factory=list)  # sample profilings (issue 8)
    # issue 16: optional, so that versions published before stay valid
    massnahmen: Massnahmen | None = None
    beschaeftigungsaufnahme: Beschaeftigungsaufnahme | None = None
    gespraechsvorbereitung: Gespraechsvorbereitung | None = None

    @model_validator(mode="before")
    @classmethod
    def _left_out_groups(cls, data: Any) -> Any:
        """A dumped catalogue writes a left-out group as its empty stand-in; read back, it is left out again."""
        if isinstance(data, dict):
            empty = [key for key in ("integrationsprognose", "profillagen")
                     if isinstance(data.get(key), dict) and data[key].get("optionen") == [] and not data[key].get("label")]
            if empty:
                return {k: v for k, v in data.items() if k not in empty}
        return data

    @field_validator("einschaetzung_pflicht")
    @classmethod
    def _pflicht_known(cls, value: str) -> str:
        if value not in EINSCHAETZUNG_PFLICHT:
            raise ValueError(f"„{value}“ ist nicht erlaubt. Erlaubt sind: {', '.join(EINSCHAETZUNG_PFLICHT)}.")
        return value

    @model_validator(mode="after")
    def _beide_need_both(self, info: ValidationInfo) -> Catalogue:
        if rules_apply(info) and self.einschaetzung_pflicht == "beide" and not all(
                g.vorhanden for g in self.einschaetzungen(all_groups=True)):
            raise ValueError("„einschaetzung_pflicht: beide“ braucht die Gruppen „integrationsprognose“ und "
                             "„profillagen“.")
        return self

    # --- lookups ---------------------------------------------------------------------------
    def einschaetzungen(self, *, all_groups: bool = False) -> list[Auswahl]:
        """The assessment groups the catalogue has (Integrationsprognose, Profillagen), in this order."""
        groups = [self.integrationsprognose, self.profillagen]
        return groups if all_groups else [g for g in groups if g.vorhanden]

    def feld_of(self, bedarf_id: str) -> Handlungsfeld:
        return next(feld for feld, b in self.bedarfe() if b.id == bedarf_id)

    def braucht_strategie(self, bedarf_id: str) -> bool:
        """Whether a relevant Handlungsbedarf needs a chosen strategy before the profiling is closed."""
        bedarf = self.bedarf(bedarf_id)
        return (bedarf.strategie_pflicht and not self.feld_of(bedarf_id).nur_profiling
                and any(not s.ausgesondert for s in bedarf.handlungsstrategien))

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


def _entries_with_path(catalogue: Catalogue) -> list[tuple[Entry | Hinweis, str]]:
    """Every entry that has an id, with a readable path for messages."""
    found: list[tuple[Entry | Hinweis, str]] = []
    for feld in catalogue.handlungsfelder:
        found.append((feld, f"Handlungsfeld „{feld.label}“"))
        for bedarf in feld.handlungsbedarfe:
            found.append((bedarf, f"Handlungsbedarf „{bedarf.label}“"))
            found += [(s, f"Handlungsstrategie „{s.label}“ (unter „{bedarf.label}“)") for s in bedarf.handlungsstrategien]
    found += [(s, f"Übergreifende Strategie „{s.label}“") for s in catalogue.uebergreifend.handlungsstrategien]
    found += [(o, f"Integrationsprognose „{o.label}“") for o in catalogue.integrationsprognose.optionen]
    found += [(o, f"Profillage „{o.label}“") for o in catalogue.profillagen.optionen]
    for klasse in catalogue.kompetenzklassen:
        found.append((klasse, f"Kompetenzklasse „{klasse.label}“"))
        found += [(o, f"Kompetenz „{o.label}“ (unter „{klasse.label}“)") for o in klasse.auswahl]
    found += [(a, f"Folgegespräch „{a.label}“") for a in catalogue.folgegespraech.aktivitaeten]
    found += [(a, f"Vereinbarung „{a.label}“") for a in catalogue.vereinbarung.abschnitte]
    found += [(h, f"Hinweis „{h.id}“") for h in catalogue.hinweise]
    if catalogue.massnahmen:
        found += [(e, f"Maßnahmeergebnis „{e.label}“") for e in catalogue.massnahmen.ergebnisse]
    return found


# --- rules across entries, checked on the file's data --------------------------------------------------------
# They run on the raw YAML data, not on the model, so that they are reported together with the problems of single
# fields, and each carries the location of the entry it is about (its line in the file).

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class _Problem:
    """A broken rule at `loc` (keys and indices into the file's data); `earlier`: where the first of two is."""

    loc: Loc
    text: str  # German, without the final full stop
    earlier: Loc | None = None


def _items(owner: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, mapping) of the list `owner[key]`; anything malformed is skipped (the model reports it)."""
    value = owner.get(key) if isinstance(owner, dict) else None
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict)] if isinstance(value, list) else []


def _refs(owner: Any, key: str) -> list[tuple[int, str]]:
    value = owner.get(key) if isinstance(owner, dict) else None
    return [(i, r) for i, r in enumerate(value) if isinstance(r, str)] if isinstance(value, list) else []


def _name(entry: dict[str, Any]) -> str:
    label = entry.get("label")
    return label.strip() if isinstance(label, str) and label.strip() else str(entry.get("id", "?"))


#: Groups below the Handlungsfelder: (key, list key, kind in messages, name of the list if its labels must differ).
_GROUP_LISTS = (
    ("uebergreifend", "handlungsstrategien", "Übergreifende Strategie", "übergreifende Strategien"),
    ("integrationsprognose", "optionen", "Integrationsprognose", "Integrationsprognose"),
    ("profillagen", "optionen", "Profillage", "Profillagen"),
    ("folgegespraech", "aktivitaeten", "Folgegespräch", None),
    ("vereinbarung", "abschnitte", "Vereinbarung", None),
    ("massnahmen", "ergebnisse", "Maßnahmeergebnis", "Maßnahmeergebnisse"),
)


def _raw_entries(data: dict[str, Any]) -> list[tuple[dict[str, Any], str, Loc, str | None]]:
    """Every entry with an id in file order: (entry, readable path, location, name of its sibling list if the
    labels in that list must differ because a form offers them side by side)."""
    found: list[tuple[dict[str, Any], str, Loc, str | None]] = []
    for f, feld in _items(data, "handlungsfelder"):
        floc: Loc = ("handlungsfelder", f)
        found.append((feld, f"Handlungsfeld „{_name(feld)}“", floc, "Handlungsfelder"))
        for b, bedarf in _items(feld, "handlungsbedarfe"):
            bloc: Loc = (*floc, "handlungsbedarfe", b)
            found.append((bedarf, f"Handlungsbedarf „{_name(bedarf)}“", bloc, f"Handlungsfeld „{_name(feld)}“"))
            found += [(s, f"Handlungsstrategie „{_name(s)}“ (unter „{_name(bedarf)}“)",
                       (*bloc, "handlungsstrategien", n), f"Handlungsbedarf „{_name(bedarf)}“")
                      for n, s in _items(bedarf, "handlungsstrategien")]
    for group, key, kind, siblings in _GROUP_LISTS:
        found += [(e, f"{kind} „{_name(e)}“", (group, key, n), siblings)
                  for n, e in _items(data.get(group), key)]
    for k, klasse in _items(data, "kompetenzklassen"):
        found.append((klasse, f"Kompetenzklasse „{_name(klasse)}“", ("kompetenzklassen", k), "Kompetenzklassen"))
        found += [(o, f"Kompetenz „{_name(o)}“ (unter „{_name(klasse)}“)", ("kompetenzklassen", k, "auswahl", n),
                   f"Kompetenzklasse „{_name(klasse)}“") for n, o in _items(klasse, "auswahl")]
    found += [(h, f"Hinweis „{h.get('id')}“", ("hinweise", n), None) for n, h in _items(data, "hinweise")]
    return [item for item in found if isinstance(item[0].get("id"), str)]


def _rule_problems(data: dict[str, Any]) -> list[_Problem]:
    """Ids unique, labels unique among siblings, references of hints and samples known."""
    problems: list[_Problem] = []
    entries = _raw_entries(data)
    seen: dict[str, tuple[str, Loc]] = {}
    labels: dict[tuple[Loc, str], Loc] = {}
    for entry, path, loc, siblings in entries:
        entry_id = entry["id"]
        if entry_id in seen:
            problems.append(_Problem((*loc, "id"), f"{path}: Die id „{entry_id}“ ist doppelt, schon bei "
                                     f"{seen[entry_id][0]}", seen[entry_id][1]))
        else:
            seen[entry_id] = (path, (*loc, "id"))
        label = entry.get("label")
        if siblings and isinstance(label, str) and label.strip():
            key = (loc[:-1], label.strip())
            if key in labels:
                problems.append(_Problem((*loc, "label"), f"{siblings}: Die Bezeichnung „{label.strip()}“ kommt "
                                         "mehrfach vor, zuerst", labels[key]))
            else:
                labels[key] = (*loc, "label")
    bedarfe = {b["id"]: b for b, _, loc, _ in entries if loc[-2] == "handlungsbedarfe"}
    strategien = {s["id"] for s, _, loc, _ in entries if loc[-2] == "handlungsstrategien"}
    prognosen = {o["id"] for o, _, loc, _ in entries if loc[0] == "integrationsprognose"}
    for n, hinweis in _items(data, "hinweise"):
        where, wenn, loc = f"Hinweis „{hinweis.get('id')}“", hinweis.get("wenn"), ("hinweise", n, "wenn")
        prognose = wenn.get("prognose") if isinstance(wenn, dict) else None
        if isinstance(prognose, str) and prognose not in prognosen:
            problems.append(_Problem((*loc, "prognose"), f"{where}: Die Integrationsprognose „{prognose}“ gibt es nicht"))
        problems += [_Problem((*loc, "bedarf_relevant", i), f"{where}: Den Handlungsbedarf „{ref}“ gibt es nicht")
                     for i, ref in _refs(wenn, "bedarf_relevant") if ref not in bedarfe]
        problems += [_Problem((*loc, key, i), f"{where}: Die Handlungsstrategie „{ref}“ gibt es nicht")
                     for key in ("strategie_gewaehlt", "strategie_fehlt")
                     for i, ref in _refs(wenn, key) if ref not in strategien]
    return problems + _strategy_problems(data) + _beispiel_problems(data, bedarfe) + _strategie_list_problems(data)


def _strategy_problems(data: dict[str, Any]) -> list[_Problem]:
    """A Handlungsbedarf offers at least one strategy, unless its Handlungsfeld is for profiling only; then it
    offers none."""
    problems: list[_Problem] = []
    for f, feld in _items(data, "handlungsfelder"):
        nur_profiling = feld.get("nur_profiling") is True
        for b, bedarf in _items(feld, "handlungsbedarfe"):
            loc: Loc = ("handlungsfelder", f, "handlungsbedarfe", b, "handlungsstrategien")
            strategien = bedarf.get("handlungsstrategien")
            if nur_profiling and strategien:
                problems.append(_Problem(loc, f"Handlungsbedarf „{_name(bedarf)}“: Das Handlungsfeld „{_name(feld)}“ "
                                         "ist nur für das Profiling („nur_profiling: true“) und bietet keine "
                                         "Handlungsstrategien"))
            elif not nur_profiling and not strategien and (strategien is not None or "id" in bedarf):
                problems.append(_Problem(loc, f"{_path_text(data, list(loc))}: Braucht mindestens einen Eintrag"))
    return problems


def _strategie_list_problems(data: dict[str, Any]) -> list[_Problem]:
    """The strategy lists of `beschaeftigungsaufnahme` and `gespraechsvorbereitung` name known strategies."""
    offered = {s.get("id") for _, s in _items(data.get("uebergreifend"), "handlungsstrategien")}
    offered |= {s.get("id") for _, f in _items(data, "handlungsfelder") for _, b in _items(f, "handlungsbedarfe")
                for _, s in _items(b, "handlungsstrategien")}
    return [_Problem((group, key, i), f"{group}: Die Handlungsstrategie „{ref}“ gibt es nicht")
            for group, key in (("beschaeftigungsaufnahme", "strategien"),
                               ("beschaeftigungsaufnahme", "strategien_leistungsbezug"),
                               ("gespraechsvorbereitung", "strategien"))
            for i, ref in _refs(data.get(group), key) if ref not in offered]


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
    rules = [] if lenient else _rule_problems(data)
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
    problems: list[_Problem] = []
    seen: dict[tuple[Loc, str], tuple[str, Loc]] = {}
    for entry, _, loc, siblings in _raw_entries(data):
        label = entry.get("label")
        if not siblings or not isinstance(label, str) or not label.strip():
            continue
        key = (loc[:-1], " ".join(label.split()).casefold())
        if key in seen and seen[key][0] != label.strip():
            problems.append(_Problem((*loc, "label"), f"Hinweis – {siblings}: Die Bezeichnungen „{seen[key][0]}“ und "
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
    return line, f"{where}: {_path_text(data, loc)}: {message}"


def _describe_rule(problem: _Problem, node: yaml.Node | None, source: str) -> tuple[int | None, str]:
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


def _beispiel_problems(data: dict[str, Any], bedarfe: dict[str, dict[str, Any]]) -> list[_Problem]:
    """Every id a sample profiling uses must exist where it is used; sample ids are unique among samples."""
    problems: list[_Problem] = []
    uebergreifend = {e.get("id") for _, e in _items(data.get("uebergreifend"), "handlungsstrategien")}
    options = {key: {e.get("id") for _, e in _items(data.get(group), "optionen")}
               for key, group in (("integrationsprognose", "integrationsprognose"), ("profillage", "profillagen"))}
    seen: dict[str, Loc] = {}
    for index, beispiel in _items(data, "beispiele"):
        loc: Loc = ("beispiele", index)
        where = f"Beispiel „{_name(beispiel)}“ ({beispiel.get('id')})"
        if isinstance(beispiel.get("id"), str):
            if beispiel["id"] in seen:
                problems.append(_Problem((*loc, "id"), f"{where}: Die id „{beispiel['id']}“ ist unter den Beispielen "
                                         "doppelt, zuerst", seen[beispiel["id"]]))
            seen.setdefault(beispiel["id"], (*loc, "id"))
        relevant = _refs(beispiel, "relevant")
        problems += [_Problem((*loc, "relevant", i), f"{where}: Den Handlungsbedarf „{ref}“ gibt es nicht")
                     for i, ref in relevant if ref not in bedarfe]
        offered = {s.get("id") for _, ref in relevant if ref in bedarfe
                   for _, s in _items(bedarfe[ref], "handlungsstrategien")}
        problems += [_Problem((*loc, "strategien", i), f"{where}: Die Handlungsstrategie „{ref}“ gehört zu keinem "
                              "relevanten Handlungsbedarf des Beispiels")
                     for i, ref in _refs(beispiel, "strategien") if ref not in offered]
        problems += [_Problem((*loc, "uebergreifend", i), f"{where}: Die übergreifende Strategie „{ref}“ gibt es nicht")
                     for i, ref in _refs(beispiel, "uebergreifend") if ref not in uebergreifend]
        for key, kind in (("integrationsprognose", "Die Integrationsprognose"), ("profillage", "Die Profillage")):
            ref = beispiel.get(key)
            if isinstance(ref, str) and ref not in options[key]:
                problems.append(_Problem((*loc, key), f"{where}: {kind} „{ref}“ gibt es nicht"))
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
    for a, b in (
        (old.uebergreifend, new.uebergreifend),
        (old.integrationsprognose, new.integrationsprognose),
        (old.profillagen, new.profillagen),
        (old.folgegespraech, new.folgegespraech),
    ):
        name = b.label or a.label
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
