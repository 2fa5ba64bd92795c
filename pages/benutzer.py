"""Benutzerverwaltung (KDN-Fachbetreuung): create accounts, assign role and team, deactivate, reset passwords
and second factors."""

from __future__ import annotations

import streamlit as st

from pages.session import get_store, guarded, require_user, run_page
from schemas.records import Role, User
from services.totp import reset_second_factor
from services.users import (
    MIN_PASSWORD_LENGTH,
    assign_role,
    confirm_password,
    create_user,
    deactivate_user,
    list_users,
    lock_text,
    reactivate_user,
    reset_password,
    unlock_account,
)

ROLES = list(Role)
_FLASH = "benutzer_flash"


def _status(user: User) -> str:
    if not user.active:
        return "deaktiviert"
    return lock_text(user) or "aktiv"


def _overview(users: list[User]) -> None:
    st.dataframe(
        [
            {
                "Benutzername": u.username,
                "Name": u.display_name,
                "Rolle": str(u.role),
                "Team": u.team or "—",
                "Status": _status(u),
                "Anmeldung": "Single Sign-on" if u.sso_subject else "Passwort",
                "2. Faktor": "eingerichtet" if u.totp_secret else "—",
            }
            for u in users
        ],
        hide_index=True,
    )


def _flash(message: str) -> None:
    st.session_state[_FLASH] = message
    st.rerun()


#: Widget keys of the new-account form; emptied after an account was created (a refusal keeps the input).
_NEW_ACCOUNT_KEYS = ("neu_benutzername", "neu_name", "neu_rolle", "neu_team", "neu_passwort", "neu_wiederholung")


def _new_account(actor: User) -> None:
    with st.form("neues_konto", clear_on_submit=False, enter_to_submit=False):
        username = st.text_input("Benutzername", max_chars=40, key="neu_benutzername",
                                 help="Kleinbuchstaben, Ziffern, Punkt, Bindestrich")
        display_name = st.text_input("Name", max_chars=100, key="neu_name")
        role = st.selectbox("Rolle", ROLES, format_func=str, key="neu_rolle")
        team = st.text_input("Team", max_chars=50, key="neu_team",
                             help="Für Integrationsfachkräfte Pflicht: sie sehen die Kunden ihres Teams.")
        password = st.text_input(f"Erstes Passwort (mindestens {MIN_PASSWORD_LENGTH} Zeichen)", type="password",
                                 autocomplete="new-password", key="neu_passwort")
        repeat = st.text_input("Passwort wiederholen", type="password", autocomplete="new-password",
                               key="neu_wiederholung")
        submitted = st.form_submit_button("Konto anlegen", type="primary")
    if submitted:
        with guarded():
            confirm_password(password, repeat)
            user = create_user(get_store(), username=username, display_name=display_name, role=role, team=team,
                               password=password, actor=actor)
            for key in _NEW_ACCOUNT_KEYS:  # the next account starts empty: no team or password carried over
                st.session_state.pop(key, None)
            _flash(f"Das Konto „{user.username}“ ({user.role}) wurde angelegt.")


def _edit_account(users: list[User], actor: User) -> None:
    by_id = {u.id: u for u in users}
    chosen_id = st.selectbox(
        "Konto",
        list(by_id),
        format_func=lambda uid: f"{by_id[uid].username} – {by_id[uid].display_name} ({by_id[uid].role}, "
        f"{_status(by_id[uid])})",
        key="konto_auswahl",
    )
    if chosen_id is None:
        return
    chosen = by_id[chosen_id]
    store = get_store()
    left, right = st.columns(2)
    with left, st.form(f"rolle_{chosen.id}", enter_to_submit=False):
        st.markdown("**Rolle und Team**")
        role = st.selectbox("Rolle", ROLES, index=ROLES.index(chosen.role), format_func=str)
        team = st.text_input("Team", value=chosen.team, max_chars=50)
        if st.form_submit_button("Rolle und Team speichern"):
            with guarded():
                assign_role(store, chosen.id, role=role, team=team, revision=chosen.revision, actor=actor)
                _flash(f"Rolle und Team von „{chosen.username}“ wurden gespeichert.")
    with right, st.form(f"passwort_{chosen.id}", clear_on_submit=True, enter_to_submit=False):
        st.markdown("**Passwort zurücksetzen**")
        password = st.text_input("Neues Passwort", type="password", autocomplete="new-password")
        repeat = st.text_input("Neues Passwort wiederholen", type="password", autocomplete="new-password")
        if st.form_submit_button("Passwort zurücksetzen"):
            with guarded():
                confirm_password(password, repeat)
                reset_password(store, chosen.id, password=password, revision=chosen.revision, actor=actor)
                _flash(f"Das Passwort von „{chosen.username}“ wurde zurückgesetzt; eine Sperre ist aufgehoben.")
    if chosen.totp_secret and st.button("Zweiten Faktor zurücksetzen", key=f"totp_reset_{chosen.id}",
                                        help="Bei Verlust des Handys: das Konto richtet ihn bei der nächsten "
                                        "Anmeldung neu ein; die Wiederherstellungscodes verfallen."):
        with guarded():
            reset_second_factor(store, chosen.id, revision=chosen.revision, actor=actor)
            _flash(f"Der zweite Faktor von „{chosen.username}“ wurde zurückgesetzt.")
    if st.button("Anmeldesperre aufheben", key=f"entsperren_{chosen.id}",
                 help="Hebt Wartezeiten nach falschen Passwörtern und die Sperre nach falschen Codes auf."):
        with guarded():
            unlock_account(store, chosen.id, actor=actor)
            _flash(f"Die Anmeldesperre von „{chosen.username}“ ist aufgehoben.")
    if chosen.active:
        if st.button("Konto deaktivieren", key=f"deaktivieren_{chosen.id}"):
            with guarded():
                deactivate_user(store, chosen.id, revision=chosen.revision, actor=actor)
                _flash(f"Das Konto „{chosen.username}“ wurde deaktiviert.")
    elif st.button("Konto wieder aktivieren", key=f"aktivieren_{chosen.id}"):
        with guarded():
            reactivate_user(store, chosen.id, revision=chosen.revision, actor=actor)
            _flash(f"Das Konto „{chosen.username}“ ist wieder aktiv.")


def render() -> None:
    actor = require_user()
    st.title("Benutzerverwaltung")
    users = list_users(get_store(), actor=actor)  # refuses every role but KDN-Fachbetreuung
    if message := st.session_state.pop(_FLASH, None):
        st.success(message)
    _overview(users)
    neu, bearbeiten = st.tabs(["Neues Konto", "Konto bearbeiten"])
    with neu:
        _new_account(actor)
    with bearbeiten:
        _edit_account(users, actor)


run_page(render)
