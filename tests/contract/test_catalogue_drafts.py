"""Contract: the shared catalogue draft and the open profilings of the impact check behave alike on every backend."""

from __future__ import annotations

import pytest

from errors import NotFound, StaleRevision
from schemas.records import Client, Profiling, Role, User
from storage.base import Store
from tests.factories import make_profiling, make_user


def test_no_draft_until_one_is_saved(store: Store) -> None:
    assert store.catalogue_draft() is None


def test_saved_draft_keeps_text_base_version_who_and_revision(store: Store) -> None:
    trainer = make_user(role=Role.TRAINER, username="tina")
    draft = store.save_catalogue_draft("version: 1\n", base_version=1, revision=0, actor=trainer)
    assert (draft.revision, draft.saved_by, draft.base_version) == (1, "tina", 1)
    again = store.save_catalogue_draft("version: 1\n# zwei\n", base_version=1, revision=1, actor=trainer)
    assert again.revision == 2
    stored = store.catalogue_draft()
    assert stored is not None
    assert stored.text == "version: 1\n# zwei\n"
    assert stored.revision == 2
    assert stored.saved_at == again.saved_at


def test_stale_draft_save_names_who_saved_meanwhile_and_keeps_their_text(store: Store) -> None:
    tina = make_user(role=Role.TRAINER, username="tina")
    kai = make_user(role=Role.TRAINER, username="kai")
    store.save_catalogue_draft("a", base_version=1, revision=0, actor=tina)
    store.save_catalogue_draft("b", base_version=1, revision=1, actor=kai)
    with pytest.raises(StaleRevision) as err:
        store.save_catalogue_draft("c", base_version=1, revision=1, actor=tina)
    assert "kai" in err.value.message and "Katalogentwurf" in err.value.message
    assert store.catalogue_draft().text == "b"
    with pytest.raises(StaleRevision):
        store.save_catalogue_draft("d", base_version=1, revision=0, actor=tina)


def test_discarded_draft_is_gone_and_a_save_on_it_is_refused(store: Store) -> None:
    tina = make_user(role=Role.TRAINER, username="tina")
    store.save_catalogue_draft("a", base_version=1, revision=0, actor=tina)
    store.discard_catalogue_draft()
    assert store.catalogue_draft() is None
    store.discard_catalogue_draft()  # nothing to discard is not an error
    with pytest.raises(NotFound):
        store.save_catalogue_draft("b", base_version=1, revision=1, actor=tina)
    assert store.save_catalogue_draft("b", base_version=2, revision=0, actor=tina).revision == 1


def test_draft_is_not_a_published_version(store: Store) -> None:
    store.save_catalogue_draft("a", base_version=1, revision=0, actor=make_user(role=Role.TRAINER))
    assert store.catalogue_numbers() == []


def test_open_profilings_lists_only_open_ones_of_every_client(store: Store, ifk: User, client: Client) -> None:
    from tests.factories import make_client

    other = store.add(make_client(team="Team 2"), actor=ifk)
    first = store.add(make_profiling(client.id, relevant=["berufserfahrung"]), actor=ifk)
    second = store.add(make_profiling(other.id), actor=ifk)
    closed = store.add(make_profiling(client.id), actor=ifk)
    store.close(Profiling, closed.id, revision=closed.revision, actor=ifk)
    found = {p.id: p for p in store.open_profilings()}
    assert set(found) == {first.id, second.id}
    assert found[first.id].handlungsbedarfe["berufserfahrung"].relevant


def test_open_profilings_of_an_empty_store_is_empty(store: Store, ifk: User) -> None:
    assert store.open_profilings() == []
