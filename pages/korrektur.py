"""Korrektur (KDN-Fachbetreuung): change or delete a closed profiling with a mandatory reason; shows its history."""

from __future__ import annotations

import streamlit as st

from pages import case_header as ch
from pages import widgets as w
from pages.session import get_store, guarded, require_user, run_page
from schemas.records import BedarfEintrag, Profiling, User
from services.access import Permission, require
from services.clients import client_name, find_clients
from services.history import closed_profilings, deleted_profiling_ids
from services.profiling import (
    correct_closed_profiling,
    delete_closed_profiling,
    open_profiling,
    profiling_catalogue,
)
from services.safety import markdown_literal
from storage.base import Store

_FLASH = "korrektur_flash"


def _flash(message: str) -> None:
    st.session_state[_FLASH] = message
    st.rerun()


def _correct(profiling: Profiling, actor: User) -> None:
    catalogue = profiling_catalogue(get_store(), profiling)
    with st.form(f"korrigieren_{profiling.id}_{profiling.revision}"):
        st.markdown("**Inhalt korrigieren**")
        zielberuf = st.text_input("Zielberuf", value=profiling.zielberuf, max_chars=200)
        kompetenzen = st.text_area("Kompetenzen (eine je Zeile)", value="\n".join(profiling.kompetenzen)) \
            if not catalogue.kompetenzklassen else ""
        klassen: dict[str, list[str]] = {}
        for klasse in catalogue.kompetenzklassen:  # Kompetenzen by the catalogue's classes
            values = profiling.kompetenzklassen.get(klasse.id, [])
            if klasse.auswahl:
                klassen[klasse.id] = st.multiselect(
                    markdown_literal(klasse.label), [o.id for o in klasse.auswahl], default=values,
                    format_func=catalogue.label, key=f"klasse_{profiling.id}_{klasse.id}")
            else:
                klassen[klasse.id] = st.text_area(
                    f"{markdown_literal(klasse.label)} (eine je Zeile)", value="\n".join(values),
                    key=f"klasse_{profiling.id}_{klasse.id}").splitlines()
        integrationsziel = st.text_area("Integrationsziel", value=profiling.integrationsziel, max_chars=5000)
        bemerkungen: dict[str, str] = {}
        for bedarf_id, eintrag in profiling.handlungsbedarfe.items():
            if eintrag.relevant or eintrag.bemerkungen:
                bemerkungen[bedarf_id] = st.text_area(
                    f"Bemerkungen: {markdown_literal(catalogue.label(bedarf_id))}", value=eintrag.bemerkungen, max_chars=5000,
                    key=f"bemerkung_{profiling.id}_{bedarf_id}",
                )
        reason = st.text_area("Begründung der Korrektur (Pflicht, z. B. Datenschutzvorfall)", max_chars=1000)
        submitted = st.form_submit_button("Korrektur speichern", type="primary")
    if submitted:
        with guarded():
            corrected = profiling.model_copy(
                update={
                    "zielberuf": zielberuf,
                    "kompetenzen": kompetenzen.splitlines() if not catalogue.kompetenzklassen
                    else profiling.kompetenzen,
                    "kompetenzklassen": klassen if catalogue.kompetenzklassen else profiling.kompetenzklassen,
                    "integrationsziel": integrationsziel,
                    "handlungsbedarfe": {
                        bedarf_id: BedarfEintrag(
                            relevant=eintrag.relevant, bemerkungen=bemerkungen.get(bedarf_id, eintrag.bemerkungen)
                        )
                        for bedarf_id, eintrag in profiling.handlungsbedarfe.items()
                    },
                }
            )
            correct_closed_profiling(get_store(), corrected, reason=reason, actor=actor)
            _flash("Die Korrektur wurde gespeichert; die Begründung steht in der Historie des Profilings.")


def _delete(profiling: Profiling, actor: User) -> None:
    with st.form(f"loeschen_{profiling.id}"):
        st.markdown("**Profiling löschen**")
        reason = st.text_area("Begründung der Löschung (Pflicht)", max_chars=1000)
        confirmed = st.checkbox("Ich bestätige: Dieses abgeschlossene Profiling wird endgültig gelöscht.")
        submitted = st.form_submit_button("Profiling endgültig löschen")
    if submitted:
        if not confirmed:
            st.error("Bitte bestätigen Sie die Löschung mit dem Häkchen.")
            return
        with guarded():
            delete_closed_profiling(get_store(), profiling.id, reason=reason, actor=actor)
            _flash("Das Profiling wurde gelöscht; Löschung und Begründung stehen in der Historie.")


def render() -> None:
    actor = require_user()
    st.title("Korrektur abgeschlossener Profilings")
    require(get_store(), actor, Permission.OVERRIDE_CLOSED)
    st.caption(
        "Abgeschlossene Profilings ändern oder löschen darf nur die KDN-Fachbetreuung, und nur mit Begründung "
        "(z. B. bei einer Datenschutzverletzung). Jede Korrektur steht mit Begründung in der Historie."
    )
    store = get_store()
    if message := st.session_state.pop(_FLASH, None):
        st.success(message)
    text = st.text_input("Kunde suchen (Kundennummer oder Name)", max_chars=100, key="korrektur_suche")
    clients = find_clients(store, text, actor=actor) if text.strip() else []
    if not clients:
        st.info("Bitte suchen Sie die Kundin / den Kunden." if not text.strip() else "Kein Treffer.")
        return
    by_id = {c.id: c for c in clients}
    client_id = st.selectbox("Kunde", list(by_id), format_func=lambda cid: client_name(by_id[cid]),
                             key="korrektur_kunde")
    entries = closed_profilings(store, client_id, actor=actor)
    deleted = deleted_profiling_ids(store, client_id, actor=actor)
    if entries:
        labels = {e.profiling_id: e.label for e in entries}
        profiling_id = st.selectbox("Abgeschlossenes Profiling", list(labels), format_func=labels.get,
                                    key="korrektur_profiling")
        profiling = open_profiling(store, profiling_id, actor=actor)
        st.subheader("Historie")
        ch.change_history(store, profiling.id, actor)
        korrigieren, loeschen = st.tabs(["Ändern", "Löschen"])
        with korrigieren:
            _correct(profiling, actor)
        with loeschen:
            _delete(profiling, actor)
    else:
        st.info("Diese Kundin / dieser Kunde hat keine abgeschlossenen Profilings.")
    if deleted:
        w.section(f"Gelöschte Profilings ({len(deleted)})", "korrektur-geloeschte-offen",
                  lambda: _deleted(store, deleted, actor))


def _deleted(store: Store, deleted: list[str], actor: User) -> None:
    for record_id in deleted:
        ch.change_history(store, record_id, actor)


run_page(render)
