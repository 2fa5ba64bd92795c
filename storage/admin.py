"""Operations for `vierphasen backup | restore | migrate | audit verify`: plain functions returning a German summary."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from errors import AlreadyExists, InvalidInput, StorageUnavailable
from schemas.records import Record
from storage import audit_chain
from storage.atomic import atomic_write, dump_json, fsync_dir
from storage.base import KIND_NAMES, RECORD_KINDS, Store
from storage.core import RuleStore
from storage.tinydb_store import TinyDBStore

MANIFEST = "MANIFEST.json"


def _tinydb(store_or_data_dir: Store | str | Path) -> TinyDBStore:
    if isinstance(store_or_data_dir, TinyDBStore):
        return store_or_data_dir
    if isinstance(store_or_data_dir, Store):
        raise InvalidInput(
            "Die Sicherung gilt dem TinyDB-Datenverzeichnis; PostgreSQL sichern Sie mit pg_dump."
        )
    path = Path(store_or_data_dir)
    if not (path / "FORMAT.json").exists():
        raise InvalidInput(f"{path} ist kein Vierphasen-Datenverzeichnis.")
    return TinyDBStore(path)


def _data_files(root: Path) -> list[Path]:
    """Every data file, relative; without lock files and writers' temp files."""
    files = []
    for directory, subdirs, names in os.walk(root):
        rel_dir = Path(directory).relative_to(root)
        if rel_dir.parts[:1] == ("locks",):
            subdirs[:] = []
            continue
        subdirs.sort()
        files.extend(
            rel_dir / name for name in sorted(names) if not name.startswith(".") and name != MANIFEST
        )
    return files


def _copy(source: Path, target: Path) -> str:
    """Copy one file with fsync; returns its sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _empty_target(target: Path) -> None:
    if target.exists() and any(target.iterdir()):
        raise AlreadyExists(f"Das Verzeichnis {target} ist nicht leer; es wird nichts überschrieben.")


def backup(store_or_data_dir: Store | str | Path, target_dir: str | Path) -> str:
    """Copy the data directory consistently into `target_dir` while the app runs (writers wait meanwhile).

    Raises AlreadyExists if `target_dir` is not empty, InvalidInput for a PostgreSQL store, StorageUnavailable.
    """
    store = _tinydb(store_or_data_dir)
    target = Path(target_dir)
    _empty_target(target)
    staging = target.with_name(f".{target.name}.teilweise")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with store.write_lock():
            files = {str(rel): _copy(store.root / rel, staging / rel) for rel in _data_files(store.root)}
        manifest = {"created_at": datetime.now(UTC).isoformat(), "source": str(store.root.resolve()),
                    "files": files}  # fmt: skip
        atomic_write(staging / MANIFEST, dump_json(manifest))
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
        fsync_dir(target.parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StorageUnavailable(f"Die Sicherung ist fehlgeschlagen: {exc.strerror or exc}.") from exc
    copy = TinyDBStore(target)
    broken = copy.audit_verify()
    entries = len(copy.audit_entries())
    chain = "Audit-Kette intakt" if broken is None else f"ACHTUNG: Audit-Kette bricht bei Eintrag {broken}"
    size = sum((target / rel).stat().st_size for rel in files)
    return f"Sicherung erstellt: {len(files)} Dateien ({size / 1e6:.1f} MB) in {target}; {chain} ({entries} Einträge)."


def _verify_backup(source: Path) -> dict[str, str]:
    try:
        manifest = json.loads((source / MANIFEST).read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"{source} ist keine vollständige Vierphasen-Sicherung ({MANIFEST} fehlt)."
        ) from exc
    files: dict[str, str] = manifest["files"]
    for rel, expected in files.items():
        path = source / rel
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise InvalidInput(f"Die Sicherung ist unvollständig: {rel} fehlt.") from exc
        if actual != expected:
            raise InvalidInput(f"Die Sicherung ist beschädigt: {rel} wurde verändert.")
    return files


def restore(source_dir: str | Path, data_dir: str | Path) -> str:
    """Replace `data_dir` by the backup in `source_dir` after checking every file against its manifest.

    The previous data directory is kept beside it (…vor-wiederherstellung-<Zeit>). Stop the app first.
    Raises InvalidInput for a damaged or incomplete backup, StorageUnavailable.
    """
    source, target = Path(source_dir), Path(data_dir)
    files = _verify_backup(source)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    staging = target.with_name(f".{target.name}.wiederherstellung-{stamp}")
    kept = target.with_name(f"{target.name}.vor-wiederherstellung-{stamp}")
    try:
        for rel in files:
            _copy(source / rel, staging / rel)
        TinyDBStore(staging)  # creates the lock directory
        if target.exists() and any(target.iterdir()):
            with TinyDBStore(target).write_lock():  # no write of a still running instance is cut in half
                os.replace(target, kept)
        elif target.exists():
            target.rmdir()
        os.replace(staging, target)
        fsync_dir(target.parent)
    except OSError as exc:
        raise StorageUnavailable(f"Die Wiederherstellung ist fehlgeschlagen: {exc.strerror or exc}.") from exc
    broken = TinyDBStore(target).audit_verify()
    chain = "Audit-Kette intakt" if broken is None else f"ACHTUNG: Audit-Kette bricht bei Eintrag {broken}"
    previous = f"; bisherige Daten liegen unter {kept}" if kept.exists() else ""
    return f"Wiederhergestellt: {len(files)} Dateien aus {source} nach {target}{previous}; {chain}."


def copy_store(source: RuleStore, target: RuleStore) -> dict[str, int]:
    """Copy every record, audit entry and catalogue version verbatim into the empty `target`; returns counts."""

    def read_all() -> tuple[dict[type[Record], list[Record]], list, list]:
        records = {kind: list(source.export_records(kind)) for kind in RECORD_KINDS}
        return records, source.export_audit(), source.export_catalogue()  # type: ignore[attr-defined]

    if isinstance(source, TinyDBStore):
        with source.write_lock():  # a consistent snapshot of a running installation
            records, audit, catalogue = read_all()
    else:
        records, audit, catalogue = read_all()
    target.import_all(records, audit, catalogue)
    counts = {KIND_NAMES[kind]: len(items) for kind, items in records.items()}
    counts["Audit-Einträge"] = len(audit)
    counts["Katalogversionen"] = len(catalogue)
    return counts


def migrate(source: RuleStore | str | Path, target_url: str, *, schema: str | None = None) -> str:
    """Move all data from `source` (a store, or a TinyDB data directory) into the empty PostgreSQL database.

    Raises InvalidInput if the directory is no Vierphasen data directory, AlreadyExists if the target holds data,
    StorageUnavailable if it cannot be reached.
    """
    from storage.postgres_store import PostgresStore

    source_store = source if isinstance(source, RuleStore) else _tinydb(source)
    broken = source_store.audit_verify()  # with a key: a trail tampered with is not carried over and re-signed
    if broken is not None:
        raise StorageUnavailable(f"Die Audit-Kette der Quelle bricht bei Eintrag {broken}; es wird nichts übernommen.")
    target = PostgresStore(target_url, schema=schema)
    try:
        counts = copy_store(source_store, target)
        broken = target.audit_verify()
    finally:
        target.close_store()
    if broken is not None:
        raise StorageUnavailable(f"Nach der Übernahme bricht die Audit-Kette bei Eintrag {broken}.")
    listed = ", ".join(f"{count} {name}" for name, count in counts.items())
    return f"Übernommen nach PostgreSQL: {listed}; Audit-Kette intakt."


def audit_verify(store: Store) -> tuple[bool, str]:
    """(intact, German message) for `vierphasen audit verify`; the CLI exits 1 when not intact."""
    broken = store.audit_verify()
    keyed = audit_chain.audit_key() is not None
    if broken is None:
        if not keyed:
            return True, (f"Audit-Kette intakt ({len(store.audit_entries())} Einträge). Warnung: kein Schlüssel "
                          f"({audit_chain.KEY_ENV} / {audit_chain.KEY_FILE_ENV}) gesetzt – wer die Daten "
                          "schreiben kann, könnte Kette und Ende unbemerkt neu berechnen.")
        return True, f"Audit-Kette intakt und mit dem Schlüssel bestätigt ({len(store.audit_entries())} Einträge)."
    return False, f"Audit-Kette gebrochen: erster betroffener Eintrag Nr. {broken}."


def audit_seal(store: RuleStore) -> str:
    """Sign the trail's newest entry with the current key (`vierphasen audit seal`): once after configuring a
    key on an installation that had none, and after a key rotation or loss. Refuses while the chain is broken."""
    if audit_chain.audit_key() is None:
        raise InvalidInput(f"Es ist kein Schlüssel gesetzt ({audit_chain.KEY_ENV} oder {audit_chain.KEY_FILE_ENV}).")
    seq = store.audit_seal()  # type: ignore[attr-defined]
    return f"Audit-Kette bis Eintrag Nr. {seq or 0} mit dem aktuellen Schlüssel bestätigt."
