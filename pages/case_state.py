"""The case a caseworker works on in this session: the current client and the profiling drafts of the phase pages.

The profiling being edited is a draft kept in the session per profiling id (pages/draft.py), so entries survive
reruns and switching between the phase pages; the stored version it started from marks unsaved changes. Every
rule is a service call; this module only keeps state.
"""

from __future__ import annotations

import streamlit as st

from pages.draft import SessionDraft
from pages.widgets import PAGE_KUNDEN, PAGE_PROFILING, page_link
from schemas.catalogue import Catalogue
from schemas.forms import ProfilingModels
from schemas.records import Client, Profiling, Status, User
from services.catalogue import get_catalogue, get_models
from services.clients import open_client
from services.profiling import open_profiling, profiling_history, start_profiling
from storage.base import Store

CLIENT_ID = "client_id"
PROFILING_ID = "profiling_id"
CONFIRM_DISCARD = "confirm_discard"  # id of the profiling whose „Verwerfen“ waits for the confirmation
_CLIENT = "client"  # the opened Client (opening is audited once, not on every rerun)
_GENERATION = "form_generation"  # profiling id → how often its stored state was loaded over the input

#: The profilings being edited (profiling id → draft, and the stored version each started from).
PROFILINGS: SessionDraft[Profiling] = SessionDraft("drafts", "saved", PROFILING_ID)


def select_client(store: Store, user: User, client_id: str) -> Client:
    """Open a client (audited) and make it the current one; open drafts of other clients stay kept."""
    client = open_client(store, client_id, actor=user)
    st.session_state[_CLIENT] = client
    st.session_state[CLIENT_ID] = client.id
    current = current_draft()
    if current is None or current.client_id != client.id:
        PROFILINGS.select(None)
    return client


def current_client() -> Client | None:
    client = st.session_state.get(_CLIENT)
    if client is not None and client.id == st.session_state.get(CLIENT_ID):
        return client
    return None


def require_client() -> Client:
    """The current client, or a hint with the way to the client search (and the page stops)."""
    client = current_client()
    if client is None:
        st.info("Bitte wählen Sie zuerst eine Kundin / einen Kunden aus.")
        page_link(PAGE_KUNDEN, label="Kundin / Kunden suchen", icon=":material/group:")
        st.stop()
    return client


def current_draft() -> Profiling | None:
    return PROFILINGS.current()


def keep(profiling: Profiling) -> Profiling:
    """Make a stored or started profiling the current one; its draft is a copy the pages edit."""
    st.session_state.pop(CONFIRM_DISCARD, None)
    return PROFILINGS.keep(profiling)


def reset_inputs(record_id: str) -> None:
    """Drop the input widgets' state of a record, so they show the stored (normalised) values again."""
    for key in [k for k in st.session_state if isinstance(k, str) and record_id in k]:
        del st.session_state[key]


def form_key(draft: Profiling, part: str) -> str:
    """The widget key of a part of the profiling form. It changes when the stored state is loaded over the
    input (`reload_inputs`): the browser keeps a widget's typed value as long as its key stays the same,
    so only new keys make it show the loaded values."""
    generation = st.session_state.get(_GENERATION, {}).get(draft.id, 0)
    return f"{draft.id}-{part}" if not generation else f"{draft.id}-g{generation}-{part}"


def reload_inputs(profiling_id: str) -> None:
    """Forget a profiling's draft and its inputs' state, and give its widgets new keys (see `form_key`)."""
    forget(profiling_id)
    reset_inputs(profiling_id)
    generations = st.session_state.setdefault(_GENERATION, {})
    generations[profiling_id] = generations.get(profiling_id, 0) + 1


def forget(profiling_id: str) -> None:
    PROFILINGS.forget(profiling_id)


def activate(store: Store, user: User, profiling_id: str) -> Profiling:
    """Switch to a profiling: its kept draft if there is one (nothing typed is lost), else open it."""
    if PROFILINGS.get(profiling_id) is not None:
        return PROFILINGS.select(profiling_id)
    return keep(open_profiling(store, profiling_id, actor=user))


def new_entry(store: Store, user: User, client: Client) -> Profiling:
    """„neuer Eintrag …“: the client's unsaved new draft if one is kept, else a freshly started profiling."""
    kept = PROFILINGS.find(lambda d: d.client_id == client.id and d.revision == 0)
    return kept if kept is not None else keep(start_profiling(store, client.id, actor=user))


def draft_for(store: Store, user: User, client: Client) -> Profiling:
    """The profiling the phase pages work on: the current draft; else a kept unsaved new one (nothing typed is
    lost); else the client's newest open profiling (no duplicate by mistake); else a new one (seed ch. 5)."""
    draft = current_draft()
    if draft is not None and draft.client_id == client.id:
        return draft
    if any(d.client_id == client.id and d.revision == 0 for d in PROFILINGS.drafts().values()):
        return new_entry(store, user, client)
    newest_open = next((e.profiling_id for e in profiling_history(store, client.id, actor=user)
                        if e.status == Status.OFFEN), None)
    if newest_open is not None:
        return activate(store, user, newest_open)
    return new_entry(store, user, client)


def require_draft(client: Client) -> Profiling:
    """The current profiling draft, or a hint with the way to phase 1 (and the page stops)."""
    draft = current_draft()
    if draft is None or draft.client_id != client.id:
        st.info("Für diese Kundin / diesen Kunden ist noch kein Profiling geöffnet.")
        page_link(PAGE_PROFILING, label="Zum Profiling (Phase 1)", icon=":material/edit_note:")
        st.stop()
    return draft


def is_new(draft: Profiling) -> bool:
    return draft.revision == 0


def has_changes(draft: Profiling) -> bool:
    """True when the draft differs from the version it was opened or last saved as."""
    return PROFILINGS.has_changes(draft)


def is_closed(profiling: Profiling) -> bool:
    return profiling.status == Status.ABGESCHLOSSEN


def catalogue_of(store: Store, profiling: Profiling) -> tuple[Catalogue, ProfilingModels]:
    """The profiling's OWN catalogue version and its generated models (retired ids it uses kept)."""
    used = {*profiling.handlungsbedarfe, *profiling.uebergreifend,
            *(s for ids in profiling.strategien.values() for s in ids)}
    used |= {i for i in (profiling.integrationsprognose, profiling.profillage) if i}
    catalogue = get_catalogue(store, profiling.catalogue_version)
    return catalogue, get_models(store, profiling.catalogue_version, frozenset(used))
