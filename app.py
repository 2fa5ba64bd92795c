"""Vierphasen entry point: page config, sign-in, session expiry, and the navigation for the signed-in user's role."""

from __future__ import annotations

import streamlit as st

import memory
from pages import a11y, deferred_downloads, option_reads, widget_state
from pages.run_slots import process_slots
from pages.session import (
    APP_ROOT,
    NAVIGATION,
    NOTICE_KEY,
    PAGES,
    PUBLIC_PAGES,
    allowed_pages,
    checked_for_page,
    end_session,
    get_store,
    guarded,
    navigation_page,
    signed_in_user,
)
from schemas.records import User
from services.access import one_request
from services.catalogue import get_catalogue
from services.users import sign_out

memory.configure()  # once per server process, before the first sign-in: see memory.py
option_reads.install()  # once per server process: Streamlit's options read without its global lock
widget_state.install()  # and its input widgets ask one key of the session state, not all of it
deferred_downloads.install()  # a download's function outlives the run that stopped showing it by a few seconds
st.set_page_config(page_title="Vierphasen", page_icon=":material/explore:", layout="wide")


def page(key: str, *, default: bool = False, hidden: bool = False, agreement: str = "") -> st.Page:
    """A page of the navigation; `agreement` (the newest catalogue's Kurzname) names the agreement page."""
    title, icon = PAGES[key]
    if key == "egv" and agreement:
        title = f"4 {agreement}"
    # page files absolute (APP_ROOT), so the navigation does not depend on the directory Streamlit runs from
    return navigation_page(f"{APP_ROOT}/pages/{key}.py", title=title, icon=icon, url_path=key, default=default,
                           visibility="hidden" if hidden else "visible")


def statement_link(statement: st.Page) -> None:
    st.page_link(statement, label="Erklärung zur Barrierefreiheit", icon=":material/accessibility_new:")


def sidebar(user: User, statement: st.Page) -> None:
    with st.sidebar:
        team = f", {user.team}" if user.team else ""  # the team's name, e.g. "Team 1"
        st.caption("Angemeldet als")
        st.text(f"{user.display_name}\n{user.role}{team}")
        if st.button("Abmelden", key="abmelden", icon=":material/logout:"):
            sign_out(get_store(), actor=user)
            # A single sign-on session also deletes the identity cookie and signs out at the provider.
            end_session("Sie haben sich abgemeldet.", logout=bool(user.sso_subject))
            if user.sso_subject:
                st.stop()  # the browser follows st.logout's redirect
            st.rerun()
        statement_link(statement)


def main() -> None:
    user = signed_in_user()
    if user is None:
        # Every address leads to the sign-in (a bookmark keeps its address, so after signing in the page opens).
        login_file = f"{APP_ROOT}/pages/login.py"
        public = [page(k, hidden=True) for k in PUBLIC_PAGES]
        pages = [page("login", default=True)] + public + [
            navigation_page(login_file, title=PAGES["login"][0], url_path=k, visibility="hidden")
            for k in PAGES if k != "login" and k not in PUBLIC_PAGES
        ]
        selected = st.navigation(pages, position="hidden")
        if selected.url_path in PUBLIC_PAGES:
            selected.run()
            st.page_link(pages[0], label="Zur Anmeldung", icon=":material/login:")
            return
        if notice := st.session_state.get(NOTICE_KEY):
            st.info(notice)
        elif selected is not pages[0]:
            st.info("Bitte melden Sie sich an.")
        selected.run()
        st.divider()
        statement_link(public[0])
        return
    st.session_state.pop(NOTICE_KEY, None)
    allowed_keys = allowed_pages(user.role)
    agreement = get_catalogue(get_store()).vereinbarung.kurzname
    sections = {title: [page(k, default=k == "start", agreement=agreement) for k in keys]
                for title, keys in NAVIGATION[user.role].items()}
    # Pages the role may not use stay addressable but hidden, so a direct call gets the page's German refusal.
    others = [page(k, hidden=True, agreement=agreement) for k in PAGES
              if k not in allowed_keys and k not in PUBLIC_PAGES]
    if others:
        sections["Nicht freigegeben"] = others
    statement = page("barrierefreiheit", hidden=True)
    sections.setdefault("Nicht freigegeben", []).append(statement)
    # every page of the role stays listed (KDN-Fachbetreuung has 14; Streamlit folds a menu after 10 by default)
    selected = st.navigation(sections, expanded=True)
    sidebar(user, statement)
    if selected.url_path == "login":  # right after signing in the session still points at the sign-in page
        st.switch_page(sections[""][0])
    with checked_for_page(user):
        selected.run()  # the page checks the role itself (pages.session.run_page), sign-in is checked above


with process_slots().held():  # see pages/run_slots.py
    a11y.apply()
    with guarded(), one_request():  # each account read from the store once per run
        main()
