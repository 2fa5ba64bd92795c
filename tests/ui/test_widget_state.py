"""Input widgets ask one key of the session state (pages/widget_state.py), and get Streamlit's own answer."""

from __future__ import annotations

import importlib

import pytest
from streamlit.runtime.state.session_state import SessionState
from streamlit.testing.v1 import AppTest

from pages import widget_state


@pytest.fixture(autouse=True)
def installed() -> None:
    widget_state.install()


def _widgets_and_their_answers() -> None:
    """Widgets of every patched module, keyed, keyless, preset to None or to a value, one whose parameters change
    from run to run (a new widget id for the same key); then what the one-key view answers next to Streamlit's
    whole dict, for every key of that dict and for keys that are not in it."""
    from datetime import date, time

    import streamlit as st
    from streamlit.runtime.state.session_state_proxy import get_session_state

    from pages import widget_state

    st.session_state.setdefault("runs", 0)
    st.session_state.runs += 1
    st.session_state.setdefault("leer", None)
    st.session_state.setdefault("vorbelegt", "aus dem Zustand")
    st.session_state.setdefault("datum", None)
    st.text_input("Leer", key="leer")
    st.text_input("Vorbelegt", key="vorbelegt")
    st.text_input("Ohne Schlüssel")
    st.text_area("Notiz", key="notiz", max_chars=100 + st.session_state.runs)  # a new widget id every run
    st.selectbox("Auswahl", ["a", "b"], index=None, key="auswahl")
    st.radio("Radio", ["x", "y"], key="radio")
    st.number_input("Zahl", key="zahl")
    st.slider("Regler", 0, 10, key="regler")
    st.date_input("Datum", value=None, key="datum")
    st.time_input("Uhrzeit", value=time(9, 0), key="uhrzeit")
    st.date_input("Tag", value=date(2026, 1, 1), key="tag")
    full = get_session_state().filtered_state
    view = widget_state.widget_session_state().filtered_state
    asked = [*full, "fehlt", "$$ID-unbekannt-x", "$$STREAMLIT_INTERNAL_KEY_x"]
    differ = [key for key in asked
              if (key in view) != (key in full) or (key in full and view[key] != full[key])]
    same_keys = widget_state.session_keys() == frozenset(full)  # the keys without their values (pages/forms.py)
    st.text(f"keys {len(full)} same keys {same_keys} differ {differ}")


def _uninstall() -> None:
    for name in widget_state.WIDGET_MODULES:
        importlib.import_module(name).get_session_state = widget_state.get_session_state


def _scenario() -> tuple[str, list]:
    """Typing, choosing and presetting through the session between runs; the view's check and every widget's value."""
    app = AppTest.from_function(_widgets_and_their_answers, default_timeout=30)
    app.run()
    app.text_input(key="leer").input("getippt")
    app.text_area(key="notiz").input("eine Notiz")
    app.run()
    app.selectbox(key="auswahl").select("b")
    app.session_state["vorbelegt"] = None
    app.run()
    app.session_state["datum"] = None
    app.run()
    assert not app.exception
    widgets = [*app.text_input, *app.text_area, *app.selectbox, *app.radio, *app.number_input, *app.slider,
               *app.date_input, *app.time_input]
    return app.text[0].value, [(widget.label, widget.value) for widget in widgets]


def test_the_one_key_view_answers_as_streamlits_dict() -> None:
    checked, values = _scenario()
    assert checked.endswith("same keys True differ []"), checked
    assert int(checked.split()[1]) >= 10
    _uninstall()
    try:
        assert _scenario()[1] == values  # every widget shows what it shows without the view
    finally:
        widget_state.install()
    assert ("Leer", "getippt") in values and ("Auswahl", "b") in values and ("Datum", None) in values


def test_a_widget_preset_to_none_stays_empty() -> None:
    def script() -> None:
        import streamlit as st

        st.session_state.setdefault("feld", None)
        st.text_area("Feld", value="Vorgabe", key="feld")
        st.selectbox("Wahl", ["a", "b"], key="wahl")

    app = AppTest.from_function(script, default_timeout=30)
    app.session_state["wahl"] = None
    app.run()
    assert not app.exception
    assert app.text_area(key="feld").value is None
    assert app.selectbox(key="wahl").value is None


def test_a_rerun_does_not_build_the_whole_state_per_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    def script() -> None:
        import streamlit as st

        for number in range(10):
            st.text_area(f"Feld {number}", key=f"feld-{number}")
            st.selectbox(f"Wahl {number}", ["a", "b"], key=f"wahl-{number}")

    app = AppTest.from_function(script, default_timeout=30)
    app.run()
    built: list[int] = []
    whole = SessionState.filtered_state.fget

    def counted(state: SessionState) -> dict:
        built.append(1)
        return whole(state)

    monkeypatch.setattr(SessionState, "filtered_state", property(counted))
    app.run()
    assert not app.exception
    assert built == []
    assert app.text_area(key="feld-9").value == ""


def test_app_py_installs_it(app: AppTest) -> None:
    _uninstall()
    app.run()
    assert not app.exception
    for name in widget_state.WIDGET_MODULES:
        assert importlib.import_module(name).get_session_state is widget_state.widget_session_state, name
