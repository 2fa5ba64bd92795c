"""Per-session helpers for the pages: the store, the signed-in user, and the one error handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from config import get_settings
from errors import DomainError
from schemas.records import User
from storage.base import Store

log = logging.getLogger("vierphasen")

USER_KEY = "user"


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One store per server process (stateless app: all state is in the store), with a published catalogue."""
    from services.access import SYSTEM
    from services.catalogue import ensure_catalogue
    from storage import open_store

    store = open_store(get_settings())
    ensure_catalogue(store, actor=SYSTEM)
    return store


def current_user() -> User | None:
    return st.session_state.get(USER_KEY)


def require_user() -> User:
    """The signed-in user; stops the page with a German note if nobody is signed in."""
    user = current_user()
    if user is None:
        st.warning("Bitte melden Sie sich an.")
        st.stop()
    return user


@contextmanager
def guarded() -> Iterator[None]:
    """Show a DomainError's German message; log anything else with a reference number, never a traceback."""
    try:
        yield
    except DomainError as err:
        st.error(err.message)
    except Exception:  # noqa: BLE001 - the one place that turns unexpected errors into a message
        reference = uuid.uuid4().hex[:8].upper()
        log.exception("Unerwarteter Fehler, Referenz %s", reference)
        st.error(
            f"Ein unerwarteter Fehler ist aufgetreten. Ihre gespeicherten Daten sind nicht betroffen. "
            f"Bitte wenden Sie sich mit der Referenznummer {reference} an die KDN-Fachbetreuung."
        )


def run_page(render: Callable[[], None]) -> None:
    """Render a page inside the error handler."""
    with guarded():
        render()
