"""The catalogue model: one catalogue version as validated pydantic models, with lookups by id for the services.

The catalogue (Handlungsfelder → Handlungsbedarfe → Handlungsstrategien, Übergreifend, Integrationsprognose,
Profillagen, Folgegespräch activities, the agreement document, rule hints) is data that trainers change.
Every entry has a stable `id`; labels may change without orphaning stored records. The rules within one entry
live here; those across entries in rules.py.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.catalogue.walk import KINDS, STRATEGIE, UEBERGREIFEND, walk

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
        return self._bedarf_places[bedarf_id][0]

    def braucht_strategie(self, bedarf_id: str) -> bool:
        """Whether a relevant Handlungsbedarf needs a chosen strategy before the profiling is closed."""
        bedarf = self.bedarf(bedarf_id)
        return (bedarf.strategie_pflicht and not self.feld_of(bedarf_id).nur_profiling
                and any(not s.ausgesondert for s in bedarf.handlungsstrategien))

    def bedarfe(self) -> list[tuple[Handlungsfeld, Handlungsbedarf]]:
        return [(feld, bedarf) for feld in self.handlungsfelder for bedarf in feld.handlungsbedarfe]

    def bedarf(self, bedarf_id: str) -> Handlungsbedarf:
        return self._bedarf_places[bedarf_id][1]

    @cached_property
    def _bedarf_places(self) -> dict[str, tuple[Handlungsfeld, Handlungsbedarf]]:
        """Each Handlungsbedarf and its Handlungsfeld by id (the checklist looks up every Bedarf on each rerun)."""
        places: dict[str, tuple[Handlungsfeld, Handlungsbedarf]] = {}
        for feld, bedarf in self.bedarfe():
            places.setdefault(bedarf.id, (feld, bedarf))
        return places

    def strategien(self) -> dict[str, Entry]:
        """Every strategy by id, those of the Bedarfe and the übergreifende ones."""
        return {place.entry.id: place.entry for place in walk(self, (STRATEGIE, UEBERGREIFEND))}

    def label(self, entry_id: str) -> str:
        """The label of any entry by id; an unknown id shows as itself, so nothing is hidden."""
        return self._labels.get(entry_id, entry_id)

    @cached_property
    def _labels(self) -> dict[str, str]:
        return {place.entry.id: place.entry.label for place in walk(self) if isinstance(place.entry, Entry)}

    def counts(self) -> dict[str, int]:
        """The number of entries of each kind that has a plural name (walk.KINDS), in that order."""
        found = {kind.mehrzahl: 0 for kind in KINDS if kind.mehrzahl}
        for place in walk(self, tuple(kind for kind in KINDS if kind.mehrzahl)):
            found[place.kind.mehrzahl] += 1
        return found
