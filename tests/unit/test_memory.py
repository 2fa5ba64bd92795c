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
