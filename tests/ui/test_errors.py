"""No traceback or exception detail reaches the browser; user text is shown as text, never as HTML."""

from __future__ import annotations

import ast
import logging
import re
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from schemas.records import Role
from services.users import create_first_admin, create_user

ROOT = Path(__file__).resolve().parents[2]
GATE = Path(__file__).resolve().parent / "gate" / "run_app.py"
PASSWORD = "Korrekt-Pferd-Batterie-7"
SECRET = "geheimes-detail-/var/lib/vierphasen"


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("title", "markdown", "caption", "text", "info", "success", "warning", "error", "exception"):
        parts += [str(getattr(e, "value", "")) + str(getattr(e, "message", "")) for e in getattr(at, kind)]
    parts += [str(e.value) for e in at.sidebar.text]
    return "\n".join(parts)


def _boom(*args, **kwargs):
    raise RuntimeError(SECRET)


def test_unexpected_error_in_a_page_shows_a_german_message_with_reference(data_dir, monkeypatch, caplog):
    import services.users

    monkeypatch.setattr(services.users, "needs_first_admin", _boom)
    monkeypatch.chdir(ROOT)
    with caplog.at_level(logging.ERROR, logger="vierphasen"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    shown = all_text(at)
    match = re.search(r"Referenznummer ([0-9A-F]{8})", shown)
    assert match, shown
    assert "Ein unerwarteter Fehler ist aufgetreten." in shown
    for leak in (SECRET, "RuntimeError", "Traceback", "File \""):
        assert leak not in shown
    assert any(match.group(1) in record.getMessage() for record in caplog.records)  # the same number is logged


def test_unexpected_error_in_app_py_itself_is_handled_too(data_dir, store, monkeypatch):
    import services.users

    admin = create_first_admin(store, username="kdn.admin", display_name="Karla", password=PASSWORD)
    monkeypatch.setattr(services.users, "current_account", _boom)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(GATE), default_timeout=30)
    at.session_state["user"] = admin
    at.run()
    assert not at.exception
    shown = all_text(at)
    assert "Referenznummer" in shown and SECRET not in shown


def test_domain_error_shows_its_german_message(data_dir, store, monkeypatch):
    create_first_admin(store, username="kdn.admin", display_name="Karla", password=PASSWORD)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(GATE), default_timeout=30).run()
    at.text_input[0].input("niemand")
    at.text_input[1].input("irgendwas")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Benutzername oder Passwort ist falsch."]


def test_streamlit_shows_no_error_details_and_a_minimal_toolbar():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "minimal"


def _constant(node) -> bool:
    """A string literal or a module constant in CAPITALS (fixed CSS, never data)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.Name) and node.id.lstrip("_").isupper()


def test_no_page_renders_html_from_data():
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            unsafe = any(
                k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in call.keywords
            )
            if (unsafe or name == "html") and not (call.args and _constant(call.args[0])):
                offenders.append(f"{path.name}:{call.lineno} {name}")
            if "components" in ast.unparse(call.func):
                offenders.append(f"{path.name}:{call.lineno} {ast.unparse(call.func)}")
    assert offenders == []


def test_html_and_script_in_a_name_are_shown_as_text(data_dir, store, monkeypatch):
    admin = create_first_admin(store, username="kdn.admin", display_name="Karla", password=PASSWORD)
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)> **fett**"
    user = create_user(store, username="eve", display_name=evil, role=Role.IFK, team="Team 1", password=PASSWORD,
                       actor=admin)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(GATE), default_timeout=30)
    at.session_state["user"] = user
    at.run()
    assert not at.exception
    # st.text never interprets markup: the sidebar shows the name exactly as typed.
    assert any(evil in t.value for t in at.sidebar.text)
    # Markdown elements get the escaped text (services.safety.markdown_literal), so no tag survives unescaped.
    for element in [*at.title, *at.markdown, *at.caption]:
        assert "<script>" not in str(element.value)


@pytest.mark.parametrize("page", ["egv", "kunden", "benutzer", "korrektur", "katalog"])
def test_page_run_directly_without_app_py_asks_for_sign_in(data_dir, store, monkeypatch, page):
    """Next to app.py, Streamlit runs pages/*.py directly until the process's first st.navigation call."""
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Bitte melden Sie sich an."]
    assert not at.text_input and not at.button


@pytest.mark.parametrize("page", ["benutzer", "korrektur", "katalog"])
def test_page_run_directly_refuses_a_role_that_may_not_use_it(data_dir, store, monkeypatch, page):
    admin = create_first_admin(store, username="kdn.admin", display_name="Karla", password=PASSWORD)
    ifk = create_user(store, username="ifk.eins", display_name="Ina", role=Role.IFK, team="Team 1",
                      password=PASSWORD, actor=admin)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user"] = ifk
    at.run()
    assert not at.exception
    assert any("ist für Ihre Rolle „IFK“ nicht freigegeben" in e.value for e in at.error)
    assert not at.text_input and not at.button


def test_page_run_directly_ends_an_expired_session(data_dir, store, monkeypatch):
    from datetime import timedelta

    from schemas.records import utcnow

    admin = create_first_admin(store, username="kdn.admin", display_name="Karla", password=PASSWORD)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "pages" / "benutzer.py"), default_timeout=30)
    at.session_state["user"] = admin
    at.session_state["last_activity"] = utcnow() - timedelta(minutes=31)
    at.run()
    assert "user" not in at.session_state
    assert any("nach 30 Minuten ohne Aktivität" in i.value for i in at.info)
