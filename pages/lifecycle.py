"""The profiling's lifecycle beside the phase pages' forms: the live checklist and the buttons Speichern,
Abschließen, Klonen, Verwerfen (with confirmation) and, after a refused save, „Gespeicherten Stand laden“.

Every rule is a service call (services/profiling.py, services/closing.py); this module shows their outcome.
"""

from __future__ import annotations

import streamlit as st

from errors import DomainError, StaleRevision
from pages.case_header import mark_changes
from pages.case_state import (
    CONFIRM_DISCARD,
    PROFILINGS,
    activate,
    forget,
    has_changes,
    is_closed,
    is_new,
    keep,
    reload_inputs,
    reset_inputs,
)
from pages.widgets import (
    DONE,
    PAGE_KUNDEN,
    PAGE_PROFILING,
    TODO,
    clear_field_error,
    flash,
    fmt_datetime,
    report,
)
from schemas.catalogue import Catalogue
from schemas.records import Profiling, User
from services.closing import save_and_close_profiling
from services.profiling import checklist, clone_profiling, discard_profiling, save_profiling
from services.safety import markdown_literal
from storage.base import Store

#: Keys of the buttons whose action may refuse an input of the profiling (pages.widgets.begin_page).
_SAVE = "profiling-save"  # key of the button Speichern
ACTIONS = (_SAVE, "profiling-close", "profiling-clone", "profiling-discard-yes")
_STALE = "stale_profiling"  # id of the draft whose save was refused because a colleague saved meanwhile


def save_requested() -> bool:
    """Whether this run is a click on Speichern (known before the button is drawn)."""
    return st.session_state.get(_SAVE) is True


def save_first(store: Store, user: User, draft: Profiling) -> DomainError | None:
    """Save on a click on Speichern before the page draws anything, with the input the page has taken from its
    widgets' state; on success the page runs again with the saved state (drawn once, not drawn, saved and drawn
    again). A refusal is returned for `checklist_panel(save_refused=…)`: shown when the page is drawn, at the
    refused field, as a save from the button shows it."""
    try:
        saved = save_profiling(store, draft, actor=user)
    except DomainError as err:
        return err
    _saved(saved)
    st.rerun()


def checklist_panel(store: Store, user: User, draft: Profiling, catalogue: Catalogue, *,
                    save_refused: DomainError | None = None) -> None:
    """Live completeness checklist and the buttons Speichern, Abschließen, Klonen, Verwerfen. `save_refused`: this
    run's click on Speichern was refused by `save_first` (shown, not saved again)."""
    changes = not is_closed(draft) and has_changes(draft)  # a comparison of the whole profiling: made once
    mark_changes(changes)
    items = checklist(draft, catalogue)
    # one element, a line per item: each element costs every rerun about as much as the trivial page's widgets
    st.markdown("  \n".join(["**Checkliste zum Abschließen**",
                              *(f"{DONE if done else TODO} {markdown_literal(text)}" for text, done in items)]))
    complete = all(done for _, done in items)
    if is_closed(draft):
        st.caption(f"Abgeschlossen am {fmt_datetime(draft.closed_at)}; nur noch lesbar.")
        if st.button("Klonen", key="profiling-clone", icon=":material/content_copy:", use_container_width=True,
                     help="Neues offenes Profiling mit diesen Angaben anlegen"):
            _clone(store, user, draft)
        return
    changed = changes or is_new(draft)  # the header's marker says so (once per page)
    if st.button("Speichern", key=_SAVE, type="primary" if changed else "secondary",
                 icon=":material/save:", use_container_width=True,
                 help="Speichert den Stand als „offen“, auch unvollständig."):
        if save_refused is not None:
            _refused(draft, save_refused)
        else:
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
        reload_inputs(draft.id)
        activate(store, user, draft.id)
        flash("Der zuletzt gespeicherte Stand ist geladen.", "info")
        st.rerun()


def save_draft(store: Store, user: User, draft: Profiling) -> Profiling | None:
    """Save the draft and keep the stored state (with a message for the next run); on refusal show why
    (a stale revision offers the stored state) and return None."""
    try:
        saved = save_profiling(store, draft, actor=user)
    except DomainError as err:
        _refused(draft, err)
        return None
    return _saved(saved)


def _refused(draft: Profiling, err: DomainError) -> None:
    if isinstance(err, StaleRevision):
        st.session_state[_STALE] = draft.id
    report(err)


def _saved(saved: Profiling) -> Profiling:
    clear_field_error()
    reset_inputs(saved.id)
    flash("Profiling gespeichert – Status „offen“. Sie können es jederzeit weiterbearbeiten.")
    return keep(saved)


def _save(store: Store, user: User, draft: Profiling) -> None:
    if save_draft(store, user, draft) is not None:
        st.rerun()


def _close(store: Store, user: User, draft: Profiling, catalogue: Catalogue) -> None:
    try:
        closing = save_and_close_profiling(store, draft, actor=user)
    except DomainError as err:
        report(err)
        return
    if closing.refusal is not None:  # the draft is saved (if it was changed) and stays open
        keep(closing.record)
        report(closing.refusal)
        return
    clear_field_error()
    reset_inputs(closing.record.id)
    keep(closing.record)
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
    if st.session_state.get(CONFIRM_DISCARD) != draft.id:
        if st.button("Verwerfen", key="profiling-discard", icon=":material/delete:", use_container_width=True,
                     help="Löscht dieses offene Profiling vollständig (mit Rückfrage)."):
            st.session_state[CONFIRM_DISCARD] = draft.id
            st.rerun()
        return
    st.warning("Das ganze Profiling wird gelöscht. Das lässt sich nicht rückgängig machen.")
    yes, no = st.columns(2)
    if yes.button("Ja, verwerfen", key="profiling-discard-yes", type="primary"):
        try:
            if not is_new(draft):
                discard_profiling(store, draft.id, revision=PROFILINGS.saved(draft.id).revision, actor=user)
        except DomainError as err:
            report(err)
            return
        forget(draft.id)
        st.session_state.pop(CONFIRM_DISCARD, None)
        flash("Profiling verworfen.", "info")
        st.switch_page(PAGE_KUNDEN)
    if no.button("Abbrechen", key="profiling-discard-no"):
        st.session_state.pop(CONFIRM_DISCARD, None)
        st.rerun()

