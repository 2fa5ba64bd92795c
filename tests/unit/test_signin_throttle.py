"""No account enumeration and no lock-out of others at will (issue 18.1, OWASP ASVS 5.0 V6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from errors import AuthenticationFailed
from schemas.audit import AuditAction
from schemas.records import Role, User, utcnow
from services import signin_throttle, users
from services.users import authenticate, create_first_admin, create_user

PASSWORD = "Korrekt-Pferd-Batterie-7"
NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def admin(store) -> User:
    return create_first_admin(store, username="kdn.admin", display_name="Karla Admin", password=PASSWORD)


@pytest.fixture
def anna(store, admin) -> User:
    return create_user(store, username="anna", display_name="Anna", role=Role.IFK, team="Team 1",
                       password=PASSWORD, actor=admin)


def _answers(store, name: str, attempts: int, source: str = "10.0.0.66") -> list[str]:
    answers = []
    for attempt in range(attempts):
        with pytest.raises(AuthenticationFailed) as err:
            authenticate(store, name, f"Falsch-{attempt}-xxxxxx", now=NOW + timedelta(seconds=attempt), source=source)
        answers.append(err.value.message)
    return answers


def test_a_known_and_an_unknown_name_get_the_same_answers_attempt_for_attempt(store, anna):
    known = _answers(store, "anna", 12, source="10.0.0.1")
    unknown = _answers(store, "niemand", 12, source="10.0.0.2")
    assert known == unknown
    assert known[0] == users.WRONG_CREDENTIALS
    assert not any("Konto" in answer for answer in known)


class _Recording:
    """The store, recording which of its methods a sign-in calls, in order."""

    def __init__(self, store):
        self._store, self.calls = store, []

    def __getattr__(self, name):
        attribute = getattr(self._store, name)
        if callable(attribute):
            self.calls.append(name)
        return attribute


def test_a_wrong_password_and_an_unknown_name_do_the_same_work(store, anna, monkeypatch):
    """The same store calls in the same order and one argon2 verification each, so the timing is the same (a
    wall-clock comparison is too noisy on a shared machine to be a test; see README for measured figures)."""
    verified = []
    original = users._verify
    monkeypatch.setattr(users, "_verify", lambda digest, password: verified.append(1) or original(digest, password))
    work = {}
    for name in ("anna", "niemand"):
        recording = _Recording(store)
        verified.clear()
        with pytest.raises(AuthenticationFailed):
            authenticate(recording, name, "Falsch-xxxxxxxxx", now=NOW, source=f"q-{name}")
        work[name] = (recording.calls, len(verified))
    assert work["anna"] == work["niemand"]
    assert work["anna"][1] == 1  # one argon2 verification each


def test_a_right_password_changes_the_throttling_state_only_when_something_was_counted(store, anna):
    recording = _Recording(store)
    assert authenticate(recording, "anna", PASSWORD, now=NOW, source="10.1.1.1").id == anna.id
    assert "state_update" not in recording.calls  # nothing counted: read, not locked and rewritten
    _answers(store, "anna", 2, source="10.1.1.2")
    recording = _Recording(store)
    assert authenticate(recording, "anna", PASSWORD, now=NOW + timedelta(minutes=1), source="10.1.1.1").id == anna.id
    assert "state_update" in recording.calls
    assert store.state_get(signin_throttle._name_key("anna")) is None  # the failures are cleared


def test_a_stranger_cannot_lock_a_colleague_out(store, anna):
    _answers(store, "anna", 30, source="198.51.100.7")  # the stranger hammers the name from one source
    assert authenticate(store, "anna", PASSWORD, now=NOW + timedelta(seconds=31), source="10.1.1.1").id == anna.id


def test_one_source_trying_many_names_waits(store, anna):
    for number in range(signin_throttle.SOURCE_LIMIT):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, f"name{number}", "Falsch-xxxxxxxxx", now=NOW, source="203.0.113.5")
    with pytest.raises(AuthenticationFailed, match="Zu viele"):
        authenticate(store, "anna", PASSWORD, now=NOW + timedelta(minutes=1), source="203.0.113.5")
    assert authenticate(store, "anna", PASSWORD, now=NOW + timedelta(minutes=1), source="10.1.1.1").id == anna.id


def test_many_failures_from_many_sources_lock_the_name_until_kdn_unlocks_it(store, admin, anna):
    for number in range(signin_throttle.NAME_LIMIT):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, "anna", "Falsch-xxxxxxxxx", now=NOW, source=f"192.0.2.{number}")
    with pytest.raises(AuthenticationFailed, match="Zu viele"):
        authenticate(store, "anna", PASSWORD, now=NOW + timedelta(minutes=5), source="10.1.1.1")
    actions = [e.action for e in store.audit_entries(record_id=anna.id)]
    assert actions.count(AuditAction.ANMELDUNG_FEHLGESCHLAGEN) == signin_throttle.NAME_LIMIT
    assert AuditAction.KONTO_GESPERRT in actions and AuditAction.ANMELDUNG_GEDROSSELT in actions
    users.unlock_account(store, anna.id, actor=admin)
    assert store.audit_entries(record_id=anna.id)[-1].action == AuditAction.SPERRE_AUFGEHOBEN
    assert authenticate(store, "anna", PASSWORD, now=NOW + timedelta(minutes=5), source="10.1.1.1").id == anna.id


def test_the_throttling_state_holds_neither_names_nor_sources_in_clear(store, anna, tmp_path):
    _answers(store, "Geheim-im-Namensfeld", 2, source="198.51.100.99")
    every_byte = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert b"Geheim" not in every_byte and b"198.51.100.99" not in every_byte
