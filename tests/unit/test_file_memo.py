"""The readers' memo of parsed files (storage/file_memo.py): a file that changes is never read stale."""

from __future__ import annotations

import json
import os
import time

from storage.file_memo import SETTLED_NS, FileMemo


def _memo(parsed: list[bytes]) -> FileMemo[dict]:
    def parse(raw: bytes) -> dict:
        parsed.append(raw)
        return json.loads(raw)

    return FileMemo(parse, dict)


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
