"""Staff accounts: sign-in with lockout, session expiry, the first KDN account, and user management (KDN only).

Passwords are hashed with argon2 (argon2-cffi) and never stored, logged or audited in plain text. Every
successful and failed sign-in is written to the audit trail. After `MAX_FAILED_LOGINS` failed attempts an
account is locked for `LOCK_DURATION`; while locked, even the right password is refused.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from config import Settings, get_settings
from dates import as_utc, format_time
from errors import AuthenticationFailed, InvalidInput, NotFound, NotPermitted, StaleRevision
from schemas.audit import AuditAction
from schemas.records import Role, User, utcnow
from schemas.text import has_visible, nfc, refuse_unprintable
from services import signin_throttle
from services.access import Permission, require, stored_account
from services.catalogue import ensure_catalogue
from services.second_factor import second_factor_required
from storage.base import Store

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # argon2 hashes anything, but an unbounded input is a cheap denial of service
MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
SESSION_TIMEOUT = timedelta(minutes=30)
SESSION_MAX_AGE = timedelta(hours=12)  # absolute limit of a session, however active

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
_TEAM = re.compile(r"^[\w][\w .\-/]{0,49}$")


WRONG_CREDENTIALS = "Benutzername oder Passwort ist falsch."
#: The same for known and unknown names (issue 18.1); {zeit}: HH:MM in Europe/Berlin.
WAIT = "Weitere Versuche mit diesem Benutzernamen sind von hier erst ab {zeit} Uhr möglich."
THROTTLED = (
    "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es ab {zeit} Uhr erneut oder wenden Sie "
    "sich an die KDN-Fachbetreuung."
)
SSO_ONLY = (
    "Die Anmeldung mit Passwort ist in dieser Installation abgeschaltet. Bitte melden Sie sich mit "
    "„Mit Single Sign-on anmelden“ an."
)

# argon2id at one of the five settings OWASP's Password Storage Cheat Sheet gives as equally strong (7 MiB,
# 5 passes, 1 lane; the others take more memory and fewer passes, up to 19 MiB and 2): about 14 ms a check here. The
# smallest block was chosen because sign-ins come together (a team at 8 o'clock) on a server whose cores share
# one cache: with 19 MiB blocks concurrent checks pushed each other (and every other request) out of the cache,
# and in `bench/load.py` (50 sessions, 3 browsers, 2 cores) the sign-ins' p95 was 300–610 ms and the actions'
# p95 125–322 ms; with 7 MiB 104–296 ms and 54–121 ms. argon2-cffi's default (64 MiB, 4 lanes) cost 150–360 ms a
# check. Hashes made with other settings are renewed at the next sign-in.
_hasher = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("vierphasen-dummy-password-never-used")

#: The actor recorded in the audit trail for a failed sign-in under an unknown user name. The typed name is
#: not recorded: people type their password into the name field often enough.
_UNKNOWN = User.model_construct(
    id="unbekannt",
    username="(unbekannt)",
    display_name="Unbekannter Benutzername",
    role="—",
    team="",
    active=False,
)


# --- validation -------------------------------------------------------------------------------------
def _text(value: object, field: str, label: str, *, max_length: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"Bitte geben Sie {label} als Text ein.", field=field)
    value = nfc(value).strip()
    if required and not has_visible(value):
        raise InvalidInput(f"Bitte geben Sie {label} ein.", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            f"{label[0].upper()}{label[1:]} darf höchstens {max_length} Zeichen lang sein.", field=field
        )
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidInput(f"{label[0].upper()}{label[1:]} enthält unzulässige Steuerzeichen.", field=field)
    return refuse_unprintable(value, field=field)  # names and teams are printed on the documents


def normalize_username(username: object) -> str:
    """The canonical (lower-case, trimmed) user name. Raises InvalidInput(field="username")."""
    if not isinstance(username, str):
        raise InvalidInput("Bitte geben Sie einen Benutzernamen ein.", field="username")
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(
            "Der Benutzername muss 3 bis 40 Zeichen lang sein und darf nur Kleinbuchstaben (a–z), Ziffern, "
            "Punkt, Bindestrich und Unterstrich enthalten.",
            field="username",
        )
    return name


def check_password(password: object, *, username: str = "") -> str:
    """Return the password if it meets the rules (≥ 12 characters, not the user name). Raises InvalidInput."""
    if not isinstance(password, str) or not password:
        raise InvalidInput("Bitte geben Sie ein Passwort ein.", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Das Passwort darf höchstens {MAX_PASSWORD_LENGTH} Zeichen lang sein.", field="password"
        )
    if password != password.strip():
        raise InvalidInput("Das Passwort darf nicht mit Leerzeichen beginnen oder enden.", field="password")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise InvalidInput("Das Passwort enthält unzulässige Steuerzeichen.", field="password")
    if len(set(password)) < 4:
        raise InvalidInput(
            "Das Passwort ist zu einfach: bitte mehr verschiedene Zeichen verwenden.", field="password"
        )
    if username and username.lower() in password.lower():
        raise InvalidInput("Das Passwort darf den Benutzernamen nicht enthalten.", field="password")
    return password


def confirm_password(password: object, repeat: object) -> None:
    """Raise InvalidInput(field="password_repeat") unless the password was typed the same twice."""
    if password != repeat:
        raise InvalidInput("Die beiden Passworteingaben stimmen nicht überein.", field="password_repeat")


def _role(role: object) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput("Bitte wählen Sie eine gültige Rolle.", field="role") from None


def _team(team: object, role: Role) -> str:
    value = _text(team if team is not None else "", "team", "das Team", max_length=50, required=False)
    if value and not _TEAM.match(value):
        raise InvalidInput(
            "Das Team darf nur Buchstaben, Ziffern, Leerzeichen und . - / enthalten.", field="team"
        )
    if role == Role.IFK and not value:
        raise InvalidInput(
            "Eine Integrationsfachkraft braucht ein Team (sie bearbeitet die Kunden ihres Teams).",
            field="team",
        )
    return value


def _hash(password: str) -> str:
    return _hasher.hash(password)


# --- first start ------------------------------------------------------------------------------------
def needs_first_admin(store: Store) -> bool:
    """True while no account exists at all: the app then asks for the first KDN-Fachbetreuung account."""
    return not store.list_users()


def create_first_admin(store: Store, *, username: str, display_name: str, password: str) -> User:
    """Create the first KDN-Fachbetreuung account on an empty installation.

    Raises NotPermitted once any account exists (the first start is over), InvalidInput for bad input.
    """
    if not needs_first_admin(store):
        raise NotPermitted("Es gibt bereits Benutzerkonten. Neue Konten legt die KDN-Fachbetreuung an.")
    name = normalize_username(username)
    settings = get_settings()
    if settings.auth_mode == "sso" and name != settings.emergency_kdn:
        raise InvalidInput(
            "Mit Single Sign-on ist das erste Konto der Notfallzugang der KDN-Fachbetreuung: bitte den "
            f"Benutzernamen „{settings.emergency_kdn or '(VIERPHASEN_EMERGENCY_KDN ist nicht gesetzt)'}“ verwenden.",
            field="username",
        )
    user = User(
        id=uuid.uuid4().hex,
        username=name,
        display_name=_text(display_name, "display_name", "den Namen", max_length=100),
        role=Role.KDN,
        team="",
        password_hash=_hash(check_password(password, username=name)),
    )
    stored = store.add(user, actor=user)
    store.audit_append(actor=stored, action=AuditAction.ERSTES_KONTO, record_kind="Benutzer", record_id=stored.id)
    ensure_catalogue(store, actor=stored)  # the first start also publishes the shipped catalogue
    return stored


# --- sign-in, sign-out, session -----------------------------------------------------------------------
def authenticate(
    store: Store,
    username: str,
    password: str,
    *,
    source: str = "",
    now: datetime | None = None,
    settings: Settings | None = None,
) -> User:
    """Check user name and password and return the account; audit the attempt either way.

    A wrong password and an unknown name get the same answer after the same work (services.signin_throttle:
    growing waits per name and `source` — the client's address —, per source, and a lock of the name after
    many failures from many sources). A lock after wrong second-factor codes is told only to whoever
    typed the right password. With single sign-on on
    (VIERPHASEN_AUTH_MODE=sso) only the emergency account may sign in with a password: the account named by
    VIERPHASEN_EMERGENCY_KDN, and only while its role is KDN-Fachbetreuung. If the account
    needs a second factor (services.second_factor) the sign-in is not complete yet: the audit
    says "Passwort bestätigt" and the caller must ask for the code. Raises AuthenticationFailed (German
    message; it never tells whether a user name exists).
    """
    settings = settings or get_settings()
    now = as_utc(now or utcnow())
    name = username.strip().lower() if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    user = store.user_by_username(name) if name and len(name) <= 40 else None
    emergency = bool(settings.emergency_kdn) and name == settings.emergency_kdn
    # The emergency account is KDN-Fachbetreuung: an account that merely carries its name gets no way around SSO.
    if settings.auth_mode == "sso" and not (emergency and (user is None or user.role == Role.KDN)):
        _verify(_DUMMY_HASH, password)
        store.audit_append(actor=user or _UNKNOWN, action=AuditAction.ANMELDUNG_NUR_SSO, record_kind="Anmeldung",
                           record_id=user.id if user else "unbekannt")
        raise AuthenticationFailed(SSO_ONLY)
    # From here on, a known and an unknown name take the same steps until the password has been checked.
    source = source if isinstance(source, str) else ""
    who = user or _UNKNOWN
    waiting = signin_throttle.wait_until(store, name, source, now)
    if waiting is not None:
        store.audit_append(actor=who, action=AuditAction.ANMELDUNG_GEDROSSELT, record_kind="Anmeldung",
                           record_id=who.id)
        raise AuthenticationFailed(THROTTLED.format(zeit=format_time(waiting)))
    right = _verify(user.password_hash if user else _DUMMY_HASH, password) and bool(password) \
        and len(password) <= MAX_PASSWORD_LENGTH
    if user is None or not right:
        failure = signin_throttle.failed(store, name, source, now)
        store.audit_append(actor=who, action=AuditAction.ANMELDUNG_FEHLGESCHLAGEN, record_kind="Anmeldung", record_id=who.id)
        if failure.name_locked:
            store.audit_append(actor=who, action=AuditAction.KONTO_GESPERRT, record_kind="Anmeldung", record_id=who.id)
        if failure.wait_until is not None:
            raise AuthenticationFailed(f"{WRONG_CREDENTIALS} " + WAIT.format(zeit=format_time(failure.wait_until)))
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    signin_throttle.clear(store, name)
    refuse_if_locked(store, user, now)  # after wrong second-factor codes: only told after the right password
    if not user.active:
        store.audit_append(
            actor=user, action=AuditAction.ANMELDUNG_DEAKTIVIERT, record_kind="Benutzer", record_id=user.id
        )
        raise AuthenticationFailed(
            "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die KDN-Fachbetreuung."
        )
    pending = second_factor_required(user, settings)
    user = _after_success(store, user, password if not pending else None)
    store.audit_append(
        actor=user,
        action=AuditAction.PASSWORT_BESTAETIGT if pending else AuditAction.ANMELDUNG_ERFOLGREICH,
        record_kind="Benutzer",
        record_id=user.id,
    )
    return user


def refuse_if_locked(store: Store, user: User, now: datetime) -> None:
    """Raise AuthenticationFailed (audited) while the account is locked after repeated failures."""
    if user.locked_until is not None and as_utc(user.locked_until) > as_utc(now):
        store.audit_append(actor=user, action=AuditAction.ANMELDUNG_GESPERRT, record_kind="Benutzer", record_id=user.id)
        raise AuthenticationFailed(
            f"Das Konto ist nach {MAX_FAILED_LOGINS} fehlgeschlagenen Anmeldeversuchen bis "
            f"{format_time(user.locked_until)} Uhr gesperrt. Bitte versuchen Sie es später erneut "
            "oder wenden Sie sich an die KDN-Fachbetreuung."
        )


def record_failure(store: Store, user: User, now: datetime, message: str) -> None:
    """Count and audit one failed sign-in step (password or second factor), then raise AuthenticationFailed.

    The fifth failure in a row locks the account for 15 minutes (the message then says so).
    """
    locked = _count_failure(store, user, as_utc(now))
    store.audit_append(actor=user, action=AuditAction.ANMELDUNG_FEHLGESCHLAGEN, record_kind="Benutzer", record_id=user.id)
    if locked:
        store.audit_append(actor=user, action=AuditAction.KONTO_GESPERRT, record_kind="Benutzer", record_id=user.id)
        raise AuthenticationFailed(
            f"{message} Nach {MAX_FAILED_LOGINS} Fehlversuchen ist das Konto für "
            f"{int(LOCK_DURATION.total_seconds() // 60)} Minuten gesperrt."
        )
    raise AuthenticationFailed(message)


def complete_sign_in(store: Store, user: User, update: dict[str, object] | None = None) -> User:
    """Finish a sign-in after the second factor: reset the failure count, apply `update`, audit the success."""
    changes = dict(update or {})
    if user.failed_logins or user.locked_until is not None:
        changes |= {"failed_logins": 0, "locked_until": None}
    if changes:
        user = store.save(user.model_copy(update=changes), actor=user)
    store.audit_append(actor=user, action=AuditAction.ANMELDUNG_ERFOLGREICH, record_kind="Benutzer", record_id=user.id)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _count_failure(store: Store, user: User, now: datetime) -> bool:
    """Record one failed attempt; returns True if this attempt locked the account. Retries on a race."""
    for _ in range(5):
        # A lock that has run out starts a fresh count.
        expired = user.locked_until is not None and as_utc(user.locked_until) <= now
        failed = (0 if expired else user.failed_logins) + 1
        locked = failed >= MAX_FAILED_LOGINS
        changed = user.model_copy(
            update={
                "failed_logins": 0 if locked else failed,
                "locked_until": now + LOCK_DURATION if locked else (None if expired else user.locked_until),
            }
        )
        try:
            store.save(changed, actor=user)
        except StaleRevision:
            user = store.get(User, user.id)
            if user.locked_until is not None and as_utc(user.locked_until) > now:
                return False
            continue
        return locked
    return False


def _after_success(store: Store, user: User, password: str | None) -> User:
    """After the right password: reset the failure count, unless a second factor still has to follow."""
    update: dict[str, object] = {}
    if password is None:
        return user  # the failure count is reset once the second factor is right (complete_sign_in)
    if user.failed_logins or user.locked_until is not None:
        update |= {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(user.password_hash):
        update["password_hash"] = _hash(password)
    if not update:
        return user
    try:
        return store.save(user.model_copy(update=update), actor=user)
    except StaleRevision:
        return store.get(User, user.id)  # a colleague changed the account meanwhile; the sign-in still holds


def current_account(store: Store, user: User) -> User | None:
    """The signed-in user's account as stored now, or None if it was deactivated or removed meanwhile.

    Pages use the result, so a role change or a deactivation takes effect on the next click.
    """
    stored = stored_account(store, user.username)
    if stored is None or stored.id != user.id or not stored.active:
        return None
    return stored


def signing_in_account(store: Store, user_id: str) -> User:
    """The account in the middle of its sign-in (password accepted, second factor pending, or its recovery codes
    shown), as stored now: its second factor, failure count and lock as they are. Raises NotFound."""
    return store.get(User, user_id)


def sign_out(store: Store, *, actor: User, timed_out: bool = False, too_old: bool = False) -> None:
    """Record the end of a session in the audit trail (logout, idle timeout or the 12-hour limit)."""
    store.audit_append(
        actor=actor,
        action=AuditAction.ABMELDUNG_HOECHSTDAUER if too_old else AuditAction.ABMELDUNG_ZEIT if timed_out else AuditAction.ABMELDUNG,
        record_kind="Benutzer",
        record_id=actor.id,
    )


def session_expired(last_activity: datetime | None, *, now: datetime | None = None) -> bool:
    """True if more than 30 minutes passed since the session's last activity."""
    if last_activity is None:
        return False
    return (now or utcnow()) - as_utc(last_activity) > SESSION_TIMEOUT


def session_too_old(signed_in_at: datetime | None, *, now: datetime | None = None) -> bool:
    """True if the sign-in is more than 12 hours ago (absolute limit, whatever the activity)."""
    if signed_in_at is None:
        return False
    return (now or utcnow()) - as_utc(signed_in_at) > SESSION_MAX_AGE


# --- user management (KDN-Fachbetreuung) ---------------------------------------------------------------
def list_users(store: Store, *, actor: User) -> list[User]:
    """All accounts by user name. Raises NotPermitted unless the actor is KDN-Fachbetreuung."""
    require(store, actor, Permission.MANAGE_USERS)
    return store.list_users()


def get_user(store: Store, user_id: str, *, actor: User) -> User:
    """One account by id. Raises NotPermitted, NotFound."""
    require(store, actor, Permission.MANAGE_USERS)
    if not isinstance(user_id, str) or not user_id:
        raise NotFound("Das Benutzerkonto wurde nicht gefunden.")
    try:
        return store.get(User, user_id)
    except InvalidInput:
        raise NotFound("Das Benutzerkonto wurde nicht gefunden.") from None


def create_user(
    store: Store,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    team: str = "",
    password: str,
    actor: User,
) -> User:
    """Create an account with a first password. Raises NotPermitted, InvalidInput (field named)."""
    require(store, actor, Permission.MANAGE_USERS)
    name = normalize_username(username)
    if store.user_by_username(name) is not None:
        raise InvalidInput(f"Den Benutzernamen „{name}“ gibt es bereits.", field="username")
    chosen = _role(role)
    user = User(
        id=uuid.uuid4().hex,
        username=name,
        display_name=_text(display_name, "display_name", "den Namen", max_length=100),
        role=chosen,
        team=_team(team, chosen),
        password_hash=_hash(check_password(password, username=name)),
    )
    return store.add(user, actor=actor)


def assign_role(
    store: Store, user_id: str, *, role: Role | str, team: str = "", revision: int | None = None, actor: User
) -> User:
    """Give an account a role and team. Raises NotPermitted (also for removing the last KDN), InvalidInput,
    NotFound, StaleRevision."""
    user = get_user(store, user_id, actor=actor)
    chosen = _role(role)
    new_team = _team(team, chosen)
    if user.role == Role.KDN and chosen != Role.KDN:
        _keep_one_kdn(store, user)
    changed = _save_user(store, user, {"role": chosen, "team": new_team}, revision, actor)
    store.audit_append(actor=actor, action=AuditAction.ROLLE_GEAENDERT, record_kind="Benutzer", record_id=user.id)
    return changed


def deactivate_user(store: Store, user_id: str, *, revision: int | None = None, actor: User) -> User:
    """Deactivate an account: it can no longer sign in; its records and audit entries stay.

    Raises NotPermitted (own account, last active KDN account), NotFound, StaleRevision.
    """
    user = get_user(store, user_id, actor=actor)
    if user.id == actor.id:
        raise NotPermitted("Sie können Ihr eigenes Konto nicht deaktivieren.")
    if user.role == Role.KDN:
        _keep_one_kdn(store, user)
    changed = _save_user(store, user, {"active": False}, revision, actor)
    store.audit_append(actor=actor, action=AuditAction.DEAKTIVIERT, record_kind="Benutzer", record_id=user.id)
    return changed


def reactivate_user(store: Store, user_id: str, *, revision: int | None = None, actor: User) -> User:
    """Allow a deactivated account to sign in again (failed attempts reset). Raises NotPermitted, NotFound."""
    user = get_user(store, user_id, actor=actor)
    changed = _save_user(
        store, user, {"active": True, "failed_logins": 0, "locked_until": None}, revision, actor
    )
    store.audit_append(actor=actor, action=AuditAction.REAKTIVIERT, record_kind="Benutzer", record_id=user.id)
    return changed


def reset_password(
    store: Store, user_id: str, *, password: str, revision: int | None = None, actor: User
) -> User:
    """Set a new password (and lift a lock). Raises NotPermitted, InvalidInput(field="password"), NotFound."""
    user = get_user(store, user_id, actor=actor)
    update = {
        "password_hash": _hash(check_password(password, username=user.username)),
        "failed_logins": 0,
        "locked_until": None,
    }
    changed = _save_user(store, user, update, revision, actor)
    signin_throttle.clear(store, user.username)
    store.audit_append(actor=actor, action=AuditAction.PASSWORT_ZURUECKGESETZT, record_kind="Benutzer", record_id=user.id)
    return changed


def unlock_account(store: Store, user_id: str, *, actor: User) -> User:
    """Lift every sign-in lock of an account (waits after wrong passwords, the lock after wrong second-factor
    codes); audited. Waits of a source that tried many names stay. Raises NotPermitted, NotFound."""
    user = get_user(store, user_id, actor=actor)
    signin_throttle.clear(store, user.username)
    if user.failed_logins or user.locked_until is not None:
        user = _save_user(store, user, {"failed_logins": 0, "locked_until": None}, None, actor)
    store.audit_append(actor=actor, action=AuditAction.SPERRE_AUFGEHOBEN, record_kind="Benutzer", record_id=user.id)
    return user


def _keep_one_kdn(store: Store, leaving: User) -> None:
    others = [u for u in store.list_users() if u.role == Role.KDN and u.active and u.id != leaving.id]
    if not others:
        raise NotPermitted("Es muss mindestens ein aktives Konto der KDN-Fachbetreuung bleiben.")


def _save_user(
    store: Store, user: User, update: dict[str, object], revision: int | None, actor: User
) -> User:
    if revision is not None and revision != user.revision:
        raise StaleRevision("Das Benutzerkonto wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
    return store.save(user.model_copy(update=update), actor=actor)


# --- display ---------------------------------------------------------------------------------------
def lock_text(user: User, *, now: datetime | None = None) -> str:
    """'gesperrt bis 14:20' while the account is locked, else ''."""
    now = now or utcnow()
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return f"gesperrt bis {format_time(user.locked_until)}"
    return ""
