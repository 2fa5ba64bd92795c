"""The readers' memo of parsed files (storage/file_memo.py): a file that changes is never read stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from storage import file_memo
from storage.file_memo import SETTLED_NS, ChangeCounters, FileMemo

ROOT = Path(__file__).resolve().parents[2]


def _memo(parsed: list[bytes], changes: ChangeCounters | None = None) -> FileMemo[dict]:
    def parse(raw: bytes) -> dict:
        parsed.append(raw)
        return json.loads(raw)

    return FileMemo(parse, dict, changes)


def _rewrite_in_place(path, data: bytes) -> None:
    """New bytes under the same inode, size and modification time: what two replacements within one clock tick
    can leave behind when the second one gets the first one's freed inode number."""
    before = path.stat()
    with open(path, "r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)


def test_a_young_file_changed_without_a_new_key_is_read_anew(tmp_path):
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    memo = _memo(parsed := [])
    assert memo.get(path) == {"role": "KDN"}
    _rewrite_in_place(path, b'{"role": "IFK"}')
    assert memo.get(path) == {"role": "IFK"}
    assert len(parsed) == 2


def test_a_young_file_with_the_same_bytes_is_not_parsed_again(tmp_path):
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    memo = _memo(parsed := [])
    for _ in range(3):
        assert memo.get(path) == {"role": "KDN"}
    assert len(parsed) == 1


def test_a_settled_file_is_known_by_inode_time_and_size_alone(tmp_path):
    """No read of the bytes at all: an in-place change keeping the key (which no writer of the store makes, and
    which a file older than SETTLED_NS cannot get from a replacement) stays unseen."""
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    old = time.time_ns() - 2 * SETTLED_NS
    os.utime(path, ns=(old, old))
    memo = _memo(parsed := [])
    memo.get(path)
    _rewrite_in_place(path, b'{"role": "IFK"}')
    assert memo.get(path) == {"role": "KDN"}
    assert len(parsed) == 1


def test_a_replaced_file_is_read_anew_and_a_removed_one_is_missing(tmp_path):
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    old = time.time_ns() - 2 * SETTLED_NS
    os.utime(path, ns=(old, old))
    memo = _memo([])
    memo.get(path)
    temp = tmp_path / "users.json.tmp"
    temp.write_bytes(b'{"role": "Fachaufsicht"}')
    os.replace(temp, path)
    assert memo.get(path) == {"role": "Fachaufsicht"}
    path.unlink()
    assert memo.get(path) == {}


# --- with the writers' change counters (locks/changes) ------------------------------------------------------------


def _counted(tmp_path, parsed: list[bytes]) -> tuple[FileMemo[dict], ChangeCounters]:
    (tmp_path / "locks").mkdir(exist_ok=True)
    changes = ChangeCounters(tmp_path / "locks" / "changes")
    return _memo(parsed, changes), changes


def _replace(path, data: bytes) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def test_an_uncounted_file_is_taken_without_a_system_call(tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    memo, _ = _counted(tmp_path, parsed := [])
    memo.get(path)
    missing = tmp_path / "index.json"
    assert memo.get(missing) == {}

    def no_system_call(*args, **kwargs):
        raise AssertionError("system call")

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", no_system_call)
        patched.setattr(os, "fstat", no_system_call)
        assert memo.get(path) == {"role": "KDN"}
        assert memo.get(missing) == {}
    assert len(parsed) == 1


def test_a_replacement_counted_by_another_process_is_seen_at_once(tmp_path):
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    memo, _ = _counted(tmp_path, [])
    assert memo.get(path) == {"role": "KDN"}
    _replace(path, b'{"role": "IFK"}')
    writer = (f"from pathlib import Path; from storage.file_memo import ChangeCounters; "
              f"ChangeCounters(Path({str(tmp_path / 'locks' / 'changes')!r})).bump(Path({str(path)!r}))")
    subprocess.run([sys.executable, "-c", writer], check=True, cwd=ROOT)
    assert memo.get(path) == {"role": "IFK"}


def test_a_created_file_counted_by_its_writer_is_no_longer_missing(tmp_path):
    path = tmp_path / "index.json"
    memo, changes = _counted(tmp_path, [])
    assert memo.get(path) == {}
    path.write_bytes(b'{"a": 1}')
    changes.bump(path)
    assert memo.get(path) == {"a": 1}


def test_an_uncounted_replacement_is_seen_once_the_trust_has_run_out(tmp_path, monkeypatch):
    """A writer that died between its replacement and its count: the file is checked again after TRUSTED_S."""
    path = tmp_path / "users.json"
    path.write_bytes(b'{"role": "KDN"}')
    memo, _ = _counted(tmp_path, [])
    memo.get(path)
    _replace(path, b'{"role": "IFK"}')
    assert memo.get(path) == {"role": "KDN"}  # within TRUSTED_S the count alone decides
    monkeypatch.setattr(file_memo, "TRUSTED_S", 0.0)
    assert memo.get(path) == {"role": "IFK"}


def test_without_the_counters_file_every_read_checks(tmp_path):
    (tmp_path / "locks").mkdir()
    (tmp_path / "locks" / "changes").mkdir()  # cannot be mapped: e.g. a read-only data directory
    assert ChangeCounters.open(tmp_path / "locks" / "changes") is None
