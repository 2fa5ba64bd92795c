"""Anmelden: sign-in form; on an empty installation it creates the first KDN-Fachbetreuung account instead."""

from __future__ import annotations

import streamlit as st

from pages.session import USER_KEY, get_store, run_page
from services.users import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    confirm_password,
    create_first_admin,
    needs_first_admin,
)


def _first_admin() -> None:
    st.title("Ersteinrichtung")
    st.info(
        "Es gibt noch kein Benutzerkonto. Legen Sie jetzt das erste Konto der KDN-Fachbetreuung an. "
        "Mit diesem Konto richten Sie anschließend die Konten der Kolleginnen und Kollegen ein."
    )
    with st.form("erstes_konto"):
        username = st.text_input("Benutzername", max_chars=40, autocomplete="username")
        display_name = st.text_input("Ihr Name", max_chars=100)
        password = st.text_input(f"Passwort (mindestens {MIN_PASSWORD_LENGTH} Zeichen)", type="password",
                                 autocomplete="new-password")
        repeat = st.text_input("Passwort wiederholen", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Konto anlegen und anmelden", type="primary")
    if submitted:
        confirm_password(password, repeat)
        store = get_store()
        create_first_admin(store, username=username, display_name=display_name, password=password)
        _sign_in(authenticate(store, username, password))


def _sign_in_form() -> None:
    st.title("Anmelden")
    with st.form("anmelden"):
        username = st.text_input("Benutzername", max_chars=40, autocomplete="username")
        password = st.text_input("Passwort", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        _sign_in(authenticate(get_store(), username, password))


def _sign_in(user) -> None:
    st.session_state[USER_KEY] = user
    st.rerun()


def render() -> None:
    if needs_first_admin(get_store()):
        _first_admin()
    else:
        _sign_in_form()


run_page(render)
