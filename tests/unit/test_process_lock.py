"""The TinyDB backend's process-plus-thread lock (flock): exclusive across processes, freed when a holder dies."""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from errors import StorageUnavailable
from storage import atomic
from storage.atomic import ProcessLock


def _child(work: Callable[[int], None]) -> tuple[int, int]:
    """Fork a child running `work(write_fd)`; returns (pid, read end of its pipe). The child never returns."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            work(write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    return pid, read_fd


def _await(read_fd: int, message: bytes) -> None:
    ready, _, _ = select.select([read_fd], [], [], 30)
    assert ready and os.read(read_fd, len(message)) == message


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _hold_forever(path: Path) -> Callable[[int], None]:
    def work(write_fd: int) -> None:
        with ProcessLock.for_path(path).held():
            os.write(write_fd, b"held")
            threading.Event().wait()  # until killed

    return work


def test_a_lock_another_process_holds_is_refused_after_the_timeout_and_free_once_that_process_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "write.lock"
    pid, read_fd = _child(_hold_forever(path))
    try:
        _await(read_fd, b"held")  # inside the try: a failure here still kills the child
        monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 0.05)
        with pytest.raises(StorageUnavailable, match="gerade gesperrt"), ProcessLock.for_path(path).held():
            pass
    finally:
        _kill(pid)
        os.close(read_fd)
    with ProcessLock.for_path(path).held():  # the kernel released the dead holder's lock
        pass


def test_a_nested_holding_keeps_the_lock_until_the_outermost_release(tmp_path: Path) -> None:
    path = tmp_path / "write.lock"
    lock = ProcessLock.for_path(path)
    probe_fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        with lock.held():
            with lock.held():
                pass
            with pytest.raises(BlockingIOError):  # still held after the inner release
                atomic.fcntl.flock(probe_fd, atomic.fcntl.LOCK_EX | atomic.fcntl.LOCK_NB)
        atomic.fcntl.flock(probe_fd, atomic.fcntl.LOCK_EX | atomic.fcntl.LOCK_NB)  # free after the outer one
    finally:
        os.close(probe_fd)


def test_threads_of_one_process_take_the_lock_one_after_the_other(tmp_path: Path) -> None:
    lock = ProcessLock.for_path(tmp_path / "write.lock")
    inside, most = [0], [0]

    def work() -> None:
        for _ in range(200):
            with lock.held():
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1]


def test_a_lock_held_at_a_fork_does_not_outlive_its_holder_in_the_forked_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "write.lock"

    def holder_with_a_child(write_fd: int) -> None:
        with ProcessLock.for_path(path).held():
            grandchild = os.fork()
            if grandchild == 0:
                threading.Event().wait()  # lives on after its parent was killed
            os.write(write_fd, f"{grandchild:>10}".encode())
            threading.Event().wait()

    pid, read_fd = _child(holder_with_a_child)
    grandchild = None
    try:
        ready, _, _ = select.select([read_fd], [], [], 30)
        assert ready
        grandchild = int(os.read(read_fd, 10))
        _kill(pid)
        monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 5.0)
        with ProcessLock.for_path(path).held():  # free although the grandchild still runs
            pass
    finally:
        if grandchild is None:
            _kill(pid)
        else:
            os.kill(grandchild, signal.SIGKILL)
        os.close(read_fd)


def test_locks_of_many_data_directories_keep_no_file_descriptor_open_between_holdings(tmp_path: Path) -> None:
    for number in range(300):
        lock = ProcessLock.for_path(tmp_path / f"d{number}" / "write.lock")
        with lock.held(), lock.held():
            pass
    # only the descriptors of these locks: other objects of the test process (a store's memory map of
    # locks/changes) open and close theirs whenever they are collected
    assert _open_under(tmp_path) == []


def _open_under(directory: Path) -> list[str]:
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the descriptor listdir itself used
            continue
    return [target for target in targets if target.startswith(str(directory))]
