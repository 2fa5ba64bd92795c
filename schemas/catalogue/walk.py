"""The one walk over the catalogue's entries, and the table of their kinds (`KINDS`).

Every place that visits the entries — labels by id and counts (model.py), the rules across entries (rules.py),
the difference between versions (diff.py), the editor's tree (services/catalogue_editor.py) — goes through
`walk`, so a new kind of entry is one row in `KINDS`. The walk reads a validated `Catalogue` as well as the raw
data of a YAML file (mappings, possibly malformed: what is not a mapping is skipped, the model reports it), in
file order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

#: A place in the file's data: keys and indices, e.g. ("handlungsfelder", 0, "handlungsbedarfe", 2).
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Kind:
    """A kind of entry with an id: where its list stands and how messages, the difference and counts name it."""

    art: str  # German name, as the difference and the editor show it
    liste: str  # key of the list in the block that holds it
    block: str | None = None  # top-level key of the group that holds the list (None: top level, or below `unter`)
    unter: Kind | None = None  # the kind whose entries hold this list
    im_text: str = ""  # name in messages about the file (default: `art`)
    #: name of the list in messages if labels in it must differ (a form offers them side by side); for a kind
    #: below another: True, the list is then named after the parent entry
    eindeutig: str | bool = False
    mehrzahl: str = ""  # plural: counted under this name (`Catalogue.counts`); heading of a top-level list
    pfad_mit_eltern: bool = False  # messages name the parent entry too („… (unter „Bedarf“)“)
    im_baum: bool = True  # shown in the editor's tree and compared between versions

    @property
    def text(self) -> str:
        return self.im_text or self.art


FELD = Kind("Handlungsfeld", "handlungsfelder", eindeutig="Handlungsfelder", mehrzahl="Handlungsfelder")
BEDARF = Kind("Handlungsbedarf", "handlungsbedarfe", unter=FELD, eindeutig=True, mehrzahl="Handlungsbedarfe")
STRATEGIE = Kind("Handlungsstrategie", "handlungsstrategien", unter=BEDARF, eindeutig=True,
                 mehrzahl="Handlungsstrategien", pfad_mit_eltern=True)
UEBERGREIFEND = Kind("Übergreifende Strategie", "handlungsstrategien", block="uebergreifend",
                     eindeutig="übergreifende Strategien", mehrzahl="übergreifende Strategien")
PROGNOSE = Kind("Integrationsprognose", "optionen", block="integrationsprognose", eindeutig="Integrationsprognose",
                mehrzahl="Integrationsprognosen")
PROFILLAGE = Kind("Profillage", "optionen", block="profillagen", eindeutig="Profillagen", mehrzahl="Profillagen")
AKTIVITAET = Kind("Folgegespräch-Aktivität", "aktivitaeten", block="folgegespraech", im_text="Folgegespräch",
                  mehrzahl="Folgegespräch-Aktivitäten")
ABSCHNITT = Kind("Vereinbarungsabschnitt", "abschnitte", block="vereinbarung", im_text="Vereinbarung",
                 mehrzahl="Vereinbarungsabschnitte")
ERGEBNIS = Kind("Maßnahmeergebnis", "ergebnisse", block="massnahmen", eindeutig="Maßnahmeergebnisse", im_baum=False)
KLASSE = Kind("Kompetenzklasse", "kompetenzklassen", eindeutig="Kompetenzklassen", im_baum=False)
KOMPETENZ = Kind("Kompetenz", "auswahl", unter=KLASSE, eindeutig=True, pfad_mit_eltern=True, im_baum=False)
HINWEIS = Kind("Hinweis", "hinweise", mehrzahl="Hinweise", im_baum=False)

#: Every kind of entry with an id, in the order of the file (samples, `beispiele`, are checked on their own).
KINDS: tuple[Kind, ...] = (FELD, BEDARF, STRATEGIE, UEBERGREIFEND, PROGNOSE, PROFILLAGE, AKTIVITAET, ABSCHNITT,
                           ERGEBNIS, KLASSE, KOMPETENZ, HINWEIS)
#: The groups whose list the editor can add to, with the German name of their entries.
GROUP_KINDS: dict[str, Kind] = {kind.block: kind for kind in KINDS if kind.block and kind.im_baum}


@dataclass(frozen=True)
class Stelle:
    """One entry where the walk found it."""

    entry: Any  # a model (Entry, Hinweis) or a mapping of the raw data
    kind: Kind
    loc: Loc  # where it stands in the data
    entries: list[Any]  # the list it stands in (of the data walked: changing it changes the data)
    index: int
    liste: str  # key of that list, e.g. "handlungsbedarfe:qualifikation" (the parent's id), "uebergreifend"
    eltern: str  # label of the parent entry, of the group, or the kind's plural
    pfad: str  # readable, for messages: „Handlungsstrategie „X“ (unter „Y“)“
    geschwister: str | None  # name of the list in messages if labels in it must differ


def get(owner: Any, key: str) -> Any:
    """`owner[key]` of raw data or `owner.key` of a model; None if there is none."""
    if isinstance(owner, dict):
        return owner.get(key)
    return getattr(owner, key, None) if isinstance(owner, BaseModel) else None


def items(owner: Any, key: str) -> list[tuple[int, Any]]:
    """(index, entry) of the list `owner[key]`; what is not a mapping or model is skipped (the model reports it)."""
    value = get(owner, key)
    return [(i, e) for i, e in enumerate(value) if isinstance(e, dict | BaseModel)] if isinstance(value, list) else []


def name(entry: Any) -> str:
    """The entry's label as messages quote it, or its id if it has none."""
    label = get(entry, "label")
    return label.strip() if isinstance(label, str) and label.strip() else str(get(entry, "id") or "?")


def walk(catalogue: Any, kinds: tuple[Kind, ...] = KINDS) -> Iterator[Stelle]:
    """Every entry of `kinds` in a `Catalogue` or in the raw data of a file, in file order (an entry, then what
    stands below it)."""
    for kind in KINDS:
        if kind.unter is None:
            block = get(catalogue, kind.block) if kind.block else catalogue
            eltern = (get(block, "label") or get(block, "titel") or "") if kind.block else kind.mehrzahl
            yield from _list(block, kind, (kind.block,) if kind.block else (), kind.block or kind.liste, eltern,
                             None, kinds)


def _list(owner: Any, kind: Kind, loc: Loc, liste: str, eltern: str, parent: Any,
          kinds: tuple[Kind, ...]) -> Iterator[Stelle]:
    entries = get(owner, kind.liste)
    below = [k for k in KINDS if k.unter is kind]
    for index, entry in items(owner, kind.liste):
        here: Loc = (*loc, kind.liste, index)
        if kind in kinds:
            pfad = f"{kind.text} „{name(entry)}“" + (f" (unter „{name(parent)}“)" if kind.pfad_mit_eltern else "")
            geschwister = (f"{kind.unter.text} „{name(parent)}“" if kind.eindeutig is True and kind.unter
                           else kind.eindeutig or None)
            yield Stelle(entry, kind, here, entries, index, liste, eltern, pfad, geschwister)  # type: ignore[arg-type]
        for child in below:
            yield from _list(entry, child, here, f"{child.liste}:{get(entry, 'id')}", name(entry), entry, kinds)
