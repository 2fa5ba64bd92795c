"""Folgegespräch: the four activities of chapter 4.4 with notes, the next appointment, the Beratungsvermerk."""

from __future__ import annotations

import streamlit as st

from errors import DomainError
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.records import AktivitaetEintrag, Client, Folgegespraech, User
from services.catalogue import get_catalogue
from services.folgegespraech import (
    NAECHSTER_SCHRITT,
    list_folgegespraeche,
    new_folgegespraech,
    offene_aktivitaeten,
    record_folgegespraech,
)
from services.profiling import beratungsvermerk, clone_profiling, open_profiling, profiling_history
from services.safety import markdown_literal
from storage.base import Store

_DRAFT = "folge_draft"  # client id → Folgegespraech being written


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = w.require_client()
    w.case_header("Folgegespräch", client, None)
    gespraech = _draft(store, user, client)
    catalogue = get_catalogue(store, gespraech.catalogue_version)
    st.caption(catalogue.folgegespraech.bemerkung)

    form, panel = w.form_and_panel()
    with form:
        _edit(gespraech, catalogue)
    with panel:
        open_items = offene_aktivitaeten(gespraech, catalogue)
        done = len(gespraech.aktivitaeten) - len(open_items)
        st.markdown(f"**{done} von {len(gespraech.aktivitaeten)} Aktivitäten besprochen**")
        if open_items:
            st.caption("Noch offen: " + "; ".join(open_items))
        if st.button("Folgegespräch speichern", key="folge-save", type="primary", icon=":material/save:",
                     use_container_width=True):
            _record(store, user, client, gespraech)
    _next_step(store, user, client)
    _earlier(store, user, client, catalogue)


def _draft(store: Store, user: User, client: Client) -> Folgegespraech:
    drafts: dict[str, Folgegespraech] = st.session_state.setdefault(_DRAFT, {})
    if client.id not in drafts:
        drafts[client.id] = new_folgegespraech(store, client.id, actor=user)
    return drafts[client.id]


def _edit(gespraech: Folgegespraech, catalogue) -> None:
    key = gespraech.id
    gespraech.datum = st.date_input("Datum des Gesprächs", value=gespraech.datum, max_value=w.today(),
                                    format="DD.MM.YYYY", key=f"{key}-datum")
    w.field_slot("datum")
    gespraech.anliegen = st.text_area("Gesprächsanliegen", value=gespraech.anliegen, key=f"{key}-anliegen",
                                      height=80, max_chars=5000)
    w.field_slot("anliegen")
    st.subheader("Aktivitäten")
    for aktivitaet in catalogue.folgegespraech.aktivitaeten:
        if aktivitaet.id not in gespraech.aktivitaeten:
            continue
        eintrag = gespraech.aktivitaeten[aktivitaet.id]
        erledigt = st.checkbox(aktivitaet.label, value=eintrag.erledigt, key=f"{key}-{aktivitaet.id}-erledigt")
        notiz = st.text_input(f"Notiz: {aktivitaet.label}", value=eintrag.notiz, key=f"{key}-{aktivitaet.id}-notiz",
                              label_visibility="collapsed", placeholder="Notiz", max_chars=5000)
        gespraech.aktivitaeten[aktivitaet.id] = AktivitaetEintrag(erledigt=erledigt, notiz=notiz)
        w.field_slot(f"aktivitaeten.{aktivitaet.id}")
    w.field_slot("aktivitaeten")
    gespraech.naechster_termin = st.date_input("Nächster Termin", value=gespraech.naechster_termin,
                                               format="DD.MM.YYYY", key=f"{key}-naechster-termin")
    w.field_slot("naechster_termin")


def _record(store: Store, user: User, client: Client, gespraech: Folgegespraech) -> None:
    try:
        saved = record_folgegespraech(store, gespraech, actor=user)
    except DomainError as err:
        w.report(err)
        return
    w.clear_field_error()
    w.reset_inputs(saved.id)
    st.session_state[_DRAFT].pop(client.id, None)
    w.flash(f"Folgegespräch vom {w.fmt_date(saved.datum)} gespeichert.")
    st.rerun()


def _next_step(store: Store, user: User, client: Client) -> None:
    entries = [e for e in profiling_history(store, client.id, actor=user) if e.profiling_id]
    st.divider()
    if not entries:
        st.markdown("**Nächster Schritt:** ein erstes Profiling anlegen.")
        st.page_link(w.PAGE_PROFILING, label="Zum Profiling", icon=":material/edit_note:")
        return
    profiling = open_profiling(store, entries[0].profiling_id, actor=user)
    cols = st.columns([3, 2], vertical_alignment="center")
    cols[0].markdown("**Nächster Schritt:** Fortschritte und Rückschläge in einem neuen Profiling festhalten "
                     f"(Kopie des Profilings vom {w.fmt_datetime(profiling.created_at)}).")
    if cols[1].button(NAECHSTER_SCHRITT, key="folge-clone", type="primary", icon=":material/content_copy:"):
        try:
            clone = clone_profiling(store, profiling.id, actor=user)
        except DomainError as err:
            st.error(err.message)
            return
        w.keep(clone)
        w.flash("Neues Profiling als Kopie angelegt (offen) – bitte aktualisieren.")
        st.switch_page(w.PAGE_PROFILING)
    st.markdown("**Beratungsvermerk** (zum Kopieren)")
    st.code(beratungsvermerk(profiling), language=None)


def _earlier(store: Store, user: User, client: Client, catalogue) -> None:
    talks = list_folgegespraeche(store, client.id, actor=user)
    if not talks:
        return
    with st.expander(f"Bisherige Folgegespräche ({len(talks)})"):
        for talk in talks:
            done = sum(e.erledigt for e in talk.aktivitaeten.values())
            line = f"**{w.fmt_date(talk.datum)}** – {done} von {len(talk.aktivitaeten)} Aktivitäten"
            if talk.naechster_termin:
                line += f", nächster Termin {w.fmt_date(talk.naechster_termin)}"
            st.markdown(line)
            if talk.anliegen.strip():
                st.caption(markdown_literal(talk.anliegen))


run_page(render)
