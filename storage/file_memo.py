"""Parsed files of the TinyDB backend kept while they are unchanged, for readers that take no lock.

Every writer replaces a file by a new one (a temp file renamed or exchanged into place), so a change gives the path
a new inode, modification time and, mostly, size. That key alone is not enough: the file system's clock advances in
ticks of a few milliseconds and a freed inode number is soon used again, so a file replaced twice within one tick
can come back with the same inode, time and size — an account changed that way (a role taken away) would be read
stale. As git does with "racily clean" index entries, the key is trusted only for a file that was already older
than `SETTLED_NS` when it was read: any later replacement gets a later time. A younger file is compared by its
bytes, which is still cheaper than parsing it.

Checking a file costs system calls (open, fstat, close), and each one lets another thread take the interpreter
lock: a client-list search checks 256 shards, and under many sessions those hand-overs, not the parsing, bounded
what one server process could serve. So the writers of a data directory also count their replacements in
`ChangeCounters`, a small shared memory map (`locks/changes`): a slot per file (by path hash) that a writer
increments, under the write lock, after it replaced or removed the file. A reader that finds its file's slot as it
was when it last checked the file takes its parsed value without any system call. A writer that died between its
replacement and its count, or a tool that changed a file behind the store's back, is caught by the check that
still runs when an entry's last check is older than `TRUSTED_S`.
"""

from __future__ import annotations

import mmap
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

#: how old a file must be when it is read before its inode, time and size alone say it is unchanged
SETTLED_NS = 2_000_000_000
#: how long a parsed file is taken on its change count alone, before its inode, time and size are looked at again
TRUSTED_S = 1.0
#: slots of `ChangeCounters` (8 bytes each); files sharing a slot only cost each other a check
SLOTS = 4096


class ChangeCounters:
    """Per data directory, how often each file (by slot) was replaced: shared by every process through a memory
    map of one file, read without a system call. `bump` must be called under the directory's write lock, after the
    file was replaced or removed.

    The map is read-only and a bump writes through a descriptor held only for it: a process keeps no file of the
    data directory open for writing (an operator can remount it read-only while the app runs)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._root = os.path.abspath(path.parent.parent)
        self._offsets: dict[Path, int] = {}
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            fd = os.open(path, os.O_RDONLY)  # a read-only directory: an existing map is still read
        try:
            size = os.fstat(fd).st_size
            if size < SLOTS * 8:
                # written zeros, not a sparse file: a count never needs a new block of a full disk
                os.pwrite(fd, bytes(SLOTS * 8 - size), size)
        finally:
            os.close(fd)
        fd = os.open(path, os.O_RDONLY)
        try:
            self._map = mmap.mmap(fd, SLOTS * 8, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)

    @classmethod
    def open(cls, path: Path) -> ChangeCounters | None:
        """The counters, or None where the file cannot be had (a read-only data directory): then every read checks."""
        try:
            return cls(path)
        except (OSError, ValueError):
            return None

    def _offset(self, path: Path) -> int:
        """The file's slot, by its path inside the data directory (the same in every process)."""
        offset = self._offsets.get(path)
        if offset is None:
            inside = os.path.relpath(os.path.abspath(path), self._root)
            offset = self._offsets[path] = zlib.crc32(os.fsencode(inside)) % SLOTS * 8
        return offset

    def count(self, path: Path) -> int:
        offset = self._offset(path)
        return int.from_bytes(self._map[offset:offset + 8], "little")

    def bump(self, path: Path) -> None:
        offset = self._offset(path)
        value = int.from_bytes(self._map[offset:offset + 8], "little") + 1
        try:
            fd = os.open(self._path, os.O_WRONLY)
            try:
                os.pwrite(fd, (value % (1 << 64)).to_bytes(8, "little"), offset)
            finally:
                os.close(fd)
        except OSError:
            pass  # the replacement stands; readers find it by their check after TRUSTED_S


def trusted(counted: int | None, checked: float, count: int | None) -> bool:
    """Whether something read when its change count was `counted` (at `checked`, time.monotonic()) can be taken
    again without a system call: the count `count` is unchanged and the last check younger than TRUSTED_S."""
    return count is not None and counted == count and time.monotonic() - checked < TRUSTED_S


class _Entry(NamedTuple, Generic[T]):
    key: tuple[int, int, int] | None  # None: the file was missing
    raw: bytes | None  # the bytes read, kept only while the file is too young for its key to be trusted
    value: T
    changes: int | None  # the file's change count read before the check, None without counters
    checked: float  # time.monotonic() of the check


class FileMemo(Generic[T]):
    """`parse(bytes)` of each file, parsed again only when the file changed; `missing()` for an absent file. The
    values are shared by every caller and must not be changed."""

    def __init__(self, parse: Callable[[bytes], T], missing: Callable[[], T],
                 changes: ChangeCounters | None = None, *, limit: int | None = None) -> None:
        self._parse = parse
        self._missing = missing
        self._changes = changes
        self._limit = limit  # files kept at most: the memo starts over when it is full
        self._entries: dict[str, _Entry[T]] = {}

    def get(self, path: Path) -> T:
        changes = None if self._changes is None else self._changes.count(path)
        entry = self._entries.get(str(path))
        if entry is not None and trusted(entry.changes, entry.checked, changes):
            return entry.value
        checked = time.monotonic()
        if entry is None and self._limit is not None and len(self._entries) >= self._limit:
            self._entries.clear()
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            missing = self._missing()
            self._entries[str(path)] = _Entry(None, None, missing, changes, checked)
            return missing
        try:
            stat = os.fstat(fd)  # the open file: its bytes and its key belong to the same version
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if entry is not None and entry.key == key and entry.raw is None:
                self._entries[str(path)] = entry._replace(changes=changes, checked=checked)
                return entry.value
            with os.fdopen(os.dup(fd), "rb") as handle:
                raw = handle.read()
        finally:
            os.close(fd)
        value = entry.value if entry is not None and entry.raw == raw else self._parse(raw)
        settled = time.time_ns() - stat.st_mtime_ns > SETTLED_NS
        self._entries[str(path)] = _Entry(key, None if settled else raw, value, changes, checked)
        return value

    def forget(self, path: Path) -> None:
        self._entries.pop(str(path), None)
