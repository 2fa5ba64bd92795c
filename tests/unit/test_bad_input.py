"""Bad input into every service use case: one hypothesis test per use case, 1,000 examples each. Only domain
errors with a German message come out, and a refused call changes no saved data.

Each use case runs on its own copy of one small world (tests/unit/world.py, built once per module); its examples
share that copy, and every refused call is checked against a snapshot of the TinyDB data directory (identity,
size and time of change of every file, the catalogue draft included: a refused call may not even rewrite a file)
taken after the last accepted call. The append-only audit trail is left out: reads and refused sign-ins are
audited on purpose. The whole file runs in about 100 s on two cores (hypothesis itself costs about half).

Text with NUL must be refused as InvalidInput on both backends (PostgreSQL cannot store it): see the end.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyotp
import pytest
import yaml
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import Settings, SsoRole
from errors import DomainError, InvalidInput
from schemas.catalogue import SHIPPED_CATALOGUE, walk
from schemas.records import (
    AktivitaetEintrag,
    BedarfEintrag,
    Beschaeftigungsaufnahme,
    Client,
    Egv,
    Folgegespraech,
    Massnahme,
    Neuorientierung,
    Profiling,
    Role,
    User,
)
from services import (
    akte,
    beschaeftigung,
    clients,
    closing,
    documents,
    egv,
    folgegespraech,
    gespraechsvorbereitung,
    history,
    massnahmen,
    profiling,
    reports,
    retention,
    sso,
    totp,
    users,
    vertretung,
    wiedervorlage,
)
from services import catalogue as catalogue_service
from services import catalogue_editor as editor
from services.access import SYSTEM
from services.catalogue import ensure_catalogue
from services.safety import FORMULA_STARTS, csv_safe, markdown_literal, to_csv
from storage import open_store
from storage.base import Store
from tests.factories import make_client, make_user
from tests.unit.world import World, build_template, complete_profiling, copy_world

pytestmark = pytest.mark.slow

EXAMPLES = 1000
RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing to replay between runs: the world is fresh each time
    # The examples share one world on purpose (state carries over, as in production).
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

NASTY = [
    "",
    " ",
    "\t\n",
    "=HYPERLINK(\"http://x\")",
    "+1",
    "-1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "../../etc/passwd",
    "\x00",
    "Müller\x00",
    "\x1b[31m",
    "\ud7ff\ue000",
    "Robert'); DROP TABLE clients;--",
    "{{7*7}}",
    "%s%s%s",
    "🙂" * 30,
    "a" * 6000,
    "A" * 20,
    "ÄÖÜß",
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
dates = st.dates()
revisions = st.one_of(st.integers(min_value=0, max_value=5), st.integers())
SHIPPED = SHIPPED_CATALOGUE.read_text(encoding="utf-8")
yaml_like = st.one_of(text, st.sampled_from(["version: 1\n", "handlungsfelder: []\n", "- a\n- b", "a: &x [*x]",
                                              "!!python/object/apply:os.system ['true']", ": : :", SHIPPED]))
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
SSO_SETTINGS = Settings(auth_mode="sso", sso_role_map={"vp-ifk": SsoRole(role="IFK", team="Team 1"),
                                                       "vp-kdn": SsoRole(role="KDN-Fachbetreuung")})


# --- German messages -------------------------------------------------------------------------------------------
#: Words of English error texts (library messages leaking through); quoted user input is left out first.
ENGLISH = re.compile(r"\b(error|invalid|not found|must|cannot|failed|exception|should|expected|value|field|"
                     r"required|none|null|object|type|unexpected|the)\b", re.IGNORECASE)
PYTHON_REPR = re.compile(r"^\w+(Error|Exception)\b|<[\w.]+ object at 0x|Traceback|\b\w+\(\w+=")


def assert_german(message: object) -> None:
    """A non-empty German message for the screen: no English library text, no Python repr."""
    assert isinstance(message, str) and message.strip(), repr(message)
    own_words = re.sub(r"„[^“]*“?", "", message)  # what the user typed is quoted „…“ and may be anything
    assert not ENGLISH.search(own_words), message
    assert not PYTHON_REPR.search(own_words), message


def test_the_german_check_catches_english_and_repr_messages():
    for leaked in ["Invalid value", "not found", "ValueError('x')", "Input should be a valid string",
                   "<storage.Foo object at 0x7f>", "list index out of range: must be int"]:
        with pytest.raises(AssertionError):
            assert_german(leaked)
    assert_german("Den Eintrag „invalid error“ gibt es im Entwurf nicht.")


# --- the world and its snapshot --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, World]:
    data_dir = tmp_path_factory.mktemp("bad_input") / "data"
    return data_dir, build_template(data_dir)


@pytest.fixture(autouse=True)
def fast_hashes_and_writes(monkeypatch):
    """argon2 with minimal cost parameters, so 1,000 sign-ins run in seconds; the logic is the same. Writes
    skip the flush to the disk (os.fsync): durability is tested in tests/contract/test_durability.py."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    monkeypatch.setattr(users, "_hasher", FAST_HASHER)
    monkeypatch.setattr(users, "_DUMMY_HASH", FAST_HASHER.hash("dummy-password-never-used"))
    monkeypatch.setattr(totp, "_hasher", FAST_HASHER)


#: What a failed sign-in step is meant to change on the account (the failure count and lock).
COUNTERS = {"failed_logins", "locked_until", "revision", "updated_at", "updated_by"}


class Checker:
    """Runs one call: a DomainError must carry a German message and leave the saved data as it was."""

    def __init__(self, store: Store, *, sign_in: bool):
        self.store = store
        self.root = str(store.root)
        self.sign_in = sign_in
        self.state: tuple | None = None
        self.calls = self.accepted = 0

    def snapshot(self) -> tuple:
        """Identity, size and time of change of every saved file (so a refused call may not even rewrite a
        file), and for sign-ins the accounts without their counters."""
        files: list[tuple] = []
        self._scan(self.root, files)
        accounts = ()
        if self.sign_in:
            accounts = tuple(sorted(u.model_dump_json(exclude=COUNTERS) for u in self.store.list_users()))
        return tuple(sorted(files)), accounts

    def _scan(self, folder: str, files: list[tuple]) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in ("audit", "locks"):
                        self._scan(entry.path, files)
                elif not (self.sign_in and entry.name in ("users.json", "security-state.json")):
                    info = entry.stat(follow_symlinks=False)
                    files.append((entry.path, info.st_ino, info.st_size, info.st_mtime_ns))

    def __call__(self, call: Callable[[], object], *, arranged: bool) -> None:
        if self.state is None or arranged:
            self.state = self.snapshot()
        self.calls += 1
        try:
            call()
        except DomainError as err:
            assert_german(err.message)
            assert self.snapshot() == self.state, "ein abgelehnter Aufruf hat gespeicherte Daten verändert"
        else:
            self.accepted += 1
            self.state = None


# --- inputs ----------------------------------------------------------------------------------------------------
# Each use case draws all its arguments with one strategy, built once per test: hypothesis' cost per draw and
# per built strategy would otherwise exceed most of the calls under test.
class _Current:
    def __repr__(self) -> str:
        return "CURRENT"


#: Stands for the stored revision of the record (or draft), looked up at the time of the call.
CURRENT = _Current()

BOOLS = st.booleans()
MAYBE_TEXT = st.one_of(st.none(), text)
MAYBE_DATE = st.one_of(st.none(), dates)
REVISIONS = st.one_of(st.just(CURRENT), revisions)
MAYBE_REVISION = st.one_of(st.none(), revisions)
TEXT_LISTS = st.lists(text, max_size=5)
SHORT_TEXT_LISTS = st.lists(text, max_size=3)
KUNDENNUMMERN = st.one_of(text, st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=3, max_size=20))
TEAMS = st.one_of(st.none(), text, st.just("Team 1"))
USERNAMES = st.one_of(text, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=3, max_size=40))
ROLES = st.one_of(st.sampled_from([r.value for r in Role]), text)
BEDARF_KEYS = st.one_of(st.sampled_from(["schulische_qualifikation", "sprachkenntnisse",
                                         "gesundheitliche_einschraenkungen"]), text)
BEDARFE = st.dictionaries(BEDARF_KEYS, st.builds(BedarfEintrag, relevant=BOOLS, bemerkungen=text), max_size=3)
STRATEGIEN = st.dictionaries(BEDARF_KEYS, SHORT_TEXT_LISTS, max_size=3)
PROGNOSEN = st.one_of(st.none(), st.sampled_from(["marktnah", "marktfern"]), text)
EGV_STRATEGIEN = st.lists(st.one_of(st.just("schulabschluss_erwerben"), text), max_size=3)
AKTIVITAETEN = st.dictionaries(st.one_of(st.sampled_from(["abgleich_egv", "bewerbungen"]), text),
                               st.builds(AktivitaetEintrag, erledigt=BOOLS, notiz=text, entfaellt=BOOLS), max_size=3)
BASES = st.integers(0, 2)  # which stored record a changed one starts from


def some_of(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """A change of one field of a record (so that each field's check is reached), or of all at once."""
    return st.one_of(*(st.fixed_dictionaries({name: value}) for name, value in fields.items()),
                     st.fixed_dictionaries(fields))


def args(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields)


class Inputs:
    """Strategies over one world: real ids mixed with arbitrary text, stored actors and altered ones."""

    def __init__(self, world: World):
        real = [world.client.id, world.other_client.id, world.open_profiling.id, world.closed_profiling.id,
                world.open_egv.id, world.closed_egv.id, world.gespraech.id, world.target.id,
                *(a.id for a in world.actors.values())]
        self.ids = st.one_of(st.sampled_from(real), text)
        self.maybe_ids = st.one_of(st.none(), self.ids)
        self.client_ids = st.one_of(st.just(world.client.id), self.ids)
        self.target_ids = st.one_of(st.just(world.target.id), self.ids)
        self.usernames = st.one_of(st.sampled_from([world.target.username, world.target.username.upper()]), text)
        stored = list(world.actors.values())
        # Actors as an identity provider or a stale session might hand them over: any role, team and state.
        altered = [actor.model_copy(update={"role": role, "team": team, "active": active})
                   for actor in stored[:3] for role in Role for active in (True, False)
                   for team in ["", "Team 1", "Team 2", " Team 1", "team 1", "<b>Team</b>", "\x00"]]
        self.actors = st.sampled_from(stored + altered)
        # With arbitrary teams too, for use cases whose only input is the actor.
        self.any_actors = st.one_of(self.actors, st.builds(
            lambda base, team: base.model_copy(update={"team": team}), st.sampled_from(stored + altered), text))
        self.profiling_changes = some_of({
            "zielberuf": text, "kompetenzen": TEXT_LISTS, "handlungsbedarfe": BEDARFE,
            "integrationsprognose": PROGNOSEN, "profillage": MAYBE_TEXT, "integrationsziel": text,
            "einverstaendnis": BOOLS, "einverstaendnis_datum": MAYBE_DATE, "strategien": STRATEGIEN,
            "einverstaendnis_verweigert": BOOLS, "einverstaendnis_notiz": text,
            "neuorientierung": st.builds(Neuorientierung, alternativberuf=text, dienst_eingeschaltet=BOOLS,
                                         dienst_datum=MAYBE_DATE, dienst_nicht_erforderlich=BOOLS,
                                         dienst_begruendung=text, reha_anhaltspunkte=BOOLS,
                                         reha_verweis_datum=MAYBE_DATE),
            "uebergreifend": SHORT_TEXT_LISTS, "client_id": self.client_ids})
        self.egv_changes = some_of({
            "integrationsziel": text, "strategien": EGV_STRATEGIEN, "teilschritte": text,
            "leistungen_jobcenter": text, "bemuehungen_kunde": text, "angebote_dritter": text,
            "ueberpruefung_am": MAYBE_DATE, "profiling_id": st.one_of(st.just(world.closed_profiling.id), self.ids),
            "client_id": self.client_ids})
        self.gespraech_changes = some_of({
            "datum": dates, "naechster_termin": MAYBE_DATE, "anliegen": text, "aktivitaeten": AKTIVITAETEN,
            "profiling_id": self.maybe_ids, "egv_id": self.maybe_ids, "client_id": self.client_ids})


def revision(value: object, current: int) -> object:
    return current if value is CURRENT else value


def changed(choices: list, base: int, changes: dict, rev: object):
    """One of `choices` (stored, closed, new …) with the changes and the stored or an arbitrary revision."""
    record = choices[base % len(choices)]
    return record.model_copy(update=changes | {"revision": revision(rev, record.revision)})


def _stored(w: World, kind: type, record_id: str, fallback):
    try:
        return w.store.get(kind, record_id)
    except DomainError:
        return fallback


def _new(record):
    return record.model_copy(update={"revision": 0, "id": uuid.uuid4().hex})


@dataclass(frozen=True)
class Case:
    """One use case: the strategy of its arguments (given the world's inputs) and the call with them."""

    inputs: Callable[[Inputs], st.SearchStrategy[dict]]
    call: Callable[..., object]  # (world, **arguments)
    arrange: Callable[..., bool] | None = None  # (world, **arguments) → True if it stored something first
    sign_in: bool = False  # a failed sign-in step counts the attempt (account, throttling state)
    setup: Callable[[World], None] | None = None  # once, before the examples
    empty: bool = False  # runs on an installation without any account


CASES: dict[str, Case] = {}


def case(name: str, inputs: Callable, call: Callable, **options) -> None:
    CASES[name] = Case(inputs, call, **options)


def by_id(name: str, use_case: Callable) -> None:
    """A use case that takes the store, one id and the actor."""
    case(name, lambda i: args(record_id=i.ids, actor=i.actors),
         lambda w, record_id, actor: use_case(w.store, record_id, actor=actor))


def actor_only(name: str, use_case: Callable) -> None:
    case(name, lambda i: args(actor=i.any_actors), lambda w, actor: use_case(w.store, actor=actor))


# --- clients ---------------------------------------------------------------------------------------------------
case("create_client",
     lambda i: args(kundennummer=KUNDENNUMMERN, vorname=text, nachname=text, geburtsdatum=dates, team=TEAMS,
                    actor=i.actors),
     lambda w, **a: clients.create_client(w.store, **a))
case("find_clients", lambda i: args(text=text, actor=i.actors),
     lambda w, text, actor: clients.find_clients(w.store, text, actor=actor))
by_id("open_client", clients.open_client)
by_id("client_for", clients.client_for)

# --- profiling -------------------------------------------------------------------------------------------------
by_id("profiling_history", profiling.profiling_history)
by_id("start_profiling", profiling.start_profiling)
by_id("open_profiling", profiling.open_profiling)
by_id("clone_profiling", profiling.clone_profiling)
by_id("record_history", history.record_history)
by_id("closed_profilings", history.closed_profilings)
by_id("deleted_profiling_ids", history.deleted_profiling_ids)


def _save_profiling(w, base, changes, rev, actor):
    stored = _stored(w, Profiling, w.open_profiling.id, w.open_profiling)
    record = changed([stored, w.closed_profiling, _new(stored)], base, changes, rev)
    return profiling.save_profiling(w.store, record, actor=actor)


def _correct_profiling(w, changes, rev, reason, actor):
    record = changed([_stored(w, Profiling, w.closed_profiling.id, w.closed_profiling)], 0, changes, rev)
    return profiling.correct_closed_profiling(w.store, record, reason=reason, actor=actor)


case("save_profiling", lambda i: args(base=BASES, changes=i.profiling_changes, rev=REVISIONS, actor=i.actors),
     _save_profiling)
case("correct_closed_profiling",
     lambda i: args(changes=i.profiling_changes, rev=REVISIONS, reason=text, actor=i.actors), _correct_profiling)
case("close_profiling", lambda i: args(record_id=i.ids, revision=revisions, actor=i.actors),
     lambda w, record_id, **a: profiling.close_profiling(w.store, record_id, **a))
case("save_and_close_profiling",
     lambda i: args(base=BASES, changes=i.profiling_changes, rev=REVISIONS, actor=i.actors),
     lambda w, base, changes, rev, actor: closing.save_and_close_profiling(w.store, changed(
         [_stored(w, Profiling, w.open_profiling.id, w.open_profiling), w.closed_profiling,
          _new(w.open_profiling)], base, changes, rev), actor=actor))
case("discard_profiling", lambda i: args(record_id=i.ids, revision=revisions, actor=i.actors),
     lambda w, record_id, **a: profiling.discard_profiling(w.store, record_id, **a))
case("delete_closed_profiling", lambda i: args(record_id=i.ids, reason=text, actor=i.actors),
     lambda w, record_id, **a: profiling.delete_closed_profiling(w.store, record_id, **a))

# --- EGV -------------------------------------------------------------------------------------------------------
by_id("draft_egv", egv.draft_egv)
by_id("fortschreiben_egv", egv.fortschreiben_egv)
by_id("open_egv", egv.open_egv)
by_id("egv_versions", egv.egv_versions)


def _save_egv(w, base, changes, rev, actor):
    stored = _stored(w, Egv, w.open_egv.id, w.open_egv)
    return egv.save_egv(w.store, changed([stored, w.closed_egv, _new(stored)], base, changes, rev), actor=actor)


case("save_egv", lambda i: args(base=BASES, changes=i.egv_changes, rev=REVISIONS, actor=i.actors), _save_egv)
case("follow_profiling", lambda i: args(base=BASES, changes=i.egv_changes, rev=REVISIONS, actor=i.actors),
     lambda w, base, changes, rev, actor: egv.follow_profiling(
         w.store, changed([_stored(w, Egv, w.open_egv.id, w.open_egv), w.closed_egv, _new(w.open_egv)], base,
                          changes, rev), actor=actor))
case("close_egv", lambda i: args(record_id=i.ids, revision=revisions, actor=i.actors),
     lambda w, record_id, **a: egv.close_egv(w.store, record_id, **a))

case("save_and_close_egv", lambda i: args(base=BASES, changes=i.egv_changes, rev=REVISIONS, actor=i.actors),
     lambda w, base, changes, rev, actor: closing.save_and_close_egv(w.store, changed(
         [_stored(w, Egv, w.open_egv.id, w.open_egv), w.closed_egv, _new(w.open_egv)], base, changes, rev),
         actor=actor))

# --- Folgegespräch ---------------------------------------------------------------------------------------------
by_id("new_folgegespraech", folgegespraech.new_folgegespraech)
by_id("naechster_schritt", folgegespraech.naechster_schritt)
by_id("list_folgegespraeche", folgegespraech.list_folgegespraeche)


def _record_folgegespraech(w, base, changes, rev, actor):
    stored = _stored(w, Folgegespraech, w.gespraech.id, w.gespraech)
    record = changed([stored, _new(stored)], base, changes, rev)
    return folgegespraech.record_folgegespraech(w.store, record, actor=actor)


case("record_folgegespraech",
     lambda i: args(base=BASES, changes=i.gespraech_changes, rev=REVISIONS, actor=i.actors), _record_folgegespraech)

# --- issue 16: measures, job starts, preparation of a talk ----------------------------------------------------
by_id("new_massnahme", massnahmen.new_massnahme)
by_id("list_massnahmen", massnahmen.list_massnahmen)
by_id("foerder_checks", massnahmen.foerder_checks)
by_id("new_beschaeftigungsaufnahme", beschaeftigung.new_beschaeftigungsaufnahme)
by_id("list_beschaeftigungsaufnahmen", beschaeftigung.list_beschaeftigungsaufnahmen)
by_id("vorbereitung", gespraechsvorbereitung.vorbereitung)
by_id("list_stellensuchlaeufe", gespraechsvorbereitung.list_stellensuchlaeufe)
case("list_read", lambda i: args(record_id=i.ids, by=st.sampled_from(["datum", "created_at"]), actor=i.actors),
     lambda w, record_id, by, actor: clients.list_read(w.store, Folgegespraech, record_id, actor=actor, by=by))
MAYBE_IDS_OR_KNOWN = st.one_of(st.none(), st.just("erfolgreich_abgeschlossen"), st.just("schulabschluss_erwerben"),
                               text)


def _record_massnahme(w, changes, rev, actor):
    base = Massnahme(id=uuid.uuid4().hex, client_id=w.client.id, catalogue_version=1, titel="Umschulung",
                     beginn=date(2026, 1, 5), ende_geplant=date(2026, 12, 31))
    return massnahmen.record_massnahme(w.store, changed([base], 0, changes, rev), actor=actor)


case("record_massnahme", lambda i: args(changes=some_of({
    "titel": text, "traeger": text, "beginn": dates, "ende_geplant": dates, "ende_tatsaechlich": MAYBE_DATE,
    "ergebnis": MAYBE_IDS_OR_KNOWN, "strategie_id": MAYBE_IDS_OR_KNOWN, "gefoerdert": BOOLS,
    "foerder_profiling_id": i.maybe_ids, "client_id": i.client_ids}), rev=REVISIONS, actor=i.actors),
     _record_massnahme)


def _record_aufnahme(w, changes, rev, actor):
    base = Beschaeftigungsaufnahme(id=uuid.uuid4().hex, client_id=w.client.id, catalogue_version=1,
                                   datum=date(2026, 11, 2), arbeitgeber="Nord GmbH", wochenstunden=30,
                                   leistungen_weiter=False, nachhalten_am=date(2026, 12, 14))
    return beschaeftigung.record_beschaeftigungsaufnahme(w.store, changed([base], 0, changes, rev), actor=actor)


case("record_beschaeftigungsaufnahme", lambda i: args(changes=some_of({
    "datum": dates, "arbeitgeber": text, "ausbildung": BOOLS, "wochenstunden": st.integers(),
    "leistungen_weiter": BOOLS, "strategien": st.lists(st.one_of(st.just("beschaeftigungsaufnahme_stabilisieren"),
                                                                 text), max_size=3),
    "nachhalten_am": MAYBE_DATE, "client_id": i.client_ids}), rev=REVISIONS, actor=i.actors), _record_aufnahme)
case("record_stellensuchlauf",
     lambda i: args(client_id=i.client_ids, suchprofil=text, angebote=st.one_of(st.integers(), st.booleans()),
                    uebergeben=text, datum=MAYBE_DATE, actor=i.actors),
     lambda w, client_id, **a: gespraechsvorbereitung.record_stellensuchlauf(w.store, client_id, **a))

# --- documents -------------------------------------------------------------------------------------------------
by_id("einverstaendnis_pdf", documents.einverstaendnis_pdf)
by_id("egv_pdf", documents.egv_pdf)
by_id("hand_out_egv", documents.hand_out_egv)
by_id("handed_out_documents", documents.handed_out_documents)
by_id("profiling_print_pdf", documents.profiling_print_pdf)
by_id("auskunft", documents.auskunft)


# --- catalogue and its editor ----------------------------------------------------------------------------------
def _small_draft() -> str:
    """The shipped catalogue cut down to one entry per list: the editor parses the draft at every call."""
    data = yaml.safe_load(SHIPPED)
    data["handlungsfelder"] = data["handlungsfelder"][:2]
    for feld in data["handlungsfelder"]:
        feld["handlungsbedarfe"] = feld["handlungsbedarfe"][:1]
        for bedarf in feld["handlungsbedarfe"]:
            bedarf["handlungsstrategien"] = bedarf["handlungsstrategien"][:1]
    for group, entries in editor.GROUP_LISTS.items():
        data[group][entries] = data[group][entries][:1]
    data["hinweise"] = data["hinweise"][:1]
    data["beispiele"] = []
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


SMALL_DRAFT = _small_draft()
_DRAFT_DATA = yaml.safe_load(SMALL_DRAFT)
DRAFT_IDS = sorted({str(p.entry["id"]) for p in walk(_DRAFT_DATA) if p.kind.im_baum and "id" in p.entry}
                   | {h["id"] for h in _DRAFT_DATA["hinweise"]} | set(editor.GROUP_LISTS) | {"handlungsfelder"})
ENTRY_IDS = st.one_of(st.sampled_from(DRAFT_IDS), text)
#: The draft to arrange before a call: None for no draft, else its text (kept if a draft exists already).
DRAFTS = st.one_of(st.none(), st.just(SMALL_DRAFT), yaml_like)
SOME_DRAFT = st.one_of(st.just(SMALL_DRAFT), yaml_like)
VERSION_NUMBERS = st.one_of(st.integers(), st.sampled_from([1, 2]), st.none(), text, st.floats())
UPLOADS = st.one_of(st.binary(max_size=300), yaml_like.map(lambda t: t.encode("utf-8", "replace")))


def arrange_draft(w: World, draft: str | None, **_) -> bool:
    """Store a draft with this text (directly: no permission involved) or remove it; True if that wrote."""
    existing = w.store.catalogue_draft()
    if draft is None:
        if existing is not None:
            w.store.discard_catalogue_draft()
        return existing is not None
    if existing is None:
        w.store.save_catalogue_draft(draft or " ", base_version=1, revision=0, actor=w.actors["Trainer"])
    return existing is None


def draft_revision(w: World, rev: object) -> object:
    draft = w.store.catalogue_draft()
    return revision(rev, draft.revision if draft else 0)


def editing(name: str, use_case: Callable, **fields: st.SearchStrategy) -> None:
    """A draft-editing use case: a (small) draft is arranged; `rev` is its revision (CURRENT) or any other."""
    case(name, lambda i: args(draft=st.just(SMALL_DRAFT), rev=REVISIONS, actor=i.actors, **fields),
         lambda w, draft, rev, **a: use_case(w.store, revision=draft_revision(w, rev), **a), arrange=arrange_draft)


case("publish_catalogue", lambda i: args(text=yaml_like, note=text, actor=i.actors),
     lambda w, **a: catalogue_service.publish_catalogue(w.store, **a))
actor_only("list_versions", catalogue_service.list_versions)
case("current_draft", lambda i: args(draft=DRAFTS, actor=i.actors),
     lambda w, draft, actor: editor.current_draft(w.store, actor=actor), arrange=arrange_draft)
case("check_draft", lambda i: args(draft=DRAFTS, actor=i.actors),
     lambda w, draft, actor: editor.check_draft(w.store, actor=actor), arrange=arrange_draft)
case("compare_versions", lambda i: args(old=VERSION_NUMBERS, new=VERSION_NUMBERS, actor=i.actors),
     lambda w, old, new, actor: editor.compare_versions(w.store, old, new, actor=actor))
case("start_draft", lambda i: args(draft=DRAFTS, from_version=VERSION_NUMBERS, actor=i.actors),
     lambda w, draft, **a: editor.start_draft(w.store, **a), arrange=arrange_draft)
case("discard_draft", lambda i: args(draft=DRAFTS, actor=i.actors),
     lambda w, draft, actor: editor.discard_draft(w.store, actor=actor), arrange=arrange_draft)
case("import_draft",
     lambda i: args(draft=DRAFTS, rev=st.one_of(st.none(), REVISIONS), content=UPLOADS, filename=text,
                    actor=i.actors),
     lambda w, draft, rev, content, **a: editor.import_draft(w.store, content, revision=draft_revision(w, rev), **a),
     arrange=arrange_draft)
case("publish_draft", lambda i: args(draft=SOME_DRAFT | st.just(SHIPPED), rev=REVISIONS, note=text, actor=i.actors),
     lambda w, draft, rev, **a: editor.publish_draft(w.store, revision=draft_revision(w, rev), **a),
     arrange=arrange_draft)
editing("save_draft_text", editor.save_draft_text, text=yaml_like)
editing("add_entry", editor.add_entry, parent=ENTRY_IDS, label=text, first_strategy=text)
editing("rename_entry", lambda store, entry_id, label, **a: editor.rename_entry(store, entry_id, label, **a),
        entry_id=ENTRY_IDS, label=text)
editing("move_entry", lambda store, entry_id, step, **a: editor.move_entry(store, entry_id, step, **a),
        entry_id=ENTRY_IDS, step=st.integers())
editing("retire_entry", lambda store, entry_id, **a: editor.retire_entry(store, entry_id, **a),
        entry_id=ENTRY_IDS, retired=BOOLS)
editing("remove_entry", lambda store, entry_id, **a: editor.remove_entry(store, entry_id, **a), entry_id=ENTRY_IDS)
editing("edit_agreement", editor.edit_agreement, kurzname=text, titel=text, rechtsgrundlage=text)
editing("edit_hint", lambda store, hint_id, text, **a: editor.edit_hint(store, hint_id, text, **a),
        hint_id=ENTRY_IDS, text=text)

# --- accounts --------------------------------------------------------------------------------------------------
case("authenticate", lambda i: args(username=i.usernames, password=text),
     lambda w, username, password: users.authenticate(w.store, username, password), sign_in=True)
case("create_first_admin", lambda i: args(username=USERNAMES, display_name=text, password=text),
     lambda w, **a: users.create_first_admin(w.store, **a), empty=True)
actor_only("list_users", users.list_users)
by_id("get_user", users.get_user)
case("create_user",
     lambda i: args(username=USERNAMES, display_name=text, role=ROLES, team=text, password=text, actor=i.actors),
     lambda w, **a: users.create_user(w.store, **a))
case("assign_role", lambda i: args(user_id=i.ids, role=ROLES, team=text, revision=MAYBE_REVISION, actor=i.actors),
     lambda w, user_id, **a: users.assign_role(w.store, user_id, **a))
for _name, _use_case in [("deactivate_user", users.deactivate_user), ("reactivate_user", users.reactivate_user)]:
    case(_name, lambda i: args(user_id=i.ids, revision=MAYBE_REVISION, actor=i.actors),
         lambda w, user_id, _use_case=_use_case, **a: _use_case(w.store, user_id, **a))
case("reset_password", lambda i: args(user_id=i.ids, password=text, revision=MAYBE_REVISION, actor=i.actors),
     lambda w, user_id, **a: users.reset_password(w.store, user_id, **a))
case("unlock_account", lambda i: args(user_id=i.ids, actor=i.actors),
     lambda w, user_id, **a: users.unlock_account(w.store, user_id, **a))
case("sign_out", lambda i: args(actor=i.any_actors, timed_out=BOOLS, too_old=BOOLS),
     lambda w, **a: users.sign_out(w.store, **a))

# --- second factor ---------------------------------------------------------------------------------------------
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_CODE = "01234-56789"
CURRENT_CODE = st.builds(lambda: pyotp.TOTP(TOTP_SECRET).now())
CODES = st.one_of(text, st.text(alphabet="0123456789", min_size=6, max_size=6),
                  st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩", min_size=6, max_size=6),  # other scripts' digits too
                  st.text(alphabet="0123456789abcdef- ", min_size=10, max_size=12), st.just(RECOVERY_CODE),
                  CURRENT_CODE)
SECRETS = st.one_of(st.just(TOTP_SECRET), text, st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=8,
                                                        max_size=70))


def _enrol_target(w: World) -> None:
    user = w.store.get(User, w.target.id)
    w.store.save(user.model_copy(update={"totp_secret": TOTP_SECRET, "recovery_hashes": [
        FAST_HASHER.hash(RECOVERY_CODE.replace("-", ""))]}), actor=SYSTEM)


case("totp_enrol", lambda i: args(user_id=i.target_ids, secret=SECRETS, code=CODES),
     lambda w, user_id, **a: totp.enrol(w.store, user_id, **a), sign_in=True)
case("totp_verify", lambda i: args(user_id=i.target_ids, code=CODES),
     lambda w, user_id, code: totp.verify(w.store, user_id, code), sign_in=True, setup=_enrol_target)
case("reset_second_factor", lambda i: args(user_id=i.target_ids, revision=MAYBE_REVISION, actor=i.actors),
     lambda w, user_id, **a: totp.reset_second_factor(w.store, user_id, **a), setup=_enrol_target)

# --- single sign-on --------------------------------------------------------------------------------------------
ANY_CLAIM = st.one_of(text, st.integers(), st.floats(), st.none(), st.booleans(), SHORT_TEXT_LISTS)
IDENTITIES = st.one_of(st.sampled_from(["http://idp.example", "u-1", "u-2"]), ANY_CLAIM)
GROUPS = st.one_of(st.sampled_from(["vp-ifk", "vp-kdn", ["vp-ifk"], ["andere", "vp-kdn"]]), ANY_CLAIM)
TIMES = st.one_of(st.integers(min_value=0, max_value=2**31), st.sampled_from([1e20, -1e20, float("nan")]),
                  ANY_CLAIM)
#: ID-token claims as st.user hands them over; any of them may be missing or of any type.
CLAIMS = st.fixed_dictionaries({}, optional={
    "iss": IDENTITIES, "sub": IDENTITIES, "groups": GROUPS, "email": ANY_CLAIM, "name": ANY_CLAIM,
    "preferred_username": ANY_CLAIM, "iat": TIMES, "auth_time": TIMES, "is_logged_in": BOOLS})
case("sso_sign_in_with_claims", lambda i: args(claims=CLAIMS),
     lambda w, claims: sso.sign_in_with_claims(w.store, claims, settings=SSO_SETTINGS))
case("sso_expired_sign_in", lambda i: args(claims=CLAIMS), lambda w, claims: sso.expired_sign_in(w.store, claims))

# --- the case over the years (issue 14) ------------------------------------------------------------------------
def _client_revision(w: World, value: object) -> object:
    return revision(value, _stored(w, Client, w.client.id, w.client).revision)


def _a_vertretung(w: World) -> None:
    """A Vertretung "v1" of the IFK of Team 2 for Team 1, this week."""
    from datetime import timedelta

    from dates import today
    from schemas.records import Vertretung

    w.store.add(Vertretung(id="v1", vertreter=w.actors["IFK anderes Team"].username, team="Team 1", von=today(),
                           bis=today() + timedelta(days=7), grund="Urlaub"), actor=SYSTEM)  # fmt: skip


def _vertretung_revision(w: World, value: object) -> object:
    from schemas.records import Vertretung

    stored = _stored(w, Vertretung, "v1", None)
    return revision(value, stored.revision if stored else 1)


NEW_TEAMS = st.one_of(st.sampled_from(["Team 2", "Team 1"]), text)
GRUENDE = st.one_of(st.sampled_from(["abm_wegzug", "abm_sonstiges", "abm_integration"]), text)
case("correct_stammdaten",
     lambda i: args(client_id=i.client_ids, revision=REVISIONS, kundennummer=KUNDENNUMMERN, vorname=text,
                    nachname=text, geburtsdatum=dates, actor=i.actors),
     lambda w, client_id, revision, **a: akte.correct_stammdaten(w.store, client_id,
                                                                 revision=_client_revision(w, revision), **a))
case("hand_over", lambda i: args(client_id=i.client_ids, revision=REVISIONS, team=NEW_TEAMS, actor=i.actors),
     lambda w, client_id, revision, **a: akte.hand_over(w.store, client_id, revision=_client_revision(w, revision),
                                                        **a))
by_id("handovers", akte.handovers)
case("end_case",
     lambda i: args(client_id=i.client_ids, revision=REVISIONS, datum=dates, grund=GRUENDE, notiz=text,
                    actor=i.actors),
     lambda w, client_id, revision, **a: akte.end_case(w.store, client_id, revision=_client_revision(w, revision),
                                                       **a))
case("reopen_case", lambda i: args(client_id=i.client_ids, revision=REVISIONS, actor=i.actors),
     lambda w, client_id, revision, actor: akte.reopen_case(w.store, client_id,
                                                            revision=_client_revision(w, revision), actor=actor))
case("ended_by_reason", lambda i: args(team=TEAMS, actor=i.any_actors),
     lambda w, **a: akte.ended_by_reason(w.store, **a))
case("grant_vertretung",
     lambda i: args(vertreter=st.one_of(st.builds(lambda a: a.username, i.actors), text), team=NEW_TEAMS,
                    von=dates, bis=dates, grund=text, actor=i.actors),
     lambda w, **a: vertretung.grant_vertretung(w.store, **a))
case("end_vertretung", lambda i: args(vertretung_id=st.one_of(st.just("v1"), i.ids), revision=REVISIONS,
                                      actor=i.actors),
     lambda w, vertretung_id, revision, actor: vertretung.end_vertretung(
         w.store, vertretung_id, revision=_vertretung_revision(w, revision), actor=actor),
     setup=_a_vertretung)
actor_only("list_vertretungen", vertretung.list_vertretungen)
actor_only("due_cases", retention.due_cases)
by_id("delete_case", retention.delete_case)
actor_only("delete_due_cases", retention.delete_due_cases)

# --- Kundensteuerung and Wiedervorlage -------------------------------------------------------------------------
case("compile_report", lambda i: args(von=dates, bis=dates, team=TEAMS, stichtag=MAYBE_DATE, actor=i.actors),
     lambda w, **a: reports.compile_report(w.store, **a))
actor_only("list_report_teams", reports.list_report_teams)
case("list_wiedervorlage",
     lambda i: args(heute=MAYBE_DATE, vorschau_tage=st.one_of(st.just(7), st.integers()), actor=i.actors),
     lambda w, **a: wiedervorlage.list_wiedervorlage(w.store, **a))


# --- the test --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def empty_template(tmp_path_factory) -> Path:
    """An installation before its first start: no account, nothing published."""
    data_dir = tmp_path_factory.mktemp("empty") / "data"
    open_store(Settings(data_dir=data_dir)).close_store()
    return data_dir


@pytest.mark.parametrize("name", list(CASES))
def test_use_case_refuses_bad_input_with_german_domain_errors_only_and_changes_nothing(
    name, template, empty_template, tmp_path
):
    use_case = CASES[name]
    if use_case.empty:
        shutil.copytree(empty_template, tmp_path / "data")
        world = World(open_store(Settings(data_dir=tmp_path / "data")), {}, *([None] * 8))
        strategy = use_case.inputs(None)
    else:
        world = copy_world(*template, tmp_path / "data")
        strategy = use_case.inputs(Inputs(world))
    try:
        if use_case.setup:
            use_case.setup(world)
        check = Checker(world.store, sign_in=use_case.sign_in)

        @RUN
        @given(arguments=strategy)
        def examples(arguments):
            arranged = use_case.arrange(world, **arguments) if use_case.arrange else False
            check(lambda: use_case.call(world, **arguments), arranged=arranged)

        examples()
    finally:
        world.store.close_store()
    assert check.calls >= EXAMPLES, f"{name}: nur {check.calls} Beispiele"


def test_every_use_case_of_the_permission_matrix_gets_bad_input():
    from tests.unit.test_permissions import USE_CASES

    renamed = {"enrol": "totp_enrol", "verify": "totp_verify", "sign_in_with_claims": "sso_sign_in_with_claims"}
    matrix = {name.split(" ")[0] for name in USE_CASES}
    assert {renamed.get(n, n) for n in matrix} - set(CASES) == set()


# --- NUL and other control characters on both backends ---------------------------------------------------------
@pytest.fixture(params=["tinydb", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path) -> Iterator[Store]:
    if request.param == "tinydb":
        from storage import open_store

        opened = open_store(Settings(data_dir=tmp_path / "data"))
        yield opened
        opened.close_store()
        return
    import psycopg

    from storage.postgres_store import PostgresStore

    url = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    opened = PostgresStore(url, schema=schema, max_size=2)
    yield opened
    opened.close_store()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.mark.parametrize("bad", ["Mül\x00ler", "Mül\x07ler", "\x1b[31mMüller"])
def test_control_characters_in_text_are_refused_as_invalid_input_on_both_backends(any_store, bad):
    """PostgreSQL cannot store NUL: without a check it reported "Datenbank nicht erreichbar" (misleading)."""
    ensure_catalogue(any_store, actor=SYSTEM)
    ifk = any_store.add(make_user(Role.IFK, team="Team 1"), actor=SYSTEM)
    client = any_store.add(make_client(team="Team 1"), actor=ifk)
    open_profiling = any_store.add(complete_profiling(client.id), actor=ifk)
    calls = {
        "Name": lambda: clients.create_client(any_store, kundennummer="NUL123", vorname="Eva", nachname=bad,
                                              geburtsdatum=date(1990, 1, 1), actor=ifk),
        "Zielberuf": lambda: profiling.save_profiling(
            any_store, open_profiling.model_copy(update={"zielberuf": bad}), actor=ifk),
        "Suchtext": lambda: clients.find_clients(any_store, bad, actor=ifk),
    }
    for field, call in calls.items():
        with pytest.raises(InvalidInput) as err:
            call()
        assert_german(err.value.message)
        assert "Datenbank" not in err.value.message, field
    assert any_store.client_by_kundennummer("NUL123") is None
    assert any_store.get(Profiling, open_profiling.id).zielberuf == open_profiling.zielberuf


def test_tab_and_newline_stay_allowed_in_free_text(any_store):
    ensure_catalogue(any_store, actor=SYSTEM)
    ifk = any_store.add(make_user(Role.IFK, team="Team 1"), actor=SYSTEM)
    client = any_store.add(make_client(team="Team 1"), actor=ifk)
    stored = any_store.add(complete_profiling(client.id), actor=ifk)
    saved = profiling.save_profiling(
        any_store, stored.model_copy(update={"integrationsziel": "Erstens:\n\tArbeit"}), actor=ifk)
    assert any_store.get(Profiling, saved.id).integrationsziel == "Erstens:\n\tArbeit"


# --- output safety ---------------------------------------------------------------------------------------------
@RUN
@given(cells=st.lists(st.one_of(text, st.integers(), st.none()), min_size=1, max_size=6))
def test_csv_export_is_safe_against_formula_injection(cells):
    for cell in cells:
        safe = csv_safe(cell)
        assert not _visible_start(safe).startswith(FORMULA_STARTS)
        if cell is not None and not _visible_start(str(cell)).startswith(FORMULA_STARTS) \
                and not str(cell).startswith(FORMULA_STARTS):
            assert safe == str(cell)  # harmless text stays exactly as it was
    rows = list(csv.reader(io.StringIO(to_csv(["Kunde"] * len(cells), [cells]), newline=""), delimiter=";"))
    for value in rows[1]:
        assert not _visible_start(value).startswith(FORMULA_STARTS)


def _visible_start(value: str) -> str:
    """The text from its first character a reader sees (whitespace, BOM, zero-width and control characters skipped)."""
    invisible = [i for i, char in enumerate(value) if not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf"))]
    return value[invisible[0]:] if invisible else ""


@pytest.mark.parametrize("blank", ["\u00a0", "\u3000", "\ufeff", "\u2007", "\u200b", " \u00a0\t", "\u2028"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_formula_after_leading_blanks_of_every_kind_is_neutralised(blank, start):
    cell = f"{blank}{start}HYPERLINK(\"http://x\")"
    assert csv_safe(cell) == "'" + cell
    row = list(csv.reader(io.StringIO(to_csv(["Kunde"], [[cell]]), newline=""), delimiter=";"))[1]
    assert row == ["'" + cell]


@RUN
@given(value=text)
def test_markdown_literal_leaves_no_markup(value):
    escaped = markdown_literal(value)
    for index, char in enumerate(escaped):
        if char in "<>*_`[]#":
            backslashes = len(escaped[:index]) - len(escaped[:index].rstrip("\\"))
            assert backslashes % 2 == 1, (value, escaped)


def test_markdown_literal_escapes_a_long_text_as_its_lines_and_a_short_one_the_same_every_time():
    line = "- <b>*fett*</b> 1. siehe www.example.de :red[x] # \\\n"
    assert markdown_literal(line * 40) == markdown_literal(line) * 40  # 1,760 characters: not kept, escaped anew
    assert markdown_literal(line) == markdown_literal(line) == (
        "\\- \\<b\\>\\*fett\\*\\</b\\> 1. siehe www\\.example.de \\:red\\[x\\] \\# \\\\  \n")


def test_formula_cells_are_prefixed():
    assert [csv_safe(c) for c in ["=1+1", "+49 30", "-5", "@A1", "\tx", "\rx", " =1", "Müller", 42, None]] == [
        "'=1+1", "'+49 30", "'-5", "'@A1", "'\tx", "'\rx", "' =1", "Müller", "42", ""]
