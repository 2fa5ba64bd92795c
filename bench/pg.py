"""The PostgreSQL of a bench: VIERPHASEN_TEST_DATABASE_URL, else a throwaway local server (fsync on) started like the
tests do; each bench works in schemas of its own that are dropped afterwards."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def postgres(prefix: str) -> Iterator[tuple[str, Callable[[], str]] | None]:
    """(url, new_schema) for the block, or None (with a note on stderr) if no server can be had. `new_schema()`
    names a fresh schema `<prefix>_<random>`; every schema named so is dropped, and a started server stopped, at the
    end of the block."""
    server = None
    url = os.environ.get("VIERPHASEN_TEST_DATABASE_URL", "")
    if not url:
        from tests.contract.pg_server import start_temp_server

        try:
            server = start_temp_server(durable=True)
        except (RuntimeError, OSError) as exc:
            print(f"# postgres übersprungen: {exc}", file=sys.stderr)
            yield None
            return
        url = server.url
    schemas: list[str] = []

    def new_schema() -> str:
        schemas.append(f"{prefix}_{uuid.uuid4().hex[:8]}")
        return schemas[-1]

    try:
        yield url, new_schema
    finally:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        if server is not None:
            server.stop()
