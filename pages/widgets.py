"""Small screen parts every page shares: checklist marks, page addresses, dates, and messages (kept over a
rerun, or shown at the field whose input was refused).

The case pages' parts live beside it: pages/case_state.py (current client, profiling drafts), pages/case_header.py
(title, status, next step, layout), pages/lifecycle.py (checklist and the profiling's buttons); pages/draft.py is
the one helper for a record being edited in the session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import streamlit as st

import dates
from errors import DomainError, InvalidInput
from pages.session import APP_ROOT, navigation_page
from services.safety import markdown_literal

#: Marks of a checklist: Material Symbols ship with Streamlit, so they show on every client (emoji need a font).
DONE = ":green[:material/check_circle:]"
TODO = ":orange[:material/radio_button_unchecked:]"
NOT_DONE = ":red[:material/cancel:]"

_FLASH = "flash"  # messages to show after the next rerun
_FIELD_ERROR = "field_error"  # (field, message) of the last refused input
_SLOTS = "_field_slots"  # field → placeholder of this run
_REFUSED_NOW = "_field_refused_now"  # field of an input refused in this run (`report`)
CHANGES_MARKER = "_changes_marker"  # placeholder of this run's unsaved-changes marker (pages/case_header.py)

PAGE_KUNDEN = "pages/kunden.py"
PAGE_PROFILING = "pages/profiling.py"
PAGE_ZIEL = "pages/ziel.py"
PAGE_STRATEGIEN = "pages/strategien.py"
PAGE_EGV = "pages/egv.py"
PAGE_FOLGE = "pages/folgegespraech.py"
PAGE_VERLAUF = "pages/verlauf.py"


def page_link(page: str, *, label: str, icon: str) -> None:
    """A link to one of the app's pages (`page`: a PAGE_* path) through a page object of the navigation: given a
    path, st.page_link resolves the file on the disk at every call (realpath: a system call per directory, 6 % of a
    server's CPU under many sessions)."""
    st.page_link(navigation_page(f"{APP_ROOT}/{page}", url_path=Path(page).stem), label=label, icon=icon)


def section(label: str, key: str, draw: Callable[[], object]) -> None:
    """A collapsed part of a page whose content is built only while it is open (`draw` runs inside it).

    Streamlit builds an expander's content in every run, open or not, and each element costs every rerun of every
    session: a closed form as much as an open one. Opening or closing the section reruns the page; while it is
    open, st.session_state[key] is True (it stays open over the page's reruns, a message above it too)."""
    box = st.expander(label, key=key, on_change="rerun")
    if box.open:
        with box:
            draw()


# --- dates ------------------------------------------------------------------------------------


def fmt_datetime(value: datetime | None) -> str:
    """24.11.2026 14:05 in Europe/Berlin."""
    return dates.format_datetime(value)


def fmt_date(value: date | datetime | None) -> str:
    """24.11.2026 (Europe/Berlin); an empty value shows as „—“."""
    return dates.format_date(value)


def today() -> date:
    """Today in Europe/Berlin."""
    return dates.today()


# --- messages ---------------------------------------------------------------------------------


def flash(text: str, kind: str = "success") -> None:
    """Keep a message for the next run (shown after st.rerun / st.switch_page)."""
    st.session_state.setdefault(_FLASH, []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop(_FLASH, []):
        getattr(st, kind)(text)


class _Slots(dict):
    """field → placeholder of this run (None: not drawn); `acting`: an input may be refused in this run; `error`:
    (field, message) of the last refused input, read once per run (each session look-up costs)."""

    acting = True
    error: tuple[str, str] | None = None


def _slots() -> _Slots:
    # Per session and run (module globals would be shared between users of the server).
    return st.session_state.setdefault(_SLOTS, _Slots())


def field_slot(*fields: str) -> None:
    """A place right below an input where a refused value's message appears (InvalidInput.field).

    Drawn only while it can be needed (each element costs every rerun): in a run that may refuse an input (see
    `begin_page`), or while the last refused input is one of `fields`."""
    slots = _slots()
    error = slots.error
    shown = bool(error) and error[0] in fields
    slot = st.empty() if shown or slots.acting else None
    for field in fields:
        slots[field] = slot
    if shown:
        slot.error(error[1])


def report(err: DomainError) -> None:
    """Show a domain error: at its field when the page has a slot for it, otherwise as a page message."""
    if isinstance(err, InvalidInput) and err.field:
        field = _field_with_slot(err.field)
        st.session_state[_FIELD_ERROR] = _slots().error = (field, markdown_literal(err.message))
        st.session_state[_REFUSED_NOW] = field
        slot = _slots().get(field)
        if slot is not None:
            slot.error(markdown_literal(err.message))
            st.error("Bitte prüfen Sie die markierte Eingabe.")
            return
    st.error(markdown_literal(err.message))


def _field_with_slot(field: str) -> str:
    """`field`, or the nearest enclosing field ("a.b.c" → "a.b" → "a") that has a slot on this page."""
    parts = field.split(".")
    return next((name for n in range(len(parts), 0, -1) if (name := ".".join(parts[:n])) in _slots()), field)


def refused_now() -> str | None:
    """The field (with a slot on this page) whose input was refused in this run, if any."""
    return st.session_state.get(_REFUSED_NOW)


def clear_field_error() -> None:
    st.session_state.pop(_FIELD_ERROR, None)
    _slots().error = None


def begin_page(actions: tuple[str, ...] | None = None) -> None:
    """Reset the per-run field slots and show messages kept from the previous run.

    `actions`: the keys of the page's buttons that may refuse an input; the field slots are drawn only in a run
    where one of them was clicked (else every run). A refusal without its slot is shown on the page and, from the
    next run on, below its field."""
    slots = st.session_state[_SLOTS] = _Slots()
    slots.error = st.session_state.get(_FIELD_ERROR)
    if actions is not None:
        slots.acting = any(st.session_state.get(key) is True for key in actions)
    st.session_state.pop(_REFUSED_NOW, None)  # no key while nothing is refused: Streamlit copies the session often
    st.session_state[CHANGES_MARKER] = None
    show_flash()
