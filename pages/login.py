"""Anmelden: single sign-on or password, then the second factor (TOTP: enrolment with QR code, or the code).

On an empty installation it creates the first KDN-Fachbetreuung account instead.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit.errors import StreamlitAuthError

from config import get_settings
from errors import AuthenticationFailed
from pages.session import SSO_REFUSED_KEY, get_store, log, run_page, sso_enabled, start_session
from schemas.records import User, utcnow
from services import totp
from services.second_factor import second_factor_required
from services.users import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    confirm_password,
    create_first_admin,
    lock_text,
    needs_first_admin,
    signing_in_account,
)

#: Session keys of the sign-in steps: the account whose password was right (id, time), the secret being
#: enrolled, and the recovery codes to show once before the session starts.
PENDING_KEY = "pending_second_factor"
ENROL_SECRET_KEY = "totp_enrol_secret"
RECOVERY_KEY = "recovery_codes_once"
PENDING_LIMIT = timedelta(minutes=5)


def _first_admin() -> None:
    if sso_enabled():
        st.caption(f"Ersteinrichtung: Es gibt noch kein Benutzerkonto. Legen Sie den Notfallzugang "
                   f"„{get_settings().emergency_kdn}“ der KDN-Fachbetreuung an.")
    else:
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
        _password_ok(authenticate(store, username, password))


def _password_form(title: str = "Anmelden") -> None:
    with st.form("anmelden"):
        if title:
            st.markdown(f"**{title}**")
        username = st.text_input("Benutzername", max_chars=40, autocomplete="username")
        password = st.text_input("Passwort", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        _password_ok(authenticate(get_store(), username, password, source=_source()))


def _source() -> str:
    """Where a sign-in comes from, for its throttling: the last X-Forwarded-For entry (added by the reverse
    proxy; the app itself listens on 127.0.0.1 only), else the peer address."""
    try:
        forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")[-1].strip()
        return forwarded or st.context.ip_address or ""
    except (AttributeError, RuntimeError):  # no browser connection (scripts, tests)
        return ""


def _password_ok(user: User) -> None:
    """The password was right: start the session, or ask for the second factor first."""
    if second_factor_required(user):
        st.session_state[PENDING_KEY] = (user.id, utcnow())
        st.session_state.pop(ENROL_SECRET_KEY, None)
        st.rerun()
    _start(user)


def _start(user: User) -> None:
    for key in (PENDING_KEY, ENROL_SECRET_KEY, RECOVERY_KEY):
        st.session_state.pop(key, None)
    start_session(user)
    st.rerun()


def _pending_user() -> User | None:
    pending = st.session_state.get(PENDING_KEY)
    if not pending:
        return None
    user_id, since = pending
    if utcnow() - since > PENDING_LIMIT:
        st.session_state.pop(PENDING_KEY, None)
        st.session_state.pop(ENROL_SECRET_KEY, None)
        st.warning("Die Anmeldung hat zu lange gedauert. Bitte melden Sie sich erneut an.")
        return None
    return signing_in_account(get_store(), user_id)


def _cancel_button() -> None:
    if st.button("Abbrechen", key="zweiter_faktor_abbrechen"):
        for key in (PENDING_KEY, ENROL_SECRET_KEY):
            st.session_state.pop(key, None)
        st.rerun()


def _enrol(user: User) -> None:
    st.title("Zweiten Faktor einrichten")
    st.info(
        "Für Ihr Konto ist ein zweiter Faktor vorgeschrieben. Scannen Sie den QR-Code mit einer "
        "Authenticator-App (z. B. FreeOTP, Google Authenticator, Microsoft Authenticator) und geben Sie "
        "den angezeigten sechsstelligen Code ein."
    )
    secret = st.session_state.setdefault(ENROL_SECRET_KEY, totp.new_secret())
    st.image(totp.qr_png(totp.provisioning_uri(user, secret)), caption="QR-Code für die Authenticator-App",
             width=220, alt="QR-Code mit dem Schlüssel für die Authenticator-App (der Schlüssel steht "
             "darunter auch zum Abtippen)")
    st.markdown("Oder den Schlüssel von Hand eingeben:")
    st.code(secret, language=None)
    with st.form("totp_einrichten"):
        code = st.text_input("Code aus der App (6 Ziffern)", max_chars=6, autocomplete="one-time-code")
        submitted = st.form_submit_button("Einrichten und anmelden", type="primary")
    if submitted:
        signed_in, codes = totp.enrol(get_store(), user.id, secret=secret, code=code)
        st.session_state[RECOVERY_KEY] = (signed_in.id, codes)
        st.session_state.pop(PENDING_KEY, None)
        st.session_state.pop(ENROL_SECRET_KEY, None)
        st.rerun()
    _cancel_button()


def _show_recovery_codes() -> None:
    user_id, codes = st.session_state[RECOVERY_KEY]
    st.title("Wiederherstellungscodes")
    st.warning(
        "Der zweite Faktor ist eingerichtet. Notieren Sie diese Wiederherstellungscodes und bewahren Sie sie "
        "sicher auf: jeder Code ersetzt einmal den Code der App (z. B. wenn das Handy verloren ist). "
        "Sie werden nur jetzt angezeigt."
    )
    st.code("\n".join(codes), language=None)
    if st.button("Ich habe die Codes notiert – weiter", type="primary", key="codes_notiert"):
        _start(signing_in_account(get_store(), user_id))


def _verify(user: User) -> None:
    st.title("Zweiter Faktor")
    with st.form("totp_pruefen"):
        code = st.text_input("Code aus der Authenticator-App oder Wiederherstellungscode", max_chars=20,
                             autocomplete="one-time-code")
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        try:
            signed_in = totp.verify(get_store(), user.id, code)
        except AuthenticationFailed:
            if lock_text(signing_in_account(get_store(), user.id)):
                st.session_state.pop(PENDING_KEY, None)  # locked: start over with the password later
            raise
        _start(signed_in)
    _cancel_button()


def _sso() -> None:
    st.title("Anmelden")
    if refused := st.session_state.get(SSO_REFUSED_KEY):
        st.error(refused)
        if st.button("Mit einem anderen Konto anmelden", key="sso_anderes_konto"):
            st.session_state.pop(SSO_REFUSED_KEY, None)
            st.logout()
        return
    st.write("Melden Sie sich mit Ihrem Konto des Jobcenters an (Single Sign-on).")
    if st.button("Mit Single Sign-on anmelden", type="primary", key="sso_anmelden"):
        try:
            st.login()
        except StreamlitAuthError:
            log.exception("st.login: Single Sign-on ist nicht eingerichtet")
            st.error("Single Sign-on ist nicht vollständig eingerichtet (Abschnitt [auth] in "
                     ".streamlit/secrets.toml). Bitte wenden Sie sich an die KDN-Fachbetreuung.")
    if get_settings().emergency_kdn:
        with st.expander("Notfallzugang der KDN-Fachbetreuung"):
            if needs_first_admin(get_store()):
                _first_admin()
            else:
                st.caption("Nur wenn der Identitätsanbieter nicht erreichbar ist. Jede Anmeldung wird protokolliert.")
                _password_form(title="")


def render() -> None:
    if RECOVERY_KEY in st.session_state:
        _show_recovery_codes()
        return
    if (user := _pending_user()) is not None:
        if user.totp_secret:
            _verify(user)
        else:
            _enrol(user)
        return
    if sso_enabled():
        _sso()
    elif needs_first_admin(get_store()):
        _first_admin()
    else:
        st.title("Anmelden")
        _password_form(title="")


run_page(render)
