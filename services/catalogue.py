"""Catalogue use cases: the published versions, loading any of them, and the generated form models.

Published versions live in the store (never overwritten). Parsing and model generation run once per
version text and are cached, because a kept version never changes. A kept version is loaded leniently (its
structure is validated, not today's publishing rules), so that no stricter rule can make it unloadable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from errors import CatalogueInvalid, InvalidInput, NotFound
from schemas.catalogue import (
    SHIPPED_CATALOGUE,
    Catalogue,
    Platz,
    decode_catalogue,
    entry_lines,
    entry_places,
    parse_catalogue,
    set_version,
)
from schemas.forms import (
    ProfilingModels,
    einschaetzung_input,
    einschaetzung_output,
    feld_input,
    feld_output,
    generate_models,
    strategien_input,
    strategien_model,
    strategien_output,
    uebergreifend_input,
    uebergreifend_output,
)
from schemas.records import CatalogueVersion, User
from schemas.text import has_visible, nfc, unprintable_message, unprintable_texts
from services.access import Permission, require
from storage.base import Store

FIRST_NOTE = "Erstausstattung nach dem Verfahrenshinweis (Kapitel 4.3)"


def ensure_catalogue(store: Store, *, actor: User) -> int:
    """Publish the shipped catalogue as version 1 if the store has none yet; return the newest number."""
    numbers = store.catalogue_numbers()
    if numbers:
        return numbers[-1]
    text = set_version(SHIPPED_CATALOGUE.read_text(encoding="utf-8"), 1)
    parse_catalogue(text, source=SHIPPED_CATALOGUE.name)  # never publish an invalid file
    return store.publish_catalogue(text, note=FIRST_NOTE, actor=actor).number


def latest_version(store: Store) -> int:
    """Number of the newest published version. Raises NotFound if none is published."""
    numbers = store.catalogue_numbers()
    if not numbers:
        raise NotFound("Es ist noch kein Katalog veröffentlicht.")
    return numbers[-1]


def get_catalogue(store: Store, number: int | None = None) -> Catalogue:
    """The catalogue of version `number` (default: newest), parsed once and cached."""
    version = store.catalogue_version(number if number is not None else latest_version(store))
    return _parse(version.text, version.number)


def get_models(store: Store, number: int, keep: frozenset[str] = frozenset()) -> ProfilingModels:
    """The generated form models of a version; `keep` are the ids a record uses, of which only the retired ones
    matter (they stay offered to that record). Cached per version and retired ids kept, so that records with
    different selections share one set of models."""
    version = store.catalogue_version(number)
    return _models(version.text, version.number, keep & _retired(version.text, version.number))


def publish_catalogue(store: Store, text: str, *, note: str, actor: User) -> CatalogueVersion:
    """Validate catalogue text and keep it as the next version. Raises NotPermitted, CatalogueInvalid,
    InvalidInput (the text is the newest version's).

    Beyond the file rules, every offered entry must still offer something in the forms, and every sample
    profiling kept with the catalogue (`beispiele`) must still fit and render.
    """
    require(store, actor, Permission.EDIT_CATALOGUE)
    newest = (store.catalogue_numbers() or [0])[-1]
    number = newest + 1
    text = set_version(text, number)
    check_catalogue(text, source=f"Version {number}", published=published_versions(store))
    if not has_visible(note):
        raise CatalogueInvalid(["Bitte beschreiben Sie die Änderung in einer Notiz."])
    if newest and set_version(text, newest) == store.catalogue_version(newest).text:
        # nothing changed, e.g. a draft left behind when publishing it was cut off before the draft was removed
        raise InvalidInput(f"Der Katalog stimmt mit der veröffentlichten Version {newest} überein; eine Version "
                           "ohne Änderung wird nicht angelegt.")
    return store.publish_catalogue(text, note=nfc(note).strip(), actor=actor)


def list_versions(store: Store, *, actor: User) -> list[CatalogueVersion]:
    """All published versions, newest first (Trainer and KDN-Fachbetreuung)."""
    require(store, actor, Permission.VIEW_CATALOGUE)
    return [store.catalogue_version(n) for n in reversed(store.catalogue_numbers())]


def check_catalogue(text: str, *, source: str, published: Sequence[CatalogueVersion] = ()) -> Catalogue:
    """Everything publishing checks of a catalogue text: the file rules, then `publishing_problems`, then that
    no entry of a `published` version is missing. `vierphasen catalogue check` and the catalogue page run the
    same, so all agree. Raises CatalogueInvalid."""
    catalogue = parse_catalogue(text, source=source)
    problems = publishing_problems(catalogue, text, source=source)
    if problems := problems + dropped_entry_problems(published, catalogue, text, source=source):
        raise CatalogueInvalid(problems)
    return catalogue


def check_catalogue_file(path: Path, published: Sequence[CatalogueVersion] = ()) -> Catalogue:
    """`check_catalogue` for a file (its name in the messages). Raises CatalogueInvalid."""
    source = Path(path).name
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise CatalogueInvalid([f"{source}: Die Datei kann nicht gelesen werden ({exc.__class__.__name__})."]) from exc
    return check_catalogue(decode_catalogue(content, source), source=source, published=published)


def published_versions(store: Store) -> list[CatalogueVersion]:
    """Every published version, oldest first."""
    return [store.catalogue_version(number) for number in store.catalogue_numbers()]


def dropped_entry_problems(published: Sequence[CatalogueVersion], catalogue: Catalogue, text: str, *,
                           source: str) -> list[str]:
    """Entries of a published version that `catalogue` lacks, however its text was edited: a stored record may
    point at them, so they are retired (`ausgesondert: true`), never deleted. Each message names the entry, the
    version and line where it stood last, and the line in `text` where it belongs (its parent's)."""
    present = entry_places(catalogue)
    last: dict[str, tuple[CatalogueVersion, Platz]] = {}
    for version in published:
        for entry_id, place in _places(version.text, version.number).items():
            if place.art != "Vereinbarungsabschnitt":  # records keep the agreement's fields, not its sections
                last[entry_id] = (version, place)
    lines = entry_lines(text)
    problems: list[str] = []
    for entry_id, (version, place) in last.items():
        if entry_id in present:
            continue
        parent = place.liste.partition(":")[2] or place.liste
        line = lines.get(parent) or _group_line(text, place.liste)
        where = f"{source}, Zeile {line}" if line else source
        was = _lines(version.text).get(entry_id)
        problems.append(
            f"{where}: {place.art} „{place.label}“ (id „{entry_id}“, in „{place.eltern}“) fehlt; der Eintrag stand in "
            f"Version {version.number}" + (f", Zeile {was}" if was else "") + ". Veröffentlichte Einträge werden "
            "nicht gelöscht, sondern ausgesondert: bitte wieder einfügen mit „ausgesondert: true“.")
    return problems


def _group_line(text: str, liste: str) -> int | None:
    """The line of a top-level group (`uebergreifend:` …) in catalogue text, for entries without a parent id."""
    key = {"handlungsfelder": "handlungsfelder", "profillagen": "profillagen"}.get(liste, liste)
    match = re.search(rf"(?m)^{re.escape(key)}:", text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def publishing_problems(catalogue: Catalogue, text: str, *, source: str) -> list[str]:
    """What a valid file must also meet to be published: every offered entry still offers something in the
    forms, and every sample profiling still renders. Each message names `source` and the line of its entry."""
    found = form_problems(catalogue) + beispiel_render_problems(catalogue)
    if not found:
        return unprintable_problems(catalogue, text, source=source)
    lines = entry_lines(text)
    return [f"{source}, Zeile {lines[entry_id]}: {message}" if entry_id in lines else f"{source}: {message}"
            for entry_id, message in found] + unprintable_problems(catalogue, text, source=source)


def unprintable_problems(catalogue: Catalogue, text: str, *, source: str) -> list[str]:
    """Catalogue texts (labels, hints, …) with a character the documents cannot print: one message per character,
    at the first line of the file that holds it, with the text it is in."""
    problems: dict[str, str] = {}
    lines = text.splitlines()
    for _, value, chars in unprintable_texts(catalogue):
        for char in chars:
            if char in problems:
                continue
            number = next((n for n, line in enumerate(lines, start=1) if char in line), None)
            where = f"{source}, Zeile {number}" if number else source
            excerpt = value if len(value) <= 60 else value[:57] + "…"
            problems[char] = f"{where}: {unprintable_message([char])} (in „{excerpt}“)"
    return list(problems.values())


def form_problems(catalogue: Catalogue) -> list[tuple[str, str]]:
    """Offered entries whose form would offer nothing: everything below them is retired. (entry id, message)"""
    problems: list[tuple[str, str]] = []
    for feld in catalogue.handlungsfelder:
        if feld.ausgesondert:
            continue
        offered = [b for b in feld.handlungsbedarfe if not b.ausgesondert]
        if not offered:
            problems.append((feld.id, (f"Handlungsfeld „{feld.label}“: Jeder Handlungsbedarf ist ausgesondert. Bitte "
                             "einen neuen anlegen oder das Handlungsfeld aussondern.")))
        for bedarf in offered:
            if bedarf.handlungsstrategien and all(s.ausgesondert for s in bedarf.handlungsstrategien):
                problems.append((bedarf.id, (f"Handlungsbedarf „{bedarf.label}“: Jede Handlungsstrategie ist "
                                 "ausgesondert. Bitte eine neue anlegen oder den Handlungsbedarf aussondern.")))
    if all(s.ausgesondert for s in catalogue.uebergreifend.handlungsstrategien):
        first = catalogue.uebergreifend.handlungsstrategien[0].id
        problems.append((first, (f"{catalogue.uebergreifend.label}: Jede Strategie ist ausgesondert; mindestens eine "
                         "muss angeboten werden.")))
    return problems


def beispiel_render_problems(catalogue: Catalogue) -> list[tuple[str, str]]:
    """Samples the forms generated from `catalogue` would not show faithfully (e.g. a relevant Bedarf in a
    retired Handlungsfeld): (sample id, message). Their ids were already checked by the catalogue's validation."""
    found: list[tuple[str, str]] = []
    field_of = {bedarf.id: feld for feld, bedarf in catalogue.bedarfe()}
    for beispiel in catalogue.beispiele:
        problems: list[str] = []
        where = f"Beispiel „{beispiel.label}“ ({beispiel.id})"
        keep = frozenset({*beispiel.relevant, *beispiel.strategien, *beispiel.uebergreifend,
                          *(i for i in (beispiel.integrationsprognose, beispiel.profillage) if i)})
        try:
            models = generate_models(catalogue, keep)
            for bid in beispiel.relevant:
                feld = field_of[bid]
                if feld.id not in models.handlungsfelder:
                    problems.append(f"{where}: Das Handlungsfeld „{feld.label}“ ist ausgesondert; der relevante "
                                    f"Handlungsbedarf „{catalogue.label(bid)}“ würde im Formular fehlen.")
                    continue
                shown = feld_output(feld_input(models, feld.id, {bid: {"relevant": True, "bemerkungen": ""}}))
                if not shown.get(bid, {}).get("relevant"):
                    problems.append(f"{where}: Der Handlungsbedarf „{catalogue.label(bid)}“ fehlt im Formular.")
            chosen = {bid: [s.id for s in catalogue.bedarf(bid).handlungsstrategien if s.id in beispiel.strategien]
                      for bid in beispiel.relevant}
            model = strategien_model(models, catalogue, list(beispiel.relevant))
            if strategien_output(strategien_input(model, models, chosen)) != chosen:
                problems.append(f"{where}: Die Strategieauswahl lässt sich im Formular nicht darstellen.")
            if uebergreifend_output(uebergreifend_input(models, beispiel.uebergreifend)) != [
                    s.id for s in catalogue.uebergreifend.handlungsstrategien if s.id in beispiel.uebergreifend]:
                problems.append(f"{where}: Die übergreifenden Strategien lassen sich im Formular nicht darstellen.")
            einschaetzung = (beispiel.integrationsprognose, beispiel.profillage)
            if einschaetzung_output(einschaetzung_input(models, *einschaetzung)) != einschaetzung:
                problems.append(f"{where}: Integrationsprognose / Profillage lassen sich nicht darstellen.")
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{where}: Das Formular nimmt das Beispiel nicht an ({exc.__class__.__name__}).")
        found += [(beispiel.id, problem) for problem in problems]
    return found


@lru_cache(maxsize=64)
def _parse(text: str, number: int) -> Catalogue:
    return parse_catalogue(text, source=f"Version {number}", lenient=True)


@lru_cache(maxsize=64)
def _places(text: str, number: int) -> dict[str, Platz]:
    return entry_places(_parse(text, number))


@lru_cache(maxsize=64)
def _lines(text: str) -> dict[str, int]:
    return entry_lines(text)


@lru_cache(maxsize=64)
def _retired(text: str, number: int) -> frozenset[str]:
    return frozenset(i for i, place in _places(text, number).items() if place.ausgesondert)


@lru_cache(maxsize=256)
def _models(text: str, number: int, keep: frozenset[str]) -> ProfilingModels:
    return generate_models(_parse(text, number), keep)
