"""„Abschließen“ from a draft (services/closing.py): save if new or changed, then close; a refused close keeps the save."""

from __future__ import annotations

import pytest

from errors import Incomplete, NotPermitted
from schemas.records import Client, Profiling, Status, User
from services.closing import save_and_close_profiling
from storage.base import Store
from tests.factories import make_profiling
from tests.unit.world import complete_profiling


def trail(store: Store, record_id: str) -> int:
    return len(store.audit_entries(record_id=record_id))


def test_a_changed_draft_is_saved_then_closed(store: Store, client: Client, ifk: User) -> None:
    stored = store.add(complete_profiling(client.id), actor=ifk)
    before = trail(store, stored.id)

    closing = save_and_close_profiling(store, stored.model_copy(update={"zielberuf": "Koch"}), actor=ifk)

    assert closing.refusal is None
    assert (closing.record.status, closing.record.zielberuf) == (Status.ABGESCHLOSSEN, "Koch")
    assert store.get(Profiling, stored.id) == closing.record
    assert trail(store, stored.id) == before + 2  # saved, closed


def test_an_unchanged_draft_is_closed_as_stored_without_another_save(store: Store, client: Client,
                                                                     ifk: User) -> None:
    stored = store.add(complete_profiling(client.id), actor=ifk)
    before = trail(store, stored.id)

    closing = save_and_close_profiling(store, stored.model_copy(deep=True), actor=ifk)

    assert closing.refusal is None and closing.record.status == Status.ABGESCHLOSSEN
    assert trail(store, stored.id) == before + 1  # closed only


def test_a_refused_close_returns_the_saved_draft_which_stays_open(store: Store, client: Client, ifk: User) -> None:
    new = make_profiling(client.id, zielberuf="Koch")  # incomplete: no strategy, no Prognose

    closing = save_and_close_profiling(store, new, actor=ifk)

    assert isinstance(closing.refusal, Incomplete)
    assert "kann noch nicht abgeschlossen werden" in closing.refusal.message
    assert closing.record.revision == 1 and closing.record.status == Status.OFFEN
    assert store.get(Profiling, new.id) == closing.record


def test_a_caseworker_of_another_team_is_refused_and_nothing_is_saved(store: Store, client: Client, ifk: User,
                                                                      ifk_other_team: User) -> None:
    stored = store.add(complete_profiling(client.id), actor=ifk)

    for draft in (stored.model_copy(deep=True), stored.model_copy(update={"zielberuf": "Koch"})):
        with pytest.raises(NotPermitted):
            save_and_close_profiling(store, draft, actor=ifk_other_team)

    assert store.get(Profiling, stored.id) == stored
