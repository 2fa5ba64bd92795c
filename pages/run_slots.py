"""Admission of page runs: at most `VIERPHASEN_RUN_SLOTS` runs of one server process execute at the same time.

Streamlit runs each session's rerun in a thread of its own, and all of them share the interpreter lock with the
event loop that receives the clicks and sends the pages out. When many runs are under way at once, each gets the
lock in turn for a few milliseconds: every run takes longer the more run beside it, the event loop waits behind
all of them, and past a point the process does less work per second the more it is asked (bench/sessions.py at
250 sessions on TinyDB: 26.6 actions/s and a p95 of 3.8 s with every run admitted, 46–48 actions/s and 0.6–1.3 s
with one slot). A run waiting for a slot holds no lock and takes no CPU.

A run that has taken longer than LONG_RUN_S (a catalogue import, a large PDF) no longer counts against the slots,
so it holds the others up by that much at most. A waiting run is never let through merely because the queue is
long: that is the overload the slots are there for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import config

#: After this long a run no longer takes up a slot (the next waiting run starts beside it).
LONG_RUN_S = 1.0


class RunSlots:
    """`count` slots, taken by the runs that started less than `long_run_s` ago."""

    def __init__(self, count: int, long_run_s: float = LONG_RUN_S) -> None:
        self.count = count
        self.long_run_s = long_run_s
        self._changed = threading.Condition()
        self._started: dict[object, float] = {}  # the running runs: token → time.monotonic() at their start

    def _wait_s(self) -> float | None:
        """None if a slot is free now, else how long until the next running run turns long (under the lock)."""
        now = time.monotonic()
        regular = [started for started in self._started.values() if now - started < self.long_run_s]
        if len(regular) < self.count:
            return None
        return min(regular) + self.long_run_s - now

    @contextmanager
    def held(self) -> Iterator[None]:
        """Wait for a slot, run, and give the slot back however the run ends (a rerun or a stop of Streamlit's
        is an exception)."""
        token = object()
        with self._changed:
            while (wait := self._wait_s()) is not None:
                self._changed.wait(timeout=wait)
            self._started[token] = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                del self._started[token]
                self._changed.notify()


_made = threading.Lock()
_process_slots: RunSlots | None = None


def process_slots() -> RunSlots:
    """The server process's slots (app.py runs every page run inside one), made at the first run."""
    global _process_slots
    with _made:
        if _process_slots is None:
            try:
                count = config.get_settings().run_slots
            except ValueError:  # a wrong setting: the run shows its German message (pages.session.guarded)
                count = 1
            _process_slots = RunSlots(count)
        return _process_slots
