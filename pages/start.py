"""Start page for the signed-in role: greeting, what the app does, the next step."""

from __future__ import annotations

import streamlit as st

from pages import case_state as cs
from pages import widgets as w
from pages.session import get_store, require_user, run_page
from schemas.records import Role, User
from services.catalogue import get_catalogue
from services.clients import client_name
from services.safety import markdown_literal
from services.wiedervorlage import VORSCHAU_TAGE, list_wiedervorlage

WIEDERVORLAGE_MAX = 50

INTRO = (
    "Vierphasen begleitet Sie im Kundengespräch durch das 4-Phasen-Modell: Profiling, Ziel, Strategien und "
    "{titel}, danach die Folgegespräche. Ihre Eingaben bleiben beim Wechsel zwischen den "
    "Phasen erhalten, und die Checkliste rechts neben dem Formular zeigt jederzeit, was zum Abschließen fehlt."
)


def render() -> None:
    user = require_user()
    w.begin_page()
    st.title(f"Guten Tag, {markdown_literal(user.display_name)}")
    st.caption(f"Angemeldet als {user.role}" + (f" · {user.team}" if user.team else ""))
    if user.role in (Role.IFK, Role.KDN):
        vereinbarung = get_catalogue(get_store()).vereinbarung  # the newest version names the agreement
        st.markdown(INTRO.format(titel=markdown_literal(vereinbarung.titel)))
        _wiedervorlage(user, markdown_literal(vereinbarung.kurzname))
        _casework_next_step()
    elif user.role == Role.TRAINER:
        st.markdown("Als Trainerin / Trainer pflegen Sie den Katalog: Handlungsfelder, Handlungsbedarfe, "
                    "Handlungsstrategien, Hinweise und Texte. Jede Veröffentlichung wird eine neue Version; "
                    "abgeschlossene Profilings behalten ihre Version.")
        w.page_link("pages/katalog.py", label="Katalog bearbeiten", icon=":material/library_books:")
    else:
        st.markdown("Als Fachaufsicht sehen Sie zusammengefasste Auswertungen zur Kundensteuerung, ohne "
                    "Freitexte aus Kundendaten.")
        w.page_link("pages/berichte.py", label="Kundensteuerung ansehen", icon=":material/bar_chart:")


def _casework_next_step() -> None:
    client = cs.current_client()
    draft = cs.current_draft()
    st.subheader("Nächster Schritt")
    if client is None:
        st.markdown("Suchen Sie die Kundin / den Kunden oder legen Sie sie / ihn neu an.")
        w.page_link(w.PAGE_KUNDEN, label="Kundin / Kunden suchen", icon=":material/group:")
        return
    st.markdown(f"Ausgewählt: **{markdown_literal(client_name(client))}**")
    if draft is not None and draft.client_id == client.id:
        w.page_link(w.PAGE_PROFILING, label="Profiling weiterbearbeiten", icon=":material/edit_note:")
    else:
        w.page_link(w.PAGE_PROFILING, label="Profiling beginnen", icon=":material/edit_note:")
    w.page_link(w.PAGE_KUNDEN, label="Andere Kundin / anderen Kunden suchen", icon=":material/group:")


def _wiedervorlage(user: User, kurzname: str) -> None:
    """Due and overdue Folgegespräche and agreement reviews of the own team, most urgent first; one click opens."""
    store = get_store()
    st.subheader("Wiedervorlage")
    items = list_wiedervorlage(store, actor=user)
    if not items:
        st.caption(f"Keine Folgegespräche, {kurzname}-Überprüfungen oder Maßnahmeenden fällig "
                   f"(nächste {VORSCHAU_TAGE} Tage).")
        return
    st.caption(f"Fällige und überfällige Termine, die nächsten {VORSCHAU_TAGE} Tage eingeschlossen; "
               "die dringendsten zuerst.")
    for number, item in enumerate(items[:WIEDERVORLAGE_MAX]):
        with st.container(horizontal=True, vertical_alignment="center"):  # 4 elements a row, up to 50 rows
            st.markdown(f"**{w.fmt_date(item.faellig_am)}**", width=110)
            art = f"{kurzname}-Überprüfung" if item.seite == "egv" else item.art
            st.markdown(f"{markdown_literal(item.kunde)} · {art}" + (" · :red[überfällig]" if item.ueberfaellig else
                                                                    " · heute" if item.tage == 0 else ""),
                        width="stretch")
            if st.button("Öffnen", key=f"wv-{number}-{item.client_id}-{item.seite}"):
                cs.select_client(store, user, item.client_id)
                st.switch_page({"folgegespraech": w.PAGE_FOLGE, "verlauf": w.PAGE_VERLAUF}.get(item.seite,
                                                                                              w.PAGE_EGV))
    if len(items) > WIEDERVORLAGE_MAX:
        st.caption(f"{len(items) - WIEDERVORLAGE_MAX} weitere Einträge – bitte zuerst die dringendsten erledigen.")


run_page(render)
