"""Kunden: search and create clients; the selected client's profiling history (newest first)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from errors import DomainError, InvalidInput
from pages import case_header as ch
from pages import case_state as cs
from pages import downloads
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.records import Client, Status, User
from services.beschaeftigung import list_beschaeftigungsaufnahmen
from services.clients import client_name, create_client, find_clients
from services.massnahmen import list_massnahmen
from services.profiling import profiling_history
from services.safety import markdown_literal
from storage.base import Store

NEW_CLIENT = "Neue Kundin / neuen Kunden anlegen"
NEW_CLIENT_OPEN = "kunden-neu-offen"  # the section NEW_CLIENT is open (pages.widgets.section)


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    st.title("Kundinnen und Kunden")
    client = cs.current_client()
    if client is not None:
        _selected(store, user, client)
        st.divider()
    _search(store, user)
    w.section(NEW_CLIENT, NEW_CLIENT_OPEN, lambda: _create(store, user))


def _search(store: Store, user: User) -> None:
    st.subheader("Suchen")
    text = st.text_input("Kundennummer oder Name", key="kunden-suche", max_chars=100,
                         placeholder="z. B. 123D000001 oder Mustermann")
    w.field_slot("text")
    try:
        found = find_clients(store, text, actor=user)
    except DomainError as err:
        w.report(err)
        return
    if not found:
        st.caption("Keine Kundin / kein Kunde gefunden." if text else "Noch keine Kundinnen und Kunden angelegt.")
        return
    current = st.session_state.get(cs.CLIENT_ID)
    for found_client in found[:20]:  # a row is 3 elements (each one costs every rerun of every session)
        with st.container(horizontal=True, vertical_alignment="center"):
            ended = f" · abgemeldet am {w.fmt_date(found_client.abgemeldet_am)}" if found_client.abgemeldet_am else ""
            st.markdown(f"{markdown_literal(client_name(found_client))} · geb. "
                        f"{w.fmt_date(found_client.geburtsdatum)}{ended}", width="stretch")
            if found_client.id == current:
                st.caption("ausgewählt", width="content")
            elif st.button("Auswählen", key=f"waehle-{found_client.id}"):
                cs.select_client(store, user, found_client.id)
                st.rerun()
    if len(found) > 20:
        st.caption(f"{len(found) - 20} weitere Treffer – bitte die Suche genauer fassen.")


def _create(store: Store, user: User) -> None:
    with st.form("kunde-anlegen", clear_on_submit=False, border=False):
        st.caption("Nur die Angaben, die das Verfahren braucht.")
        kundennummer = st.text_input("Kundennummer", max_chars=20, key="neu-kundennummer")
        w.field_slot("kundennummer")
        vorname = st.text_input("Vorname", max_chars=100, key="neu-vorname")
        w.field_slot("vorname")
        nachname = st.text_input("Nachname", max_chars=100, key="neu-nachname")
        w.field_slot("nachname")
        geburtsdatum = st.date_input("Geburtsdatum", value=None, min_value=date(1900, 1, 1),
                                     max_value=w.today(), format="DD.MM.YYYY", key="neu-geburtsdatum")
        w.field_slot("geburtsdatum", "team")
        submitted = st.form_submit_button("Anlegen", type="primary")
    if submitted:
        _submit(store, user, kundennummer, vorname, nachname, geburtsdatum)


def _submit(store: Store, user: User, kundennummer: str, vorname: str, nachname: str,
            geburtsdatum: date | None) -> None:
    if geburtsdatum is None:
        w.report(InvalidInput("Bitte geben Sie das Geburtsdatum an.", field="geburtsdatum"))
        return
    try:
        client = create_client(store, kundennummer=kundennummer, vorname=vorname, nachname=nachname,
                               geburtsdatum=geburtsdatum, actor=user)
    except DomainError as err:
        w.report(err)
        return
    w.clear_field_error()
    for key in ("neu-kundennummer", "neu-vorname", "neu-nachname", "neu-geburtsdatum", NEW_CLIENT_OPEN):
        st.session_state.pop(key, None)  # an empty, closed form again
    cs.select_client(store, user, client.id)
    w.flash(f"{client_name(client)} angelegt und ausgewählt.")
    st.rerun()


def _selected(store: Store, user: User, client: Client) -> None:
    st.subheader(markdown_literal(client_name(client)))
    st.caption(f"geboren am {w.fmt_date(client.geburtsdatum)} · {client.team}")
    st.markdown("**Profilings** (neuester zuerst)")
    draft = cs.current_draft()
    entries = profiling_history(store, client.id, actor=user)
    # The suggested action is highlighted: continue an open profiling if there is one, else start a new one.
    open_ids = [e.profiling_id for e in entries if e.status == Status.OFFEN]
    suggested = (draft.id if draft is not None and draft.id in open_ids else open_ids[0]) if open_ids else None
    for entry in entries:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(entry.label, width="stretch")  # the label ends with the status (offen / abgeschl.), once
            if entry.profiling_id is None:
                if st.button("Neues Profiling", key="history-new", icon=":material/add:",
                             type="secondary" if suggested else "primary"):
                    cs.new_entry(store, user, client)
                    st.switch_page(w.PAGE_PROFILING)
            else:
                active = draft is not None and draft.id == entry.profiling_id
                label = "Weiter bearbeiten" if active else ("Öffnen" if entry.status == "offen" else "Ansehen")
                if st.button(label, key=f"history-{entry.profiling_id}",
                             type="primary" if entry.profiling_id == suggested else "secondary"):
                    cs.activate(store, user, entry.profiling_id)
                    st.switch_page(w.PAGE_PROFILING)
    _verlauf(store, user, client)
    w.section("Auskunft und ausgehändigte Dokumente", "kunden-auskunft-offen",
              lambda: downloads.auskunft_downloads(store, user, client))
    ch.next_step("Profiling beginnen oder ein offenes Profiling weiterbearbeiten.", w.PAGE_PROFILING,
                "1 Profiling", ":material/edit_note:")


def _verlauf(store: Store, user: User, client: Client) -> None:
    """Measures and job starts in the client's history, newest first, one click from their page."""
    massnahmen = list_massnahmen(store, client.id, actor=user)
    aufnahmen = list_beschaeftigungsaufnahmen(store, client.id, actor=user)
    if not massnahmen and not aufnahmen:
        return
    st.markdown("**Maßnahmen und Beschäftigung** (neueste zuerst)")
    for m in massnahmen:
        ende = w.fmt_date(m.ende_tatsaechlich or m.ende_geplant)
        st.markdown(f"- Maßnahme {markdown_literal(m.titel)}: {w.fmt_date(m.beginn)} – {ende}")
    for b in aufnahmen:
        st.markdown(f"- {'Ausbildung' if b.ausbildung else 'Arbeit'} ab {w.fmt_date(b.datum)} bei "
                    f"{markdown_literal(b.arbeitgeber)}, nachhalten am {w.fmt_date(b.nachhalten_am)}")
    w.page_link(w.PAGE_VERLAUF, label="Maßnahmen und Beschäftigung öffnen", icon=":material/work_history:")


run_page(render)
