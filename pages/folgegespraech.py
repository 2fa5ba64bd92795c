"""Folgegespräch: the four activities of chapter 4.4 with notes, the next appointment, the Beratungsvermerk."""

from __future__ import annotations

import streamlit as st

from errors import DomainError
from pages import case_header as ch
from pages import case_state as cs
from pages import widgets as w
from pages.draft import SessionDraft
from pages.session import get_store, require_user, run_page
from schemas.catalogue import Catalogue
from schemas.records import AktivitaetEintrag, Client, Folgegespraech, User
from services.catalogue import get_catalogue
from services.folgegespraech import (
    NAECHSTER_SCHRITT,
    OFFENES_WEITER,
    aktivitaeten_luecken,
    aktivitaeten_warnung,
    ist_vollstaendig,
    list_folgegespraeche,
    naechster_schritt,
    new_folgegespraech,
    offene_aktivitaeten,
    record_folgegespraech,
)
from services.gespraechsvorbereitung import record_stellensuchlauf, suchprofil_csv, vorbereitung
from services.profiling import clone_profiling
from services.safety import markdown_literal
from storage.base import Store

#: The talks being written (talk id → draft, and the talk as it was started, to mark unsaved changes).
TALKS: SessionDraft[Folgegespraech] = SessionDraft("folge_draft", "folge_start", "folge_id")
_SAVED = "folge_saved"  # client id → the talk just saved, shown until the next one is started


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    client = cs.require_client()
    st.title("Folgegespräch")
    cols = st.columns([6, 3], vertical_alignment="center")
    cols[0].markdown(ch.client_line(client))
    ch.changes_slot(cols[1])

    _vorbereitung(store, user, client)
    saved = st.session_state.setdefault(_SAVED, {}).get(client.id)
    if saved is not None:
        _saved_talk(saved, get_catalogue(store, saved.catalogue_version))
    else:
        _write(store, user, client)
    _next_step(store, user, client)
    _earlier(store, user, client)


def _vorbereitung(store: Store, user: User, client: Client) -> None:
    """Preparing the talk for a client with a strategy the catalogue marks for it: search profile, job search."""
    prep = vorbereitung(store, client.id, actor=user)
    gruppe = get_catalogue(store).gespraechsvorbereitung
    if not prep.angeboten or gruppe is None:
        return
    with st.expander(gruppe.label, expanded=True, icon=":material/travel_explore:"):
        if gruppe.bemerkung:
            st.caption(gruppe.bemerkung + " Wegen: " + ", ".join(f"„{s}“" for s in prep.strategien))
        st.markdown("**Suchprofil** (zum Kopieren in die Stellensuche)")
        st.code(prep.suchprofil, language=None)
        cols = st.columns(2)
        cols[0].download_button("Suchprofil als CSV", suchprofil_csv(prep).encode("utf-8"),
                                file_name="suchprofil.csv", mime="text/csv", key="folge-suchprofil-csv")
        cols[1].download_button("Suchprofil als Text", prep.suchprofil.encode("utf-8"), file_name="suchprofil.txt",
                                mime="text/plain", key="folge-suchprofil-txt")
        st.markdown(f"**Letzter dokumentierter Stellensuchlauf:** {w.fmt_date(prep.letzter_suchlauf)}")
        angebote = st.number_input("Gefundene Angebote (aktueller Suchlauf)", min_value=0, max_value=10000, step=1,
                                   key="folge-suchlauf-angebote")
        w.field_slot("angebote")
        uebergeben = st.text_area("Übergebene Angebote", key="folge-suchlauf-uebergeben", height=68, max_chars=5000)
        w.field_slot("uebergeben")
        if st.button("Stellensuchlauf speichern", key="folge-suchlauf-save", icon=":material/save:"):
            try:
                record_stellensuchlauf(store, client.id, suchprofil=prep.suchprofil, angebote=int(angebote),
                                       uebergeben=uebergeben, actor=user)
            except DomainError as err:
                w.report(err)
                return
            w.clear_field_error()
            cs.reset_inputs("folge-suchlauf")
            w.flash(f"Stellensuchlauf vom {w.fmt_date(w.today())} gespeichert ({int(angebote)} Angebote).")
            st.rerun()


def _write(store: Store, user: User, client: Client) -> None:
    gespraech = _draft(store, user, client)
    catalogue = get_catalogue(store, gespraech.catalogue_version)
    st.caption(markdown_literal(catalogue.folgegespraech.bemerkung))
    form, panel = ch.form_and_panel()
    with form:
        _edit(gespraech, catalogue)
    with panel:
        ch.mark_changes(TALKS.has_changes(gespraech))
        open_items = offene_aktivitaeten(gespraech, catalogue)
        done = len(gespraech.aktivitaeten) - len(open_items)
        st.markdown(f"**{done} von {len(gespraech.aktivitaeten)} Aktivitäten dokumentiert**")
        for gap in aktivitaeten_luecken(gespraech, catalogue):
            st.markdown(f"{w.TODO} {markdown_literal(gap)}")
        if not open_items:
            st.markdown(f"{w.DONE} Folgegespräch vollständig")
        if st.button("Folgegespräch speichern", key="folge-save", type="primary", icon=":material/save:",
                     use_container_width=True):
            _record(store, user, client, gespraech, catalogue)


def _draft(store: Store, user: User, client: Client) -> Folgegespraech:
    """The client's talk being written: the kept draft, else a new one."""
    kept = TALKS.find(lambda talk: talk.client_id == client.id)
    return kept if kept is not None else TALKS.keep(new_folgegespraech(store, client.id, actor=user))


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
        cols = st.columns([3, 1])
        label = markdown_literal(aktivitaet.label)
        erledigt = cols[0].checkbox(label, value=eintrag.erledigt, key=f"{key}-{aktivitaet.id}-erledigt")
        entfaellt = cols[1].checkbox("entfällt", value=eintrag.entfaellt, key=f"{key}-{aktivitaet.id}-entfaellt",
                                     help=f"„{label}“ entfällt in diesem Gespräch; Grund als Notiz")
        notiz = st.text_input(f"Notiz zu „{label}“", value=eintrag.notiz, key=f"{key}-{aktivitaet.id}-notiz",
                              placeholder="Grund für „entfällt“" if entfaellt else "", max_chars=5000)
        gespraech.aktivitaeten[aktivitaet.id] = AktivitaetEintrag(erledigt=erledigt, notiz=notiz, entfaellt=entfaellt)
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
    cs.reset_inputs(saved.id)
    TALKS.forget(gespraech.id)
    st.session_state[_SAVED][client.id] = saved
    w.flash(f"Folgegespräch vom {w.fmt_date(saved.datum)} gespeichert.")
    if warning := aktivitaeten_warnung(saved, catalogue):
        w.flash(markdown_literal(warning), "warning")
    st.rerun()


def _saved_talk(talk: Folgegespraech, catalogue: Catalogue) -> None:
    """The talk just saved, read-only, so that the caseworker sees what was recorded; then the next one."""
    with st.container(border=True):
        offen = offene_aktivitaeten(talk, catalogue)
        status = "offen" if offen else "vollständig"
        st.markdown(f"**Gespeichert: Folgegespräch vom {w.fmt_date(talk.datum)}** ({status})")
        if talk.anliegen.strip():
            st.markdown(f"**Gesprächsanliegen:** {markdown_literal(talk.anliegen)}")
        for aktivitaet in catalogue.folgegespraech.aktivitaeten:
            eintrag = talk.aktivitaeten.get(aktivitaet.id)
            if eintrag is None:
                continue
            notiz = f" – {markdown_literal(eintrag.notiz)}" if eintrag.notiz.strip() else ""
            entfaellt = " (entfällt)" if eintrag.entfaellt else ""
            st.markdown(f"{w.NOT_DONE if aktivitaet.label in offen else w.DONE} {markdown_literal(aktivitaet.label)}{entfaellt}{notiz}")
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
            cs.activate(store, user, schritt.offen.id)
            st.switch_page(w.PAGE_PROFILING)
    elif schritt.abgeschlossen is not None:
        cols[0].markdown("**Nächster Schritt:** Fortschritte und Rückschläge in einem neuen Profiling festhalten "
                         f"(Kopie des Profilings vom {w.fmt_datetime(schritt.abgeschlossen.created_at)}).")
        if cols[1].button(NAECHSTER_SCHRITT, key="folge-clone", type="primary", icon=":material/content_copy:"):
            try:
                clone = clone_profiling(store, schritt.abgeschlossen.id, actor=user)
            except DomainError as err:
                st.error(markdown_literal(err.message))
                return
            cs.keep(clone)
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
    w.section(f"Bisherige Folgegespräche ({len(talks)})", "folge-bisherige-offen", lambda: _talks(store, talks))


def _talks(store: Store, talks: list[Folgegespraech]) -> None:
    for talk in talks:
        catalogue = get_catalogue(store, talk.catalogue_version)
        done = len(talk.aktivitaeten) - len(offene_aktivitaeten(talk, catalogue))
        status = "vollständig" if ist_vollstaendig(talk, catalogue) else "offen"
        line = (f"**{w.fmt_date(talk.datum)}** ({status}) – {done} von {len(talk.aktivitaeten)} Aktivitäten "
                "dokumentiert")
        if talk.naechster_termin:
            line += f", nächster Termin {w.fmt_date(talk.naechster_termin)}"
        st.markdown(line)
        if talk.anliegen.strip():
            st.caption(markdown_literal(talk.anliegen))


run_page(render)
