"""TinyDB saves reuse what they read and wrote only while that is still what the files hold."""

from __future__ import annotations

from pathlib import Path

from schemas.records import Profiling
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_profiling, make_user


def test_a_save_keeps_what_another_store_on_the_same_directory_saved_in_between(tmp_path: Path) -> None:
    first, second = TinyDBStore(tmp_path / "data"), TinyDBStore(tmp_path / "data")
    ifk = first.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = first.add(make_client(), actor=ifk)
    one = first.add(make_profiling(client.id), actor=ifk)
    two = first.add(make_profiling(client.id), actor=ifk)
    one = first.save(one.model_copy(update={"integrationsziel": "Ziel eins"}), actor=ifk)  # first remembers the file
    two = second.save(second.get(Profiling, two.id).model_copy(update={"integrationsziel": "Ziel zwei"}), actor=ifk)
    first.save(one.model_copy(update={"integrationsziel": "Ziel eins, neu"}), actor=ifk)

    fresh = TinyDBStore(tmp_path / "data")
    assert fresh.get(Profiling, two.id).integrationsziel == "Ziel zwei"
    assert fresh.get(Profiling, one.id).integrationsziel == "Ziel eins, neu"
    assert sorted(p.integrationsziel for p in fresh.list_for_client(Profiling, client.id)) == [
        "Ziel eins, neu", "Ziel zwei"]  # fmt: skip

