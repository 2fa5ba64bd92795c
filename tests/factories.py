"""Factories for test records with sensible defaults (catalogue version 1, team "Team 1"); override any field."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

from schemas.records import BedarfEintrag, Client, Document, Egv, Folgegespraech, Profiling, Role, User

_numbers = itertools.count(1)


def new_id() -> str:
    return uuid.uuid4().hex


def make_user(role: Role = Role.IFK, **fields: Any) -> User:
    number = next(_numbers)
    defaults: dict[str, Any] = {
        "id": new_id(),
        "username": f"user{number}",
        "display_name": f"Erika Mustermann {number}",
        "role": role,
        "team": "Team 1",
    }
    return User(**(defaults | fields))


def make_client(**fields: Any) -> Client:
    number = next(_numbers)
    defaults: dict[str, Any] = {
        "id": new_id(),
        "kundennummer": f"123D{number:06d}",
        "vorname": "Max",
        "nachname": f"Muster{number}",
        "geburtsdatum": date(1985, 5, 17),
        "team": "Team 1",
    }
    return Client(**(defaults | fields))


def make_profiling(client_id: str | None = None, *, relevant: list[str] = (), **fields: Any) -> Profiling:  # type: ignore[assignment]
    """An open profiling; `relevant` lists Handlungsbedarf ids marked relevant. Phase 2 is done by default
    (an Integrationsziel and the consent given), so that a profiling with a Zielberuf and an Einschätzung closes."""
    defaults: dict[str, Any] = {
        "id": new_id(),
        "client_id": client_id or new_id(),
        "catalogue_version": 1,
        "handlungsbedarfe": {bedarf: BedarfEintrag(relevant=True) for bedarf in relevant},
        "integrationsziel": "Arbeitsaufnahme im Zielberuf",
        "einverstaendnis": True,
        "einverstaendnis_datum": date(2026, 11, 24),
    }
    return Profiling(**(defaults | fields))


def make_egv(client_id: str, profiling_id: str, **fields: Any) -> Egv:
    defaults: dict[str, Any] = {
        "id": new_id(),
        "client_id": client_id,
        "profiling_id": profiling_id,
        "catalogue_version": 1,
    }
    return Egv(**(defaults | fields))


def make_folgegespraech(client_id: str, **fields: Any) -> Folgegespraech:
    defaults: dict[str, Any] = {
        "id": new_id(),
        "client_id": client_id,
        "catalogue_version": 1,
        "datum": date(2026, 11, 24),
    }
    return Folgegespraech(**(defaults | fields))


def make_document(client_id: str, record_id: str, **fields: Any) -> Document:
    defaults: dict[str, Any] = {
        "id": new_id(),
        "client_id": client_id,
        "kind": "egv",
        "record_id": record_id,
        "record_revision": 1,
        "filename": "egv.pdf",
        "pdf": b"%PDF-1.4\n\x00\x01\xff binary\n%%EOF",
    }
    return Document(**(defaults | fields))
