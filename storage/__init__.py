"""Storage: `open_store()` returns the configured backend (PostgreSQL if a database URL is set, else TinyDB)."""

from __future__ import annotations

from config import Settings, get_settings
from storage.base import Store


def open_store(settings: Settings | None = None) -> Store:
    """The store the settings name; PostgreSQL migrates its schema here. Raises StorageUnavailable."""
    settings = settings or get_settings()
    if settings.database_url:
        from storage.postgres_store import PostgresStore

        return PostgresStore(settings.database_url)
    from storage.tinydb_store import TinyDBStore

    return TinyDBStore(settings.data_dir)


__all__ = ["Store", "open_store"]
