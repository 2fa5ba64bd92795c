"""Second factor: enrolment, wrong and reused codes, lockout, recovery codes, reset by KDN-Fachbetreuung."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from config import Settings
from errors import AuthenticationFailed, InvalidInput, NotPermitted
from schemas.audit import AuditAction
from schemas.records import Role, User
from services import totp
from services.second_factor import second_factor_required
from services.users import LOCK_DURATION, MAX_FAILED_LOGINS, authenticate, create_first_admin, create_user
from storage.base import Store

PASSWORD = "Korrekt-Pferd-Batterie-7"
NOW = datetime(2026, 11, 24, 13, 5, tzinfo=UTC)


@pytest.fixture
def admin(store: Store) -> User:
    return create_first_admin(store, username="kdn.admin", display_name="Karla Admin", password=PASSWORD)


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


@pytest.fixture
def enrolled(store: Store, admin: User) -> tuple[User, str, list[str]]:
    secret = totp.new_secret()
    user, codes = totp.enrol(store, admin.id, secret=secret, code=code_at(secret, NOW), now=NOW)
    return user, secret, codes


def actions(store: Store, user: User) -> list[str]:
    return [entry.action for entry in store.audit_entries(record_id=user.id)]


def test_kdn_always_needs_a_second_factor_and_other_roles_when_configured(store, admin):
    anna = create_user(store, username="anna", display_name="Anna", role=Role.IFK, team="Team 1",
                       password=PASSWORD, actor=admin)
    assert second_factor_required(admin, Settings())
    assert not second_factor_required(anna, Settings())
    assert second_factor_required(anna, Settings(totp_roles="Trainer, IFK"))
    assert second_factor_required(anna.model_copy(update={"totp_secret": "A" * 32}), Settings())


def test_enrolment_stores_the_secret_and_only_hashes_of_the_recovery_codes(store, admin, enrolled, tmp_path):
    user, secret, codes = enrolled
    assert user.totp_secret == secret
    assert len(codes) == 10 and len(set(codes)) == 10
    assert len(user.recovery_hashes) == 10 and all(h.startswith("$argon2") for h in user.recovery_hashes)
    stored = "".join(p.read_text(errors="ignore") for p in tmp_path.rglob("*") if p.is_file())
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)
    assert actions(store, user)[-2:] == [AuditAction.ANMELDUNG_ERFOLGREICH, AuditAction.ZWEITER_FAKTOR_EINGERICHTET]
    assert "otpauth://totp/Vierphasen:kdn.admin?secret=" in totp.provisioning_uri(user, secret)
    assert totp.qr_png(totp.provisioning_uri(user, secret)).startswith(b"\x89PNG")


def test_enrolment_with_a_wrong_code_is_refused_and_stores_nothing(store, admin):
    secret = totp.new_secret()
    with pytest.raises(AuthenticationFailed) as err:
        totp.enrol(store, admin.id, secret=secret, code="000000" if code_at(secret, NOW) != "000000" else "111111",
                   now=NOW)
    assert err.value.message == totp.WRONG_CODE
    stored = store.get(User, admin.id)
    assert (stored.totp_secret, stored.failed_logins) == ("", 1)


def test_right_code_signs_in(store, enrolled):
    user, secret, _ = enrolled
    later = NOW + timedelta(minutes=5)
    signed_in = totp.verify(store, user.id, code_at(secret, later), now=later)
    assert signed_in.totp_last_step == int(later.timestamp()) // 30
    assert actions(store, user)[-1] == AuditAction.ANMELDUNG_ERFOLGREICH


def test_wrong_code_is_refused_and_counted(store, enrolled):
    user, secret, _ = enrolled
    wrong = f"{(int(code_at(secret, NOW + timedelta(minutes=5))) + 1) % 1_000_000:06d}"
    with pytest.raises(AuthenticationFailed) as err:
        totp.verify(store, user.id, wrong, now=NOW + timedelta(minutes=5))
    assert err.value.message == totp.WRONG_CODE
    assert store.get(User, user.id).failed_logins == 1


def test_reused_code_is_refused(store, enrolled):
    user, secret, _ = enrolled
    later = NOW + timedelta(minutes=5)
    code = code_at(secret, later)
    totp.verify(store, user.id, code, now=later)
    with pytest.raises(AuthenticationFailed) as err:
        totp.verify(store, user.id, code, now=later + timedelta(seconds=10))
    assert err.value.message == totp.REUSED_CODE
    # the enrolment code cannot be replayed either
    with pytest.raises(AuthenticationFailed):
        totp.verify(store, user.id, code_at(secret, NOW), now=NOW + timedelta(seconds=20))


def test_five_wrong_codes_lock_the_account_even_for_the_right_code_and_the_password(store, enrolled):
    user, secret, _ = enrolled
    at = NOW + timedelta(minutes=5)
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationFailed):
            totp.verify(store, user.id, "12345x", now=at)
    assert actions(store, user)[-1] == AuditAction.KONTO_GESPERRT
    with pytest.raises(AuthenticationFailed, match="gesperrt"):
        totp.verify(store, user.id, code_at(secret, at), now=at)
    with pytest.raises(AuthenticationFailed, match="gesperrt"):
        authenticate(store, "kdn.admin", PASSWORD, now=at)
    after = at + LOCK_DURATION + timedelta(seconds=31)
    assert totp.verify(store, user.id, code_at(secret, after), now=after).failed_logins == 0


def test_the_right_password_alone_does_not_reset_the_failure_count(store, enrolled):
    user, _, _ = enrolled
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationFailed):
            totp.verify(store, user.id, "999999x", now=NOW)
    authenticate(store, "kdn.admin", PASSWORD, now=NOW)
    with pytest.raises(AuthenticationFailed, match="gesperrt"):
        totp.verify(store, user.id, "abcdef", now=NOW)


def test_a_recovery_code_works_once(store, enrolled):
    user, _, codes = enrolled
    signed_in = totp.verify(store, user.id, codes[3].upper(), now=NOW)
    assert len(signed_in.recovery_hashes) == 9
    assert AuditAction.WIEDERHERSTELLUNGSCODE_VERWENDET in actions(store, user)
    with pytest.raises(AuthenticationFailed):
        totp.verify(store, user.id, codes[3], now=NOW)
    assert len(totp.verify(store, user.id, codes[4].replace("-", " "), now=NOW).recovery_hashes) == 8


def test_kdn_resets_a_second_factor_audited_and_others_may_not(store, admin, enrolled):
    user, _, _ = enrolled
    second = create_user(store, username="kdn2", display_name="Kai", role=Role.KDN, password=PASSWORD, actor=admin)
    anna = create_user(store, username="anna", display_name="Anna", role=Role.IFK, team="Team 1",
                       password=PASSWORD, actor=admin)
    with pytest.raises(NotPermitted):
        totp.reset_second_factor(store, user.id, actor=anna)
    reset = totp.reset_second_factor(store, user.id, actor=second)
    assert (reset.totp_secret, reset.recovery_hashes, reset.totp_last_step) == ("", [], 0)
    entry = store.audit_entries(record_id=user.id)[-1]
    assert (entry.action, entry.actor) == (AuditAction.ZWEITER_FAKTOR_ZURUECKGESETZT, "kdn2")
    # it enrols anew with a new secret
    secret = totp.new_secret()
    assert totp.enrol(store, user.id, secret=secret, code=code_at(secret, NOW), now=NOW)[0].totp_secret == secret


def test_a_code_in_digits_of_another_script_is_a_wrong_code(store, enrolled):
    """Regression: a code of Arabic-Indic digits passed the check for six digits and crashed the comparison."""
    user, _, _ = enrolled
    with pytest.raises(AuthenticationFailed) as err:
        totp.verify(store, user.id, "٠١٢٣٤٥", now=NOW + timedelta(minutes=5))
    assert err.value.message == totp.WRONG_CODE
    assert store.get(User, user.id).failed_logins == 1


@pytest.mark.parametrize("secret", ["A" * 16, "A" * 33, "a" * 32, "A1" * 16])
def test_enrolment_refuses_a_secret_the_authenticator_cannot_use(store, admin, secret):
    """Regression: 16 base32 characters passed the check, then pyotp raised ValueError (fewer than 112 bits)."""
    with pytest.raises(InvalidInput, match="Schlüssel für den zweiten Faktor ist ungültig"):
        totp.enrol(store, admin.id, secret=secret, code="123456", now=NOW)
    assert store.get(User, admin.id).totp_secret == ""
