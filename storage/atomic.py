"""Crash-safe file writes and process-plus-thread locks (flock) for the TinyDB backend."""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import ClassVar

from errors import StorageUnavailable

#: Seconds a writer waits for the data directory's write lock before giving up with StorageUnavailable.
LOCK_TIMEOUT = 60.0
#: Seconds between two tries of a lock another process holds (a 50 ms poll dominated the waits under load).
LOCK_POLL = 0.0005
_LOCKED = "Die Daten sind gerade gesperrt. Bitte versuchen Sie es gleich noch einmal."
_libc = ctypes.CDLL(None, use_errno=True)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_tmp(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not keep the torn temp file (issue 10)
        raise
    return tmp


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: temp file, fsync, rename, fsync of the directory. Never leaves a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_tmp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def replace_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (temp file, rename) without fsync: never torn, durable only after
    `sync_filesystem` (the TinyDB store's write-ahead log makes it durable before that)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        _swap_in(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_in(tmp: Path, path: Path) -> None:
    """Put `tmp` in place of `path` atomically. An existing file is exchanged (renameat2 RENAME_EXCHANGE) and the
    old one, now under the temp name, removed: ext4 starts writing a file renamed *over* another out at once
    (auto_da_alloc), which with the next fsync's journal commit doubled a save's cost."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is not None and renameat2(_AT_FDCWD, os.fsencode(tmp), _AT_FDCWD, os.fsencode(path),
                                           _RENAME_EXCHANGE) == 0:  # fmt: skip
        with suppress(OSError):  # the new file is in place; a left-over temp file is only a dot file
            tmp.unlink()
        return
    os.replace(tmp, path)  # no file to exchange with yet, or no renameat2 (then the plain rename)


def overwrite_small(path: Path, data: bytes, width: int = 256) -> None:
    """Overwrite a small note in place (one pwrite, padded with spaces to `width`), without fsync.

    One write of less than a page is never torn by a killed process; readers parse the note as JSON or text,
    which ignores the padding. Cheaper than a replace, which on ext4 starts the writeback of the new file.
    """
    if len(data) > width:
        raise ValueError(f"note longer than {width} bytes")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, data.ljust(width), 0)
        if os.fstat(fd).st_size != width:
            os.ftruncate(fd, width)
    finally:
        os.close(fd)


def sync_filesystem(directory: Path) -> None:
    """Flush every written file and directory entry of the file system holding `directory` (syncfs)."""
    syncfs = getattr(_libc, "syncfs", None)
    if syncfs is None:  # not Linux
        os.sync()
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
    finally:
        os.close(fd)


def exclusive_create(path: Path, data: bytes) -> bool:
    """Create `path` with `data` only if it does not exist yet (complete or not at all). False if it existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_tmp(path, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def dump_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read_json(path: Path) -> object | None:
    """The parsed file, or None if it does not exist."""
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError:
        return None


class ProcessLock:
    """A lock held across the threads of this process (threading.RLock) and across processes (flock).

    The thread lock in front keeps threads of one process queueing cheaply; the file lock is an flock on the lock
    file, opened for the holding and closed after it (three system calls, no descriptor kept between holdings).
    The kernel releases it when a holder dies, so a killed writer never leaves the data directory locked. A holder
    may take it again (nested); the file lock is taken at the outermost and released at the outermost level.
    """

    _registry: ClassVar[dict[str, ProcessLock]] = {}
    _registry_guard: ClassVar[threading.Lock] = threading.Lock()
    _instances: ClassVar[weakref.WeakSet[ProcessLock]] = weakref.WeakSet()

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._thread_lock = threading.RLock()
        self._fd: int | None = None  # the lock file while the lock is held
        self._depth = 0  # how often the holding thread has taken the lock
        self._owner: int | None = None  # threading.get_ident() of the holding thread
        ProcessLock._instances.add(self)

    @classmethod
    def for_path(cls, path: Path) -> ProcessLock:
        key = str(path.resolve())
        with cls._registry_guard:
            lock = cls._registry.get(key)
            if lock is None:
                lock = cls._registry[key] = cls(Path(key))
            return lock

    @classmethod
    def _reset_after_fork(cls) -> None:
        """In a forked child: the parent's open lock files are closed (a lock the parent held at the fork must not
        outlive the parent in the child), and every lock starts free."""
        cls._registry_guard = threading.Lock()
        cls._registry = {}
        for lock in list(cls._instances):
            if lock._fd is not None:
                with suppress(OSError):
                    os.close(lock._fd)
            lock._fd, lock._depth, lock._owner, lock._thread_lock = None, 0, None, threading.RLock()

    def _lock_file(self) -> None:
        """Take the file lock, trying every LOCK_POLL seconds for at most LOCK_TIMEOUT."""
        # read-only: flock needs no write access, and an open for writing would keep the file system from being
        # remounted read-only
        fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    now = time.monotonic()
                    deadline = deadline or now + LOCK_TIMEOUT
                    if now >= deadline:
                        raise StorageUnavailable(_LOCKED) from None
                    time.sleep(LOCK_POLL)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _unlock_file(self) -> None:
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
        finally:
            os.close(fd)  # type: ignore[arg-type]

    @contextmanager
    def held(self) -> Iterator[None]:
        if not self._thread_lock.acquire(timeout=LOCK_TIMEOUT):
            raise StorageUnavailable(_LOCKED)
        try:
            if self._depth == 0:
                self._lock_file()
                self._owner = threading.get_ident()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._unlock_file()
        finally:
            self._thread_lock.release()

    def held_here(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()


os.register_at_fork(after_in_child=ProcessLock._reset_after_fork)
