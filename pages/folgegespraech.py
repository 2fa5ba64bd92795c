"""Folgegespräch: the four activities of chapter 4.4 with notes, the next appointment, the Beratungsvermerk."""

from __future__ import annotations

import streamlit as st

from errors import DomainError
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue
from schemas.records import AktivitaetEintrag, Client, Folgegespraech, User
from services.catalogue import get_catalogue
from services.folgegespraech import (
    NAECHSTER_SCHRITT,
    OFFENES_WEITER,
    aktivitaeten_warnung,
    list_folgegespraeche,
    naechster_schritt,
    new_folgegespraech,
    offene_aktivitaeten,
    record_folgegespraech,
)
from services.profiling import clone_profiling
from services.safety import markdown_literal
from storage.base import Store

_DRAFT = "folge_draft"  # client id → Folgegespraech being written
_START = "folge_start"  # client id → the talk as it was started (to mark unsaved changes)
_SAVED = "folge_saved"  # client id → the talk just saved, shown until the next one is started


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = w.require_client()
    st.title("Folgegespräch")
    cols = st.columns([6, 3], vertical_alignment="center")
    cols[0].markdown(w.client_line(client))
    w.changes_slot(cols[1])

    saved = st.session_state.setdefault(_SAVED, {}).get(client.id)
    if saved is not None:
        _saved_talk(saved, get_catalogue(store, saved.catalogue_version))
    else:
        _write(store, user, client)
    _next_step(store, user, client)
    _earlier(store, user, client)


def _write(store: Store, user: User, client: Client) -> None:
    gespraech = _draft(store, user, client)
    catalogue = get_catalogue(store, gespraech.catalogue_version)
    st.caption(catalogue.folgegespraech.bemerkung)
    form, panel = w.form_and_panel()
    with form:
        _edit(gespraech, catalogue)
    with panel:
        w.mark_changes(gespraech != st.session_state[_START].get(client.id))
        open_items = offene_aktivitaeten(gespraech, catalogue)
        done = len(gespraech.aktivitaeten) - len(open_items)
        st.markdown(f"**{done} von {len(gespraech.aktivitaeten)} Aktivitäten besprochen**")
        if open_items:
            st.caption("Noch offen: " + "; ".join(open_items))
        if st.button("Folgegespräch speichern", key="folge-save", type="primary", icon=":material/save:",
                     use_container_width=True):
            _record(store, user, client, gespraech, catalogue)


def _draft(store: Store, user: User, client: Client) -> Folgegespraech:
    drafts: dict[str, Folgegespraech] = st.session_state.setdefault(_DRAFT, {})
    started: dict[str, Folgegespraech] = st.session_state.setdefault(_START, {})
    if client.id not in drafts:
        drafts[client.id] = new_folgegespraech(store, client.id, actor=user)
        started[client.id] = drafts[client.id].model_copy(deep=True)
    return drafts[client.id]


def _edit(gespraech: Folgegespraech, catalogue: Catalogue) -> None:
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
        notiz = st.text_input(f"Notiz zu „{aktivitaet.label}“", value=eintrag.notiz,
                              key=f"{key}-{aktivitaet.id}-notiz", max_chars=5000)
        gespraech.aktivitaeten[aktivitaet.id] = AktivitaetEintrag(erledigt=erledigt, notiz=notiz)
        w.field_slot(f"aktivitaeten.{aktivitaet.id}")
    w.field_slot("aktivitaeten")
    gespraech.naechster_termin = st.date_input("Nächster Termin", value=gespraech.naechster_termin,
                                               format="DD.MM.YYYY", key=f"{key}-naechster-termin")
    w.field_slot("naechster_termin")


def _record(store: Store, user: User, client: Client, gespraech: Folgegespraech, catalogue: Catalogue) -> None:
    try:
        saved = record_folgegespraech(store, gespraech, actor=user)
    except DomainError as err:
        w.report(err)
        return
    w.clear_field_error()
    w.reset_inputs(saved.id)
    st.session_state[_DRAFT].pop(client.id, None)
    st.session_state[_START].pop(client.id, None)
    st.session_state[_SAVED][client.id] = saved
    w.flash(f"Folgegespräch vom {w.fmt_date(saved.datum)} gespeichert.")
    if warning := aktivitaeten_warnung(saved, catalogue):
        w.flash(warning, "warning")
    st.rerun()


def _saved_talk(talk: Folgegespraech, catalogue: Catalogue) -> None:
    """The talk just saved, read-only, so that the caseworker sees what was recorded; then the next one."""
    with st.container(border=True):
        st.markdown(f"**Gespeichert: Folgegespräch vom {w.fmt_date(talk.datum)}**")
        if talk.anliegen.strip():
            st.markdown(f"**Gesprächsanliegen:** {markdown_literal(talk.anliegen)}")
        for aktivitaet in catalogue.folgegespraech.aktivitaeten:
            eintrag = talk.aktivitaeten.get(aktivitaet.id)
            if eintrag is None:
                continue
            notiz = f" – {markdown_literal(eintrag.notiz)}" if eintrag.notiz.strip() else ""
            st.markdown(f"{w.DONE if eintrag.erledigt else w.NOT_DONE} {aktivitaet.label}{notiz}")
        st.markdown(f"**Nächster Termin:** {w.fmt_date(talk.naechster_termin)}")
        if st.button("Weiteres Folgegespräch erfassen", key="folge-weiteres", icon=":material/add:"):
            st.session_state[_SAVED].pop(talk.client_id, None)
            st.rerun()


def _next_step(store: Store, user: User, client: Client) -> None:
    schritt = naechster_schritt(store, client.id, actor=user)
    st.divider()
    cols = st.columns([3, 2], vertical_alignment="center")
    if schritt.offen is not None:
        cols[0].markdown("**Nächster Schritt:** Fortschritte und Rückschläge im offenen Profiling vom "
                         f"{w.fmt_datetime(schritt.offen.created_at)} festhalten.")
        if cols[1].button(OFFENES_WEITER, key="folge-open", type="primary", icon=":material/edit_note:"):
            w.activate(store, user, schritt.offen.id)
            st.switch_page(w.PAGE_PROFILING)
    elif schritt.abgeschlossen is not None:
        cols[0].markdown("**Nächster Schritt:** Fortschritte und Rückschläge in einem neuen Profiling festhalten "
                         f"(Kopie des Profilings vom {w.fmt_datetime(schritt.abgeschlossen.created_at)}).")
        if cols[1].button(NAECHSTER_SCHRITT, key="folge-clone", type="primary", icon=":material/content_copy:"):
            try:
                clone = clone_profiling(store, schritt.abgeschlossen.id, actor=user)
            except DomainError as err:
                st.error(err.message)
                return
            w.keep(clone)
            w.flash("Neues Profiling als Kopie angelegt (offen) – bitte aktualisieren.")
            st.switch_page(w.PAGE_PROFILING)
    else:
        cols[0].markdown("**Nächster Schritt:** ein erstes Profiling anlegen.")
        cols[1].page_link(w.PAGE_PROFILING, label="Zum Profiling", icon=":material/edit_note:")
    if schritt.beratungsvermerk:
        st.markdown("**Beratungsvermerk** (zum Kopieren)")
        st.code(schritt.beratungsvermerk, language=None)


def _earlier(store: Store, user: User, client: Client) -> None:
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
