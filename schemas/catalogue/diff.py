"""The difference between two catalogue versions, keyed by ids (a renamed label is „umbenannt“, never „entfernt“
+ „neu“), as the German lines shown to trainers; and where each entry stands (`entry_places`)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.catalogue.model import VEREINBARUNG_FELDER, Catalogue, Gruppe
from schemas.catalogue.walk import KINDS, walk

#: The kinds of entries compared, in German, as the difference names them.
ENTRY_KINDS = tuple(kind.art for kind in KINDS if kind.im_baum)
_COMPARED = tuple(kind for kind in KINDS if kind.im_baum)


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
    """Every entry of the kinds compared (not hints or samples) by id, in catalogue order."""
    places: dict[str, Platz] = {}
    for place in walk(catalogue, _COMPARED):
        e = place.entry
        places.setdefault(e.id, Platz(place.kind.art, e.label, e.ausgesondert, e.beschreibung, place.liste,
                                      place.eltern))
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
    groups = [(getattr(old, kind.block), getattr(new, kind.block)) for kind in _COMPARED if kind.block]
    for a, b in ((a, b) for a, b in groups if isinstance(a, Gruppe) and isinstance(b, Gruppe)):
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
