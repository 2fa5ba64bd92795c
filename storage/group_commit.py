"""Group commit: items that threads hand in at the same time are written together, with one write and one fsync.

A thread that finds no write in progress writes what is queued (its own item and what others queued meanwhile);
the others wait for that write and get their own result or its error. The audit trail uses it for the entries of
reads (storage/tinydb_store.py): under many sessions each read's entry used to hold the audit lock across its own
write and fsync, and the reads queued behind each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Pending(Generic[T, R]):
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """`submit(item)` returns `write(batch)`'s result for the item; `write` gets the items in the order they were
    handed in and returns one result per item, or raises (then every item of the batch gets the error)."""

    def __init__(self, write: Callable[[list[T]], list[R]]) -> None:
        self._write = write
        self._queue: list[_Pending[T, R]] = []
        self._queue_lock = threading.Lock()
        self._writing = threading.Lock()  # held by the thread that writes a batch

    def submit(self, item: T) -> R:
        pending: _Pending[T, R] = _Pending(item)
        with self._queue_lock:
            self._queue.append(pending)
        with self._writing:
            if not pending.done:  # not written by the batch before: this thread writes everything queued
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    results = self._write([p.item for p in batch])
                except BaseException as exc:  # noqa: BLE001 - handed to every item of the batch, raised there
                    for p in batch:
                        p.error, p.done = exc, True
                else:
                    for p, result in zip(batch, results, strict=True):
                        p.result, p.done = result, True
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]
