"""Configuration: one Settings object read from VIERPHASEN_* environment variables, created once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of an installation; see the README's table of environment variables."""

    model_config = SettingsConfigDict(env_prefix="VIERPHASEN_", extra="ignore")

    #: TinyDB data directory (embedded default, used when no database URL is set).
    data_dir: Path = Path("data")
    #: PostgreSQL URL (postgresql://user:password@host:port/db); empty = TinyDB.
    database_url: str = ""
    #: Jobcenter name printed on documents.
    jobcenter_name: str = "Jobcenter"

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
