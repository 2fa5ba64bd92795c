"""Single sign-on in a real browser against a real OpenID Connect provider (oidc-provider-mock) on loopback.

`streamlit run` gets the provider through .streamlit/secrets.toml [auth] in a temporary working directory
(never the repository's .streamlit); app.py is passed by its absolute path.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas.audit import AuditAction
from tests.browser.streamlit_server import free_port, streamlit_server
from tests.browser.test_happy_path import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    main,
    playwright_sync,
    settle,
)

__all__ = ["playwright_sync"]  # the fixture, imported for this module

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLE_MAP = '{"vp-ifk-team1": {"role": "IFK", "team": "Team 1"}, "vp-trainer": {"role": "Trainer"}}'


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1 with four predefined people: an IFK, a trainer, one whose group maps to no
    role, and one whose token has no groups claim at all."""
    pytest.importorskip("oidc_provider_mock")
    import werkzeug.serving
    from oidc_provider_mock import User, app

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on loopback only
    people = [
        User(sub="ines.ifk", claims={"name": "Ines Fallarbeit", "email": "ines@jc.example", "groups": ["vp-ifk-team1"]}),
        User(sub="tom.trainer", claims={"name": "Tom Schulung", "email": "tom@jc.example", "groups": ["vp-trainer"]}),
        User(sub="olaf.ohne", claims={"name": "Olaf Ohnerolle", "email": "olaf@jc.example", "groups": ["andere"]}),
        User(sub="nina.ohne", claims={"name": "Nina Ohnegruppe", "email": "nina@jc.example"}),
    ]
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=people), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sso_server(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("sso-run")
    data_dir = workdir / "data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (workdir / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", workdir / ".streamlit" / "config.toml")
    (workdir / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "vierphasen"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    env = {"VIERPHASEN_DATA_DIR": str(data_dir), "VIERPHASEN_AUTH_MODE": "sso",
           "VIERPHASEN_EMERGENCY_KDN": "kdn.notfall", "VIERPHASEN_SSO_ROLE_MAP": ROLE_MAP,
           "AUTHLIB_INSECURE_TRANSPORT": "1"}
    with streamlit_server(env, workdir / "streamlit.log", cwd=workdir, port=port) as started:
        yield started, data_dir


@pytest.fixture
def browser_page(playwright_sync, sso_server):
    url, _ = sso_server
    browser = playwright_sync.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    settle(page)
    yield page
    context.close()
    browser.close()


def sign_in_at_provider(page, subject: str) -> None:
    main(page).get_by_role("button", name="Mit Single Sign-on anmelden").click()
    page.wait_for_url("**/oauth2/authorize**")
    assert "Authorize Client" in page.content()
    page.get_by_role("button", name=subject, exact=True).click()
    page.wait_for_url(lambda u: "/oauth2/" not in u and "/auth/" not in u)
    settle(page)


def nav_titles(page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def sign_out(page, url: str) -> None:
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/oauth2/end_session**")  # the provider's own sign-out (RP-initiated logout)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(lambda u: u.startswith(url) and "/auth/" not in u)
    settle(page)
    page.goto(url)
    settle(page)
    assert main(page).get_by_role("button", name="Mit Single Sign-on anmelden").is_visible()
    assert "Angemeldet als" not in page.content()


@pytest.mark.parametrize(
    ("subject", "name", "shown", "hidden"),
    [("ines.ifk", "Ines Fallarbeit", "Kunden", "Katalog"), ("tom.trainer", "Tom Schulung", "Katalog", "Kunden")],
)
def test_sso_sign_in_lands_on_the_start_page_with_the_role_navigation_and_signs_out(
    browser_page, sso_server, subject, name, shown, hidden
):
    page = browser_page
    url, _ = sso_server
    sign_in_at_provider(page, subject)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(name).wait_for()
    assert page.url.rstrip("/") in (url, f"{url}/start")
    titles = nav_titles(page)
    assert any(shown in t for t in titles), titles
    assert not any(hidden in t for t in titles), titles
    assert "Start" in " ".join(titles)
    sign_out(page, url)


@pytest.mark.parametrize("subject", ["olaf.ohne", "nina.ohne"], ids=["group-without-role", "no-groups-claim"])
def test_sso_sign_in_without_a_role_is_refused_in_german_and_audited(browser_page, sso_server, subject):
    from config import Settings
    from storage import open_store

    page = browser_page
    _, data_dir = sso_server
    sign_in_at_provider(page, subject)
    main(page).get_by_text("keine Rolle in Vierphasen zugeordnet").wait_for()
    assert "Angemeldet als" not in page.content()
    assert nav_titles(page) == []
    store = open_store(Settings(data_dir=data_dir))
    try:
        refused = [e for e in store.audit_entries() if e.action == AuditAction.SSO_KEINE_ROLLE]
        assert any(e.actor.startswith(f"sso.{subject.split('.')[0]}.") for e in refused), refused
        assert not any(u.username.startswith(f"sso.{subject.split('.')[0]}.") for u in store.list_users())
    finally:
        store.close_store()
