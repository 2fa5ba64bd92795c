"""Contract: concurrent saves from processes and threads never lose an update; refused ones change nothing."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from collections import Counter

import pytest

from errors import StaleRevision
from schemas.audit import AuditAction
from schemas.records import Profiling
from storage.base import Store
from tests.contract.conftest import StoreSpec
from tests.factories import make_client, make_profiling, make_user

PROCESSES = 8
SAVES = 200


def _save_loop(spec: StoreSpec, profiling_id: str, worker: int, saves: int, barrier, results) -> None:
    store = spec.open()
    actor = make_user(username=f"worker{worker}")
    accepted, refused = [], 0
    barrier.wait(timeout=120)
    for number in range(saves):
        profiling = store.get(Profiling, profiling_id)
        token = f"w{worker}-{number}"
        try:
            store.save(
                profiling.model_copy(update={"kompetenzen": [*profiling.kompetenzen, token]}), actor=actor
            )
        except StaleRevision:
            refused += 1
        else:
            accepted.append(token)
    store.close_store()
    results.put((accepted, refused))


def _check_no_lost_update(
    store: Store, profiling_id: str, outcomes: list[tuple[list[str], int]], total: int
) -> None:
    accepted = [token for tokens, _ in outcomes for token in tokens]
    refused = sum(count for _, count in outcomes)
    assert len(accepted) + refused == total
    assert accepted, "no save was accepted at all"
    stored = store.get(Profiling, profiling_id)
    # every accepted save is visible, none twice, and nothing else got in
    assert Counter(stored.kompetenzen) == Counter(accepted)
    assert stored.revision == 1 + len(accepted)
    saves = [e for e in store.audit_entries(record_id=profiling_id) if e.action == "gespeichert"]
    assert len(saves) == len(accepted)
    assert store.audit_verify() is None


@pytest.mark.slow
def test_eight_processes_saving_the_same_profiling_lose_no_update(
    store: Store, store_spec: StoreSpec
) -> None:
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_save_loop, args=(store_spec, profiling.id, n, SAVES, barrier, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    _check_no_lost_update(store, profiling.id, outcomes, PROCESSES * SAVES)


@pytest.mark.slow
def test_threads_sharing_one_store_lose_no_update(store: Store, store_spec: StoreSpec) -> None:
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    outcomes: list[tuple[list[str], int]] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(6)

    def run(worker: int) -> None:
        try:
            work(worker)
        except BaseException as exc:  # noqa: BLE001 - reported below: a thread's exception would otherwise be lost
            failures.append(exc)

    def work(worker: int) -> None:
        barrier.wait()
        accepted, refused = [], 0
        for number in range(40):
            current = store.get(Profiling, profiling.id)
            token = f"t{worker}-{number}"
            try:
                store.save(
                    current.model_copy(update={"kompetenzen": [*current.kompetenzen, token]}), actor=ifk
                )
            except StaleRevision:
                refused += 1
            else:
                accepted.append(token)
        outcomes.append((accepted, refused))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _check_no_lost_update(store, profiling.id, outcomes, 6 * 40)


def test_threads_auditing_reads_beside_saves_keep_one_intact_chain(store: Store) -> None:
    """Read entries of many threads (on TinyDB written together, storage/group_commit.py) and saves' entries
    interleave: every caller's entry is stored as returned, numbered without gaps, and the chain verifies."""
    ifk = store.add(make_user(username="anna"), actor=make_user(username="anna"))
    client = store.add(make_client(), actor=ifk)
    profiling = store.add(make_profiling(client.id), actor=ifk)
    returned: list[object] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def read(worker: int) -> None:
        barrier.wait()
        for _ in range(30):
            returned.append(store.audit_append(actor=ifk, action=AuditAction.GELESEN, record_kind="Profiling",
                                               record_id=profiling.id, client_id=client.id))

    def save(worker: int) -> None:
        barrier.wait()
        for number in range(10):
            current = store.get(Profiling, profiling.id)
            with contextlib.suppress(StaleRevision):
                store.save(current.model_copy(update={"zielberuf": f"Beruf {worker}-{number}"}), actor=ifk)

    def run(target, worker: int) -> None:
        try:
            target(worker)
        except BaseException as exc:  # noqa: BLE001 - reported below: a thread's exception would otherwise be lost
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(read if n < 6 else save, n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    stored = store.audit_entries()
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    by_seq = {e.seq: e for e in stored}
    assert len(returned) == 6 * 30 and all(by_seq[e.seq] == e for e in returned)
    assert store.audit_verify() is None
