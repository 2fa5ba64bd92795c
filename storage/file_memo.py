"""Parsed files of the TinyDB backend kept while they are unchanged, for readers that take no lock.

Every writer replaces a file by a new one (a temp file renamed or exchanged into place), so a change gives the path
a new inode, modification time and, mostly, size. That key alone is not enough: the file system's clock advances in
ticks of a few milliseconds and a freed inode number is soon used again, so a file replaced twice within one tick
can come back with the same inode, time and size — an account changed that way (a role taken away) would be read
stale. As git does with "racily clean" index entries, the key is trusted only for a file that was already older
than `SETTLED_NS` when it was read: any later replacement gets a later time. A younger file is compared by its
bytes, which is still cheaper than parsing it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

#: how old a file must be when it is read before its inode, time and size alone say it is unchanged
SETTLED_NS = 2_000_000_000


class _Entry(NamedTuple, Generic[T]):
    key: tuple[int, int, int]
    raw: bytes | None  # the bytes read, kept only while the file is too young for its key to be trusted
    value: T


class FileMemo(Generic[T]):
    """`parse(bytes)` of each file, parsed again only when the file changed; `missing` for an absent file."""

    def __init__(self, parse: Callable[[bytes], T], missing: Callable[[], T]) -> None:
        self._parse = parse
        self._missing = missing
        self._entries: dict[str, _Entry[T]] = {}

    def get(self, path: Path) -> T:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            self._entries.pop(str(path), None)
            return self._missing()
        try:
            stat = os.fstat(fd)  # the open file: its bytes and its key belong to the same version
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            entry = self._entries.get(str(path))
            if entry is not None and entry.key == key and entry.raw is None:
                return entry.value
            with os.fdopen(os.dup(fd), "rb") as handle:
                raw = handle.read()
        finally:
            os.close(fd)
        value = entry.value if entry is not None and entry.raw == raw else self._parse(raw)
        settled = time.time_ns() - stat.st_mtime_ns > SETTLED_NS
        self._entries[str(path)] = _Entry(key, None if settled else raw, value)
        return value

    def forget(self, path: Path) -> None:
        self._entries.pop(str(path), None)
