"""memory.configure: once per process, and harmless where the C library has no `mallopt`."""

from __future__ import annotations

import ctypes
import platform

import pytest

import memory


def test_configure_does_nothing_where_the_c_library_has_no_mallopt(monkeypatch):
    class NoMallopt:
        def __init__(self, name):
            pass

        def __getattr__(self, name):
            raise AttributeError(name)

    monkeypatch.setattr(memory, "_configured", [])
    monkeypatch.setattr(ctypes, "CDLL", NoMallopt)

    assert memory.configure() is False


def test_configure_sets_the_thresholds_once_per_process(monkeypatch):
    calls = []

    class Libc:
        def __init__(self, name):
            self.mallopt = self

        def __call__(self, parameter, value):
            calls.append((parameter, value))
            return 1

    monkeypatch.setattr(memory, "_configured", [])
    monkeypatch.setattr(ctypes, "CDLL", Libc)

    assert memory.configure() is True
    assert memory.configure() is True

    assert calls == [(memory.M_MMAP_THRESHOLD, 4 * 1024 * 1024), (memory.M_TRIM_THRESHOLD, 4 * 1024 * 1024)]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_thresholds(monkeypatch):
    monkeypatch.setattr(memory, "_configured", [])

    assert memory.configure() is True


def test_configure_tunes_the_garbage_collector_once_per_process(monkeypatch):
    import gc

    calls = []
    monkeypatch.setattr(memory, "_configured", [])
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "set_threshold", lambda *thresholds: calls.append(thresholds))

    memory.configure()
    memory.configure()

    # the process's objects at its first run out of the collector's sight; a full collection after 100 of the
    # middle generation (memory.py: full collections every 3-6 s under 150 sessions, 200-400 ms each)
    assert calls == ["freeze", (700, 10, 100)]
