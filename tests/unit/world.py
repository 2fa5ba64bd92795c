"""A small world of records for the permission and bad-input tests: one of each kind, every role as actor."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from config import Settings
from dates import today
from schemas.records import Client, Egv, Folgegespraech, Profiling, Role, User
from services import users
from services.access import SYSTEM
from services.catalogue import ensure_catalogue
from storage import open_store
from storage.base import Store
from tests.factories import make_client, make_egv, make_folgegespraech, make_profiling, make_user

PASSWORD = "Korrekt-Pferd-Batterie-7"

#: The acting users: an IFK of the client's team, an IFK of another team, the other roles, a deactivated IFK.
ACTORS = ["IFK", "IFK anderes Team", "KDN-Fachbetreuung", "Trainer", "Fachaufsicht", "IFK deaktiviert"]


@dataclass
class World:
    store: Store
    actors: dict[str, User]
    client: Client
    other_client: Client  # of Team 2
    open_profiling: Profiling  # complete, may be closed
    closed_profiling: Profiling
    open_egv: Egv  # of the closed profiling
    closed_egv: Egv
    gespraech: Folgegespraech
    target: User  # an account to manage


def complete_profiling(client_id: str, **fields) -> Profiling:
    defaults = {
        "zielberuf": "Fachkraft Lagerlogistik",
        "strategien": {"schulische_qualifikation": ["schulabschluss_erwerben"]},
        "integrationsprognose": "marktnah",
        "integrationsziel": "Arbeitsaufnahme als Fachkraft Lagerlogistik",
    }
    return make_profiling(client_id, relevant=["schulische_qualifikation"], **(defaults | fields))


def build_world(store: Store) -> World:
    """Publish the catalogue and store the world (all records made by the IFK of Team 1)."""
    ensure_catalogue(store, actor=SYSTEM)
    actors = {
        "IFK": make_user(Role.IFK, team="Team 1"),
        "IFK anderes Team": make_user(Role.IFK, team="Team 2"),
        "KDN-Fachbetreuung": make_user(Role.KDN, team=""),
        "Trainer": make_user(Role.TRAINER, team=""),
        "Fachaufsicht": make_user(Role.FACHAUFSICHT, team=""),
        "IFK deaktiviert": make_user(Role.IFK, team="Team 1", active=False),
    }
    actors = {name: store.add(user, actor=SYSTEM) for name, user in actors.items()}
    ifk = actors["IFK"]
    client = store.add(make_client(team="Team 1"), actor=ifk)
    other_client = store.add(make_client(team="Team 2", nachname="Anderteam"), actor=ifk)
    open_profiling = store.add(complete_profiling(client.id), actor=ifk)
    closed = store.add(complete_profiling(client.id), actor=ifk)
    closed = store.close(Profiling, closed.id, revision=closed.revision, actor=ifk)
    open_egv = store.add(
        make_egv(client.id, closed.id, integrationsziel="Ziel", strategien=["schulabschluss_erwerben"],
                 teilschritte="- Schulabschluss erwerben: Anmeldung", bemuehungen_kunde="Bewerbungen",
                 ueberpruefung_am=today() + timedelta(days=90)),
        actor=ifk,
    )
    older = store.add(make_profiling(client.id, zielberuf="Alt"), actor=ifk)
    closed_egv = store.add(
        make_egv(client.id, older.id, integrationsziel="Ziel", strategien=["schulabschluss_erwerben"],
                 ueberpruefung_am=today() + timedelta(days=90)),
        actor=ifk,
    )
    closed_egv = store.close(Egv, closed_egv.id, revision=closed_egv.revision, actor=ifk)
    gespraech = store.add(make_folgegespraech(client.id, datum=today()), actor=ifk)
    target = store.add(make_user(Role.IFK, team="Team 1", password_hash=users._hash(PASSWORD)), actor=SYSTEM)
    return World(store, actors, client, other_client, open_profiling, closed, open_egv, closed_egv, gespraech,
                 target)


def build_template(data_dir: Path) -> World:
    """Build the world once in `data_dir` (a real TinyDB directory) and close that store."""
    store = open_store(Settings(data_dir=data_dir))
    built = build_world(store)
    store.close_store()
    return built


def copy_world(data_dir: Path, built: World, dest: Path) -> World:
    """The template's world on a copy of its files in `dest`, with a store opened there."""
    shutil.copytree(data_dir, dest)
    return replace(built, store=open_store(Settings(data_dir=dest)))
