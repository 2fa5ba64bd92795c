"""The rules across catalogue entries, checked on the file's data: ids unique, sibling labels distinct, every id
a hint, a sample or a list of strategies names exists, a Handlungsbedarf offers strategies (unless its
Handlungsfeld is for profiling only).

They run on the raw YAML data, not on the model, so that they are reported together with the problems of single
fields, and each carries the location of the entry it is about (its line in the file, found by load.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.catalogue.walk import (
    BEDARF,
    FELD,
    PROFILLAGE,
    PROGNOSE,
    STRATEGIE,
    UEBERGREIFEND,
    Kind,
    Loc,
    get,
    items,
    name,
    walk,
)


@dataclass(frozen=True)
class Problem:
    """A broken rule at `loc` (keys and indices into the file's data); `earlier`: where the first of two is."""

    loc: Loc
    text: str  # German, without the final full stop
    earlier: Loc | None = None


def _refs(owner: Any, key: str) -> list[tuple[int, str]]:
    value = get(owner, key)
    return [(i, r) for i, r in enumerate(value) if isinstance(r, str)] if isinstance(value, list) else []


def rule_problems(data: dict[str, Any]) -> list[Problem]:
    """Ids unique, labels unique among siblings, references of hints and samples known."""
    problems: list[Problem] = []
    entries = [place for place in walk(data) if isinstance(place.entry.get("id"), str)]
    seen: dict[str, tuple[str, Loc]] = {}
    labels: dict[tuple[Loc, str], Loc] = {}
    for place in entries:
        entry, path, loc, siblings = place.entry, place.pfad, place.loc, place.geschwister
        entry_id = entry["id"]
        if entry_id in seen:
            problems.append(Problem((*loc, "id"), f"{path}: Die id „{entry_id}“ ist doppelt, schon bei "
                                    f"{seen[entry_id][0]}", seen[entry_id][1]))
        else:
            seen[entry_id] = (path, (*loc, "id"))
        label = entry.get("label")
        if siblings and isinstance(label, str) and label.strip():
            key = (loc[:-1], label.strip())
            if key in labels:
                problems.append(Problem((*loc, "label"), f"{siblings}: Die Bezeichnung „{label.strip()}“ kommt "
                                        "mehrfach vor, zuerst", labels[key]))
            else:
                labels[key] = (*loc, "label")
    bedarfe = {p.entry["id"]: p.entry for p in entries if p.kind is BEDARF}
    strategien = {p.entry["id"] for p in entries if p.kind in (STRATEGIE, UEBERGREIFEND)}
    prognosen = {p.entry["id"] for p in entries if p.kind is PROGNOSE}
    for n, hinweis in items(data, "hinweise"):
        where, wenn, loc = f"Hinweis „{hinweis.get('id')}“", hinweis.get("wenn"), ("hinweise", n, "wenn")
        prognose = wenn.get("prognose") if isinstance(wenn, dict) else None
        if isinstance(prognose, str) and prognose not in prognosen:
            problems.append(Problem((*loc, "prognose"), f"{where}: Die Integrationsprognose „{prognose}“ gibt es nicht"))
        problems += [Problem((*loc, "bedarf_relevant", i), f"{where}: Den Handlungsbedarf „{ref}“ gibt es nicht")
                     for i, ref in _refs(wenn, "bedarf_relevant") if ref not in bedarfe]
        problems += [Problem((*loc, key, i), f"{where}: Die Handlungsstrategie „{ref}“ gibt es nicht")
                     for key in ("strategie_gewaehlt", "strategie_fehlt")
                     for i, ref in _refs(wenn, key) if ref not in strategien]
    ids = {kind: {p.entry["id"] for p in entries if p.kind is kind} for kind in (UEBERGREIFEND, PROGNOSE, PROFILLAGE)}
    return (problems + _strategy_problems(data) + _beispiel_problems(data, bedarfe, ids)
            + _strategie_list_problems(data, strategien))


def _strategy_problems(data: dict[str, Any]) -> list[Problem]:
    """A Handlungsbedarf offers at least one strategy, unless its Handlungsfeld is for profiling only; then it
    offers none."""
    problems: list[Problem] = []
    for place in walk(data, (FELD,)):
        feld = place.entry
        nur_profiling = feld.get("nur_profiling") is True
        for b, bedarf in items(feld, "handlungsbedarfe"):
            loc: Loc = (*place.loc, "handlungsbedarfe", b, "handlungsstrategien")
            strategien = bedarf.get("handlungsstrategien")
            if nur_profiling and strategien:
                problems.append(Problem(loc, f"Handlungsbedarf „{name(bedarf)}“: Das Handlungsfeld „{name(feld)}“ "
                                        "ist nur für das Profiling („nur_profiling: true“) und bietet keine "
                                        "Handlungsstrategien"))
            elif not nur_profiling and not strategien and (strategien is not None or "id" in bedarf):
                problems.append(Problem(loc, f"{path_text(data, list(loc))}: Braucht mindestens einen Eintrag"))
    return problems


def _strategie_list_problems(data: dict[str, Any], offered: set[str]) -> list[Problem]:
    """The strategy lists of `beschaeftigungsaufnahme` and `gespraechsvorbereitung` name known strategies
    (`offered`: the ids of every strategy, of the Bedarfe and the übergreifende ones)."""
    return [Problem((group, key, i), f"{group}: Die Handlungsstrategie „{ref}“ gibt es nicht")
            for group, key in (("beschaeftigungsaufnahme", "strategien"),
                               ("beschaeftigungsaufnahme", "strategien_leistungsbezug"),
                               ("gespraechsvorbereitung", "strategien"))
            for i, ref in _refs(data.get(group), key) if ref not in offered]


def _beispiel_problems(data: dict[str, Any], bedarfe: dict[str, dict[str, Any]],
                       ids: dict[Kind, set[str]]) -> list[Problem]:
    """Every id a sample profiling uses must exist where it is used; sample ids are unique among samples.
    `ids`: the ids of the entries of the übergreifende strategies, Integrationsprognosen and Profillagen."""
    problems: list[Problem] = []
    uebergreifend = ids[UEBERGREIFEND]
    options = {"integrationsprognose": ids[PROGNOSE], "profillage": ids[PROFILLAGE]}
    seen: dict[str, Loc] = {}
    for index, beispiel in items(data, "beispiele"):
        loc: Loc = ("beispiele", index)
        where = f"Beispiel „{name(beispiel)}“ ({beispiel.get('id')})"
        if isinstance(beispiel.get("id"), str):
            if beispiel["id"] in seen:
                problems.append(Problem((*loc, "id"), f"{where}: Die id „{beispiel['id']}“ ist unter den Beispielen "
                                        "doppelt, zuerst", seen[beispiel["id"]]))
            seen.setdefault(beispiel["id"], (*loc, "id"))
        relevant = _refs(beispiel, "relevant")
        problems += [Problem((*loc, "relevant", i), f"{where}: Den Handlungsbedarf „{ref}“ gibt es nicht")
                     for i, ref in relevant if ref not in bedarfe]
        offered = {s.get("id") for _, ref in relevant if ref in bedarfe
                   for _, s in items(bedarfe[ref], "handlungsstrategien")}
        problems += [Problem((*loc, "strategien", i), f"{where}: Die Handlungsstrategie „{ref}“ gehört zu keinem "
                             "relevanten Handlungsbedarf des Beispiels")
                     for i, ref in _refs(beispiel, "strategien") if ref not in offered]
        problems += [Problem((*loc, "uebergreifend", i), f"{where}: Die übergreifende Strategie „{ref}“ gibt es nicht")
                     for i, ref in _refs(beispiel, "uebergreifend") if ref not in uebergreifend]
        for key, kind in (("integrationsprognose", "Die Integrationsprognose"), ("profillage", "Die Profillage")):
            ref = beispiel.get(key)
            if isinstance(ref, str) and ref not in options[key]:
                problems.append(Problem((*loc, key), f"{where}: {kind} „{ref}“ gibt es nicht"))
    return problems


FIELD_NAMES = {
    "handlungsfelder": "Handlungsfeld",
    "handlungsbedarfe": "Handlungsbedarf",
    "handlungsstrategien": "Handlungsstrategie",
    "optionen": "Option",
    "aktivitaeten": "Aktivität",
    "abschnitte": "Abschnitt",
    "hinweise": "Hinweis",
    "beispiele": "Beispiel",
}


def path_text(data: Any, loc: list[Any]) -> str:
    """A readable path like „Handlungsfeld qualifikation › Handlungsbedarf 2 › label“."""
    parts: list[str] = []
    current = data
    for index, key in enumerate(loc):
        if isinstance(key, int) and index > 0 and isinstance(loc[index - 1], str):
            title = FIELD_NAMES.get(loc[index - 1], loc[index - 1])
            item = current[key] if isinstance(current, list) and key < len(current) else None
            ident = item.get("id") if isinstance(item, dict) else None
            parts[-1] = f"{title} „{ident}“" if ident else f"{title} Nr. {key + 1}"
        else:
            parts.append(str(key))
        try:
            current = current[key]
        except (KeyError, IndexError, TypeError):
            current = None
    return " › ".join(parts) or "Katalog"

