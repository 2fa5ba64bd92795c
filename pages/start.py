"""Start page for the signed-in role: greeting, what the app does, the next step."""

from __future__ import annotations

import streamlit as st

from pages import widgets as w
from pages.session import require_user, run_page
from schemas.records import Role
from services.clients import client_name
from services.safety import markdown_literal

INTRO = (
    "Vierphasen begleitet Sie im Kundengespräch durch das 4-Phasen-Modell: Profiling, Ziel, Strategien und "
    "Eingliederungsvereinbarung, danach die Folgegespräche. Ihre Eingaben bleiben beim Wechsel zwischen den "
    "Phasen erhalten, und die Checkliste rechts neben dem Formular zeigt jederzeit, was zum Abschließen fehlt."
)


def render() -> None:
    user = require_user()
    w.begin_page()
    st.title(f"Guten Tag, {markdown_literal(user.display_name)}")
    st.caption(f"Angemeldet als {user.role}" + (f" · {user.team}" if user.team else ""))
    if user.role in (Role.IFK, Role.KDN):
        st.markdown(INTRO)
        _casework_next_step()
    elif user.role == Role.TRAINER:
        st.markdown("Als Trainerin / Trainer pflegen Sie den Katalog: Handlungsfelder, Handlungsbedarfe, "
                    "Handlungsstrategien, Hinweise und Texte. Jede Veröffentlichung wird eine neue Version; "
                    "abgeschlossene Profilings behalten ihre Version.")
        st.page_link("pages/katalog.py", label="Katalog bearbeiten", icon="📚")
    else:
        st.markdown("Als Fachaufsicht sehen Sie zusammengefasste Auswertungen zur Kundensteuerung, ohne "
                    "Freitexte aus Kundendaten.")
        st.info("Die Auswertungen sind noch nicht freigeschaltet.")


def _casework_next_step() -> None:
    client = w.current_client()
    draft = w.current_draft()
    st.subheader("Nächster Schritt")
    if client is None:
        st.markdown("Suchen Sie die Kundin / den Kunden oder legen Sie sie / ihn neu an.")
        st.page_link(w.PAGE_KUNDEN, label="Kundin / Kunden suchen", icon="👥")
        return
    st.markdown(f"Ausgewählt: **{markdown_literal(client_name(client))}**")
    if draft is not None and draft.client_id == client.id:
        st.page_link(w.PAGE_PROFILING, label="Profiling weiterbearbeiten", icon="📝")
    else:
        st.page_link(w.PAGE_PROFILING, label="Profiling beginnen", icon="📝")
    st.page_link(w.PAGE_KUNDEN, label="Andere Kundin / anderen Kunden suchen", icon="👥")


run_page(render)
