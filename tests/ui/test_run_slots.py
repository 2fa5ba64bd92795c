"""Admission of page runs (pages/run_slots.py): at most N at once, a long run stops counting, the slot is always
given back."""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

import config
from pages import run_slots
from pages.run_slots import RunSlots

WAIT_S = 30
#: how long a run that must wait is watched for not starting (it cannot start early: nothing in it is timed)
WATCHED_S = 0.3


def _occupy(slots: RunSlots, count: int) -> tuple[threading.Event, list[threading.Thread]]:
    """`count` threads each holding a slot until the returned event is set (returns once all hold one)."""
    release, holding = threading.Event(), threading.Semaphore(0)

    def hold() -> None:
        with slots.held():
            holding.release()
            release.wait(WAIT_S)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert holding.acquire(timeout=WAIT_S)
    return release, threads


def _start_run(slots: RunSlots) -> tuple[threading.Event, threading.Thread]:
    """Another run in a thread; the event is set once it holds a slot."""
    entered = threading.Event()

    def run() -> None:
        with slots.held():
            entered.set()

    thread = threading.Thread(target=run)
    thread.start()
    return entered, thread


def test_a_run_waits_while_every_slot_is_held_and_starts_when_one_is_free() -> None:
    slots = RunSlots(2, long_run_s=WAIT_S)
    release, holders = _occupy(slots, 2)
    entered, waiter = _start_run(slots)
    assert not entered.wait(WATCHED_S)
    release.set()
    assert entered.wait(WAIT_S)
    for thread in [*holders, waiter]:
        thread.join(WAIT_S)


def test_a_long_run_no_longer_holds_its_slot() -> None:
    slots = RunSlots(1, long_run_s=0.05)
    release, holders = _occupy(slots, 1)
    try:
        entered, waiter = _start_run(slots)
        assert entered.wait(WAIT_S)  # while the long run still goes on
        assert holders[0].is_alive()
    finally:
        release.set()
        holders[0].join(WAIT_S)
    waiter.join(WAIT_S)


def test_the_slot_is_given_back_when_the_run_ends_with_an_exception() -> None:
    slots = RunSlots(1, long_run_s=WAIT_S)
    with pytest.raises(RuntimeError), slots.held():
        raise RuntimeError("Streamlit stops or reruns a script with an exception")
    entered, waiter = _start_run(slots)
    assert entered.wait(WAIT_S)
    waiter.join(WAIT_S)


def test_the_number_of_slots_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIERPHASEN_RUN_SLOTS", "3")
    config.get_settings.cache_clear()
    monkeypatch.setattr(run_slots, "_process_slots", None)
    try:
        slots = run_slots.process_slots()
    finally:
        config.get_settings.cache_clear()
    slots.long_run_s = WAIT_S
    release, holders = _occupy(slots, 3)  # three runs at once
    entered, waiter = _start_run(slots)
    assert not entered.wait(WATCHED_S)  # and a fourth waits
    release.set()
    assert entered.wait(WAIT_S)
    for thread in [*holders, waiter]:
        thread.join(WAIT_S)
    monkeypatch.setenv("VIERPHASEN_RUN_SLOTS", "0")
    try:
        with pytest.raises(ValueError, match="VIERPHASEN_RUN_SLOTS"):
            config.get_settings()
    finally:
        config.get_settings.cache_clear()


def test_every_run_of_app_py_holds_a_slot_and_gives_it_back(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    slots = RunSlots(1, long_run_s=WAIT_S)
    monkeypatch.setattr(run_slots, "_process_slots", slots)
    runs: list[bool] = []
    held = RunSlots.held

    def watched(self: RunSlots):
        runs.append(self is slots)
        return held(self)

    monkeypatch.setattr(RunSlots, "held", watched)
    app.run()  # signed in on the sign-in page's address: app.py switches to the start page (Streamlit's exception)
    assert not app.exception
    assert runs == [True]
    entered, waiter = _start_run(slots)  # given back after every run, however it ended
    assert entered.wait(WAIT_S)
    waiter.join(WAIT_S)
