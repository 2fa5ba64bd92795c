"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL for tests: VIERPHASEN_TEST_DATABASE_URL, else a throwaway local server, else skip.

    With CI=true a missing server fails the tests instead of skipping them.
    """
    url = os.environ.get("VIERPHASEN_TEST_DATABASE_URL", "")
    if url:
        yield url
        return
    from tests.contract.pg_server import start_temp_server

    try:
        server = start_temp_server()
    except (RuntimeError, OSError) as exc:
        reason = f"PostgreSQL nicht verfügbar: {exc} (VIERPHASEN_TEST_DATABASE_URL setzen oder PostgreSQL installieren)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield server.url
    finally:
        server.stop()
