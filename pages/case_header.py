"""The frame of the case pages: title with the client and the record's status, the unsaved-changes marker, the
profiling history selector, the suggested next step, the form-and-checklist layout and a record's change history.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from pages.case_state import (
    activate,
    catalogue_of,
    is_closed,
    is_new,
    new_entry,
    require_client,
    require_draft,
)
from pages.session import get_store, require_user
from pages.widgets import CHANGES_MARKER, PAGE_EGV, begin_page, fmt_datetime, page_link
from schemas.catalogue import Catalogue
from schemas.forms import ProfilingModels
from schemas.records import Client, Profiling, Status, User
from services.history import record_history
from services.profiling import profiling_history
from services.safety import markdown_literal
from storage.base import Store


def status_badge(status: Status, *, container=st) -> None:
    container.markdown(status_badge_text(status))


def status_badge_text(status: Status) -> str:
    """The record's status as a badge in Markdown (what `st.badge` draws), to be shown within a line of text."""
    if status == Status.ABGESCHLOSSEN:
        return ":green-badge[:material/lock: abgeschlossen]"
    return ":orange-badge[:material/edit: offen]"


def client_line(client: Client) -> str:
    return f"**{markdown_literal(client.vorname)} {markdown_literal(client.nachname)}** · Kundennummer {client.kundennummer}"


def case_header(title: str, client: Client, draft: Profiling | None) -> None:
    """Page title, the client, and the profiling's status and unsaved-changes marker."""
    st.title(title)
    if draft is None:
        st.markdown(client_line(client))
        return
    # one line of text for the client, one for the profiling with its status (each element costs every rerun)
    if is_new(draft):
        profiling = "Profiling: **neuer Eintrag** (noch nicht gespeichert)"
    else:
        profiling = f"Profiling vom **{fmt_datetime(draft.created_at)}**, bearbeitet {fmt_datetime(draft.updated_at)}"
    st.markdown(f"{client_line(client)}  \n{profiling} {status_badge_text(draft.status)}")
    changes_slot(st)


def changes_slot(container) -> None:
    """Reserve the place of the unsaved-changes marker; it is filled after the form has taken this run's
    input (`mark_changes`), so the marker is never one click behind."""
    st.session_state[CHANGES_MARKER] = container.empty()


def mark_changes(changed: bool) -> None:
    """Show „Ungespeicherte Änderungen“ in the header while the input differs from the stored record."""
    marker = st.session_state.get(CHANGES_MARKER)
    if marker is not None and changed:
        marker.badge("Ungespeicherte Änderungen", icon=":material/warning:", color="red")


def history_select(store: Store, user: User, client: Client, draft: Profiling) -> Profiling:
    """The seed's drop-down list: „neuer Eintrag …“, then the client's profilings newest first."""
    entries = profiling_history(store, client.id, actor=user)
    ids = [e.profiling_id for e in entries]
    current = None if is_new(draft) else draft.id
    index = ids.index(current) if current in ids else 0
    choice = st.selectbox(
        "Profiling-Verlauf",
        range(len(entries)),
        index=index,
        format_func=lambda i: entries[i].label,
        help="Neuer Eintrag, offene Profilings zum Weiterbearbeiten, abgeschlossene zur Information.",
    )
    chosen = ids[choice]
    if chosen == current:
        return draft
    if chosen is None:
        draft = new_entry(store, user, client)
    else:
        draft = activate(store, user, chosen)
    st.rerun()
    return draft


def next_step(text: str, page: str, label: str, icon: str = ":material/arrow_forward:", *,
              draft: Profiling | None = None, catalogue: Catalogue | None = None) -> None:
    """The suggested next step, always visible at the end of a page; for a closed profiling (`catalogue`: its
    version): the agreement, named as that catalogue names it."""
    if draft is not None and catalogue is not None and is_closed(draft):
        kurzname = markdown_literal(catalogue.vereinbarung.kurzname)
        text = f"{kurzname} abschließen oder fortschreiben; für Änderungen das Profiling klonen."
        page, label, icon = PAGE_EGV, f"4 {kurzname}", ":material/description:"
    # the rule and the text one element, the link below them: no columns (each element costs every rerun)
    st.markdown(f"---\n\n**Nächster Schritt:** {text}")
    page_link(page, label=label, icon=icon)


# Static layout CSS (no user data): the checklist column stays in view while the long form scrolls.
# The generated forms title each Handlungsbedarf as a subheader; inside the tabs it is shown smaller than
# the page's section headings, so the page keeps a readable hierarchy.
_PANEL_CSS = """<style>
div[data-testid="stColumn"]:has(.st-key-checkliste) { position: sticky; top: 3.75rem; align-self: flex-start;
  z-index: 2; }
div[data-testid="stTabs"] h3 { font-size: 1.15rem; padding-top: 0.75rem; }
.stMainBlockContainer { padding-top: 3rem; padding-bottom: 2rem; }
</style>"""


def form_and_panel() -> tuple:
    """The layout of every phase page: the form on the left, the live checklist on the right (sticky)."""
    st.html(_PANEL_CSS)
    form, side = st.columns([3, 1], gap="large")
    return form, side.container(key="checkliste")


def change_history(store: Store, record_id: str, actor: User) -> None:
    """The record's changes from the audit trail as a table: when, what, by whom, and a KDN correction's reason."""
    rows = [
        {"Zeitpunkt": line.zeitpunkt, "Aktion": line.aktion, "Von": line.von, "Begründung": line.begruendung}
        for line in record_history(store, record_id, actor=actor)
    ]
    st.dataframe(rows, hide_index=True)


class PhasePage(NamedTuple):
    """What a page of phases 2 and 3 works with: the signed-in user, the store, the chosen client, its profiling
    draft, and that profiling's catalogue with its generated models."""

    user: User
    store: Store
    client: Client
    draft: Profiling
    catalogue: Catalogue
    models: ProfilingModels


def open_phase_page(title: str) -> PhasePage:
    """The opening of a page on the chosen client's profiling draft: sign-in check, page set-up, client and draft
    (or the way back to choosing them), the case header under `title`."""
    user = require_user()
    store = get_store()
    begin_page()
    client = require_client()
    draft = require_draft(client)
    case_header(title, client, draft)
    return PhasePage(user, store, client, draft, *catalogue_of(store, draft))
