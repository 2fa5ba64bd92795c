"""Shared screen parts of the case pages: the working state (client, profiling drafts), header, checklist, actions.

The profiling being edited is a *draft* kept in `st.session_state` per profiling id, so entries survive
reruns and switching between the phase pages; the stored version it started from is kept beside it to
mark unsaved changes. Every rule is a service call; this module only keeps state and renders.
"""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

import dates
from errors import DomainError, InvalidInput, StaleRevision
from schemas.catalogue import Catalogue
from schemas.forms import ProfilingModels
from schemas.records import Client, Profiling, Status, User
from services.catalogue import get_catalogue, get_models
from services.clients import open_client
from services.history import record_history
from services.profiling import (
    checklist,
    clone_profiling,
    close_profiling,
    discard_profiling,
    open_profiling,
    profiling_history,
    save_profiling,
    start_profiling,
)
from services.safety import markdown_literal
from storage.base import Store

#: Marks of a checklist: Material Symbols ship with Streamlit, so they show on every client (emoji need a font).
DONE = ":green[:material/check_circle:]"
TODO = ":orange[:material/radio_button_unchecked:]"
NOT_DONE = ":red[:material/cancel:]"

CLIENT_ID = "client_id"
PROFILING_ID = "profiling_id"
_CLIENT = "client"  # the opened Client (opening is audited once, not on every rerun)
_DRAFTS = "drafts"  # profiling id → Profiling being edited
_SAVED = "saved"  # profiling id → the stored Profiling the draft started from
_FLASH = "flash"  # messages to show after the next rerun
_FIELD_ERROR = "field_error"  # (field, message) of the last refused input
_CONFIRM_DISCARD = "confirm_discard"
_SLOTS = "_field_slots"  # field → placeholder of this run
_MARKER = "_changes_marker"  # placeholder of this run's unsaved-changes marker
_STALE = "stale_profiling"  # id of the draft whose save was refused because a colleague saved meanwhile
_GENERATION = "form_generation"  # profiling id → how often its stored state was loaded over the input

PAGE_KUNDEN = "pages/kunden.py"
PAGE_PROFILING = "pages/profiling.py"
PAGE_ZIEL = "pages/ziel.py"
PAGE_STRATEGIEN = "pages/strategien.py"
PAGE_EGV = "pages/egv.py"
PAGE_FOLGE = "pages/folgegespraech.py"
PAGE_VERLAUF = "pages/verlauf.py"

# --- dates ------------------------------------------------------------------------------------


def fmt_datetime(value: datetime | None) -> str:
    """24.11.2026 14:05 in Europe/Berlin."""
    return dates.format_datetime(value)


def fmt_date(value: date | datetime | None) -> str:
    """24.11.2026 (Europe/Berlin); an empty value shows as „—“."""
    return dates.format_date(value)


def today() -> date:
    """Today in Europe/Berlin."""
    return dates.today()


# --- messages ---------------------------------------------------------------------------------


def flash(text: str, kind: str = "success") -> None:
    """Keep a message for the next run (shown after st.rerun / st.switch_page)."""
    st.session_state.setdefault(_FLASH, []).append((kind, text))


def show_flash() -> None:
    for kind, text in st.session_state.pop(_FLASH, []):
        getattr(st, kind)(text)


def _slots() -> dict:
    # Per session and run (module globals would be shared between users of the server).
    return st.session_state.setdefault(_SLOTS, {})


def field_slot(*fields: str) -> None:
    """A place right below an input where a refused value's message appears (InvalidInput.field)."""
    slot = st.empty()
    for field in fields:
        _slots()[field] = slot
    error = st.session_state.get(_FIELD_ERROR)
    if error and error[0] in fields:
        slot.error(error[1])


def report(err: DomainError) -> None:
    """Show a domain error: at its field when the page has a slot for it, otherwise as a page message."""
    if isinstance(err, InvalidInput) and err.field:
        field = _field_with_slot(err.field)
        st.session_state[_FIELD_ERROR] = (field, markdown_literal(err.message))
        slot = _slots().get(field)
        if slot is not None:
            slot.error(markdown_literal(err.message))
            st.error("Bitte prüfen Sie die markierte Eingabe.")
            return
    st.error(markdown_literal(err.message))


def _field_with_slot(field: str) -> str:
    """`field`, or the nearest enclosing field ("a.b.c" → "a.b" → "a") that has a slot on this page."""
    parts = field.split(".")
    return next((name for n in range(len(parts), 0, -1) if (name := ".".join(parts[:n])) in _slots()), field)


def clear_field_error() -> None:
    st.session_state.pop(_FIELD_ERROR, None)


def begin_page() -> None:
    """Reset the per-run field slots and show messages kept from the previous run."""
    st.session_state[_SLOTS] = {}
    st.session_state[_MARKER] = None
    show_flash()


# --- client and profiling state ---------------------------------------------------------------


def select_client(store: Store, user: User, client_id: str) -> Client:
    """Open a client (audited) and make it the current one; open drafts of other clients stay kept."""
    client = open_client(store, client_id, actor=user)
    st.session_state[_CLIENT] = client
    st.session_state[CLIENT_ID] = client.id
    current = current_draft()
    if current is None or current.client_id != client.id:
        st.session_state[PROFILING_ID] = None
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
        st.page_link(PAGE_KUNDEN, label="Kundin / Kunden suchen", icon=":material/group:")
        st.stop()
    return client


def _drafts() -> dict[str, Profiling]:
    return st.session_state.setdefault(_DRAFTS, {})


def _saved() -> dict[str, Profiling]:
    return st.session_state.setdefault(_SAVED, {})


def current_draft() -> Profiling | None:
    profiling_id = st.session_state.get(PROFILING_ID)
    return _drafts().get(profiling_id) if profiling_id else None


def keep(profiling: Profiling) -> Profiling:
    """Make a stored or started profiling the current one; its draft is a copy the pages edit."""
    _saved()[profiling.id] = profiling
    draft = profiling.model_copy(deep=True)
    _drafts()[profiling.id] = draft
    st.session_state[PROFILING_ID] = profiling.id
    st.session_state.pop(_CONFIRM_DISCARD, None)
    return draft


def reset_inputs(record_id: str) -> None:
    """Drop the input widgets' state of a record, so they show the stored (normalised) values again."""
    for key in [k for k in st.session_state if isinstance(k, str) and record_id in k]:
        del st.session_state[key]


def form_key(draft: Profiling, part: str) -> str:
    """The widget key of a part of the profiling form. It changes when the stored state is loaded over the
    input (`_reload_after_stale`): the browser keeps a widget's typed value as long as its key stays the same,
    so only new keys make it show the loaded values."""
    generation = st.session_state.get(_GENERATION, {}).get(draft.id, 0)
    return f"{draft.id}-{part}" if not generation else f"{draft.id}-g{generation}-{part}"


def forget(profiling_id: str) -> None:
    _drafts().pop(profiling_id, None)
    _saved().pop(profiling_id, None)
    if st.session_state.get(PROFILING_ID) == profiling_id:
        st.session_state[PROFILING_ID] = None


def activate(store: Store, user: User, profiling_id: str) -> Profiling:
    """Switch to a profiling: its kept draft if there is one (nothing typed is lost), else open it."""
    draft = _drafts().get(profiling_id)
    if draft is not None:
        st.session_state[PROFILING_ID] = profiling_id
        return draft
    return keep(open_profiling(store, profiling_id, actor=user))


def new_entry(store: Store, user: User, client: Client) -> Profiling:
    """„neuer Eintrag …“: the client's unsaved new draft if one is kept, else a freshly started profiling."""
    for draft in _drafts().values():
        if draft.client_id == client.id and draft.revision == 0:
            st.session_state[PROFILING_ID] = draft.id
            return draft
    return keep(start_profiling(store, client.id, actor=user))


def draft_for(store: Store, user: User, client: Client) -> Profiling:
    """The profiling the phase pages work on: the current draft; else a kept unsaved new one (nothing typed is
    lost); else the client's newest open profiling (no duplicate by mistake); else a new one (seed ch. 5)."""
    draft = current_draft()
    if draft is not None and draft.client_id == client.id:
        return draft
    if any(d.client_id == client.id and d.revision == 0 for d in _drafts().values()):
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
        st.page_link(PAGE_PROFILING, label="Zum Profiling (Phase 1)", icon=":material/edit_note:")
        st.stop()
    return draft


def is_new(draft: Profiling) -> bool:
    return draft.revision == 0


def has_changes(draft: Profiling) -> bool:
    """True when the draft differs from the version it was opened or last saved as."""
    saved = _saved().get(draft.id)
    return saved is None or draft != saved


def is_closed(profiling: Profiling) -> bool:
    return profiling.status == Status.ABGESCHLOSSEN


def catalogue_of(store: Store, profiling: Profiling) -> tuple[Catalogue, ProfilingModels]:
    """The profiling's OWN catalogue version and its generated models (retired ids it uses kept)."""
    used = {*profiling.handlungsbedarfe, *profiling.uebergreifend,
            *(s for ids in profiling.strategien.values() for s in ids)}
    used |= {i for i in (profiling.integrationsprognose, profiling.profillage) if i}
    catalogue = get_catalogue(store, profiling.catalogue_version)
    return catalogue, get_models(store, profiling.catalogue_version, frozenset(used))


# --- header, status, next step ----------------------------------------------------------------


def status_badge(status: Status, *, container=st) -> None:
    if status == Status.ABGESCHLOSSEN:
        container.badge("abgeschlossen", icon=":material/lock:", color="green")
    else:
        container.badge("offen", icon=":material/edit:", color="orange")


def client_line(client: Client) -> str:
    return f"**{markdown_literal(client.vorname)} {markdown_literal(client.nachname)}** · Kundennummer {client.kundennummer}"


def case_header(title: str, client: Client, draft: Profiling | None) -> None:
    """Page title, the client, and the profiling's status and unsaved-changes marker."""
    st.title(title)
    st.markdown(client_line(client))
    if draft is None:
        return
    cols = st.columns([4, 2, 3], vertical_alignment="center")
    if is_new(draft):
        cols[0].markdown("Profiling: **neuer Eintrag** (noch nicht gespeichert)")
    else:
        cols[0].markdown(
            f"Profiling vom **{fmt_datetime(draft.created_at)}**, bearbeitet {fmt_datetime(draft.updated_at)}"
        )
    status_badge(draft.status, container=cols[1])
    changes_slot(cols[2])


def changes_slot(container) -> None:
    """Reserve the place of the unsaved-changes marker; it is filled after the form has taken this run's
    input (`mark_changes`), so the marker is never one click behind."""
    st.session_state[_MARKER] = container.empty()


def mark_changes(changed: bool) -> None:
    """Show „Ungespeicherte Änderungen“ in the header while the input differs from the stored record."""
    marker = st.session_state.get(_MARKER)
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
    st.divider()
    cols = st.columns([3, 2], vertical_alignment="center")
    cols[0].markdown(f"**Nächster Schritt:** {text}")
    cols[1].page_link(page, label=label, icon=icon)


# --- the checklist beside the form, with the profiling's actions ------------------------------


def checklist_panel(store: Store, user: User, draft: Profiling, catalogue: Catalogue) -> None:
    """Live completeness checklist and the buttons Speichern, Abschließen, Klonen, Verwerfen."""
    mark_changes(not is_closed(draft) and has_changes(draft))
    st.markdown("**Checkliste zum Abschließen**")
    items = checklist(draft, catalogue)
    for text, done in items:
        st.markdown(f"{DONE if done else TODO} {markdown_literal(text)}")
    complete = all(done for _, done in items)
    if is_closed(draft):
        st.caption(f"Abgeschlossen am {fmt_datetime(draft.closed_at)}; nur noch lesbar.")
        if st.button("Klonen", key="profiling-clone", icon=":material/content_copy:", use_container_width=True,
                     help="Neues offenes Profiling mit diesen Angaben anlegen"):
            _clone(store, user, draft)
        return
    changed = has_changes(draft) or is_new(draft)  # the header's marker says so (once per page)
    if st.button("Speichern", key="profiling-save", type="primary" if changed else "secondary",
                 icon=":material/save:", use_container_width=True,
                 help="Speichert den Stand als „offen“, auch unvollständig."):
        _save(store, user, draft)
    if st.button("Abschließen", key="profiling-close", icon=":material/lock:", use_container_width=True,
                 type="primary" if complete and not changed else "secondary",
                 help="Prüft die Vollständigkeit; danach ist das Profiling nicht mehr änderbar."):
        _close(store, user, draft, catalogue)
    if not is_new(draft) and st.button("Klonen", key="profiling-clone", icon=":material/content_copy:",
                                       use_container_width=True):
        _clone(store, user, draft)
    _discard(store, user, draft)
    _reload_after_stale(store, user, draft)


def _reload_after_stale(store: Store, user: User, draft: Profiling) -> None:
    """After a refused save (a colleague saved meanwhile): offer the stored version instead of the draft."""
    if st.session_state.get(_STALE) != draft.id:
        return
    st.caption("Ihre Eingaben bleiben hier stehen, bis Sie den gespeicherten Stand laden – bitte vorher "
               "übertragen, was Sie behalten möchten.")
    if st.button("Gespeicherten Stand laden", key="profiling-reload", icon=":material/refresh:",
                 use_container_width=True):
        st.session_state.pop(_STALE, None)
        forget(draft.id)
        reset_inputs(draft.id)
        generations = st.session_state.setdefault(_GENERATION, {})
        generations[draft.id] = generations.get(draft.id, 0) + 1
        activate(store, user, draft.id)
        flash("Der zuletzt gespeicherte Stand ist geladen.", "info")
        st.rerun()


def save_draft(store: Store, user: User, draft: Profiling) -> Profiling | None:
    """Save the draft and keep the stored state (with a message for the next run); on refusal show why
    (a stale revision offers the stored state) and return None."""
    try:
        saved = save_profiling(store, draft, actor=user)
    except StaleRevision as err:
        st.session_state[_STALE] = draft.id
        report(err)
        return None
    except DomainError as err:
        report(err)
        return None
    clear_field_error()
    reset_inputs(saved.id)
    flash("Profiling gespeichert – Status „offen“. Sie können es jederzeit weiterbearbeiten.")
    return keep(saved)


def _save(store: Store, user: User, draft: Profiling) -> None:
    if save_draft(store, user, draft) is not None:
        st.rerun()


def _close(store: Store, user: User, draft: Profiling, catalogue: Catalogue) -> None:
    try:
        saved = save_profiling(store, draft, actor=user) if has_changes(draft) or is_new(draft) else draft
        keep(saved)
        closed = close_profiling(store, saved.id, revision=saved.revision, actor=user)
    except DomainError as err:
        report(err)
        return
    clear_field_error()
    reset_inputs(closed.id)
    keep(closed)
    flash(f"Profiling abgeschlossen. Es ist jetzt nur noch lesbar; nächster Schritt: 4 {markdown_literal(catalogue.vereinbarung.kurzname)}.")
    st.rerun()


def _clone(store: Store, user: User, draft: Profiling) -> None:
    try:
        source = draft
        if not is_closed(draft) and has_changes(draft):
            source = save_profiling(store, draft, actor=user)
            keep(source)
        clone = clone_profiling(store, source.id, actor=user)
    except DomainError as err:
        report(err)
        return
    keep(clone)
    flash(f"Kopie angelegt (offen). Sie bearbeiten jetzt die Kopie vom {fmt_datetime(clone.created_at)}.")
    st.switch_page(PAGE_PROFILING)


def _discard(store: Store, user: User, draft: Profiling) -> None:
    if st.session_state.get(_CONFIRM_DISCARD) != draft.id:
        if st.button("Verwerfen", key="profiling-discard", icon=":material/delete:", use_container_width=True,
                     help="Löscht dieses offene Profiling vollständig (mit Rückfrage)."):
            st.session_state[_CONFIRM_DISCARD] = draft.id
            st.rerun()
        return
    st.warning("Das ganze Profiling wird gelöscht. Das lässt sich nicht rückgängig machen.")
    yes, no = st.columns(2)
    if yes.button("Ja, verwerfen", key="profiling-discard-yes", type="primary"):
        try:
            if not is_new(draft):
                discard_profiling(store, draft.id, revision=_saved()[draft.id].revision, actor=user)
        except DomainError as err:
            report(err)
            return
        forget(draft.id)
        st.session_state.pop(_CONFIRM_DISCARD, None)
        flash("Profiling verworfen.", "info")
        st.switch_page(PAGE_KUNDEN)
    if no.button("Abbrechen", key="profiling-discard-no"):
        st.session_state.pop(_CONFIRM_DISCARD, None)
        st.rerun()


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
