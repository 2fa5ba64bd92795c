"""Fixtures shared by every test package: the PostgreSQL test server and the stored users of each role; the
rules that mark tests `slow`, keep the browser tests on one pytest-xdist worker and put temp files on a RAM disk.

The user fixtures take the `store` fixture of the package that uses them (unit: TinyDB in tmp_path; contract:
both backends). Each user is stored as its own actor.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas.records import Role, User
from tests.factories import make_user

#: Test folders whose every test counts as slow: AppTest runs of whole pages, servers started as processes.
SLOW_FOLDERS = ("tests/ui/", "tests/ops/", "tests/browser/")

#: Tests outside those folders that take about a second or more alone on the 2-core development machine (argon2
#: sign-ins in a loop, long PDFs, whole-catalogue round trips): node-id prefixes, so a module or one test.
SLOW_TESTS = (
    "tests/unit/test_signin_throttle.py",
    "tests/unit/test_totp.py",
    "tests/unit/test_catalogue_round_trip.py",
    "tests/unit/test_users.py::test_a_hash_with_older_settings_is_renewed_at_the_next_sign_in",
    "tests/unit/test_egv.py::test_signature_lines_never_stand_alone_on_a_page",
    "tests/unit/test_documents.py::test_auskunft_keeps_the_access_heading_with_its_table",
    "tests/unit/test_documents.py::test_profiling_print_keeps_each_handlungsfeld_with_all_its_rows_on_one_page",
    "tests/contract/test_retention.py::test_deleting_a_due_case_leaves_no_trace_of_the_person",
)

#: Where the browser tests are: with `--dist loadgroup` they form one work unit, so one pytest-xdist worker runs
#: them one after another, as in a serial run: two Chromium + Streamlit pairs never compete for the two cores, and
#: a module's server and screenshots stay with one worker. A test marked `browser` elsewhere is refused.
BROWSER_TESTS = ("tests/browser/", "tests/ops/test_two_instances.py")
BROWSER_GROUP = "browser"

#: Temp files (tmp_path, throwaway PostgreSQL servers) go here when TMPDIR is not set: the store fsyncs every
#: write, and on the shared disk that wait was most of a unit test's time.
RAM_DISK = Path("/dev/shm")
#: A run leaves up to about 200 MB there (pytest keeps the last three runs); a container's small default /dev/shm
#: (64 MB in Docker) would fill up, so the RAM disk is used only with room to spare.
RAM_DISK_MIN_FREE = 2 * 1024**3


def pytest_configure(config: pytest.Config) -> None:
    """Temp files on the RAM disk unless TMPDIR says otherwise (pytest-xdist workers and servers inherit it)."""
    if ("TMPDIR" not in os.environ and RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK | os.X_OK)
            and shutil.disk_usage(RAM_DISK).free >= RAM_DISK_MIN_FREE):
        os.environ["TMPDIR"] = str(RAM_DISK)
        tempfile.tempdir = None  # gettempdir() reads TMPDIR again


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` also marks every test that needs a server (PostgreSQL, Chromium), lives in `SLOW_FOLDERS` or is named
    in `SLOW_TESTS`, so that `pytest -m "not slow"` is the quick loop; a browser test outside `BROWSER_TESTS`
    stops the run."""
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        browser = item.get_closest_marker("browser") is not None
        if browser and not where.startswith(BROWSER_TESTS):
            raise pytest.UsageError(f"{item.nodeid}: browser tests belong in one of {BROWSER_TESTS} (tests/conftest.py)")
        if (browser or item.get_closest_marker("postgres") or where.startswith(SLOW_FOLDERS)
                or item.nodeid.startswith(SLOW_TESTS)):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadgroup` with the browser tests as one group. pytest-xdist 3.8 cannot read `xdist_group` marks
    under pytest 9 (it renames `item._nodeid`, which pytest 9 no longer reads), so the group is chosen here, on
    the controller, by path."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserTestsTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return BROWSER_GROUP if nodeid.startswith(BROWSER_TESTS) else super()._split_scope(nodeid)

    return BrowserTestsTogether(config, log)


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
    from tests.missing import skip_or_fail

    try:
        server = start_temp_server()
    except (RuntimeError, OSError) as exc:
        reason = f"PostgreSQL nicht verfügbar: {exc} (VIERPHASEN_TEST_DATABASE_URL setzen oder PostgreSQL installieren)"
        skip_or_fail(reason)
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
