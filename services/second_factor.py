"""Who must give a second factor (TOTP code) at sign-in: the rule both the password sign-in (services/users.py) and
the enrolment and check of codes (services/totp.py) follow; it imports neither, so they do not import each other."""

from __future__ import annotations

from config import Settings, get_settings
from schemas.records import Role, User


def second_factor_required(user: User, settings: Settings | None = None) -> bool:
    """True if the account must give a TOTP code at sign-in: KDN always, roles in VIERPHASEN_TOTP_ROLES,
    and every account that has enrolled a second factor."""
    if user.sso_subject:
        return False  # the identity provider is responsible for the second factor
    if user.role == Role.KDN or user.totp_secret:
        return True
    settings = settings or get_settings()
    return user.role in settings.totp_roles
