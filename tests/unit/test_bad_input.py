"""Bad input into every service use case (hypothesis, 1,000 examples each): only domain errors come out, and a
refused call changes no stored record. One real TinyDB store per test function, reused across its examples.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errors import DomainError
from schemas.records import AktivitaetEintrag, BedarfEintrag, Egv, Folgegespraech, Profiling, User
from services import catalogue as catalogue_service
from services import clients, egv, folgegespraech, history, profiling, users
from services.safety import FORMULA_STARTS, csv_safe, markdown_literal, to_csv
from storage.base import RECORD_KINDS
from tests.unit.world import World, build_template, copy_world

pytestmark = pytest.mark.slow  # about 100 s on two cores: 1,000 examples per use case

EXAMPLES = settings(
    max_examples=1000,
    deadline=None,
    # One store per test function on purpose: the examples share it, and each refused call is checked
    # against the snapshot taken after the last accepted one.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
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
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
revisions = st.integers(min_value=-(2**63), max_value=2**63)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, World]:
    data_dir = tmp_path_factory.mktemp("bad_input") / "data"
    return data_dir, build_template(data_dir)


@pytest.fixture
def world(template, tmp_path) -> Iterator[World]:
    built = copy_world(*template, tmp_path / "data")
    yield built
    built.store.close_store()


def snapshot(world: World, *, sign_in_counters: bool = True) -> dict[str, list[str]]:
    """Every stored record and catalogue version, as JSON (the audit trail may grow: reads are audited).

    `sign_in_counters=False` leaves out what a failed sign-in is meant to change (count, lock, revision).
    """
    store = world.store
    skip = set() if sign_in_counters else {"failed_logins", "locked_until", "revision", "updated_at", "updated_by"}
    state = {
        kind.__name__: sorted(
            r.model_dump_json(exclude=skip if kind is User else None) for r in store.export_records(kind)
        )
        for kind in RECORD_KINDS
    }
    state["catalogue"] = [str(n) for n in store.catalogue_numbers()]
    return state


class Checker:
    """Runs one call: a DomainError must carry a message and leave the records as they were."""

    def __init__(self, world: World, *, sign_in_counters: bool = True):
        self.world = world
        self.counters = sign_in_counters
        self.state = snapshot(world, sign_in_counters=sign_in_counters)
        self.accepted = 0
        self.refused = 0

    def __call__(self, call: Callable[[], object]) -> None:
        try:
            call()
        except DomainError as err:
            assert isinstance(err.message, str) and err.message.strip()
            assert snapshot(self.world, sign_in_counters=self.counters) == self.state, (
                "ein abgelehnter Aufruf hat Daten verändert"
            )
            self.refused += 1
        else:
            self.state = snapshot(self.world, sign_in_counters=self.counters)
            self.accepted += 1


def ids(world: World) -> st.SearchStrategy[str]:
    real = [
        world.client.id,
        world.other_client.id,
        world.open_profiling.id,
        world.closed_profiling.id,
        world.open_egv.id,
        world.closed_egv.id,
        world.gespraech.id,
        world.target.id,
    ]
    return st.one_of(st.sampled_from(real), text)


def actors(world: World) -> st.SearchStrategy[User]:
    return st.sampled_from(list(world.actors.values()))


# --- clients ---------------------------------------------------------------------------------------------------
@EXAMPLES
@given(data=st.data())
def test_create_client_with_bad_input(world, data):
    check = Checker(world)
    check(lambda: clients.create_client(
        world.store, kundennummer=data.draw(text), vorname=data.draw(text), nachname=data.draw(text),
        geburtsdatum=data.draw(dates), actor=data.draw(actors(world))))


@EXAMPLES
@given(data=st.data())
def test_find_and_open_client_with_bad_input(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    check(lambda: clients.find_clients(world.store, data.draw(text), actor=actor))
    check(lambda: clients.open_client(world.store, data.draw(ids(world)), actor=actor))


# --- profiling -------------------------------------------------------------------------------------------------
def bad_profiling(world: World, data: st.DataObject, base: Profiling) -> Profiling:
    keys = st.one_of(st.sampled_from(["schulische_qualifikation", "sprachkenntnisse", "gesundheitliche_einschraenkungen"]), text)
    return base.model_copy(update={
        "zielberuf": data.draw(text),
        "kompetenzen": data.draw(st.lists(text, max_size=5)),
        "handlungsbedarfe": data.draw(st.dictionaries(keys, st.builds(BedarfEintrag, relevant=st.booleans(),
                                                                         bemerkungen=text), max_size=3)),
        "integrationsprognose": data.draw(st.one_of(st.none(), st.sampled_from(["marktnah", "marktfern"]), text)),
        "profillage": data.draw(st.one_of(st.none(), text)),
        "integrationsziel": data.draw(text),
        "einverstaendnis": data.draw(st.booleans()),
        "einverstaendnis_datum": data.draw(st.one_of(st.none(), dates)),
        "strategien": data.draw(st.dictionaries(keys, st.lists(text, max_size=3), max_size=3)),
        "uebergreifend": data.draw(st.lists(text, max_size=3)),
        "client_id": data.draw(st.one_of(st.just(base.client_id), ids(world))),
        "revision": data.draw(st.one_of(st.just(base.revision), revisions)),
    })


@EXAMPLES
@given(data=st.data())
def test_save_profiling_with_bad_input(world, data):
    check = Checker(world)
    stored = world.store.get(Profiling, world.open_profiling.id)
    base = data.draw(st.sampled_from([stored, world.closed_profiling, stored.model_copy(update={"revision": 0,
                                                                                                 "id": "neu1"})]))
    check(lambda: profiling.save_profiling(world.store, bad_profiling(world, data, base),
                                           actor=data.draw(actors(world))))


@EXAMPLES
@given(data=st.data())
def test_profiling_lifecycle_with_bad_ids(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    record_id = data.draw(ids(world))
    revision = data.draw(revisions)
    use_case = data.draw(st.sampled_from(["history", "start", "open", "close", "discard", "clone"]))
    calls = {
        "history": lambda: profiling.profiling_history(world.store, record_id, actor=actor),
        "start": lambda: profiling.start_profiling(world.store, record_id, actor=actor),
        "open": lambda: profiling.open_profiling(world.store, record_id, actor=actor),
        "close": lambda: profiling.close_profiling(world.store, record_id, revision=revision, actor=actor),
        "discard": lambda: profiling.discard_profiling(world.store, record_id, revision=revision, actor=actor),
        "clone": lambda: profiling.clone_profiling(world.store, record_id, actor=actor),
    }
    check(calls[use_case])


@EXAMPLES
@given(data=st.data())
def test_kdn_override_with_bad_input(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    reason = data.draw(text)
    if data.draw(st.booleans()):
        current = world.store.get(Profiling, world.closed_profiling.id) if _exists(world) else world.closed_profiling
        check(lambda: profiling.correct_closed_profiling(world.store, bad_profiling(world, data, current),
                                                         reason=reason, actor=actor))
    else:
        check(lambda: profiling.delete_closed_profiling(world.store, data.draw(ids(world)), reason=reason,
                                                        actor=actor))


def _exists(world: World) -> bool:
    try:
        world.store.get(Profiling, world.closed_profiling.id)
    except DomainError:
        return False
    return True


@EXAMPLES
@given(data=st.data())
def test_history_with_bad_ids(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    record_id = data.draw(ids(world))
    use_case = data.draw(st.sampled_from([history.record_history, history.closed_profilings,
                                          history.deleted_profiling_ids]))
    check(lambda: use_case(world.store, record_id, actor=actor))


# --- EGV -------------------------------------------------------------------------------------------------------
@EXAMPLES
@given(data=st.data())
def test_save_egv_with_bad_input(world, data):
    check = Checker(world)
    stored = world.store.get(Egv, world.open_egv.id)
    base = data.draw(st.sampled_from([stored, world.closed_egv, stored.model_copy(update={"revision": 0, "id": "neu2"})]))
    changed = base.model_copy(update={
        "integrationsziel": data.draw(text),
        "strategien": data.draw(st.lists(st.one_of(st.just("schulabschluss_erwerben"), text), max_size=3)),
        "teilschritte": data.draw(text),
        "leistungen_jobcenter": data.draw(text),
        "bemuehungen_kunde": data.draw(text),
        "angebote_dritter": data.draw(text),
        "ueberpruefung_am": data.draw(st.one_of(st.none(), dates)),
        "profiling_id": data.draw(st.one_of(st.just(base.profiling_id), ids(world))),
        "client_id": data.draw(st.one_of(st.just(base.client_id), ids(world))),
        "revision": data.draw(st.one_of(st.just(base.revision), revisions)),
    })
    check(lambda: egv.save_egv(world.store, changed, actor=data.draw(actors(world))))


@EXAMPLES
@given(data=st.data())
def test_egv_use_cases_with_bad_ids(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    record_id = data.draw(ids(world))
    revision = data.draw(revisions)
    use_case = data.draw(st.sampled_from(["draft", "close", "fortschreiben", "open", "versions"]))
    calls = {
        "draft": lambda: egv.draft_egv(world.store, record_id, actor=actor),
        "close": lambda: egv.close_egv(world.store, record_id, revision=revision, actor=actor),
        "fortschreiben": lambda: egv.fortschreiben_egv(world.store, record_id, actor=actor),
        "open": lambda: egv.open_egv(world.store, record_id, actor=actor),
        "versions": lambda: egv.egv_versions(world.store, record_id, actor=actor),
    }
    check(calls[use_case])


# --- Folgegespräch ---------------------------------------------------------------------------------------------
@EXAMPLES
@given(data=st.data())
def test_record_folgegespraech_with_bad_input(world, data):
    check = Checker(world)
    stored = world.store.get(Folgegespraech, world.gespraech.id)
    base = data.draw(st.sampled_from([stored, stored.model_copy(update={"revision": 0, "id": "neu3"})]))
    keys = st.one_of(st.sampled_from(["abgleich_egv", "bewerbungen"]), text)
    changed = base.model_copy(update={
        "datum": data.draw(dates),
        "naechster_termin": data.draw(st.one_of(st.none(), dates)),
        "anliegen": data.draw(text),
        "aktivitaeten": data.draw(st.dictionaries(keys, st.builds(AktivitaetEintrag, erledigt=st.booleans(),
                                                                   notiz=text), max_size=3)),
        "profiling_id": data.draw(st.one_of(st.none(), ids(world))),
        "egv_id": data.draw(st.one_of(st.none(), ids(world))),
        "client_id": data.draw(st.one_of(st.just(base.client_id), ids(world))),
        "revision": data.draw(st.one_of(st.just(base.revision), revisions)),
    })
    check(lambda: folgegespraech.record_folgegespraech(world.store, changed, actor=data.draw(actors(world))))


@EXAMPLES
@given(data=st.data())
def test_folgegespraech_lists_with_bad_ids(world, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    record_id = data.draw(ids(world))
    check(lambda: folgegespraech.new_folgegespraech(world.store, record_id, actor=actor))
    check(lambda: folgegespraech.list_folgegespraeche(world.store, record_id, actor=actor))


# --- catalogue -------------------------------------------------------------------------------------------------
@EXAMPLES
@given(data=st.data())
def test_publish_catalogue_with_bad_text(world, data):
    check = Checker(world)
    yaml_like = st.one_of(text, st.sampled_from(["version: 1\n", "handlungsfelder: []\n", "- a\n- b", "a: &x [*x]",
                                                  "!!python/object/apply:os.system ['true']", ": : :"]))
    check(lambda: catalogue_service.publish_catalogue(world.store, data.draw(yaml_like), note=data.draw(text),
                                                      actor=data.draw(actors(world))))


# --- accounts --------------------------------------------------------------------------------------------------
@pytest.fixture
def fast_argon2(monkeypatch):
    """argon2 with minimal cost parameters, so 1,000 sign-ins run in seconds; the logic is the same."""
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", fast)
    monkeypatch.setattr(users, "_DUMMY_HASH", fast.hash("dummy-password-never-used"))


@EXAMPLES
@given(data=st.data())
def test_authenticate_with_bad_input(world, fast_argon2, data):
    # A failed sign-in counts the attempt (that is its purpose); everything else must stay as it was.
    check = Checker(world, sign_in_counters=False)
    username = data.draw(st.one_of(st.sampled_from([world.target.username, world.target.username.upper()]), text))
    password = data.draw(text)
    check(lambda: users.authenticate(world.store, username, password))


@EXAMPLES
@given(data=st.data())
def test_user_management_with_bad_input(world, fast_argon2, data):
    check = Checker(world)
    actor = data.draw(actors(world))
    user_id = data.draw(ids(world))
    role = data.draw(st.one_of(st.sampled_from(["IFK", "KDN-Fachbetreuung", "Trainer", "Fachaufsicht"]), text))
    use_case = data.draw(st.sampled_from(["create", "assign", "deactivate", "reactivate", "reset"]))
    calls = {
        "create": lambda: users.create_user(world.store, username=data.draw(text), display_name=data.draw(text),
                                            role=role, team=data.draw(text), password=data.draw(text), actor=actor),
        "assign": lambda: users.assign_role(world.store, user_id, role=role, team=data.draw(text), actor=actor),
        "deactivate": lambda: users.deactivate_user(world.store, user_id, actor=actor),
        "reactivate": lambda: users.reactivate_user(world.store, user_id, actor=actor),
        "reset": lambda: users.reset_password(world.store, user_id, password=data.draw(text), actor=actor),
    }
    check(calls[use_case])


# --- output safety ---------------------------------------------------------------------------------------------
@EXAMPLES
@given(cells=st.lists(st.one_of(text, st.integers(), st.none()), min_size=1, max_size=6))
def test_csv_export_is_safe_against_formula_injection(cells):
    for cell in cells:
        safe = csv_safe(cell)
        assert not safe.lstrip(" ").startswith(FORMULA_STARTS)
        if cell is not None and not str(cell).lstrip(" ").startswith(FORMULA_STARTS):
            assert safe == str(cell)  # harmless text stays exactly as it was
    rows = list(csv.reader(io.StringIO(to_csv(["Kunde"] * len(cells), [cells]), newline=""), delimiter=";"))
    for value in rows[1]:
        assert not value.lstrip(" ").startswith(FORMULA_STARTS)


@EXAMPLES
@given(value=text)
def test_markdown_literal_leaves_no_markup(value):
    escaped = markdown_literal(value)
    for index, char in enumerate(escaped):
        if char in "<>*_`[]#":
            backslashes = len(escaped[:index]) - len(escaped[:index].rstrip("\\"))
            assert backslashes % 2 == 1, (value, escaped)


def test_formula_cells_are_prefixed():
    assert [csv_safe(c) for c in ["=1+1", "+49 30", "-5", "@A1", "\tx", "\rx", " =1", "Müller", 42, None]] == [
        "'=1+1", "'+49 30", "'-5", "'@A1", "'\tx", "'\rx", "' =1", "Müller", "42", ""]

