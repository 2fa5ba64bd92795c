"""The navigation's page objects: built once per server process, a fresh copy for every run of every session."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from pages import session
from schemas.records import Role
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def through_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run through app.py's st.navigation, as in a server after its first run (AppTest starts each run as
    the process's first, in which Streamlit runs the files in pages/ directly)."""
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def after_first_navigation(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", after_first_navigation)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The url paths of the st.Page objects constructed, in this process from now on (none kept from before)."""
    monkeypatch.setattr(session, "_PAGE_OBJECTS", {}, raising=False)
    constructed: list[str] = []
    page = streamlit.Page

    def counting(path, **options):
        constructed.append(options.get("url_path", ""))
        return page(path, **options)

    monkeypatch.setattr(streamlit, "Page", counting)
    return constructed


@pytest.fixture
def navigated(monkeypatch: pytest.MonkeyPatch) -> list[list]:
    """The page objects app.py handed st.navigation, one list per run."""
    runs: list[list] = []
    navigation = streamlit.navigation

    def recording(pages, **options):
        sections = pages.values() if isinstance(pages, dict) else [pages]
        runs.append([p for section in sections for p in section])
        return navigation(pages, **options)

    monkeypatch.setattr(streamlit, "navigation", recording)
    return runs


def signed_in(store, monkeypatch: pytest.MonkeyPatch, username: str) -> AppTest:
    user = store.add(make_user(role=Role.IFK, team="Team 1", username=username), actor=make_user(role=Role.KDN))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["user"] = user
    return at


def test_a_second_session_builds_no_page_object_and_still_reaches_its_pages(caseworker, store, built, navigated,
                                                                            monkeypatch):
    first = signed_in(store, monkeypatch, "erste").run()
    assert built and not first.exception
    count = len(built)

    second = signed_in(store, monkeypatch, "zweite").run()
    second.switch_page(str(ROOT / "pages" / "kunden.py")).run()
    first.run()

    assert len(built) == count
    assert not second.exception and second.title[0].value == "Kundinnen und Kunden"
    assert not first.exception and not first.error and first.title


def test_every_run_hands_the_navigation_its_own_page_objects(caseworker, store, built, navigated, monkeypatch):
    first = signed_in(store, monkeypatch, "erste").run()
    signed_in(store, monkeypatch, "zweite").run()
    first.run()

    assert len(navigated) == 3
    objects = [id(p) for pages in navigated for p in pages]
    assert len(objects) == len(set(objects))  # no object shared: st.navigation marks the selected one on itself
    assert [(p.url_path, p.title, p.visibility) for p in navigated[0]] == \
        [(p.url_path, p.title, p.visibility) for p in navigated[2]]


def test_a_run_through_app_py_checks_the_sign_in_once(caseworker, store, monkeypatch):
    checks: list[str] = []
    check = session.signed_in_user

    def counting():
        user = check()
        checks.append(user.username if user else "")
        return user

    monkeypatch.setattr(session, "signed_in_user", counting)
    at = signed_in(store, monkeypatch, "einmal").run()
    checks.clear()
    at.switch_page(str(ROOT / "pages" / "kunden.py")).run()

    assert not at.exception and at.title[0].value == "Kundinnen und Kunden"
    assert checks == ["einmal"]


def test_a_page_run_without_app_py_still_checks_the_sign_in(caseworker, store, monkeypatch):
    """Next to app.py a server runs pages/*.py directly until its first st.navigation call."""
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / "kunden.py"), default_timeout=30).run()

    assert not at.exception and not at.title
    assert [i.value for i in at.info] == ["Bitte melden Sie sich an."]
