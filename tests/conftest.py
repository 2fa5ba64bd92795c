"""Fixtures shared by every test package: the PostgreSQL test server and the stored users of each role; the
rule that marks tests `slow`.

The user fixtures take the `store` fixture of the package that uses them (unit: TinyDB in tmp_path; contract:
both backends). Each user is stored as its own actor.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from schemas.records import Role, User
from tests.factories import make_user

#: Test folders whose every test counts as slow: AppTest runs of whole pages, servers started as processes.
SLOW_FOLDERS = ("tests/ui/", "tests/ops/", "tests/browser/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` also marks every test that needs a server (PostgreSQL, Chromium) or lives in `SLOW_FOLDERS`, so that
    `pytest -m "not slow"` is the quick loop: services, documents and the TinyDB contract."""
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if item.get_closest_marker("postgres") or item.get_closest_marker("browser") or where.startswith(SLOW_FOLDERS):
            item.add_marker(pytest.mark.slow)


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


#: The stored users of each role: fixture name → (role, username, display name, team).
USERS = {
    "ifk": (Role.IFK, "anna", "Anna Schmidt", "Team 1"),
    "ifk_other_team": (Role.IFK, "bernd", "Bernd Weber", "Team 2"),
    "kdn": (Role.KDN, "kdn", "Karl Dorn", ""),
    "trainer": (Role.TRAINER, "tina", "Tina Trainer", ""),
    "fachaufsicht": (Role.FACHAUFSICHT, "frieda", "Frieda Aufsicht", ""),
}


def _user_fixture(name: str, role: Role, username: str, display_name: str, team: str):
    def stored_user(store) -> User:
        user = make_user(role=role, username=username, display_name=display_name, team=team)
        return store.add(user, actor=user)

    stored_user.__doc__ = f"A stored {role.value} „{display_name}“" + (f" of {team}." if team else " (no team).")
    return pytest.fixture(name=name)(stored_user)


for _name, _spec in USERS.items():
    globals()[_name] = _user_fixture(_name, *_spec)
