"""The catalogue: its model, loading with German messages, edits of its text and the difference between versions.

One module per job, all importable from here:

- `model` — the pydantic models of one version and the lookups the services use;
- `walk` — the table of the kinds of entries (`KINDS`) and the one walk over them;
- `rules` — the rules across entries, checked on the file's data;
- `load` — reading YAML text or a file, every problem as a German message with its line;
- `edit` — edits of the text (version number, agreement block) and the shipped files (`katalog.yaml`,
  `kooperationsplan.example.yaml`, package data of this folder);
- `diff` — the difference between two versions, keyed by ids.
"""

from schemas.catalogue.diff import ENTRY_KINDS, Aenderung, Platz, diff_catalogues, entry_places
from schemas.catalogue.edit import KOOPERATIONSPLAN_BLOCK, SHIPPED_CATALOGUE, set_version, with_vereinbarung
from schemas.catalogue.load import (
    decode_catalogue,
    entry_lines,
    label_warnings,
    load_catalogue,
    parse_catalogue,
)
from schemas.catalogue.model import (
    EINSCHAETZUNG_PFLICHT,
    ID_PATTERN,
    LENIENT,
    VEREINBARUNG_FELDER,
    Abmeldegruende,
    Abmeldegrund,
    Abschnitt,
    Auswahl,
    Bedingung,
    Beispiel,
    Beschaeftigungsaufnahme,
    Catalogue,
    Entry,
    Folgegespraech,
    Gespraechsvorbereitung,
    Gruppe,
    Handlungsbedarf,
    Handlungsfeld,
    Hinweis,
    Id,
    Kompetenzklasse,
    Label,
    Massnahmen,
    Text,
    Uebergreifend,
    Vereinbarung,
    rules_apply,
)
from schemas.catalogue.walk import GROUP_KINDS, KINDS, Kind, Stelle, walk

__all__ = [
    "EINSCHAETZUNG_PFLICHT",
    "ENTRY_KINDS",
    "GROUP_KINDS",
    "ID_PATTERN",
    "KINDS",
    "KOOPERATIONSPLAN_BLOCK",
    "LENIENT",
    "SHIPPED_CATALOGUE",
    "VEREINBARUNG_FELDER",
    "Abmeldegruende",
    "Abmeldegrund",
    "Abschnitt",
    "Aenderung",
    "Auswahl",
    "Bedingung",
    "Beispiel",
    "Beschaeftigungsaufnahme",
    "Catalogue",
    "Entry",
    "Folgegespraech",
    "Gespraechsvorbereitung",
    "Gruppe",
    "Handlungsbedarf",
    "Handlungsfeld",
    "Hinweis",
    "Id",
    "Kind",
    "Kompetenzklasse",
    "Label",
    "Massnahmen",
    "Platz",
    "Stelle",
    "Text",
    "Uebergreifend",
    "Vereinbarung",
    "decode_catalogue",
    "diff_catalogues",
    "entry_lines",
    "entry_places",
    "label_warnings",
    "load_catalogue",
    "parse_catalogue",
    "rules_apply",
    "set_version",
    "walk",
    "with_vereinbarung",
]  # fmt: skip
