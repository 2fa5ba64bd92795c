"""Configuration: one Settings object read from VIERPHASEN_* environment variables, created once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from schemas.records import Role


class SsoRole(BaseModel):
    """What one value of the role claim (e.g. one group) grants: a role name and, for IFK, a team."""

    role: str
    team: str = ""


#: Numeric settings with a range: field → (lowest, highest, the German message for a value outside it).
_RANGES = {
    "retention_years": (1, 30, "VIERPHASEN_RETENTION_YEARS muss zwischen 1 und 30 Jahren liegen."),
    "run_slots": (1, 64, "VIERPHASEN_RUN_SLOTS muss zwischen 1 und 64 liegen."),
}


class Settings(BaseSettings):
    """Every setting of an installation; see the README's table of environment variables."""

    model_config = SettingsConfigDict(env_prefix="VIERPHASEN_", extra="ignore")

    #: TinyDB data directory (embedded default, used when no database URL is set).
    data_dir: Path = Path("data")
    #: PostgreSQL URL (postgresql://user:password@host:port/db); empty = TinyDB.
    database_url: str = ""
    #: Jobcenter name printed on documents.
    jobcenter_name: str = "Jobcenter"
    #: Sign-in: "local" (accounts with password, the embedded default) or "sso" (OpenID Connect through
    #: Streamlit's st.login; the provider is configured in .streamlit/secrets.toml [auth]).
    auth_mode: Literal["local", "sso"] = "local"
    #: With SSO on, the one local account that may still sign in with password (+ TOTP): the KDN emergency account.
    emergency_kdn: str = ""
    #: The ID-token claim that carries the groups/roles (a list or a single string).
    sso_role_claim: str = "groups"
    #: Claim value → role (and team); JSON, e.g. {"vp-ifk-team1": {"role": "IFK", "team": "Team 1"}}.
    #: The first entry (in this order) that the user's claim contains decides.
    sso_role_map: dict[str, SsoRole] = {}
    #: Roles besides KDN-Fachbetreuung (always) that must use a second factor (TOTP), comma-separated,
    #: e.g. "IFK,Trainer" (role names or values, any case). An unknown name stops the start: a typo must not
    #: silently turn the second factor off for a role.
    totp_roles: Annotated[frozenset[Role], NoDecode] = frozenset()
    #: Löschfrist (issue 14): years after the Abmeldung after which a case and every record of the person are
    #: deleted (README "The case over the years" gives the reasoning for the default).
    retention_years: int = 5
    #: Page runs of one server process that execute at the same time; further runs wait for a slot
    #: (pages/run_slots.py; README "Performance": why 1 holds the most sessions per process).
    run_slots: int = 1

    @field_validator("retention_years", "run_slots")
    @classmethod
    def _in_range(cls, value: int, info: ValidationInfo) -> int:
        low, high, message = _RANGES[info.field_name]
        if not low <= value <= high:
            raise ValueError(message)
        return value

    #: Where users report barriers (Erklärung zur Barrierefreiheit, BITV 2.0 § 7): e-mail, phone or address.
    barrierefreiheit_kontakt: str = ""
    #: The installation's Erklärung zur Barrierefreiheit (Markdown; {kontakt} and {jobcenter} are filled in);
    #: empty: the shipped deploy/barrierefreiheit.md.
    barrierefreiheit_datei: Path | None = None

    @field_validator("data_dir")
    @classmethod
    def _data_dir_not_root(cls, value: Path) -> Path:
        if value.resolve() == Path("/"):
            raise ValueError("VIERPHASEN_DATA_DIR darf nicht das Wurzelverzeichnis sein.")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("VIERPHASEN_DATABASE_URL muss mit postgresql:// beginnen.")
        return value


    @field_validator("totp_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        known = {name.lower(): role for role in Role for name in (role.name, role.value)}
        parts = [part.strip() for part in value.split(",") if part.strip()]
        unknown = [part for part in parts if part.lower() not in known]
        if unknown:
            raise ValueError(f"VIERPHASEN_TOTP_ROLES: unbekannte Rolle „{'“, „'.join(unknown)}“ – möglich sind "
                             f"{', '.join(role.value for role in Role)}.")
        return frozenset(known[part.lower()] for part in parts)

    @field_validator("emergency_kdn")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
