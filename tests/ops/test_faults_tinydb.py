"""Faults of the TinyDB data directory: full disk and read-only file system refuse the save, damage nothing.

Real faults, no simulation: the data directory lives on a small tmpfs mount (needs root, as on CI); "full" is
the mount filled up to ENOSPC by a filler file, "read-only" is `mount -o remount,ro` (EROFS for root, too).
Without mount permission the tests skip with the reason (fail on CI).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from errors import StorageUnavailable
from schemas.records import Profiling, Role
from services.access import SYSTEM
from services.catalogue import ensure_catalogue
from services.profiling import open_profiling, save_profiling, start_profiling
from storage.tinydb_store import TinyDBStore
from tests.factories import make_client, make_user


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted at tmp_path/disk, unmounted afterwards."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    result = _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint))
    if result.returncode != 0:
        reason = f"tmpfs lässt sich nicht einhängen (root nötig): {result.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False)


def _saved_work(data_dir: Path):
    """A store with the catalogue, an IFK, a client and one saved profiling; returns (store, ifk, profiling)."""
    store = TinyDBStore(data_dir)
    ensure_catalogue(store, actor=SYSTEM)
    ifk = store.add(make_user(Role.IFK, username="ifk.fault"), actor=SYSTEM)
    client = store.add(make_client(), actor=ifk)
    profiling = start_profiling(store, client.id, actor=ifk).model_copy(update={"zielberuf": "Fachkraft Lagerlogistik"})
    profiling = save_profiling(store, profiling, actor=ifk)
    return store, ifk, profiling


def _snapshot(data_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(data_dir)): path.read_bytes()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and "locks" not in path.parts
    }


def _assert_undamaged(store: TinyDBStore, ifk, saved: Profiling, before: dict[str, bytes], data_dir: Path) -> None:
    stored = open_profiling(store, saved.id, actor=ifk)
    assert stored.zielberuf == "Fachkraft Lagerlogistik"
    assert stored.revision == saved.revision
    assert store.audit_verify() is None
    assert [entry.action for entry in store.audit_entries(record_id=saved.id)].count("gespeichert") == 0, (
        "refused save left an audit entry"
    )
    after = _snapshot(data_dir)
    for name, content in before.items():
        if name == "audit/head.json":
            continue  # the note of the newest entry moves with every entry (reads too); audit_verify checks it
        if name.startswith("audit/"):
            assert after[name].startswith(content), f"{name}: bisherige Einträge verändert"
        else:
            assert after.get(name) == content, f"{name} wurde verändert"
    assert not [name for name in after if name.endswith(".tmp")], "Temporärdateien liegen geblieben"


def test_full_data_directory_refuses_save_and_keeps_saved_work(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    store, ifk, saved = _saved_work(data_dir)
    before = _snapshot(data_dir)
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:  # fill the disk to the last block
        for block in (65536, 512):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError:
                pass
    finally:
        os.close(fd)

    changed = saved.model_copy(update={"zielberuf": "Lagerist"})
    with pytest.raises(StorageUnavailable) as refused:
        save_profiling(store, changed, actor=ifk)
    assert refused.value.message == (
        "Das Datenverzeichnis kann nicht gelesen oder geschrieben werden (kein Speicherplatz mehr frei). "
        "Die Änderung wurde nicht gespeichert; bereits Gespeichertes bleibt erhalten. "
        "Bitte wenden Sie sich an den IT-Betrieb."
    )
    filler.unlink()
    _assert_undamaged(store, ifk, saved, before, data_dir)
    # with space again the same save goes through
    assert save_profiling(store, changed, actor=ifk).revision == saved.revision + 1
    assert store.audit_verify() is None


def test_read_only_data_directory_refuses_save_and_keeps_saved_work(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    store, ifk, saved = _saved_work(data_dir)
    before = _snapshot(data_dir)
    result = _mount("-o", "remount,ro", str(small_disk))
    assert result.returncode == 0, result.stderr
    try:
        changed = saved.model_copy(update={"zielberuf": "Lagerist"})
        with pytest.raises(StorageUnavailable) as refused:
            save_profiling(store, changed, actor=ifk)
        assert "(schreibgeschützt). Die Änderung wurde nicht gespeichert" in refused.value.message
    finally:
        assert _mount("-o", "remount,rw", str(small_disk)).returncode == 0
    _assert_undamaged(store, ifk, saved, before, data_dir)
    assert save_profiling(store, saved.model_copy(update={"zielberuf": "Lagerist"}), actor=ifk).revision == 2
