"""Two `streamlit run app.py` instances on one PostgreSQL, driven by two headless Chromium pages.

A save in one instance is visible in the other at its next rerun; simultaneous saves of the same profiling from
both: one wins, the other gets the German conflict message, keeps its input, and nothing is lost. Screenshots go
to test-artefacts/ops/. Skips with the reason without Chromium or PostgreSQL; fails instead when CI=true.
"""

from __future__ import annotations

import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.browser.streamlit_server import streamlit_servers
from tests.browser.test_happy_path import (
    CHROMIUM,
    CHROMIUM_ARGS,
    click_button,
    expect_text,
    go,
    main,
    playwright_sync,
    settle,
    sign_in,
    type_into,
)

__all__ = ["playwright_sync"]  # the fixture, imported for this module

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "ops"
PASSWORD = "Lagerhalle-2026!"
USERS = {"ifk.meier": "Petra Meier", "ifk.schulz": "Jonas Schulz"}

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


def database_url(server_url: str, name: str) -> str:
    """The same server URL with another database name."""
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def shared_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the test server with two IFK accounts, a client and one saved open profiling."""
    name = f"ops_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = database_url(postgres_url, name)
    from datetime import date

    from schemas.records import Role
    from services.catalogue import ensure_catalogue
    from services.clients import create_client
    from services.profiling import save_profiling, start_profiling
    from services.users import create_first_admin, create_user
    from storage.postgres_store import PostgresStore

    store = PostgresStore(url, max_size=2)
    try:
        admin = create_first_admin(store, username="kdn.admin", display_name="KDN Admin", password="Verwaltung-2026!")
        ensure_catalogue(store, actor=admin)
        meier = None
        for username, display_name in USERS.items():
            user = create_user(store, username=username, display_name=display_name, role=Role.IFK, team="Team 1",
                               password=PASSWORD, actor=admin)
            meier = meier or user
        client = create_client(store, kundennummer="123D000777", vorname="Maria", nachname="Muster",
                               geburtsdatum=date(1985, 5, 17), actor=meier)
        profiling = start_profiling(store, client.id, actor=meier)
        save_profiling(store, profiling.model_copy(update={"zielberuf": "Koch"}), actor=meier)
    finally:
        store.close_store()
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def instances(shared_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two app instances (two ports, two server processes), both on the shared database."""
    logs = tmp_path_factory.mktemp("ops-logs")
    env = {"VIERPHASEN_DATABASE_URL": shared_database}
    with streamlit_servers([env, env], [logs / "instance1.log", logs / "instance2.log"]) as urls:
        yield urls


@pytest.fixture(scope="module")
def browser(playwright_sync):
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    settle(page)
    return page


def _sign_in_and_open_profiling(page, username: str) -> None:
    sign_in(page, username, USERS[username])
    go(page, "Kunden")
    type_into(page, "Kundennummer oder Name", "Muster")
    click_button(page, "Auswählen")
    expect_text(page, "Profilings")
    for _ in range(3):  # a click that lands while the page is still re-rendering is lost; click again
        click_button(page, "Öffnen")
        heading = main(page).get_by_text("Basisprofil (Stärken)").first
        try:
            heading.wait_for(state="visible", timeout=5_000)
            return
        except Exception:  # noqa: BLE001, S112 - playwright's TimeoutError; retried
            continue
    expect_text(page, "Basisprofil (Stärken)")


def zielberuf(page) -> str:
    return main(page).get_by_label("Zielberuf", exact=True).first.input_value()


def expect_zielberuf(page, expected: str, timeout: float = 10.0) -> None:
    """Wait until the field shows `expected` (a reload reruns the page twice: st.rerun after the click)."""
    deadline = time.monotonic() + timeout
    while zielberuf(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert zielberuf(page) == expected


def shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def _stored_profiling(url: str) -> tuple[str, int, int]:
    """(zielberuf, revision, number of „gespeichert“ audit entries) of the one profiling, read outside the app."""
    with psycopg.connect(url) as conn:
        data, revision = conn.execute("SELECT data->>'zielberuf', revision FROM profilings").fetchone()
        saves = conn.execute("SELECT count(*) FROM audit WHERE action = 'gespeichert'").fetchone()[0]
    return data, revision, saves


def test_two_instances_share_saves_and_refuse_the_later_of_two_simultaneous_saves(
    instances: list[str], browser, shared_database: str
) -> None:
    a, b = _page(browser, instances[0]), _page(browser, instances[1])
    try:
        _scenario(a, b, shared_database)
    except BaseException:
        shot(a, "99-fehler-instanz-a")
        shot(b, "99-fehler-instanz-b")
        raise


def _scenario(a, b, url: str) -> None:
    # a save in instance A …
    _sign_in_and_open_profiling(a, "ifk.meier")
    expect_zielberuf(a, "Koch")
    type_into(a, "Zielberuf", "Köchin")
    click_button(a, "Speichern")
    expect_text(a, "Profiling gespeichert")
    shot(a, "01-instanz-a-gespeichert")
    # … is what instance B shows on its next rerun
    _sign_in_and_open_profiling(b, "ifk.schulz")
    expect_zielberuf(b, "Köchin")
    shot(b, "02-instanz-b-sieht-speicherung")
    _, revision_before, saves_before = _stored_profiling(url)

    # both change the same profiling and press „Speichern“ at the same time
    type_into(a, "Zielberuf", "Bäckerin")
    type_into(b, "Zielberuf", "Konditorin")
    for page in (a, b):
        main(page).get_by_role("button", name="Speichern").first.click(no_wait_after=True)
    settle(a)
    settle(b)
    shot(a, "03-instanz-a-gleichzeitig")
    shot(b, "04-instanz-b-gleichzeitig")

    stored, revision, saves = _stored_profiling(url)
    assert (revision, saves) == (revision_before + 1, saves_before + 1), "genau eine Speicherung gewinnt"
    winner, loser = (a, b) if stored == "Bäckerin" else (b, a)
    assert stored in ("Bäckerin", "Konditorin")
    lost_input = "Konditorin" if stored == "Bäckerin" else "Bäckerin"
    winner_name = USERS["ifk.meier"] if winner is a else USERS["ifk.schulz"]
    expect_text(winner, "Profiling gespeichert")
    expect_text(loser, f"Dieses Profiling wurde inzwischen von {winner_name} am")
    expect_text(loser, "Ihre Änderungen wurden nicht gespeichert")
    assert zielberuf(loser) == lost_input, "die Eingabe der Unterlegenen bleibt stehen"
    shot(loser, "05-konflikt-meldung")

    # nothing lost: the loser loads the stored state, sees the winner's value, enters its own again and saves
    click_button(loser, "Gespeicherten Stand laden")
    expect_text(loser, "Der zuletzt gespeicherte Stand ist geladen.")
    # the page now holds the stored state (its summary line); the text box itself may still show the typed
    # value for a moment — known display issue of re-used widget keys, see the issue 10 report
    expect_text(loser, f"Zielberuf: {stored}")
    type_into(loser, "Zielberuf", lost_input)
    click_button(loser, "Speichern")
    expect_text(loser, "Profiling gespeichert")
    assert _stored_profiling(url)[:2] == (lost_input, revision + 1)
    shot(loser, "06-nachgetragen")
    assert not main(a).locator('[data-testid="stException"]').count()
    assert not main(b).locator('[data-testid="stException"]').count()
