"""Records being edited in the session: one typed helper for every page that keeps a draft across reruns.

A draft is a copy of a stored (or started) record that the page's widgets write into; it lives in
`st.session_state`, so entries survive reruns and switching pages. Beside it the stored version it started from
is kept, so a page can tell unsaved changes. Which record is being edited is kept under its own key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import streamlit as st
from pydantic import BaseModel

R = TypeVar("R", bound=BaseModel)


class SessionDraft(Generic[R]):
    """Drafts of one kind of record in the session, by record id, and the id of the one being edited.

    `drafts_key`, `saved_key` and `current_key` name the session-state entries (record id → draft, record id →
    the stored version the draft started from, and the current record id)."""

    def __init__(self, drafts_key: str, saved_key: str, current_key: str) -> None:
        self.drafts_key, self.saved_key, self.current_key = drafts_key, saved_key, current_key

    def drafts(self) -> dict[str, R]:
        return st.session_state.setdefault(self.drafts_key, {})

    def _saved(self) -> dict[str, R]:
        return st.session_state.setdefault(self.saved_key, {})

    def get(self, record_id: str | None) -> R | None:
        """The kept draft of a record, if any."""
        return self.drafts().get(record_id) if record_id else None

    def saved(self, record_id: str) -> R | None:
        """The stored version a record's draft started from."""
        return self._saved().get(record_id)

    def current(self) -> R | None:
        """The draft being edited, if any."""
        return self.get(st.session_state.get(self.current_key))

    def select(self, record_id: str | None) -> R | None:
        """Make a kept draft (or none) the one being edited."""
        st.session_state[self.current_key] = record_id
        return self.get(record_id)

    def keep(self, record: R) -> R:
        """Keep a stored or started record and edit a copy of it from now on; returns the draft."""
        self._saved()[record.id] = record
        draft = record.model_copy(deep=True)
        self.drafts()[record.id] = draft
        st.session_state[self.current_key] = record.id
        return draft

    def put(self, draft: R) -> R:
        """Replace a record's draft (e.g. with values taken over by a service), keeping its stored version."""
        self.drafts()[draft.id] = draft
        return draft

    def find(self, matches: Callable[[R], bool]) -> R | None:
        """The first kept draft that `matches`, made the current one (nothing typed is lost)."""
        draft = next((d for d in self.drafts().values() if matches(d)), None)
        if draft is not None:
            st.session_state[self.current_key] = draft.id
        return draft

    def forget(self, record_id: str) -> None:
        """Drop a record's draft and stored version (after discarding it, or to load it anew)."""
        self.drafts().pop(record_id, None)
        self._saved().pop(record_id, None)
        if st.session_state.get(self.current_key) == record_id:
            st.session_state[self.current_key] = None

    def has_changes(self, draft: R) -> bool:
        """True when the draft differs from the version it was opened or last saved as."""
        saved = self.saved(draft.id)
        return saved is None or draft != saved
