"""Streamlit's configuration options read without Streamlit's global config lock.

Streamlit 1.67 reads an option (`streamlit.config.get_option`) under one process-wide lock, and it reads one for
every element a script draws (the message cache's size limit, the app-test flag). The lookup itself takes
microseconds, but a thread that loses the interpreter lock while holding the config lock makes every other
session's script thread wait for it, and they queue: under 150 sessions, script threads spent 64 % of their time
waiting there (`bench/sessions.py`, wall-clock stack samples), and one server process used only 0.65 of a core.

`install()` (app.py, once per process) replaces `get_option` by a read without the lock, which is checked
afterwards: Streamlit's own code still changes options under the lock, now a `_CountedLock` that counts who holds
it and how often it was released. A read that overlapped a change (a holder inside, or a release in between) is
repeated with the lock, as before, so it never sees a half-parsed configuration.
"""

from __future__ import annotations

import threading
from typing import Any, Self

from streamlit import config


class _CountedLock:
    """Streamlit's config lock (an RLock) with the number of holders inside and of releases so far."""

    def __init__(self, lock: Any) -> None:
        self._lock = lock
        self.holders = 0
        self.releases = 0

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        taken = self._lock.acquire(*args, **kwargs)
        if taken:
            self.holders += 1
        return taken

    def release(self) -> None:
        self.holders -= 1
        self.releases += 1
        self._lock.release()

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_install_lock = threading.Lock()
_locked_get_option = config.get_option


def install() -> None:
    """Make `streamlit.config.get_option` (and `st.get_option`) read without the lock; once per process."""
    with _install_lock:
        if not isinstance(config._config_lock, _CountedLock):
            config._config_lock = _CountedLock(config._config_lock)
        if config.get_option is _locked_get_option:  # not while a test harness (AppTest) has its own in place
            config.get_option = get_option


def get_option(key: str) -> Any:
    """`streamlit.config.get_option` without the lock while no change of the options overlaps the read."""
    lock = config._config_lock
    releases = lock.releases
    options = config._config_options
    if lock.holders == 0 and options is not None and key in options:
        value = options[key].value
        if lock.holders == 0 and lock.releases == releases:
            return value
    return _locked_get_option(key)
