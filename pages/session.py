"""Per-session helpers for the pages: the store, the signed-in user, and the one error handler."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from config import get_settings
from errors import DomainError
from schemas.records import Role, User, utcnow
from services.safety import markdown_literal
from storage.base import Store

log = logging.getLogger("vierphasen")

#: Session keys: the signed-in user, the time of the last click (UTC), a note shown after a forced sign-out.
USER_KEY = "user"
ACTIVITY_KEY = "last_activity"
NOTICE_KEY = "sign_out_notice"
#: Time of the sign-in (UTC; the 12-hour limit), and a refused single sign-on (its German message).
SIGNED_IN_KEY = "signed_in_at"
SSO_REFUSED_KEY = "sso_refused"

#: Every page: file stem = url path → (title, icon).
PAGES: dict[str, tuple[str, str]] = {
    "start": ("Start", ":material/home:"),
    "kunden": ("Kunden", ":material/group:"),
    "profiling": ("1 Profiling", ":material/edit_note:"),
    "ziel": ("2 Ziel", ":material/flag:"),
    "strategien": ("3 Strategien", ":material/extension:"),
    "egv": ("4 EGV", ":material/description:"),
    "folgegespraech": ("Folgegespräch", ":material/forum:"),
    "verlauf": ("Maßnahmen und Beschäftigung", ":material/work_history:"),  # issue 16
    "katalog": ("Katalog", ":material/library_books:"),
    "korrektur": ("Korrektur abgeschlossener Profilings", ":material/build:"),
    "benutzer": ("Benutzerverwaltung", ":material/manage_accounts:"),
    "login": ("Anmelden", ":material/login:"),
    "berichte": ("Kundensteuerung", ":material/bar_chart:"),  # issue 9
    "akte": ("Akte", ":material/folder_shared:"),  # issue 14
    "vertretungen": ("Vertretungen", ":material/swap_horiz:"),  # issue 14
    "loeschfristen": ("Löschfristen", ":material/auto_delete:"),  # issue 14
    "barrierefreiheit": ("Erklärung zur Barrierefreiheit", ":material/accessibility_new:"),  # for everyone
}
#: Pages open without sign-in and to every role (linked at the foot of the sidebar and of the sign-in page).
PUBLIC_PAGES = ("barrierefreiheit",)

_CASEWORK = {"Fallarbeit": ["kunden", "profiling", "ziel", "strategien", "egv", "folgegespraech", "verlauf", "akte"]}

#: The pages each role may use, by menu section. run_page() refuses every other page, however it is reached
#: (services check permissions once more).
NAVIGATION: dict[Role, dict[str, list[str]]] = {
    Role.IFK: {"": ["start"], **_CASEWORK},
    Role.KDN: {"": ["start"], **_CASEWORK, "Verwaltung": ["korrektur", "benutzer", "katalog", "vertretungen",
                                                         "loeschfristen"],
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


def sso_enabled() -> bool:
    """True if this installation signs in through the identity provider (VIERPHASEN_AUTH_MODE=sso)."""
    return get_settings().auth_mode == "sso"


def sso_claims() -> dict | None:
    """The ID-token claims of the provider sign-in of this browser session (st.user), or None."""
    if not sso_enabled():
        return None
    claims = st.user.to_dict()  # without an [auth] section in the secrets it has no "is_logged_in"
    return claims if claims.get("is_logged_in") else None


def start_session(user: User) -> None:
    """Begin a session for a user who just signed in (either way)."""
    st.session_state[USER_KEY] = user
    st.session_state[SIGNED_IN_KEY] = utcnow()
    st.session_state[ACTIVITY_KEY] = utcnow()


def _adopt_sso_user() -> User | None:
    """Sign in the person the identity provider vouches for, once per session; refusals are kept (and shown)."""
    from services.sso import expired_sign_in, sign_in_with_claims

    if SSO_REFUSED_KEY in st.session_state:
        return None
    claims = sso_claims()
    if claims is None:
        return None
    try:
        # Both expiries are audited as sign-outs, like those of a local session.
        expired = expired_sign_in(get_store(), claims)
        if expired == "too_old":
            end_session("Ihre Anmeldung ist älter als 12 Stunden. Bitte melden Sie sich erneut an.", logout=True)
            return None
        if expired == "idle":
            end_session("Sie wurden nach 30 Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich erneut an.",
                        logout=True)
            return None
        user = sign_in_with_claims(get_store(), claims)
    except DomainError as err:
        st.session_state[SSO_REFUSED_KEY] = err.message
        return None
    start_session(user)
    return user


def signed_in_user() -> User | None:
    """The signed-in user as stored now; signs out after 30 minutes without activity, 12 hours after the
    sign-in, or on deactivation. With single sign-on, a provider sign-in of this browser becomes a session."""
    from services.users import current_account, session_expired, session_too_old, sign_out

    user = current_user() or _adopt_sso_user()
    if user is None:
        return None
    store = get_store()
    if session_expired(st.session_state.get(ACTIVITY_KEY)):
        sign_out(store, actor=user, timed_out=True)
        end_session("Sie wurden nach 30 Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich erneut an.",
                    logout=bool(user.sso_subject))
        return None
    if session_too_old(st.session_state.setdefault(SIGNED_IN_KEY, utcnow())):
        sign_out(store, actor=user, too_old=True)
        end_session("Sie wurden nach 12 Stunden automatisch abgemeldet. Bitte melden Sie sich erneut an.",
                    logout=bool(user.sso_subject))
        return None
    account = current_account(store, user)
    if account is None:
        end_session("Ihr Konto ist nicht mehr aktiv. Bitte wenden Sie sich an die KDN-Fachbetreuung.",
                    logout=bool(user.sso_subject))
        return None
    st.session_state[USER_KEY] = account
    st.session_state[ACTIVITY_KEY] = utcnow()
    if account.sso_subject:
        from services.sso import note_activity

        note_activity(store, account.sso_subject)
    return account


def end_session(notice: str | None = None, *, logout: bool = False) -> None:
    """Forget everything of this session (form input included); keep only the note for the sign-in page.

    With `logout` (a single sign-on session) the identity cookie is deleted too (st.logout), so the browser
    is not signed in again by it; the provider's own sign-out page follows.
    """
    user = current_user()
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if user is not None and user.sso_subject:
        from services.sso import forget_activity

        forget_activity(get_store(), user.sso_subject)
    if logout and sso_claims() is not None:
        st.logout()


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
        st.error(markdown_literal(err.message))
    except Exception as exc:  # noqa: BLE001 - logged with a reference, shown as a German message
        reference = uuid.uuid4().hex[:8].upper()
        # Where, not what: an error's text may carry client data (a rejected input), so it is not logged (issue 10).
        import traceback

        where = " ← ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
                           for frame in reversed(traceback.extract_tb(exc.__traceback__)))
        log.error("Unerwarteter Fehler, Referenz %s: %s bei %s", reference, type(exc).__name__, where)
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


#: The user app.py checked (`signed_in_user`) in this run, while it runs the selected page (`checked_for_page`).
_CHECKED: ContextVar[User | None] = ContextVar("vierphasen_checked_user", default=None)


@contextmanager
def checked_for_page(user: User) -> Iterator[None]:
    """Run the selected page with `user`, whom app.py's `signed_in_user` returned in this run: the page's own
    check (`run_page`) takes it instead of reading the account and the session's times once more. Each session
    runs its script in a thread of its own, so the value is the session's."""
    token = _CHECKED.set(user)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _admitted(page: str) -> bool:
    user = _CHECKED.get() or signed_in_user()
    if user is None:
        st.info(st.session_state.get(NOTICE_KEY) or "Bitte melden Sie sich an.")
        return False
    if page not in allowed_pages(user.role):
        title = PAGES.get(page, (page, ""))[0]
        from services.audit_log import refused

        refused(get_store(), user, f"Seite „{title}“")  # § 67c SGB X: refusals are audited too
        st.error(
            f"Die Seite „{title}“ ist für Ihre Rolle „{user.role}“ nicht freigegeben. "
            "Bitte wählen Sie eine Seite aus dem Menü."
        )
        return False
    return True


#: st.Page objects built once per server process (see `navigation_page`), by their arguments.
_PAGE_OBJECTS: dict[tuple, st.Page] = {}


#: The app's folder, resolved once per process (app.py runs on every rerun; resolving costs a system call per
#: directory).
APP_ROOT = Path(__file__).resolve().parents[1]


def navigation_page(path: str, **options: Any) -> st.Page:
    """`st.Page(path, **options)` for this run's st.navigation (`path`: absolute), built once per server process
    and copied.

    Building one resolves its file on the disk (about a tenth of a ms each; app.py hands st.navigation about 20
    on every rerun of every page). A copy per call, because st.navigation marks the page it selects as the one
    this run may execute on the object itself: sessions share no page object. Outside a script run (no
    ScriptRunContext) st.Page stays unfinished, so nothing is kept then."""
    key = (path, *sorted(options.items()))
    template = _PAGE_OBJECTS.get(key)
    if template is None:
        template = st.Page(path, **options)
        if get_script_run_ctx() is None:
            return template
        _PAGE_OBJECTS[key] = template
    page = object.__new__(type(template))  # a shallow copy (copy.copy takes four times as long)
    page.__dict__.update(template.__dict__)
    return page
