"""Löschfristen (KDN-Fachbetreuung): ended cases past their retention period, oldest first; delete after a check."""

from __future__ import annotations

import streamlit as st

from errors import DomainError
from pages import case_state as cs
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from services.retention import delete_case, due_cases, retention_years
from services.safety import markdown_literal

_CONFIRM = "loeschfristen-bestaetigen"


def render() -> None:
    user = require_user()
    store = get_store()
    w.begin_page()
    st.title("Löschfristen")
    st.caption(f"Abgemeldete Fälle werden {retention_years()} Jahre nach der Abmeldung mit allen Daten der Person "
               "gelöscht (Art. 17 DSGVO, § 84 SGB X). Das Audit-Protokoll behält nur, dass, wann und von wem "
               "gelöscht wurde, mit den Kennungen der Datensätze.")  # fmt: skip
    due = due_cases(store, actor=user)
    if not due:
        st.info("Zurzeit ist kein Fall zur Löschung fällig.")
        return
    st.markdown(f"**{len(due)} Fälle fällig** (älteste Abmeldung zuerst)")
    for case in due:
        cols = st.columns([5, 2], vertical_alignment="center")
        cols[0].markdown(f"{markdown_literal(case.name)} ({case.kundennummer}) · {case.team} · abgemeldet am "
                         f"{w.fmt_date(case.abgemeldet_am)} · fällig seit {w.fmt_date(case.faellig_seit)}")  # fmt: skip
        if st.session_state.get(_CONFIRM) == case.client_id:
            cols[1].warning("Wirklich endgültig löschen?")
            yes, no = st.columns(2)
            if yes.button("Endgültig löschen", key=f"loeschen-ja-{case.client_id}", type="primary"):
                try:
                    deleted = delete_case(store, case.client_id, actor=user)
                except DomainError as err:
                    st.error(err.message)
                    return
                st.session_state.pop(_CONFIRM, None)
                if st.session_state.get(cs.CLIENT_ID) == case.client_id:
                    st.session_state[cs.CLIENT_ID] = None
                w.flash(f"Der Fall wurde mit {len(deleted)} Datensätzen gelöscht.")
                st.rerun()
            if no.button("Abbrechen", key=f"loeschen-nein-{case.client_id}"):
                st.session_state.pop(_CONFIRM, None)
                st.rerun()
        elif cols[1].button("Löschen …", key=f"loeschen-{case.client_id}"):
            st.session_state[_CONFIRM] = case.client_id
            st.rerun()


run_page(render)
