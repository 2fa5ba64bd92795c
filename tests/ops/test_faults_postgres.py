"""The PostgreSQL server is stopped and restarted while the app is in use: German message, reconnect, nothing lost.

Always starts a throwaway server of its own (tests/contract/pg_server.py), also when VIERPHASEN_TEST_DATABASE_URL
names a server: that one is shared and may not be restarted. Needs PostgreSQL's programs (initdb, pg_ctl); without
them it skips with the reason, with CI=true it fails.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from errors import StorageUnavailable
from schemas.records import Role
from services.access import SYSTEM
from services.catalogue import ensure_catalogue
from services.profiling import open_profiling, save_profiling, start_profiling
from storage.postgres_store import PostgresStore
from tests.contract.pg_server import TempServer, start_temp_server
from tests.factories import make_client, make_user
from tests.missing import skip_or_fail

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]

UNAVAILABLE = (
    "Die Datenbank ist nicht erreichbar oder hat den Vorgang abgelehnt. Bitte versuchen Sie es später erneut."
)


@pytest.fixture
def own_server() -> Iterator[TempServer]:
    """Always a throwaway server of its own (also on CI): the shared test server is never restarted."""
    try:
        server = start_temp_server()
    except (RuntimeError, OSError) as exc:
        skip_or_fail(f"PostgreSQL nicht verfügbar: {exc}")
    try:
        yield server
    finally:
        server.stop()


def _pg_ctl(server: TempServer, *args: str) -> None:
    """Run pg_ctl; the server's output goes to its log file (a pipe would be inherited by the postmaster)."""
    result = subprocess.run(
        [*server.run_as, str(server.bin_dir / "pg_ctl"), "-D", str(server.base / "data"), "-w",
         "-l", str(server.base / "server.log"), *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=60,
    )
    assert result.returncode == 0, (server.base / "server.log").read_text()[-2000:]


def _start(server: TempServer) -> None:
    _pg_ctl(server, "-o",
            f"-p {server.port} -k {server.base} -c listen_addresses='' -c fsync=off", "start")


def test_restarted_database_server_gives_german_message_then_reconnects_without_loss(own_server) -> None:
    store = PostgresStore(own_server.url, max_size=4, timeout=10.0)  # the pool backs off while down
    try:
        ensure_catalogue(store, actor=SYSTEM)
        ifk = store.add(make_user(Role.IFK, username="ifk.restart"), actor=SYSTEM)
        client = store.add(make_client(), actor=ifk)
        acknowledged = save_profiling(
            store, start_profiling(store, client.id, actor=ifk).model_copy(update={"zielberuf": "Koch"}), actor=ifk
        )

        # restart while in use: every pooled connection is now dead
        _pg_ctl(own_server, "-m", "fast", "restart")
        reopened = open_profiling(store, acknowledged.id, actor=ifk)
        assert reopened.zielberuf == "Koch"
        acknowledged = save_profiling(store, reopened.model_copy(update={"zielberuf": "Köchin"}), actor=ifk)

        # down: the save is refused with the German message, the caller keeps its input
        _pg_ctl(own_server, "-m", "fast", "stop")
        with pytest.raises(StorageUnavailable) as refused:
            save_profiling(store, acknowledged.model_copy(update={"zielberuf": "Bäcker"}), actor=ifk)
        assert refused.value.message == UNAVAILABLE
        with pytest.raises(StorageUnavailable):
            open_profiling(store, acknowledged.id, actor=ifk)
        # an outage well past a request's wait: psycopg's default back-off would by now pause 32 s between tries
        time.sleep(15)

        # up again: the same store object reconnects by itself, the first request already works
        _start(own_server)
        stored = open_profiling(store, acknowledged.id, actor=ifk)
        assert (stored.zielberuf, stored.revision) == ("Köchin", acknowledged.revision)
        saved = save_profiling(store, stored.model_copy(update={"zielberuf": "Bäcker"}), actor=ifk)
        assert saved.revision == acknowledged.revision + 1
        assert store.audit_verify() is None
    finally:
        store.close_store()


def test_page_shows_the_german_message_while_the_database_is_down_and_works_again_after(
    own_server, monkeypatch
) -> None:
    """What a caseworker sees: the Kunden page of app.py (AppTest) on a store whose server goes down and up."""
    from pages.session import get_store

    store = PostgresStore(own_server.url, max_size=2)
    try:
        ensure_catalogue(store, actor=SYSTEM)
        ifk = store.add(make_user(Role.IFK, username="ifk.ausfall"), actor=SYSTEM)
        store.add(make_client(nachname="Ausfall"), actor=ifk)
    finally:
        store.close_store()
    monkeypatch.setenv("VIERPHASEN_DATABASE_URL", own_server.url)
    monkeypatch.chdir(ROOT)
    config.get_settings.cache_clear()
    get_store.clear()
    try:
        # a request waits up to the pool's timeout (15 s) for a connection before it gives up
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["user"] = ifk
        at.switch_page("pages/kunden.py").run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any("Ausfall" in e.value for e in at.markdown)

        _pg_ctl(own_server, "-m", "fast", "stop")
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == [UNAVAILABLE]

        _start(own_server)
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert any("Ausfall" in e.value for e in at.markdown)
    finally:
        get_store().close_store()
        get_store.clear()
        config.get_settings.cache_clear()
