"""Per-session helpers for the pages: the store, the signed-in user, and the one error handler."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from config import get_settings
from errors import DomainError
from schemas.records import Role, User, utcnow
from storage.base import Store

log = logging.getLogger("vierphasen")

#: Session keys: the signed-in user, the time of the last click (UTC), a note shown after a forced sign-out.
USER_KEY = "user"
ACTIVITY_KEY = "last_activity"
NOTICE_KEY = "sign_out_notice"

#: Every page: file stem = url path → (title, icon).
PAGES: dict[str, tuple[str, str]] = {
    "start": ("Start", "🏠"),
    "kunden": ("Kunden", "👥"),
    "profiling": ("1 Profiling", "📝"),
    "ziel": ("2 Ziel", "🎯"),
    "strategien": ("3 Strategien", "🧩"),
    "egv": ("4 EGV", "📄"),
    "folgegespraech": ("Folgegespräch", "🔁"),
    "katalog": ("Katalog", "📚"),
    "korrektur": ("Korrektur abgeschlossener Profilings", "🛠️"),
    "benutzer": ("Benutzerverwaltung", "🔐"),
    "login": ("Anmelden", "🔑"),
    "berichte": ("Kundensteuerung", "📊"),  # issue 9
}

_CASEWORK = {"Fallarbeit": ["kunden", "profiling", "ziel", "strategien", "egv", "folgegespraech"]}

#: The pages each role may use, by menu section. run_page() refuses every other page, however it is reached
#: (services check permissions once more).
NAVIGATION: dict[Role, dict[str, list[str]]] = {
    Role.IFK: {"": ["start"], **_CASEWORK},
    Role.KDN: {"": ["start"], **_CASEWORK, "Verwaltung": ["korrektur", "benutzer", "katalog"],
               "Auswertungen": ["berichte"]},
    Role.TRAINER: {"": ["start"], "Katalog": ["katalog"]},
    Role.FACHAUFSICHT: {"": ["start"], "Auswertungen": ["berichte"]},
}


def allowed_pages(role: Role) -> set[str]:
    return {key for keys in NAVIGATION[role].values() for key in keys}


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


def signed_in_user() -> User | None:
    """The signed-in user as stored now; signs out after 30 minutes without activity or on deactivation."""
    from services.users import current_account, session_expired, sign_out

    user = current_user()
    if user is None:
        return None
    store = get_store()
    if session_expired(st.session_state.get(ACTIVITY_KEY)):
        sign_out(store, actor=user, timed_out=True)
        end_session("Sie wurden nach 30 Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich erneut an.")
        return None
    account = current_account(store, user)
    if account is None:
        end_session("Ihr Konto ist nicht mehr aktiv. Bitte wenden Sie sich an die KDN-Fachbetreuung.")
        return None
    st.session_state[USER_KEY] = account
    st.session_state[ACTIVITY_KEY] = utcnow()
    return account


def end_session(notice: str | None = None) -> None:
    """Forget everything of this session (form input included); keep only the note for the sign-in page."""
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice


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
    except Exception:
        reference = uuid.uuid4().hex[:8].upper()
        log.exception("Unerwarteter Fehler, Referenz %s", reference)
        st.error(
            f"Ein unerwarteter Fehler ist aufgetreten. Ihre gespeicherten Daten sind nicht betroffen. "
            f"Bitte wenden Sie sich mit der Referenznummer {reference} an die KDN-Fachbetreuung."
        )


def run_page(render: Callable[[], None]) -> None:
    """Render a page inside the error handler, after the same checks app.py makes.

    A page file may also run without app.py: next to app.py, Streamlit runs pages/*.py directly until the
    first st.navigation call of the server process. So every page checks sign-in, session timeout and its
    role itself, named by its file.
    """
    page = Path(inspect.getfile(render)).stem
    with guarded():
        if page == "login" or _admitted(page):
            render()


def _admitted(page: str) -> bool:
    user = signed_in_user()
    if user is None:
        st.info(st.session_state.get(NOTICE_KEY) or "Bitte melden Sie sich an.")
        return False
    if page not in allowed_pages(user.role):
        title = PAGES.get(page, (page, ""))[0]
        st.error(
            f"Die Seite „{title}“ ist für Ihre Rolle „{user.role}“ nicht freigegeben. "
            "Bitte wählen Sie eine Seite aus dem Menü."
        )
        return False
    return True
