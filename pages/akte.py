"""Akte: the selected client's case over the years — Stammdaten, Übergabe, Abmeldung and Wiederaufnahme."""

from __future__ import annotations

from datetime import date

import streamlit as st

from errors import DomainError, InvalidInput
from pages import case_state as cs
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.records import Client, Role, User
from services.akte import (
    abmeldegruende,
    correct_stammdaten,
    end_case,
    hand_over,
    handovers,
    known_teams,
    reopen_case,
)
from services.clients import client_for, client_name
from services.history import record_history
from services.safety import markdown_literal
from storage.base import Store


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    st.title("Akte")
    chosen = cs.require_client()
    client = client_for(store, chosen.id, actor=user)  # as stored now: revision, team, Abmeldung
    st.subheader(markdown_literal(client_name(client)))
    gruende = {g.id: g.label for g in abmeldegruende(store)}
    if client.abgemeldet_am is None:
        st.caption(f"Fall aktiv · betreut von {client.team}")
    else:
        grund = gruende.get(client.abmeldegrund or "", client.abmeldegrund or "—")
        st.warning(f"Abgemeldet am {w.fmt_date(client.abgemeldet_am)} – {grund}. Die Akte kann nur gelesen werden.")
    _handovers(store, user, client)
    w.section("Änderungsverlauf der Akte", "akte-verlauf-offen", lambda: _history(store, user, client))
    if client.abgemeldet_am is None:
        w.section("Stammdaten korrigieren", "akte-stammdaten-offen", lambda: _stammdaten(store, user, client))
        w.section("Übergabe an ein anderes Team", "akte-uebergabe-offen", lambda: _uebergabe(store, user, client))
        w.section("Abmeldung (Fall beenden)", "akte-abmeldung-offen",
                  lambda: _abmeldung(store, user, client, gruende))
    else:
        _wiederaufnahme(store, user, client)


def _handovers(store: Store, user: User, client: Client) -> None:
    st.markdown("**Betreuende Teams**")
    lines = handovers(store, client.id, actor=user)
    if not lines:
        st.caption(f"Seit der Anlage betreut von {client.team}.")
    for line in lines:
        st.caption(f"{line.zeitpunkt}: {line.text} ({line.von})")


def _history(store: Store, user: User, client: Client) -> None:
    for line in record_history(store, client.id, actor=user):
        st.caption(f"{line.zeitpunkt}: {line.aktion} – {line.von}")


def _stammdaten(store: Store, user: User, client: Client) -> None:
    with st.form("akte-stammdaten", border=False):
        kundennummer = st.text_input("Kundennummer", value=client.kundennummer, max_chars=20,
                                     key=f"akte-kundennummer-{client.revision}")  # fmt: skip
        w.field_slot("kundennummer")
        vorname = st.text_input("Vorname", value=client.vorname, max_chars=100,
                                key=f"akte-vorname-{client.revision}")  # fmt: skip
        w.field_slot("vorname")
        nachname = st.text_input("Nachname", value=client.nachname, max_chars=100,
                                 key=f"akte-nachname-{client.revision}")  # fmt: skip
        w.field_slot("nachname")
        geburtsdatum = st.date_input("Geburtsdatum", value=client.geburtsdatum, min_value=date(1900, 1, 1),
                                     max_value=w.today(), format="DD.MM.YYYY",
                                     key=f"akte-geburtsdatum-{client.revision}")  # fmt: skip
        w.field_slot("geburtsdatum")
        submitted = st.form_submit_button("Stammdaten speichern", type="primary")
    if submitted:
        _do(store, user, "Die Stammdaten wurden gespeichert.", lambda: correct_stammdaten(
            store, client.id, revision=client.revision, kundennummer=kundennummer, vorname=vorname,
            nachname=nachname, geburtsdatum=geburtsdatum, actor=user))  # fmt: skip


def _uebergabe(store: Store, user: User, client: Client) -> None:
    teams = [t for t in known_teams(store) if t != client.team]
    st.caption("Das neue Team erhält die ganze Akte; Ihr Team sieht die Kundin / den Kunden danach nicht mehr."
               if user.role == Role.IFK else "Das neue Team erhält die ganze Akte.")  # fmt: skip
    if not teams:
        st.info("Es gibt kein anderes Team mit einer aktiven Integrationsfachkraft.")
        return
    with st.form("akte-uebergabe", border=False):
        team = st.selectbox("Neues Team", teams, index=None, placeholder="Team wählen", key="akte-team")
        w.field_slot("team")
        submitted = st.form_submit_button("Übergeben", type="primary")
    if submitted:
        moved = _do(store, user, None, lambda: hand_over(store, client.id, revision=client.revision,
                                                         team=team or "", actor=user))  # fmt: skip
        if moved is not None:
            text = f"{client_name(moved)} wurde an {moved.team} übergeben."
            try:
                cs.select_client(store, user, moved.id)
            except DomainError:  # the own team has handed the client over: no longer ours
                st.session_state[cs.CLIENT_ID] = None
            w.flash(text)
            st.rerun()


def _abmeldung(store: Store, user: User, client: Client, gruende: dict[str, str]) -> None:
    with st.form("akte-abmeldung", border=False):
        datum = st.date_input("Datum der Abmeldung", value=w.today(), min_value=date(1990, 1, 1),
                              max_value=w.today(), format="DD.MM.YYYY", key="akte-datum")  # fmt: skip
        w.field_slot("datum")
        grund = st.selectbox("Abmeldegrund", list(gruende), format_func=gruende.get, index=None,
                             placeholder="Grund wählen", key="akte-grund")  # fmt: skip
        w.field_slot("grund")
        notiz = st.text_area("Notiz (bei „Sonstiges“ erforderlich)", max_chars=500, key="akte-notiz")
        w.field_slot("notiz")
        submitted = st.form_submit_button("Abmelden", type="primary")
    if submitted:
        if datum is None:
            w.report(InvalidInput("Bitte geben Sie das Datum der Abmeldung an.", field="datum"))
            return
        _do(store, user, "Der Fall wurde abgemeldet.", lambda: end_case(
            store, client.id, revision=client.revision, datum=datum, grund=grund or "", notiz=notiz,
            actor=user))  # fmt: skip


def _wiederaufnahme(store: Store, user: User, client: Client) -> None:
    if client.abmeldung_notiz:
        st.caption(f"Notiz: {markdown_literal(client.abmeldung_notiz)}")
    if st.button("Wiederaufnahme", key="akte-wiederaufnahme", type="primary"):
        _do(store, user, "Der Fall wurde wieder aufgenommen.",
            lambda: reopen_case(store, client.id, revision=client.revision, actor=user))


def _do(store: Store, user: User, success: str | None, action):
    """Run one use case: a refusal shows at its field (or on the page); success refreshes the client."""
    try:
        result = action()
    except DomainError as err:
        w.report(err)
        return None
    w.clear_field_error()
    if success is not None:
        cs.select_client(store, user, result.id)
        w.flash(success)
        st.rerun()
    return result


run_page(render)
