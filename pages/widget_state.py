"""Streamlit's input widgets ask one key of the session state without building all of it.

Streamlit 1.67's text input, text area, select box, radio, slider, number, date and time inputs each ask whether
their own key holds None (`key in state and state[key] is None`), and ask it of `filtered_state`: a new dict of
every user key and keyed widget value of the session, each read through the session state's lookup. On the
profiling page that is 10 widgets × about 40 keys, 12 % of a rerun's time, and it grows with what a session holds.

`install()` (app.py, once per process) gives those widget modules a session state whose `filtered_state` answers
the one key asked for: a key that holds a value is read as `filtered_state[key]` would read it (the same lookup,
under the same lock); for a key without one, the whole dict is still built, so that a missing key is answered
exactly as before. Everything else (`st.session_state`, its `to_dict()`, AppTest) keeps Streamlit's own dict.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from streamlit.runtime.state import session_state as streamlit_session_state
from streamlit.runtime.state.common import is_element_id, is_keyed_element_id
from streamlit.runtime.state.safe_session_state import SafeSessionState
from streamlit.runtime.state.session_state import SessionState
from streamlit.runtime.state.session_state_proxy import get_session_state

#: The widget modules that read `get_session_state().filtered_state` (Streamlit 1.67).
WIDGET_MODULES = tuple(f"streamlit.elements.widgets.{name}" for name in (
    "number_input", "radio", "selectbox", "slider", "text_widgets", "time_widgets"))

_MISSING = object()


def held_value(state: SessionState, key: str) -> Any:
    """`state.filtered_state[key]` for a key that holds a value, else `_MISSING`, without building the dict.

    `filtered_state` holds a plain key (not a widget id, not internal) that is in the session, and a keyed widget's
    value under the widget's user key; both are read as `state[key]`. A key bound to a widget whose value is
    stored under the key itself (set through st.session_state) counts as the widget's.
    """
    internal = streamlit_session_state._is_internal_key
    widget_id = state._key_id_mapper.get_id_from_key(key, key)
    if widget_id == key:  # no widget bound to the key: a value the app set
        held = (not is_element_id(key) and not internal(key)
                and (key in state._new_session_state or key in state._old_state))
    else:
        held = (is_keyed_element_id(widget_id) and not internal(widget_id)
                and state._key_id_mapper.id_key_mapping.get(widget_id) == key
                and (widget_id in state._new_widget_state.states or widget_id in state._old_state
                     or key in state._new_session_state or key in state._old_state))
    return state[key] if held else _MISSING


def session_keys() -> frozenset[str]:
    """The keys of `st.session_state` (user keys and keyed widgets' keys), without reading their values."""
    safe = get_session_state()
    internal = streamlit_session_state._is_internal_key
    with safe._lock:
        state = safe._state
        id_key = state._key_id_mapper.id_key_mapping
        return frozenset(
            key for key in (k if not is_element_id(k) else id_key.get(k) if is_keyed_element_id(k) else None
                            for k in state._keys() if not internal(k))
            if isinstance(key, str))


class _OneKeyView:
    """What the widgets ask of `filtered_state`: `key in view` and `view[key]`."""

    __slots__ = ("_read", "_safe")

    def __init__(self, safe: SafeSessionState) -> None:
        self._safe = safe
        self._read: dict[str, Any] = {}

    def _value(self, key: str) -> Any:
        if key not in self._read:
            with self._safe._lock:
                value = held_value(self._safe._state, key)
                if value is _MISSING:  # exactly as before: the key may still be there under a stale widget id
                    value = self._safe._state.filtered_state.get(key, _MISSING)
            self._read[key] = value
        return self._read[key]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._value(key) is not _MISSING

    def __getitem__(self, key: str) -> Any:
        value = self._value(key)
        if value is _MISSING:
            raise KeyError(key)
        return value


class _WidgetSessionState:
    """The session state as the widget modules see it: only `filtered_state` differs."""

    __slots__ = ("_safe",)

    def __init__(self, safe: SafeSessionState) -> None:
        self._safe = safe

    @property
    def filtered_state(self) -> _OneKeyView:
        return _OneKeyView(self._safe)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._safe, name)


def widget_session_state() -> _WidgetSessionState:
    return _WidgetSessionState(get_session_state())


_install_lock = threading.Lock()


def install() -> None:
    """Point the widget modules' `get_session_state` at `widget_session_state`; once per process."""
    with _install_lock:
        for name in WIDGET_MODULES:
            importlib.import_module(name).get_session_state = widget_session_state
