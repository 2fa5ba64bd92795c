"""Streamlit's options read without its global config lock (pages/option_reads.py), and still never half-changed."""

from __future__ import annotations

import threading

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from pages import option_reads

WAIT_S = 30


@pytest.fixture
def installed() -> None:
    option_reads.install()


def test_app_py_installs_the_lock_free_reads(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_config_lock", config._config_lock._lock
                        if isinstance(config._config_lock, option_reads._CountedLock) else config._config_lock)
    app.run()  # AppTest reads the options through its own function meanwhile: only the lock shows the install
    assert not app.exception
    assert isinstance(config._config_lock, option_reads._CountedLock)
    option_reads.install()  # as app.py does in a server, where nothing else has replaced get_option
    assert config.get_option is option_reads.get_option


def test_every_option_reads_as_with_the_lock(installed: None) -> None:
    for key in list(config._config_options):
        assert option_reads.get_option(key) == option_reads._locked_get_option(key), key


def test_a_read_takes_no_lock_while_nothing_changes(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[int] = []
    acquire = option_reads._CountedLock.acquire

    def counted(lock, *args, **kwargs):
        taken.append(1)
        return acquire(lock, *args, **kwargs)

    monkeypatch.setattr(option_reads._CountedLock, "acquire", counted)
    for _ in range(100):
        config.get_option("global.minCachedMessageSize")
        config.get_option("client.showErrorDetails")
    assert taken == []


def test_a_read_while_the_options_change_waits_for_the_change(installed: None) -> None:
    holding, release, read = threading.Event(), threading.Event(), threading.Event()
    seen: list[object] = []

    def changer() -> None:
        with config._config_lock:  # as Streamlit's own set_option / reparse hold it
            holding.set()
            release.wait(WAIT_S)

    def reader() -> None:
        seen.append(config.get_option("client.showErrorDetails"))
        read.set()

    holder = threading.Thread(target=changer)
    holder.start()
    assert holding.wait(WAIT_S)
    waiting = threading.Thread(target=reader)
    waiting.start()
    assert not read.wait(0.2)  # it cannot finish while the lock is held
    release.set()
    assert read.wait(WAIT_S)
    holder.join(WAIT_S)
    waiting.join(WAIT_S)
    assert seen == [config._config_options["client.showErrorDetails"].value]


def test_a_read_with_a_change_in_between_is_repeated_with_the_lock(installed: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    option = config._config_options["global.minCachedMessageSize"]
    locked: list[str] = []
    monkeypatch.setattr(option_reads, "_locked_get_option", lambda key: locked.append(key) or 4711)

    class ChangedMeanwhile:
        @property
        def value(self) -> int:
            with config._config_lock:  # another thread's change, completed during the read
                pass
            return option.value

    monkeypatch.setitem(config._config_options, "global.minCachedMessageSize", ChangedMeanwhile())
    assert config.get_option("global.minCachedMessageSize") == 4711
    assert locked == ["global.minCachedMessageSize"]
