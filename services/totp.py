"""Second factor for local accounts: TOTP (RFC 6238, pyotp) with QR enrolment, replay protection and recovery codes.

KDN-Fachbetreuung must always use it; other roles when listed in VIERPHASEN_TOTP_ROLES. A code is accepted
once (the last used 30-second time step is stored per account); wrong codes count towards the same lockout
as wrong passwords (5 failures → 15 minutes). Recovery codes are shown once and stored as argon2 hashes;
each works once.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
from datetime import datetime

import pyotp
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dates import as_utc
from errors import AuthenticationFailed, InvalidInput, NotPermitted, StaleRevision
from schemas.audit import AuditAction
from schemas.records import User, utcnow
from services.access import Permission, require
from services.users import (
    complete_sign_in,
    get_user,
    record_failure,
    refuse_if_locked,
)
from storage.base import Store

ISSUER = "Vierphasen"
STEP_SECONDS = 30
VALID_WINDOW = 1  # one step before and after: clocks of phones drift
RECOVERY_CODES = 10


WRONG_CODE = "Der Code ist falsch oder abgelaufen."
REUSED_CODE = "Dieser Code wurde bereits verwendet. Bitte warten Sie auf den nächsten Code Ihrer App."

# Recovery codes are random (40 bits each), not chosen by people: a lighter argon2 setting suffices, and
# checking a code against up to ten hashes stays fast.
_hasher = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
_DIGITS = re.compile(r"[0-9]{6}")  # ASCII only: \d would also match digits of other scripts


def new_secret() -> str:
    """A fresh random base32 secret (160 bits) for enrolment; stored only once a code from it was confirmed."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_png(uri: str) -> bytes:
    """The QR code of `uri` as PNG bytes."""
    image = qrcode.make(uri, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _step(at: datetime) -> int:
    return int(as_utc(at).timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = _step(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _clean(code: object) -> str:
    if not isinstance(code, str):
        return ""
    return re.sub(r"[\s-]", "", code).lower()[:64]


def _recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, 10 hex digits
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _reload(store: Store, user_id: str) -> User:
    return store.get(User, user_id)


def enrol(store: Store, user_id: str, *, secret: str, code: str, now: datetime | None = None) -> tuple[User, list[str]]:
    """Store `secret` as the account's second factor once `code` from it is right; finish the sign-in.

    Returns the account and its new recovery codes (show them once; only their hashes are stored).
    Raises AuthenticationFailed (wrong code; counts towards the lockout), NotPermitted if a second factor
    is already enrolled, InvalidInput for a malformed secret.
    """
    now = as_utc(now or utcnow())
    user = _reload(store, user_id)
    if user.totp_secret:
        raise NotPermitted("Für dieses Konto ist bereits ein zweiter Faktor eingerichtet.")
    # 160 to 320 bits in whole base32 blocks: pyotp refuses shorter secrets and unpadded partial blocks.
    if not isinstance(secret, str) or not re.fullmatch(r"(?:[A-Z2-7]{8}){4,8}", secret):
        raise InvalidInput("Der Schlüssel für den zweiten Faktor ist ungültig. Bitte laden Sie die Seite neu.",
                           field="secret")
    refuse_if_locked(store, user, now)
    cleaned = _clean(code)
    step = _matching_step(secret, cleaned, now) if _DIGITS.fullmatch(cleaned) else None
    if step is None:
        record_failure(store, user, now, WRONG_CODE)
    codes = _recovery_codes()
    update = {
        "totp_secret": secret,
        "totp_last_step": step,
        "recovery_hashes": [_hasher.hash(_clean(c)) for c in codes],
    }
    user = complete_sign_in(store, user, update)
    store.audit_append(actor=user, action=AuditAction.ZWEITER_FAKTOR_EINGERICHTET, record_kind="Benutzer", record_id=user.id)
    return user, codes


def verify(store: Store, user_id: str, code: str, *, now: datetime | None = None) -> User:
    """Check a TOTP code (or a recovery code) of an enrolled account and finish the sign-in.

    A TOTP code whose time step was already used is refused (replay); a recovery code is removed once used.
    Raises AuthenticationFailed (German; every failure counts towards the 5-failure lockout), NotPermitted
    if the account has no second factor enrolled.
    """
    now = as_utc(now or utcnow())
    for _ in range(5):
        user = _reload(store, user_id)
        if not user.totp_secret:
            raise NotPermitted("Für dieses Konto ist noch kein zweiter Faktor eingerichtet.")
        if not user.active:
            raise AuthenticationFailed("Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die KDN-Fachbetreuung.")
        refuse_if_locked(store, user, now)
        cleaned = _clean(code)
        try:
            if _DIGITS.fullmatch(cleaned):
                step = _matching_step(user.totp_secret, cleaned, now)
                if step is None:
                    record_failure(store, user, now, WRONG_CODE)
                if step <= user.totp_last_step:
                    record_failure(store, user, now, REUSED_CODE)
                return complete_sign_in(store, user, {"totp_last_step": step})
            index = _recovery_index(user, cleaned)
            if index is None:
                record_failure(store, user, now, WRONG_CODE)
            remaining = [h for i, h in enumerate(user.recovery_hashes) if i != index]
            signed_in = complete_sign_in(store, user, {"recovery_hashes": remaining})
            store.audit_append(actor=signed_in, action=AuditAction.WIEDERHERSTELLUNGSCODE_VERWENDET, record_kind="Benutzer",
                               record_id=signed_in.id)
            return signed_in
        except StaleRevision:
            continue  # a parallel sign-in changed the account: check again against the stored state
    raise AuthenticationFailed(WRONG_CODE)


def _recovery_index(user: User, cleaned: str) -> int | None:
    if not re.fullmatch(r"[0-9a-f]{10}", cleaned):
        return None
    for index, hashed in enumerate(user.recovery_hashes):
        try:
            if _hasher.verify(hashed, cleaned):
                return index
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
    return None


def reset_second_factor(store: Store, user_id: str, *, revision: int | None = None, actor: User) -> User:
    """Remove an account's second factor (lost phone); it enrols anew at the next sign-in. Audited.

    Raises NotPermitted unless the actor is KDN-Fachbetreuung, NotFound, StaleRevision.
    """
    require(store, actor, Permission.MANAGE_USERS)
    user = get_user(store, user_id, actor=actor)
    if revision is not None and revision != user.revision:
        raise StaleRevision("Das Benutzerkonto wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
    changed = store.save(
        user.model_copy(update={"totp_secret": "", "totp_last_step": 0, "recovery_hashes": []}), actor=actor
    )
    store.audit_append(actor=actor, action=AuditAction.ZWEITER_FAKTOR_ZURUECKGESETZT, record_kind="Benutzer", record_id=user.id)
    return changed
