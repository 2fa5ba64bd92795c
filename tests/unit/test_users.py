"""Accounts: first start, argon2 passwords, lockout, session expiry, user management by KDN-Fachbetreuung only."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

import cli
from errors import AuthenticationFailed, InvalidInput, NotPermitted
from schemas.audit import AuditAction
from schemas.records import Role, User, utcnow
from services import users
from services.signin_throttle import FREE_FAILURES
from services.users import (
    assign_role,
    authenticate,
    create_first_admin,
    create_user,
    current_account,
    deactivate_user,
    list_users,
    needs_first_admin,
    reactivate_user,
    reset_password,
    session_expired,
    sign_out,
)
from storage.base import Store

PASSWORD = "Korrekt-Pferd-Batterie-7"


@pytest.fixture
def admin(store: Store) -> User:
    return create_first_admin(store, username="kdn.admin", display_name="Karla Admin", password=PASSWORD)


def _add(store: Store, admin: User, username: str = "anna", role: Role = Role.IFK, team: str = "Team 1") -> User:
    return create_user(store, username=username, display_name="Anna Schmidt", role=role, team=team,
                       password=PASSWORD, actor=admin)


# --- first start ----------------------------------------------------------------------------------------------
def test_empty_installation_needs_first_admin(store):
    assert needs_first_admin(store)


def test_first_admin_is_kdn_and_ends_first_start(store, admin):
    assert admin.role == Role.KDN
    assert not needs_first_admin(store)
    assert store.catalogue_numbers() == [1]  # the first start also publishes the shipped catalogue


def test_second_first_admin_is_refused(store, admin):
    with pytest.raises(NotPermitted) as err:
        create_first_admin(store, username="mallory", display_name="M", password=PASSWORD)
    assert "KDN-Fachbetreuung" in err.value.message
    assert [u.username for u in store.list_users()] == ["kdn.admin"]


def test_first_admin_refuses_short_password(store):
    with pytest.raises(InvalidInput) as err:
        create_first_admin(store, username="kdn", display_name="K", password="kurz")
    assert err.value.field == "password"
    assert needs_first_admin(store)


# --- passwords ----------------------------------------------------------------------------------------------
def test_password_is_stored_as_argon2_hash_only(store, admin, tmp_path):
    assert admin.password_hash.startswith("$argon2id$")
    assert PASSWORD not in admin.password_hash
    every_byte = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert PASSWORD.encode() not in every_byte


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("", "Bitte"),
        ("elf-Zeichen", "mindestens 12"),
        ("a" * 20, "zu einfach"),
        (" leerzeichen-vorne1", "Leerzeichen"),
        ("x" * 257, "höchstens"),
        ("anna-ist-mein-pw", "Benutzernamen"),
        ("steuer\x00zeichen-pw", "Steuerzeichen"),
    ],
)
def test_weak_password_is_refused_with_german_reason(store, admin, password, words):
    with pytest.raises(InvalidInput) as err:
        create_user(store, username="anna", display_name="Anna", role=Role.IFK, team="T", password=password,
                    actor=admin)
    assert words in err.value.message
    assert err.value.field == "password"


# --- sign-in and lockout ------------------------------------------------------------------------------------
def test_right_password_signs_in_and_is_audited(store, admin):
    anna = _add(store, admin)
    user = authenticate(store, "Anna ", PASSWORD)
    assert user.id == anna.id
    assert store.audit_entries(record_id=anna.id)[-1].action == AuditAction.ANMELDUNG_ERFOLGREICH


def test_a_hash_with_older_settings_is_renewed_at_the_next_sign_in(store, admin):
    from argon2 import PasswordHasher

    anna = _add(store, admin)
    old = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash(PASSWORD)
    store.save(store.get(User, anna.id).model_copy(update={"password_hash": old}), actor=admin)
    assert authenticate(store, "anna", PASSWORD).id == anna.id
    renewed = store.get(User, anna.id).password_hash
    assert renewed != old and "m=7168,t=5,p=1" in renewed
    assert authenticate(store, "anna", PASSWORD).id == anna.id


def test_right_password_of_a_kdn_account_still_awaits_the_second_factor(store, admin):
    user = authenticate(store, "KDN.Admin ", PASSWORD)
    assert user.id == admin.id
    assert store.audit_entries(record_id=admin.id)[-1].action == AuditAction.PASSWORT_BESTAETIGT


def test_wrong_password_is_refused_and_audited_without_the_password(store, admin, tmp_path):
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "kdn.admin", "Falsches-Passwort-123")
    assert err.value.message == users.WRONG_CREDENTIALS
    assert store.audit_entries(record_id=admin.id)[-1].action == AuditAction.ANMELDUNG_FEHLGESCHLAGEN
    every_byte = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert b"Falsches-Passwort-123" not in every_byte


def test_unknown_user_gets_the_same_message_and_is_audited_without_the_name(store, admin):
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "Geheim-Passwort-im-Namensfeld", PASSWORD)
    assert err.value.message == users.WRONG_CREDENTIALS
    last = store.audit_entries()[-1]
    assert last.action == AuditAction.ANMELDUNG_FEHLGESCHLAGEN
    assert "Geheim" not in json.dumps(last.model_dump(mode="json"))


def test_after_the_free_failures_this_source_waits_even_for_the_right_password(store, admin):
    now = utcnow()
    for attempt in range(FREE_FAILURES):
        with pytest.raises(AuthenticationFailed) as err:
            authenticate(store, "kdn.admin", f"falsch-{attempt}-xxxxxx", now=now, source="10.0.0.9")
        assert err.value.message == users.WRONG_CREDENTIALS
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "kdn.admin", "falsch-x-xxxxxx", now=now, source="10.0.0.9")
    assert err.value.message.startswith(users.WRONG_CREDENTIALS + " Weitere Versuche")
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "kdn.admin", PASSWORD, now=now + timedelta(seconds=20), source="10.0.0.9")
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in err.value.message
    assert authenticate(store, "kdn.admin", PASSWORD, now=now + timedelta(seconds=31), source="10.0.0.9").id \
        == admin.id
    actions = [e.action for e in store.audit_entries(record_id=admin.id)]
    assert actions.count(AuditAction.ANMELDUNG_FEHLGESCHLAGEN) == FREE_FAILURES + 1
    assert AuditAction.ANMELDUNG_GEDROSSELT in actions


def test_free_failures_do_not_slow_down_and_success_resets_the_count(store, admin):
    anna = _add(store, admin)  # an account without second factor: the password completes the sign-in
    for attempt in range(FREE_FAILURES):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, "anna", f"falsch-{attempt}-xxxxxx")
    assert authenticate(store, "anna", PASSWORD).failed_logins == 0
    for attempt in range(FREE_FAILURES):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, "anna", f"falsch-{attempt}-xxxxxx")
    assert authenticate(store, "anna", PASSWORD).id == anna.id


def test_waiting_is_per_account(store, admin):
    _add(store, admin)
    for attempt in range(FREE_FAILURES + 1):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, "anna", f"falsch-{attempt}-xxxxxx")
    assert authenticate(store, "kdn.admin", PASSWORD).id == admin.id
    with pytest.raises(AuthenticationFailed, match="Zu viele"):
        authenticate(store, "anna", PASSWORD)


def test_reset_password_lifts_a_lock(store, admin):
    anna = _add(store, admin)
    for attempt in range(FREE_FAILURES + 1):
        with pytest.raises(AuthenticationFailed):
            authenticate(store, "anna", f"falsch-{attempt}-xxxxxx")
    reset_password(store, anna.id, password="Neues-Passwort-2026", actor=admin)
    assert authenticate(store, "anna", "Neues-Passwort-2026").id == anna.id
    with pytest.raises(AuthenticationFailed):
        authenticate(store, "anna", PASSWORD)


def test_deactivated_account_cannot_sign_in_and_loses_its_session(store, admin):
    anna = _add(store, admin)
    deactivate_user(store, anna.id, actor=admin)
    with pytest.raises(AuthenticationFailed) as err:
        authenticate(store, "anna", PASSWORD)
    assert "deaktiviert" in err.value.message
    assert current_account(store, anna) is None
    reactivate_user(store, anna.id, actor=admin)
    assert authenticate(store, "anna", PASSWORD).active


def test_role_change_takes_effect_for_a_signed_in_session(store, admin):
    anna = _add(store, admin)
    assign_role(store, anna.id, role=Role.TRAINER, team="", actor=admin)
    assert current_account(store, anna).role == Role.TRAINER


def test_sign_out_and_timeout_are_audited(store, admin):
    sign_out(store, actor=admin)
    sign_out(store, actor=admin, timed_out=True)
    actions = [e.action for e in store.audit_entries(record_id=admin.id)]
    assert actions[-2:] == [AuditAction.ABMELDUNG, AuditAction.ABMELDUNG_ZEIT]


def test_session_expires_after_30_minutes_without_activity():
    now = utcnow()
    assert not session_expired(None, now=now)
    assert not session_expired(now - timedelta(minutes=29, seconds=59), now=now)
    assert session_expired(now - timedelta(minutes=30, seconds=1), now=now)


# --- user management ----------------------------------------------------------------------------------------
def test_kdn_creates_an_ifk_with_team(store, admin):
    anna = _add(store, admin, username=" Anna.Schmidt ")
    assert (anna.username, anna.role, anna.team) == ("anna.schmidt", Role.IFK, "Team 1")
    assert [u.username for u in list_users(store, actor=admin)] == ["anna.schmidt", "kdn.admin"]


def test_ifk_without_team_is_refused(store, admin):
    with pytest.raises(InvalidInput) as err:
        _add(store, admin, team=" ")
    assert err.value.field == "team"


def test_duplicate_username_is_refused(store, admin):
    _add(store, admin)
    with pytest.raises(InvalidInput) as err:
        _add(store, admin, username="ANNA")
    assert err.value.field == "username"


@pytest.mark.parametrize("username", ["ab", "a" * 41, "anna schmidt", "<script>", "änne", ""])
def test_invalid_username_is_refused(store, admin, username):
    with pytest.raises(InvalidInput) as err:
        _add(store, admin, username=username)
    assert err.value.field == "username"


def test_unknown_role_is_refused(store, admin):
    with pytest.raises(InvalidInput) as err:
        _add(store, admin, role="Admin")  # type: ignore[arg-type]
    assert err.value.field == "role"


@pytest.mark.parametrize("role", [Role.IFK, Role.TRAINER, Role.FACHAUFSICHT])
def test_only_kdn_manages_users(store, admin, role):
    other = _add(store, admin, username="other", role=role)
    anna = _add(store, admin)
    calls = [
        lambda: list_users(store, actor=other),
        lambda: create_user(store, username="neu", display_name="N", role=Role.KDN, team="", password=PASSWORD,
                            actor=other),
        lambda: assign_role(store, anna.id, role=Role.KDN, team="", actor=other),
        lambda: deactivate_user(store, anna.id, actor=other),
        lambda: reactivate_user(store, anna.id, actor=other),
        lambda: reset_password(store, anna.id, password="Neues-Passwort-2026", actor=other),
    ]
    for call in calls:
        with pytest.raises(NotPermitted) as err:
            call()
        assert "Benutzer verwalten" in err.value.message
    assert store.get(User, anna.id) == anna


def test_the_last_active_kdn_cannot_be_deactivated_or_demoted(store, admin):
    second = _add(store, admin, username="kdn2", role=Role.KDN, team="")
    deactivate_user(store, second.id, actor=admin)
    with pytest.raises(NotPermitted):
        assign_role(store, admin.id, role=Role.IFK, team="Team 1", actor=admin)
    with pytest.raises(NotPermitted) as err:
        deactivate_user(store, admin.id, actor=admin)
    assert "eigenes Konto" in err.value.message


def test_stale_revision_of_an_account_is_refused(store, admin):
    anna = _add(store, admin)
    assign_role(store, anna.id, role=Role.IFK, team="Team 2", actor=admin)
    from errors import StaleRevision

    with pytest.raises(StaleRevision):
        deactivate_user(store, anna.id, revision=anna.revision, actor=admin)


def test_management_changes_are_audited(store, admin):
    anna = _add(store, admin)
    assign_role(store, anna.id, role=Role.IFK, team="Team 2", actor=admin)
    reset_password(store, anna.id, password="Neues-Passwort-2026", actor=admin)
    deactivate_user(store, anna.id, actor=admin)
    actions = [e.action for e in store.audit_entries(record_id=anna.id)]
    for action in (AuditAction.ROLLE_GEAENDERT, AuditAction.PASSWORT_ZURUECKGESETZT, AuditAction.DEAKTIVIERT):
        assert action in actions


# --- command line ---------------------------------------------------------------------------------------------
def test_cli_user_add_creates_an_account_from_stdin(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    from config import get_settings

    get_settings.cache_clear()
    try:
        code = cli.main(["user", "add", "--username", "kdn", "--name", "Karla", "--role", "KDN", "--password-stdin"])
        assert code == 0, capsys.readouterr()
        assert "angelegt" in capsys.readouterr().out
        from storage import open_store

        store = open_store()
        assert authenticate(store, "kdn", PASSWORD).role == Role.KDN
        monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
        assert cli.main(["user", "add", "--username", "x1y", "--name", "X", "--role", "IFK", "--team", "T",
                         "--password-stdin"]) == 1
        assert "mindestens 12" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


@pytest.mark.slow
def test_cli_user_add_asks_twice_and_refuses_a_mismatch(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VIERPHASEN_DATA_DIR", str(tmp_path / "data"))
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    from config import get_settings

    get_settings.cache_clear()
    try:
        assert cli.main(["user", "add", "--username", "anna", "--name", "Anna", "--role", "IFK", "--team", "T"]) == 1
        assert "stimmen nicht überein" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
