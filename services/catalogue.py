"""Catalogue use cases: the published versions, loading any of them, and the generated form models.

Published versions live in the store (never overwritten). Parsing and model generation run once per
version text and are cached, because a kept version never changes.
"""

from __future__ import annotations

from functools import lru_cache

from errors import CatalogueInvalid, NotFound
from schemas.catalogue import SHIPPED_CATALOGUE, Catalogue, parse_catalogue, set_version
from schemas.forms import ProfilingModels, generate_models
from schemas.records import CatalogueVersion, User
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
    """The generated form models of a version; `keep` are retired ids a record still uses."""
    version = store.catalogue_version(number)
    return _models(version.text, version.number, keep)


def publish_catalogue(store: Store, text: str, *, note: str, actor: User) -> CatalogueVersion:
    """Validate catalogue text and keep it as the next version. Raises NotPermitted, CatalogueInvalid."""
    require(actor, Permission.EDIT_CATALOGUE)
    number = (store.catalogue_numbers() or [0])[-1] + 1
    text = set_version(text, number)
    parse_catalogue(text, source=f"Version {number}")
    if not note.strip():
        raise CatalogueInvalid(["Bitte beschreiben Sie die Änderung in einer Notiz."])
    return store.publish_catalogue(text, note=note.strip(), actor=actor)


def list_versions(store: Store, *, actor: User) -> list[CatalogueVersion]:
    """All published versions, newest first (Trainer and KDN-Fachbetreuung)."""
    require(actor, Permission.VIEW_CATALOGUE)
    return [store.catalogue_version(n) for n in reversed(store.catalogue_numbers())]


@lru_cache(maxsize=64)
def _parse(text: str, number: int) -> Catalogue:
    return parse_catalogue(text, source=f"Version {number}")


@lru_cache(maxsize=256)
def _models(text: str, number: int, keep: frozenset[str]) -> ProfilingModels:
    return generate_models(_parse(text, number), keep)
