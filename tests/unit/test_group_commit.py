"""Group commit (storage/group_commit.py): what threads hand in while a write is in progress is written together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.group_commit import GroupCommit

WAIT_S = 30


def _wait_for(condition) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "Bedingung nicht eingetreten"
        time.sleep(0.001)


def test_items_handed_in_during_a_write_are_written_together_in_order() -> None:
    batches: list[list[int]] = []
    first_write = threading.Event()
    release = threading.Event()

    def write(batch: list[int]) -> list[str]:
        batches.append(batch)
        if len(batches) == 1:
            first_write.set()
            assert release.wait(WAIT_S)
        return [f"geschrieben {item}" for item in batch]

    group = GroupCommit(write)
    with ThreadPoolExecutor(max_workers=6) as pool:
        first = pool.submit(group.submit, 0)
        assert first_write.wait(WAIT_S)
        rest = [pool.submit(group.submit, n) for n in range(1, 6)]
        _wait_for(lambda: len(group._queue) == 5)  # all five wait behind the write in progress
        release.set()
        assert first.result(WAIT_S) == "geschrieben 0"
        assert [f.result(WAIT_S) for f in rest] == [f"geschrieben {n}" for n in range(1, 6)]
    assert batches[0] == [0]
    assert sorted(batches[1]) == [1, 2, 3, 4, 5] and len(batches) == 2  # one write for the five


def test_a_failed_write_fails_each_item_of_its_batch_and_the_next_write_works() -> None:
    calls: list[list[str]] = []

    def write(batch: list[str]) -> list[str]:
        calls.append(batch)
        if "kaputt" in batch:
            raise OSError(28, "No space left on device")
        return batch

    group = GroupCommit(write)
    with pytest.raises(OSError):
        group.submit("kaputt")
    assert group.submit("gut") == "gut"
    assert calls == [["kaputt"], ["gut"]]


def test_many_threads_get_their_own_results() -> None:
    group = GroupCommit(lambda batch: [item * 2 for item in batch])
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(group.submit, range(500)))
    assert results == [n * 2 for n in range(500)]
