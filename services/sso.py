"""Single sign-on (OpenID Connect): turn the identity provider's ID-token claims into a staff account.

Streamlit's st.login does the protocol (configured in .streamlit/secrets.toml [auth]); this module decides
who gets in: the role and team come from one claim (VIERPHASEN_SSO_ROLE_CLAIM, default "groups") through
the operator's mapping VIERPHASEN_SSO_ROLE_MAP. Every SSO user has a User record (created at the first
sign-in, keyed by issuer and subject) so deactivation, audit and permissions work as for local accounts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from config import Settings, get_settings
from dates import as_utc
from errors import AuthenticationFailed, StaleRevision
from schemas.audit import AuditAction
from schemas.records import Role, User, utcnow
from services.users import SESSION_MAX_AGE, SESSION_TIMEOUT, sign_out
from storage.base import Store

NO_ROLE = (
    "Ihre Anmeldung beim Identitätsanbieter war erfolgreich, aber Ihrem Konto ist keine Rolle in Vierphasen "
    "zugeordnet. Bitte wenden Sie sich an die KDN-Fachbetreuung."
)
INCOMPLETE = "Die Anmeldedaten des Identitätsanbieters sind unvollständig. Bitte wenden Sie sich an die KDN-Fachbetreuung."
DEACTIVATED = "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die KDN-Fachbetreuung."
BAD_TIME = (
    "Die Anmeldedaten des Identitätsanbieters enthalten einen unmöglichen Anmeldezeitpunkt. Bitte melden Sie "
    "sich erneut an oder wenden Sie sich an die KDN-Fachbetreuung."
)
#: OpenID Connect: `sub` is at most 255 ASCII characters; the issuer is a URL.
_MAX_IDENTITY = 255

_ATTEMPT = User.model_construct(
    id="sso", username="(sso)", display_name="SSO-Anmeldung", role="—", team="", active=False
)


def _claim_values(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def map_role(claims: dict[str, Any], settings: Settings | None = None) -> tuple[Role, str] | None:
    """Role and team for the claims, or None if no entry of the mapping matches.

    The first entry of VIERPHASEN_SSO_ROLE_MAP (in its order) whose key is among the claim's values wins.
    An entry with an unknown role name or an IFK entry without team is ignored (the operator's mistake must
    not grant anything).
    """
    settings = settings or get_settings()
    values = set(_claim_values(claims, settings.sso_role_claim))
    for key, entry in settings.sso_role_map.items():
        if key not in values:
            continue
        role = next((r for r in Role if entry.role.strip().lower() in (r.value.lower(), r.name.lower())), None)
        if role is None or (role == Role.IFK and not entry.team.strip()):
            continue
        return role, entry.team.strip()
    return None


def subject_key(claims: dict[str, Any]) -> str:
    """"issuer|subject": the provider's stable identity of the person."""
    return f"{claims.get('iss', '')}|{claims.get('sub', '')}"


def username_for(claims: dict[str, Any]) -> str:
    """A readable, unique user name for an SSO account: "sso." + e-mail or preferred name (+ hash of the subject)."""
    base = str(claims.get("preferred_username") or claims.get("email") or "")
    base = re.sub(r"[^a-z0-9._-]", "-", base.lower().split("@")[0]).strip("-.")[:20]
    digest = hashlib.sha256(subject_key(claims).encode()).hexdigest()[:8]
    return f"sso.{base}.{digest}" if base else f"sso.{digest}"


def issued_at(claims: dict[str, Any]) -> datetime | None:
    """The time of the sign-in at the provider (claim iat or auth_time), if the token says.

    Raises AuthenticationFailed (German) for a time no clock can show (NaN, beyond the year 9999 …).
    """
    for name in ("auth_time", "iat"):
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, tz=UTC)
            except (OverflowError, ValueError, OSError):
                raise AuthenticationFailed(BAD_TIME) from None
    return None


def token_too_old(claims: dict[str, Any], *, now: datetime | None = None) -> bool:
    """True if the provider sign-in behind these claims is more than 12 hours ago (absolute session limit).

    Raises AuthenticationFailed for an impossible sign-in time (see `issued_at`).
    """
    at = issued_at(claims)
    return at is not None and as_utc(now or utcnow()) - at > SESSION_MAX_AGE


#: Last activity per SSO identity, kept in the store's shared security state (issue 18.8), so the idle
#: timeout holds whichever instance behind the load balancer answers. Streamlit's identity cookie outlives a
#: browser session (30 days), so a new tab would otherwise start a fresh session after any idle time. Without
#: a record (e.g. after a sign-out) the provider sign-in time counts: the safe side, it asks to sign in.
#: A click is written at most every ACTIVITY_GRANULARITY (the idle timeout is 30 minutes).
ACTIVITY_GRANULARITY = timedelta(seconds=60)


def _activity_key(subject: str) -> str:
    return "sso:activity:" + hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]


def last_activity(store: Store, subject: str) -> datetime | None:
    """The latest noted action of an SSO identity on any instance, if any."""
    state = store.state_get(_activity_key(subject))
    at = state.get("at") if state else None
    return datetime.fromtimestamp(at, UTC) if isinstance(at, (int, float)) else None


def note_activity(store: Store, subject: str, *, now: datetime | None = None) -> None:
    """Remember the latest action of an SSO identity (for the idle timeout across browser tabs and instances)."""
    now = as_utc(now or utcnow())
    noted = last_activity(store, subject)
    if noted is not None and timedelta(0) <= now - noted < ACTIVITY_GRANULARITY:
        return
    stamp = now.timestamp()
    expires = stamp + SESSION_MAX_AGE.total_seconds()

    def later(current: dict | None) -> dict:
        at = max(stamp, (current or {}).get("at", 0.0))
        return {"at": at, "expires": max(expires, at + SESSION_MAX_AGE.total_seconds())}

    store.state_update(_activity_key(subject), later)


def idle_too_long(store: Store, claims: dict[str, Any], *, now: datetime | None = None) -> bool:
    """True if the identity behind these claims was idle more than 30 minutes (on every instance).

    Raises AuthenticationFailed for an impossible sign-in time (see `issued_at`).
    """
    noted = last_activity(store, subject_key(claims))
    candidates = [t for t in (issued_at(claims), noted) if t is not None]
    return bool(candidates) and as_utc(now or utcnow()) - max(candidates) > SESSION_TIMEOUT


def forget_activity(store: Store, subject: str) -> None:
    """Drop the activity record at sign-out, so the identity cookie alone does not start a new session."""
    store.state_update(_activity_key(subject), lambda current: None)


def expired_sign_in(
    store: Store, claims: dict[str, Any], *, now: datetime | None = None
) -> Literal["too_old", "idle"] | None:
    """Whether the provider sign-in behind these claims may no longer start a session: "too_old" (12 hours),
    "idle" (30 minutes without activity), or None. An expiry is audited as a sign-out of the person's account,
    as for a local session. Raises AuthenticationFailed (German, audited) for an impossible sign-in time.
    """
    try:
        expired = "too_old" if token_too_old(claims, now=now) else "idle" if idle_too_long(store, claims, now=now) else None
    except AuthenticationFailed:
        store.audit_append(actor=_ATTEMPT, action=AuditAction.SSO_UNGUELTIG, record_kind="Anmeldung", record_id="sso")
        raise
    if expired is not None:
        username, account = _account(store, claims)
        sign_out(store, actor=account or _ATTEMPT.model_copy(update={"username": username}),
                 timed_out=expired == "idle", too_old=expired == "too_old")
    return expired


def _valid_identity(claims: dict[str, Any]) -> bool:
    """`iss` and `sub` are present as printable text of at most 255 characters."""
    identity = [claims.get("iss"), claims.get("sub")]
    return all(isinstance(v, str) and v and v.isprintable() and len(v) <= _MAX_IDENTITY for v in identity)


def _account(store: Store, claims: dict[str, Any]) -> tuple[str, User | None]:
    """The user name of the person's account and the account, if it exists (keyed by issuer and subject)."""
    key = subject_key(claims)
    username = username_for(claims)
    existing = store.user_by_username(username)
    if existing is not None and existing.sso_subject != key:
        username = f"sso.{hashlib.sha256(key.encode()).hexdigest()[:16]}"  # a local account has the name
        existing = store.user_by_username(username)
    return username, existing


def _display_name(claims: dict[str, Any], username: str) -> str:
    name = str(claims.get("name") or claims.get("email") or claims.get("preferred_username") or "")
    name = " ".join("".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).split())[:100]
    return name or username


def sign_in_with_claims(store: Store, claims: dict[str, Any], *, settings: Settings | None = None) -> User:
    """The account for a person the identity provider signed in; created at the first sign-in.

    Role and team are taken from the claims at every sign-in (the provider is the source of truth).
    Raises AuthenticationFailed (German, audited) if the claims map to no role, lack a usable issuer or
    subject, carry an impossible sign-in time, or the account was deactivated in Vierphasen.
    """
    settings = settings or get_settings()
    try:
        if not _valid_identity(claims):
            raise AuthenticationFailed(INCOMPLETE)
        issued_at(claims)
    except AuthenticationFailed:
        store.audit_append(actor=_ATTEMPT, action=AuditAction.SSO_UNGUELTIG, record_kind="Anmeldung", record_id="sso")
        raise
    key = subject_key(claims)
    username, existing = _account(store, claims)
    mapped = map_role(claims, settings)
    if mapped is None:
        actor = existing or _ATTEMPT.model_copy(update={"username": username})
        store.audit_append(actor=actor, action=AuditAction.SSO_KEINE_ROLLE, record_kind="Anmeldung",
                           record_id=existing.id if existing else username)
        raise AuthenticationFailed(NO_ROLE)
    role, team = mapped
    display = _display_name(claims, username)
    if existing is None:
        user = User(id=uuid.uuid4().hex, username=username, display_name=display, role=role, team=team,
                    sso_subject=key)
        user = store.add(user, actor=user)
        store.audit_append(actor=user, action=AuditAction.SSO_KONTO_ANGELEGT, record_kind="Benutzer", record_id=user.id)
    else:
        user = existing
        if not user.active:
            store.audit_append(actor=user, action=AuditAction.ANMELDUNG_DEAKTIVIERT, record_kind="Benutzer", record_id=user.id)
            raise AuthenticationFailed(DEACTIVATED)
        if (user.role, user.team, user.display_name) != (role, team, display):
            try:
                user = store.save(user.model_copy(update={"role": role, "team": team, "display_name": display}),
                                  actor=user)
            except StaleRevision:
                user = store.get(User, user.id)
            store.audit_append(actor=user, action=AuditAction.SSO_ROLLE_UEBERNOMMEN, record_kind="Benutzer", record_id=user.id)
    store.audit_append(actor=user, action=AuditAction.ANMELDUNG_ERFOLGREICH, record_kind="Benutzer", record_id=user.id)
    return user
