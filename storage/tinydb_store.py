"""The embedded backend: TinyDB files under the data directory, one small file per client and kind.

Layout (every JSON file is replaced atomically, never written in place):

    DATA/clients/<ab>/<client_id>/<table>.json   TinyDB file per client and kind (clients, profilings, egvs …)
    DATA/ids/<ab>/<record_id>.json               where a client's record lives ({"table", "client_id"})
    DATA/index/clients-<ab>.json                 search index for the client list (256 shards by client id)
    DATA/index/kundennummer-<ab>.json            Kundennummer → client id (256 shards by Kundennummer)
    DATA/index/summary-<ab>.json                 per-client report summaries (issue 9)
    DATA/index/ready.json                        the format of the indexes above (rebuilt once when it changes)
                                                 (index shards hold one entry a line: storage/shards.py)
    DATA/users.json                              TinyDB file with the accounts
    DATA/vertretungen.json                       TinyDB file with the Vertretungen (issue 14)
    DATA/audit/audit.jsonl                       the hash-chained audit trail, one entry a line, append-only
    DATA/catalogue/v0001.json                    published catalogue versions, created once, never replaced
    DATA/locks/write.lock                        the write lock (flock) every change holds
    DATA/locks/audit.lock                        the audit lock (flock) every audit append holds, briefly
    DATA/locks/wal.jsonl                         the write-ahead log: one line per change since the checkpoint
    DATA/locks/wal.applied                       boot id and WAL offset up to which the files are written

Every change holds one write lock for its read-check-write, so the audit chain, the index and the record file
always agree. A change is committed by one fsynced append to the write-ahead log (the record as stored, its id
pointer and its audit line); the record file, pointer, index shards and audit line are then replaced or
appended without fsync, and the log is replayed after a crash (see `commit`). Reads take no lock; an audit
entry for a read holds only the audit lock for its append, never the write lock. The cost of a change depends
only on the one client's file, a few index shards and the tail of the audit file.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from errors import AlreadyExists, InvalidInput, NotFound, StorageUnavailable
from schemas.audit import Aktion, AuditAction
from schemas.records import (
    AuditEntry,
    CatalogueDraft,
    CatalogueVersion,
    Client,
    Profiling,
    Record,
    Status,
    User,
    utcnow,
)
from storage import audit_chain, shards, summary
from storage.atomic import (
    ProcessLock,
    atomic_write,
    dump_json,
    exclusive_create,
    fsync_dir,
    overwrite_small,
    read_json,
    replace_file,
    sync_filesystem,
)
from storage.audit_chain import SEAL_REFUSED
from storage.base import CLIENT_KINDS, INSTALLATION_KINDS, KIND_NAMES, DueItem, R, ReportCounts, state_live
from storage.core import (
    KINDS_BY_TABLE,
    TABLES,
    RuleStore,
    audit_fields,
    check_id,
    check_kind,
    check_text,
    stale_draft,
)
from storage.file_memo import ChangeCounters, FileMemo, trusted
from storage.group_commit import GroupCommit

_SHARDS = 256
#: Client directories whose paths a store keeps computed (a save derives several paths from one client id).
_PATH_CACHE = 4096
#: record files kept parsed for readers (about 25 MB at most with large cases); the memo starts over when full
_DOC_MEMO = 1024
#: Bytes of write-ahead log after which a checkpoint (syncfs, empty log) follows the change.
WAL_LIMIT = 1 << 20
#: The log file is grown in steps of this many zero bytes and kept filled with zeros beyond its lines: an append
#: then overwrites blocks the file already has, and its fdatasync flushes only them (no journal commit of the file
#: system for a new size, which would also wait for every other file written since).
WAL_STEP = 256 << 10
#: (path, bytes before) of every file a change replaced, to put back if the change fails half way.
Undo = list[tuple[Path, bytes | None]]
#: Content of DATA/index/ready.json; a new format (what an index holds) rebuilds every index once at start.
_DERIVED_FORMAT = b'{"format":3}'  # 3: summaries hold consent decisions, measures and job starts
_UNAVAILABLE = "Das Datenverzeichnis kann nicht gelesen oder geschrieben werden"
#: German reasons for the OS errors an operator can fix (issue 10: full disk, read-only mount, permissions).
_OS_REASONS = {
    errno.ENOSPC: "kein Speicherplatz mehr frei",
    errno.EDQUOT: "Speicherkontingent erschöpft",
    errno.EROFS: "schreibgeschützt",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "keine Berechtigung",
    errno.EIO: "Ein-/Ausgabefehler",
}
#: In a change's memo of files: read as bytes, not parsed yet (an index shard is changed without parsing it).
_UNPARSED = object()
_NOTHING_CHANGED = (
    "Die Änderung wurde nicht gespeichert; bereits Gespeichertes bleibt erhalten. "
    "Bitte wenden Sie sich an den IT-Betrieb."
)


class AtomicJSONStorage(Storage):
    """A TinyDB storage that replaces its file atomically (temp file, fsync, rename, fsync of the directory)."""

    def __init__(self, path: str | Path, durable: bool = True):
        self.path = Path(path)
        self.durable = durable

    def read(self) -> dict[str, dict[str, Any]] | None:
        return read_json(self.path)  # type: ignore[return-value]

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = dump_json(data)
        if self.durable:
            atomic_write(self.path, payload)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(payload)

    def close(self) -> None:
        pass


@functools.cache
def _boot_id() -> str:
    """This boot of the machine: page-cache contents (files written without fsync) survive only within one."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unbekannt"


def shard(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:2]


@contextmanager
def _io_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
        raise StorageUnavailable(f"{_UNAVAILABLE} ({reason}). {_NOTHING_CHANGED}") from exc


class _TinyTx:
    """One change of one record under the write lock (see RuleStore._tx)."""

    def __init__(self, store: TinyDBStore, kind: type[Record], record_id: str, client_id: str | None):
        self.store = store
        self.kind = kind
        self.record_id = record_id
        self.table = TABLES[kind]
        self.pointer_needed = False
        if kind in INSTALLATION_KINDS:
            self.path = store.installation_file(kind)
        elif kind is Client:
            self.path = store.client_file(record_id, "clients")
        else:
            pointer = store.read_pointer(record_id)
            if pointer is not None and store.pointed_record(pointer, record_id) is not None:
                # the id is taken (by this kind or another): an add must see it as existing
                self.path = store.client_file(pointer["client_id"], pointer["table"])
                if pointer["table"] != self.table:  # the id belongs to a record of another kind
                    self.stored = None
                    self.foreign = True
                    return
            elif client_id is not None:
                if store.read_from(store.client_file(client_id, "clients"), "clients", client_id) is None:
                    raise NotFound(f"Kunde „{client_id}“ wurde nicht gefunden.")
                self.path = store.client_file(client_id, self.table)
                self.pointer_needed = True
                self.client_id = client_id
            else:
                self.path = None  # not stored
        self.foreign = False
        self.stored = None
        if self.path is not None:
            data = store.read_from(self.path, self.table, record_id)
            self.stored = kind.model_validate(data) if data is not None else None

    def ensure_unique(self, record: Record) -> None:
        if self.foreign:
            raise AlreadyExists(f"Die Kennung „{record.id}“ ist bereits vergeben.")
        if isinstance(record, Client):
            other = self.store.client_by_kundennummer(record.kundennummer)
            if other is not None and other.id != record.id:
                raise AlreadyExists(f"Die Kundennummer {record.kundennummer} ist bereits vergeben.")
        elif isinstance(record, User):
            other = self.store.user_by_username(record.username)
            if other is not None and other.id != record.id:
                raise AlreadyExists(f"Der Benutzername „{record.username}“ ist bereits vergeben.")

    def put(self, record: Record, *, audit: dict[str, Any]) -> None:
        if self.foreign:
            raise InvalidInput("Die Kennung gehört zu einem anderen Datensatz.", field="id")
        self.store.commit(self, record.model_dump(mode="json"), audit=audit)

    def user(self, username: str) -> User | None:
        return self.store.user_by_username(username)

    def delete(self, *, audit: dict[str, Any]) -> None:
        self.store.commit(self, None, audit=audit)



_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:-]+")


def _lines_containing(raw: bytes, text: bytes, stop: int) -> list[bytes]:
    """The complete (newline-ended) lines of `raw` up to `stop` that contain `text` (which has no newline), each
    once, in order."""
    lines = []
    at = raw.find(text, 0, stop)
    while at != -1:
        end = raw.find(b"\n", at, stop)
        if end == -1:  # in the incomplete last line
            break
        lines.append(raw[raw.rfind(b"\n", 0, at) + 1 : end])
        at = raw.find(text, end, stop)
    return lines


#: The audit trail is read in pieces of this size: it grows with every access of the house, and a reader must
#: not hold all of it in memory at once.
_SCAN_CHUNK = 4 << 20


def _complete_lines(path: Path, containing: bytes = b"") -> Iterator[bytes]:
    """The complete (newline-ended) lines of the file at `path` in order, read a piece at a time; with
    `containing`: only those that contain these bytes, found without splitting the others. A line being written
    (the part after the last newline) is left out."""
    with open(path, "rb") as file:
        rest = b""
        while piece := file.read(_SCAN_CHUNK):
            data = rest + piece
            cut = data.rfind(b"\n") + 1  # the complete lines end here
            if containing:
                yield from _lines_containing(data, containing, cut)
            else:
                yield from data[: cut - 1].split(b"\n") if cut else ()
            rest = data[cut:]


class TinyDBStore(RuleStore):
    """The embedded default store under `data_dir`."""

    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir)
        with _io_errors():
            for sub in ("clients", "ids", "index", "audit", "catalogue", "locks"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        #: how often each file was replaced, shared by the processes on this directory (storage/file_memo.py)
        self._changes = ChangeCounters.open(self.root / "locks" / "changes")
        #: the readers' parsed index shards (client list, Kundennummer, report summary) by path
        self._index_memo: FileMemo[dict[str, dict]] = FileMemo(lambda raw: json.loads(raw) or {}, dict,
                                                               self._changes)
        self._client_dirs: dict[str, Path] = {}
        #: per thread, while it holds the write lock in `_tx`: `files` (path → (bytes, parsed) as read or written
        #: in this change) and `applied` (the WAL offset); dropped when the lock is released (see `_tx_memo`)
        self._local = threading.local()
        #: the files this store last wrote within a change: path → (bytes written, parsed); a change reuses the
        #: parsed data only if the file's bytes are still exactly these (see `_read_doc`)
        self._written: dict[Path, tuple[bytes, Any]] = {}
        #: users.json's rows by username as last read outside a change; see `_users_by_name`
        self._users_memo: FileMemo[dict[str, dict]] = FileMemo(_users_by_name, dict, self._changes)
        #: record files and id pointers as parsed, read outside a change (a page rerun reads its client's files)
        self._doc_memo: FileMemo[Any] = FileMemo(json.loads, lambda: None, self._changes, limit=_DOC_MEMO)
        #: the published catalogue versions as parsed (a page rerun reads the newest and its record's version)
        self._catalogue_memo: FileMemo[dict | None] = FileMemo(json.loads, lambda: None, self._changes)
        #: (count, time.monotonic(), numbers) of the last listing of the catalogue folder
        self._catalogue_listing: tuple[int | None, float, list[int]] | None = None
        #: the client list's shards; their replacements are also counted under `_client_list_key` (`_changed`)
        self._client_shards = tuple(self.root / "index" / f"clients-{number:02x}.json" for number in range(_SHARDS))
        self._client_list_key = self.root / "index" / "clients"
        #: (count, time.monotonic(), rows by name) of the last merge of the client list's shards
        self._client_list: tuple[int | None, float, list[dict]] | None = None
        with _io_errors():
            exclusive_create(
                self.root / "FORMAT.json", dump_json({"format": "vierphasen-tinydb", "version": 1})
            )
        self.lock = ProcessLock.for_path(self.root / "locks" / "write.lock")
        self.audit_lock = ProcessLock.for_path(self.root / "locks" / "audit.lock")
        self._audit_group: GroupCommit[dict[str, Any], AuditEntry] = GroupCommit(self._append_audit_entries)
        with suppress(StorageUnavailable), _io_errors():
            if not self._wal_path.exists():
                self._zero_wal(0)
                fsync_dir(self._wal_path.parent)
            if self._wal_pending(0):  # changes since the last checkpoint: finish them before a read
                with self.write_lock():
                    pass
        if not self._derived_ready():  # a new directory, or one from before an index format change
            with suppress(StorageUnavailable), _io_errors(), self.lock.held():
                if not self._derived_ready():
                    self._build_derived(self._write_counted)

    def __repr__(self) -> str:
        return f"TinyDBStore({str(self.root)!r})"

    # --- paths and files ---------------------------------------------------------------------------
    def client_dir(self, client_id: str) -> Path:
        path = self._client_dirs.get(client_id)
        if path is None:
            if len(self._client_dirs) >= _PATH_CACHE:
                self._client_dirs.clear()
            path = self._client_dirs[client_id] = self.root / "clients" / shard(client_id) / client_id
        return path

    def installation_file(self, kind: type[Record]) -> Path:
        """users.json, vertretungen.json: the kinds kept per installation."""
        return self.root / f"{TABLES[kind]}.json"

    def client_file(self, client_id: str, table: str) -> Path:
        return self.client_dir(client_id) / f"{table}.json"

    def pointer_path(self, record_id: str) -> Path:
        return self.root / "ids" / shard(record_id) / f"{record_id}.json"

    def read_pointer(self, record_id: str) -> dict[str, str] | None:
        return self._read_doc(self.pointer_path(record_id))  # type: ignore[return-value]

    def _read_raw(self, path: Path) -> bytes | None:
        """The file's bytes (None if missing); within a change read once and then taken from its memo."""
        files = getattr(self._local, "files", None)
        cached = files.get(path) if files is not None else None
        if cached is None:
            try:
                raw: bytes | None = path.read_bytes()
            except FileNotFoundError:
                raw = None
            if files is None:
                return raw
            # taken out: from now on the change owns (and may change) the parsed data
            written = self._written.pop(path, None)
            if written is not None and raw is not None and written[0] == raw:
                cached = files[path] = written  # the same bytes as this store wrote: no need to parse them
            else:
                cached = files[path] = (raw, _UNPARSED)
        return cached[0]

    def _read_doc(self, path: Path) -> Any:
        """The parsed file (None if missing); within a change read and parsed once and then taken from its memo."""
        files = getattr(self._local, "files", None)
        if files is None:
            return self._doc_memo.get(path)  # shared by the readers: never changed
        raw = self._read_raw(path)
        parsed = files[path][1]
        if parsed is _UNPARSED:
            parsed = json.loads(raw) if raw else None
            files[path] = (raw, parsed)
        return parsed

    def _wrote(self, path: Path, payload: bytes, data: Any = _UNPARSED) -> None:
        """Note that a change replaced `path` with `payload`, the dump of `data` (which it changes no more)."""
        files = getattr(self._local, "files", None)
        if files is None:
            return
        files[path] = (payload, data)
        if len(self._written) >= _PATH_CACHE:
            self._written.clear()
        self._written[path] = (payload, data)

    def pointed_record(self, pointer: dict[str, str], record_id: str) -> dict | None:
        return self.read_from(
            self.client_file(pointer["client_id"], pointer["table"]), pointer["table"], record_id
        )

    def read_from(self, path: Path, table: str, record_id: str) -> dict | None:
        data = self._read_doc(path)
        if not data:
            return None
        for document in data.get(table, {}).values():  # type: ignore[union-attr]
            if document.get("id") == record_id:
                return document
        return None

    def read_table(self, path: Path, table: str) -> list[dict]:
        data = self._read_doc(path)
        return list(data.get(table, {}).values()) if data else []  # type: ignore[union-attr]

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the data directory's write and audit locks: nothing changes meanwhile (backup, migration).

        Changes that a dead writer committed but did not finish are finished first (see `_recover`).
        """
        with self.lock.held(), self.audit_lock.held():
            self._recover()
            yield

    @contextmanager
    def _tx(self, kind: type[Record], record_id: str, *, client_id: str | None = None) -> Iterator[_TinyTx]:
        with _io_errors(), self.lock.held(), self._tx_memo():
            self._recover()
            yield _TinyTx(self, kind, record_id, client_id)

    @contextmanager
    def _tx_memo(self) -> Iterator[None]:
        """Remember the files a change reads and writes, and the WAL offset, while this thread holds the write lock.

        Safe because every writer of the record files, indexes, `wal.applied` and the log holds the write lock
        (an audit append for a read holds only the audit lock and touches only the audit trail and its head), so
        nothing another process or thread writes can make the memo stale. It lives for one lock holding only.
        """
        outer = getattr(self._local, "files", None), getattr(self._local, "applied", None)
        self._local.files, self._local.applied = {}, None
        try:
            yield
        except BaseException:
            self._written.clear()  # a change that failed half way may have changed data it had read
            raise
        finally:
            self._local.files, self._local.applied = None, None
            if outer[0] is not None:  # a change nested in another: the outer one reads afresh
                self._local.files = {}

    # --- write-ahead log -------------------------------------------------------------------------------
    # A change touches several files: the record's file, the id pointer, the client index, the report summary
    # and the audit trail. It is committed by one line in the write-ahead log, appended and fsynced under the
    # write and audit locks: the record as stored (or None: deleted), its pointer and its audit line. Then the
    # files are replaced (temp file and rename, so none is ever torn) and the audit line appended, all without
    # fsync, and `wal.applied` notes the log offset they reach. A writer killed before the log line is complete
    # changed nothing; one killed after it is finished by the next holder of the write lock, which replays the
    # lines after the noted offset (the next audit append completes the trail at once). After a power loss
    # (another boot id in `wal.applied`) the whole log is replayed. Every WAL_LIMIT bytes a checkpoint flushes
    # the file system (syncfs) and empties the log. Replaying a line twice writes the same files again.
    @functools.cached_property
    def _wal_path(self) -> Path:
        return self.root / "locks" / "wal.jsonl"

    @functools.cached_property
    def _applied_path(self) -> Path:
        return self.root / "locks" / "wal.applied"

    def _applied(self) -> int:
        """The WAL offset up to which the files are written; 0 after a power loss (another boot)."""
        memo = getattr(self._local, "applied", None)
        if memo is not None:
            return memo
        try:
            boot, offset = self._applied_path.read_text().split()
        except (FileNotFoundError, ValueError):
            offset, boot = "0", _boot_id()
        applied = int(offset) if boot == _boot_id() else 0
        if getattr(self._local, "files", None) is not None:  # within a change (see `_tx_memo`)
            self._local.applied = applied
        return applied

    def _set_applied(self, offset: int) -> None:
        overwrite_small(self._applied_path, f"{_boot_id()} {offset}".encode(), width=64)
        if getattr(self._local, "files", None) is not None:
            self._local.applied = offset

    def commit(self, tx: _TinyTx, data: dict | None, *, audit: dict[str, Any]) -> None:
        """Store `data` (None: delete) as the record of `tx` with its audit entry; under the write lock."""
        audit_chain.audit_key()  # an unusable configured key refuses before anything is written
        note: dict[str, Any] = {"path": tx.path.relative_to(self.root).as_posix(), "table": tx.table,
                                "id": tx.record_id, "data": data}  # fmt: skip
        if data is not None and tx.pointer_needed:
            note["pointer"] = tx.client_id
        if data is None and tx.kind in CLIENT_KINDS:
            note["unpointer"] = True
        with self.audit_lock.held():
            seq, prev = self._chain_tail()
            entry = audit_chain.make_entry(seq=seq + 1, prev_hash=prev, at=utcnow(), **audit)
            line = self._audit_line(entry)
            note["audit"] = line.decode("utf-8")
            audit_size = self._size(self.audit_path)
            start = self._applied()  # `_recover` has replayed every line before it
            end = self._wal_append(dump_json(note) + b"\n", start)
            undo: Undo = []
            try:
                self._append_lines([line], durable=False)
                self._apply(note, undo)
                self._write_audit_head(entry.seq, entry.hash)  # last: a refused change leaves the old head
            except OSError:
                self._rollback(undo, audit_size, start)
                raise
            self._set_applied(end)
            if end > WAL_LIMIT:
                self._checkpoint()

    @staticmethod
    def _size(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def _wal_append(self, line: bytes, start: int) -> int:
        """Write one line at `start` (over zero bytes) and flush it; returns its end. A failed write is zeroed."""
        fd = os.open(self._wal_path, os.O_WRONLY)
        try:
            size = os.fstat(fd).st_size
            if start + len(line) > size:  # grow by zeros first (flushed), so that the line overwrites zeros
                self._write_zeros(fd, size, start + len(line) + WAL_STEP)
                os.fsync(fd)
            try:
                view, offset = memoryview(line), start
                while view:
                    written = os.pwrite(fd, view, offset)
                    view, offset = view[written:], offset + written
                os.fdatasync(fd)
            except BaseException:
                with suppress(OSError):
                    os.pwrite(fd, bytes(len(line)), start)
                raise
        finally:
            os.close(fd)
        return start + len(line)

    @staticmethod
    def _write_zeros(fd: int, start: int, end: int) -> None:
        while start < end:
            start += os.pwrite(fd, bytes(min(end - start, 1 << 20)), start)

    def _zero_wal(self, used: int) -> None:
        """Zero the log's first `used` bytes (a new log: WAL_STEP of them) and flush."""
        fd = os.open(self._wal_path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            self._write_zeros(fd, 0, used or WAL_STEP)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _wal_pending(self, start: int) -> bool:
        """Whether the log holds bytes (a line, or a torn one) at `start`."""
        fd = os.open(self._wal_path, os.O_RDONLY)
        try:
            return os.pread(fd, 1, start) not in (b"", b"\0")
        finally:
            os.close(fd)

    def _wal_lines(self, start: int) -> bytes:
        """The log's bytes from `start` up to the first zero byte (the end of what was ever written)."""
        parts = []
        with open(self._wal_path, "rb") as handle:
            handle.seek(start)
            while chunk := handle.read(1 << 16):
                zero = chunk.find(b"\0")
                if zero != -1:
                    parts.append(chunk[:zero])
                    break
                parts.append(chunk)
        return b"".join(parts)

    def _rollback(self, undo: Undo, audit_size: int, wal_size: int) -> None:
        """Put back a change refused half way (disk full); if that fails too, it stays committed and is replayed."""
        if getattr(self._local, "files", None):
            self._local.files.clear()  # the files put back below are read afresh
        try:
            for path, before in reversed(undo):
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    replace_file(path, before)
                self._changed(path)
            if self._size(self.audit_path) > audit_size:
                os.truncate(self.audit_path, audit_size)
            fd = os.open(self._wal_path, os.O_WRONLY)
            try:
                os.pwrite(fd, bytes(len(self._wal_lines(wal_size))), wal_size)
                os.fdatasync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass

    def _apply(self, note: dict[str, Any], undo: Undo | None) -> None:
        """Write the record, pointer and indexes a log line names (not its audit line)."""
        path = self.root / note["path"]
        record_id = note["id"]
        if note.get("pointer"):
            pointer = dump_json({"table": note["table"], "client_id": note["pointer"]})
            self._put_file(self.pointer_path(record_id), pointer, undo)
        self._write_record(path, note["table"], record_id, note["data"], undo)
        if note.get("unpointer"):
            self._put_file(self.pointer_path(record_id), None, undo)
        self.derived_changed(path, undo)

    def _put_file(self, path: Path, data: bytes | None, undo: Undo | None, before: bytes | None | bool = False) -> None:
        """Replace (None: remove) a file without fsync, noting its bytes before in `undo`."""
        files = getattr(self._local, "files", None)
        cached = files.pop(path, None) if files is not None else None  # dropped before the file changes
        self._written.pop(path, None)
        if undo is not None and before is False:
            if cached is not None:
                before = cached[0]
            else:
                try:
                    before = path.read_bytes()
                except FileNotFoundError:
                    before = None
        if data is None:
            path.unlink(missing_ok=True)
        else:
            replace_file(path, data)
        self._changed(path)
        if undo is not None:  # only once replaced: a refused replace left the file as it was
            undo.append((path, before))  # type: ignore[arg-type]

    def _changed(self, path: Path) -> None:
        """Count a replacement or removal of `path` for the readers' caches in every process (under the lock)."""
        if self._changes is not None:
            self._changes.bump(path)
            if path.parent.name == "catalogue" and path.parent.parent == self.root:  # a version: the listing too
                self._changes.bump(path.parent)
            elif path.parent == self._client_list_key.parent and path.name.startswith("clients-"):  # the list too
                self._changes.bump(self._client_list_key)

    def _write_counted(self, path: Path, data: bytes, *, durable: bool = True) -> None:
        """Write a whole file outside a change (building indexes, an import): with fsync unless not `durable`."""
        (atomic_write if durable else _plain_write)(path, data)
        self._changed(path)

    def _write_record(self, path: Path, table: str, record_id: str, data: dict | None, undo: Undo | None) -> None:
        """Put `data` as the record `record_id` into the TinyDB file (None: remove it); TinyDB's document ids."""
        self._read_doc(path)
        files = getattr(self._local, "files", None)
        if files is not None:
            before, doc = files.pop(path)  # taken out of the memo while `doc` changes below
            self._written.pop(path, None)
            doc = doc or {}
        else:
            try:
                before = path.read_bytes()
            except FileNotFoundError:
                before = None
            doc = json.loads(before) if before else {}
        rows = doc.get(table, {})
        key = next((k for k, row in rows.items() if row.get("id") == record_id), None)
        if data is None:
            if key is None:
                return
            del rows[key]
        else:
            if key is None:
                key = str(max((int(k) for k in rows), default=0) + 1)
            rows[key] = data
        doc[table] = rows
        payload = dump_json(doc)
        self._put_file(path, payload, undo, before)
        self._wrote(path, payload, doc)

    def _recover(self) -> None:
        """Finish the changes the log holds beyond `wal.applied`; the caller holds the write lock."""
        applied = self._applied()
        if not self._wal_pending(applied):
            return
        with self.audit_lock.held():
            self._replay(applied)

    def _replay(self, start: int) -> None:
        """Apply the log's lines from offset `start` (audit lines only where the trail lacks them); zero a torn one."""
        raw = self._wal_lines(start)
        end = start
        for line in raw.split(b"\n")[:-1]:
            try:
                note = json.loads(line)
            except ValueError:
                break  # a torn line (only the last one can be): never committed
            self._apply(note, None)
            audit_line = note["audit"].encode("utf-8")
            entry = json.loads(audit_line)
            seq, _ = self._audit_tail()
            if entry["seq"] > seq:
                self._append_lines([audit_line], durable=False)
                self._write_audit_head(entry["seq"], entry["hash"])
            end += len(line) + 1
        if end < start + len(raw):  # a torn line (its writer died): zeroed, the next line goes there
            fd = os.open(self._wal_path, os.O_WRONLY)
            try:
                os.pwrite(fd, bytes(start + len(raw) - end), end)
                os.fdatasync(fd)
            finally:
                os.close(fd)
        self._set_applied(end)
        if start == 0 and end:  # after a power loss: make the replayed files durable at once
            self._checkpoint()

    def _chain_tail(self) -> tuple[int, str]:
        """`_audit_tail`, after appending the audit line of a change a dead writer committed but did not append.

        The caller holds the audit lock.
        """
        seq, digest = self._audit_tail()
        applied = self._applied()
        if not self._wal_pending(applied):
            return seq, digest
        lines = self._wal_lines(applied).split(b"\n")[:-1]
        for line in reversed(lines):
            try:
                entry = json.loads(json.loads(line)["audit"])
            except ValueError:
                continue
            if entry["seq"] == seq + 1 and entry["prev_hash"] == digest:
                self._append_lines([json.loads(line)["audit"].encode("utf-8")], durable=False)
                self._write_audit_head(entry["seq"], entry["hash"])
                return entry["seq"], entry["hash"]
            break
        return seq, digest

    def _checkpoint(self) -> None:
        """Make every file the log names durable (syncfs), then empty the log; under the write and audit locks."""
        sync_filesystem(self.root)
        self._zero_wal(len(self._wal_lines(0)))
        self._set_applied(0)

    # --- client index ------------------------------------------------------------------------------
    def _index_path(self, client_id: str) -> Path:
        return self.root / "index" / f"clients-{shard(client_id)}.json"

    def _index_shard(self, path: Path) -> dict[str, dict]:
        return self._index_memo.get(path)

    def derived_changed(self, path: Path, undo: Undo | None = None) -> None:
        """Bring the client indexes and the report summary in line with a changed record file (under the lock).

        Shards are read afresh, not through the readers' cache: a writer must never rewrite one from stale data.
        """
        if path.parent == self.root:  # users.json, vertretungen.json: no client index
            return
        client_id = path.parent.name
        if path.stem == "clients":
            self._index_put(client_id, undo)
        self.summary_changed(client_id, path.stem, undo)

    def _index_put(self, client_id: str, undo: Undo | None = None) -> None:
        client = self.read_from(self.client_file(client_id, "clients"), "clients", client_id)
        path = self._index_path(client_id)
        raw = self._read_raw(path)
        old = shards.get(raw, client_id)
        self._put_shard(path, raw, client_id, client, undo)
        if old is not None and (client is None or old["kundennummer"] != client["kundennummer"]):
            self._number_put(old["kundennummer"], None, undo, only_if=client_id)
        if client is not None:
            self._number_put(client["kundennummer"], client_id, undo)

    def _number_path(self, kundennummer: str) -> Path:
        return self.root / "index" / f"kundennummer-{shard(kundennummer)}.json"

    def _number_put(self, kundennummer: str, client_id: str | None, undo: Undo | None, *,
                    only_if: str | None = None) -> None:
        path = self._number_path(kundennummer)
        raw = self._read_raw(path)
        if only_if is not None and shards.get(raw, kundennummer) != only_if:
            return
        self._put_shard(path, raw, kundennummer, client_id, undo)

    def _put_shard(self, path: Path, raw: bytes | None, key: str, value: Any, undo: Undo | None) -> None:
        """Set one entry of an index shard (None: remove it); an unchanged entry leaves the shard as it is."""
        payload = shards.put(raw, key, value)
        if payload is not None:
            self._put_file(path, payload, undo, raw)
            self._wrote(path, payload)

    def _all_indexed(self) -> list[dict]:
        """Every client's index row, by name: merged from the 256 shards again only when one of them was replaced
        (`_changed` counts them together) or the merge is no longer `trusted` (storage/file_memo.py). A client
        search lists them all at every rerun of the Kunden page. The rows are shared and must not be changed."""
        changes = None if self._changes is None else self._changes.count(self._client_list_key)
        listed = self._client_list
        if listed is not None and trusted(listed[0], listed[1], changes):
            return listed[2]
        checked = time.monotonic()
        rows = sorted((row for path in self._client_shards for row in self._index_shard(path).values()),
                      key=lambda r: (r["nachname"].lower(), r["vorname"].lower(), r["id"]))
        self._client_list = (changes, checked, rows)
        return rows

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, kind: type[R], record_id: str) -> R:
        check_kind(kind)
        check_id(record_id)
        table = TABLES[kind]
        with _io_errors():
            if kind in INSTALLATION_KINDS:
                data = self.read_from(self.installation_file(kind), table, record_id)
            elif kind is Client:
                data = self.read_from(self.client_file(record_id, table), table, record_id)
            else:
                pointer = self.read_pointer(record_id)
                data = None
                if pointer is not None and pointer.get("table") == table:
                    data = self.pointed_record(pointer, record_id)
        if data is None:
            raise self._not_found(kind, record_id)
        return kind.model_validate(data)

    def list_for_client(self, kind: type[R], client_id: str) -> list[R]:
        check_kind(kind)
        check_id(client_id)
        with _io_errors():
            rows = self.read_table(self.client_file(client_id, TABLES[kind]), TABLES[kind])
        records = [kind.model_validate(row) for row in rows]
        records.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        return records

    def find_clients(self, text: str = "", *, team: str | None = None, limit: int = 50) -> list[Client]:
        needle = check_text(text).strip().lower()
        hits = []
        with _io_errors():
            for row in self._all_indexed():
                if team is not None and row["team"] != team:
                    continue
                if needle and not any(
                    needle in value.lower()
                    for value in (
                        row["kundennummer"],
                        row["vorname"],
                        row["nachname"],
                        f"{row['vorname']} {row['nachname']}",
                    )
                ):
                    continue
                hits.append(row)
                if len(hits) == limit:  # the rows come by name
                    break
        return [Client.model_validate(row) for row in hits[:limit]]

    def client_by_kundennummer(self, kundennummer: str) -> Client | None:
        with _io_errors():
            numbers = self._index_shard(self._number_path(kundennummer))
            client_id = numbers.get(kundennummer)  # type: ignore[union-attr]
            row = None if client_id is None else self.read_from(self.client_file(client_id, "clients"), "clients",
                                                                 client_id)  # fmt: skip
        # an entry left behind by a writer that died mid-change is checked against the client's own file
        return Client.model_validate(row) if row is not None and row["kundennummer"] == kundennummer else None

    def user_by_username(self, username: str) -> User | None:
        with _io_errors():
            if getattr(self._local, "files", None) is not None:  # within a change: the file as this change sees it
                rows = self.read_table(self.root / "users.json", "users")
                row = next((row for row in rows if row["username"] == username), None)
            else:
                row = self._users_by_name().get(username)
        return None if row is None else User.model_validate(row)

    def _users_by_name(self) -> dict[str, dict]:
        """users.json's rows by username (not to be changed), parsed again only when the file changed.

        Every page rerun re-reads the signed-in account (services.access), often several times; parsing the whole
        file each time cost a rerun more the more accounts an installation has (storage/file_memo.py says when a
        file counts as unchanged)."""
        return self._users_memo.get(self.root / "users.json")

    def list_users(self) -> list[User]:
        with _io_errors():
            users = [User.model_validate(row) for row in self.read_table(self.root / "users.json", "users")]
        return sorted(users, key=lambda u: u.username)

    # --- audit trail ---------------------------------------------------------------------------------
    @functools.cached_property
    def audit_path(self) -> Path:
        return self.root / "audit" / "audit.jsonl"

    def _audit_tail(self) -> tuple[int, str]:
        """(seq, hash) of the last complete entry; cuts off a torn last line (a writer killed mid-append).

        Only called under the audit lock, so an incomplete last line cannot be an append in progress.
        """
        path = self.audit_path
        try:
            handle = open(path, "r+b")  # noqa: SIM115 - closed by the `with` below
        except FileNotFoundError:
            return 0, audit_chain.GENESIS
        with handle:
            size = handle.seek(0, os.SEEK_END)
            window = 8192
            while True:
                start = max(0, size - window)
                handle.seek(start)
                chunk = handle.read(size - start)
                end = chunk.rfind(b"\n")
                if end == -1 and start > 0:
                    window *= 4
                    continue
                if end + 1 != len(chunk):  # torn tail
                    handle.truncate(start + end + 1)
                    handle.flush()
                    os.fsync(handle.fileno())
                    chunk = chunk[: end + 1]
                    size = start + end + 1
                if not chunk.strip():
                    return 0, audit_chain.GENESIS
                previous = chunk.rfind(b"\n", 0, len(chunk) - 1)
                if previous == -1 and start > 0:
                    window *= 4
                    continue
                try:
                    last = json.loads(chunk[previous + 1 :])
                    return int(last["seq"]), str(last["hash"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise StorageUnavailable(
                        "Das Audit-Protokoll ist beschädigt; es wird nichts gespeichert. "
                        "Bitte die KDN-Fachbetreuung informieren (vierphasen audit verify)."
                    ) from exc

    def append_audit_locked(self, fields: dict[str, Any]) -> AuditEntry:
        """Append one entry (fsynced) under the audit lock, which a change holds only for its commit."""
        return self._append_audit_entries([fields])[0]

    def _append_audit_entries(self, batch: list[dict[str, Any]]) -> list[AuditEntry]:
        """Append entries in order, chained, with one write and one fsync under the audit lock."""
        audit_chain.audit_key()  # an unusable configured key refuses before anything is written
        with self.audit_lock.held():
            seq, prev = self._chain_tail()
            entries = []
            for fields in batch:
                entry = audit_chain.make_entry(seq=seq + 1, prev_hash=prev, at=utcnow(), **fields)
                entries.append(entry)
                seq, prev = entry.seq, entry.hash
            self._append_lines([self._audit_line(entry) for entry in entries])
            self._write_audit_head(seq, prev)
        return entries

    @functools.cached_property
    def _audit_head_path(self) -> Path:
        return self.root / "audit" / "head.json"

    def _write_audit_head(self, seq: int, digest: str) -> None:
        """Note the newest entry beside the trail, so that `audit_verify` sees entries removed from its end.

        Not fsynced: after a crash the note may lag behind the trail, which verify accepts; it is never ahead.
        Overwritten in place under the audit lock, under which `audit_verify` reads it.
        """
        overwrite_small(self._audit_head_path, dump_json(audit_chain.head_record(seq, digest, audit_chain.audit_key())))

    @staticmethod
    def _audit_line(entry: AuditEntry) -> bytes:
        data = entry.model_dump(mode="json")
        data["at"] = audit_chain.canonical_time(entry.at)
        return dump_json(data) + b"\n"

    def _append_lines(self, lines: list[bytes], durable: bool = True) -> None:
        created = not self.audit_path.exists()
        fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(b"".join(lines))
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if created and durable:
            fsync_dir(self.audit_path.parent)

    def audit_append(self, *, actor: User, action: AuditAction | Aktion, record_kind: str, record_id: str,
                     client_id: str | None = None, catalogue_version: int | None = None,
                     reason: str | None = None) -> AuditEntry:  # fmt: skip
        fields = audit_fields(actor, action, record_kind, record_id, client_id, catalogue_version, reason)
        with _io_errors():  # no write lock: a read's entry never waits for a change's files
            if self.audit_lock.held_here():  # within this thread's own hold (the batch's writer would wait for it)
                return self.append_audit_locked(fields)
            return self._audit_group.submit(fields)  # entries of concurrent reads share one write and fsync

    def _audit_rows(self, containing: bytes = b"") -> Iterator[AuditEntry | None]:
        """Every complete line as an entry (None where a line cannot be read); a line being written is skipped.

        With `containing`: only the lines that contain these bytes, found without parsing the others."""
        try:
            for line in _complete_lines(self.audit_path, containing):
                try:
                    yield AuditEntry.model_validate_json(line)
                except ValueError:
                    yield None
        except FileNotFoundError:
            return

    def audit_entries(
        self, *, client_id: str | None = None, record_id: str | None = None
    ) -> list[AuditEntry]:
        """A client's or a record's entries are found by their id's JSON text before any line is parsed: an Akte
        reads its history from a trail of every access of the house (a full parse: about 10 µs a line)."""
        wanted = record_id if record_id is not None else client_id
        # an id as every writer spells it in JSON (ids are hex; any other text is searched by parsing every line)
        containing = f'"{wanted}"'.encode() if wanted is not None and _PLAIN_ID.fullmatch(wanted) else b""
        with _io_errors():
            return [
                entry
                for entry in self._audit_rows(containing)
                if entry is not None
                and (client_id is None or entry.client_id == client_id)
                and (record_id is None or entry.record_id == record_id)
            ]

    def audit_verify(self) -> int | None:
        with _io_errors():
            try:
                with self.audit_lock.held():  # the head is overwritten in place under this lock
                    head = read_json(self._audit_head_path)
            except ValueError:  # damaged: verify the chain alone
                head = None
            return audit_chain.verify(self._audit_rows(), head if isinstance(head, dict) else None,
                                      audit_chain.audit_key())

    def audit_seal(self) -> int | None:
        """Sign the newest entry with the current audit key (after configuring or rotating it); returns its seq.

        Refuses (InvalidInput) while the unkeyed chain is broken: a seal must not vouch for a tampered trail.
        """
        with _io_errors(), self.write_lock():
            if audit_chain.first_break(self._audit_rows()) is not None:
                raise InvalidInput(SEAL_REFUSED)
            seq, digest = self._audit_tail()
            if seq:
                self._write_audit_head(seq, digest)
            return seq or None

    # --- catalogue versions --------------------------------------------------------------------------
    def _catalogue_path(self, number: int) -> Path:
        return self.root / "catalogue" / f"v{number:04d}.json"

    def catalogue_numbers(self) -> list[int]:
        """The published versions, listed again only when the folder's count changed (`_changed` counts it with
        each version file) or it is no longer `trusted` (storage/file_memo.py; a page rerun asks several times)."""
        directory = self.root / "catalogue"
        changes = None if self._changes is None else self._changes.count(directory)
        listed = self._catalogue_listing
        if listed is not None and trusted(listed[0], listed[1], changes):
            return list(listed[2])
        checked = time.monotonic()
        numbers = self._catalogue_numbers_on_disk()
        self._catalogue_listing = (changes, checked, numbers)
        return list(numbers)

    def _catalogue_numbers_on_disk(self) -> list[int]:
        with _io_errors():
            names = os.listdir(self.root / "catalogue")
        return sorted(
            int(n[1:5]) for n in names if n.startswith("v") and n.endswith(".json") and n[1:5].isdigit()
        )

    def catalogue_version(self, number: int) -> CatalogueVersion:
        with _io_errors():
            data = self._catalogue_memo.get(self._catalogue_path(number))
        if data is None:
            raise NotFound(f"Die Katalogversion {number} gibt es nicht.")
        return CatalogueVersion.model_validate(data)

    def publish_catalogue(self, text: str, *, note: str, actor: User) -> CatalogueVersion:
        with _io_errors(), self.write_lock():
            numbers = self._catalogue_numbers_on_disk()
            number = (numbers[-1] if numbers else 0) + 1
            version = CatalogueVersion(
                number=number, text=text, note=note, published_by=actor.username, published_at=utcnow()
            )
            # the version first: a failure in between leaves a published version without its entry, never an
            # entry for a version that does not exist (the version itself names who published it and when)
            if not exclusive_create(self._catalogue_path(number), dump_json(version.model_dump(mode="json"))):
                raise AlreadyExists(f"Die Katalogversion {number} gibt es bereits.")
            self._changed(self._catalogue_path(number))  # a reader may hold it as missing
            self.append_audit_locked(
                audit_fields(actor, AuditAction.KATALOG_VEROEFFENTLICHT, "Katalog", str(number), None, number, None)
            )
        return version

    # --- export / import -----------------------------------------------------------------------------
    def _client_ids(self) -> Iterator[str]:
        base = self.root / "clients"
        for shard_dir in sorted(base.iterdir()):
            if shard_dir.is_dir():
                for client_dir in sorted(shard_dir.iterdir()):
                    if client_dir.is_dir():
                        yield client_dir.name

    def export_records(self, kind: type[R]) -> Iterator[R]:
        check_kind(kind)
        table = TABLES[kind]
        with _io_errors():
            if kind in INSTALLATION_KINDS:
                rows = self.read_table(self.installation_file(kind), table)
                yield from (kind.model_validate(row) for row in rows)  # type: ignore[misc]
                return
            for client_id in self._client_ids():
                for row in self.read_table(self.client_file(client_id, table), table):
                    yield kind.model_validate(row)

    def export_catalogue(self) -> list[CatalogueVersion]:
        return [self.catalogue_version(n) for n in self.catalogue_numbers()]

    def export_audit(self) -> list[AuditEntry]:
        return self.audit_entries()

    def is_empty(self) -> bool:
        with _io_errors():
            return (
                not any(self._client_ids())
                and not self.read_table(self.root / "users.json", "users")
                and not self._catalogue_numbers_on_disk()
                and not (self.audit_path.exists() and self.audit_path.stat().st_size)
            )

    def import_all(self, records, audit, catalogue, *, durable: bool = True) -> None:
        """Write everything verbatim into this (empty) store; `durable=False` skips fsync (bench fill only)."""
        with _io_errors(), self.write_lock():
            if not self.is_empty():
                raise AlreadyExists("Das Ziel enthält bereits Daten; es wird nichts überschrieben.")
            write = functools.partial(self._write_counted, durable=durable)
            for kind in INSTALLATION_KINDS:
                if records.get(kind):
                    write(self.installation_file(kind), dump_json(_tinydb_doc(TABLES[kind], records[kind])))
            per_client: dict[str, dict[str, list[Record]]] = {}
            for kind, items in records.items():
                if kind in INSTALLATION_KINDS:
                    continue
                table = TABLES[kind]
                for record in items:
                    client_id = record.id if kind is Client else record.client_id  # type: ignore[attr-defined]
                    per_client.setdefault(client_id, {}).setdefault(table, []).append(record)
                    if kind is not Client:
                        write(
                            self.pointer_path(record.id), dump_json({"table": table, "client_id": client_id})
                        )
            for client_id, tables in per_client.items():
                for table, items in tables.items():
                    write(self.client_file(client_id, table), dump_json(_tinydb_doc(table, items)))
            self._build_derived(write)
            if audit:
                self._append_lines([self._audit_line(e) for e in audit], durable=durable)
                self._write_audit_head(audit[-1].seq, audit[-1].hash)
            for version in catalogue:
                if not exclusive_create(
                    self._catalogue_path(version.number), dump_json(version.model_dump(mode="json"))
                ):
                    raise AlreadyExists(f"Die Katalogversion {version.number} gibt es bereits.")
                self._changed(self._catalogue_path(version.number))

    # --- transient security state (issue 18) ---------------------------------------------------------------
    @property
    def _state_path(self) -> Path:
        return self.root / "security-state.json"

    def state_get(self, key: str) -> dict | None:
        with _io_errors():
            data = read_json(self._state_path)
        return state_live(data.get(key)) if isinstance(data, dict) else None

    def state_update(self, key: str, change: Callable[[dict | None], dict | None]) -> dict | None:
        with _io_errors(), self.lock.held():  # its own file only: no audit lock, reads' entries go on
            data = read_json(self._state_path)
            data = {k: v for k, v in data.items() if state_live(v)} if isinstance(data, dict) else {}
            new = change(data.get(key))
            if new is None:
                data.pop(key, None)
            else:
                data[key] = new
            atomic_write(self._state_path, dump_json(data))
        return new

    # --- catalogue draft (issue 8) -------------------------------------------------------------------
    @property
    def _draft_path(self) -> Path:
        # beside, not inside, catalogue/: that directory holds only published versions, never replaced
        return self.root / "catalogue-draft.json"

    def catalogue_draft(self) -> CatalogueDraft | None:
        with _io_errors():
            data = read_json(self._draft_path)
        return CatalogueDraft.model_validate(data) if data else None

    def save_catalogue_draft(self, text: str, *, base_version: int, revision: int, actor: User) -> CatalogueDraft:
        with _io_errors(), self.lock.held():  # its own file only: no audit lock, reads' entries go on
            stored = self.catalogue_draft()
            if (stored.revision if stored else 0) != revision:
                if stored is None:
                    raise NotFound("Der Katalogentwurf wurde inzwischen veröffentlicht oder verworfen.")
                raise stale_draft(stored)
            draft = CatalogueDraft(text=text, base_version=base_version, revision=revision + 1,
                                   saved_by=actor.username, saved_at=utcnow())
            atomic_write(self._draft_path, dump_json(draft.model_dump(mode="json")))
        return draft

    def discard_catalogue_draft(self) -> None:
        with _io_errors(), self.lock.held():  # its own file only: no audit lock, reads' entries go on
            if self._draft_path.exists():
                self._draft_path.unlink()
                fsync_dir(self.root)

    def open_profilings(self) -> list[Profiling]:
        table = TABLES[Profiling]
        with _io_errors():
            return [
                Profiling.model_validate(row)
                for client_id in self._client_ids()
                for row in self.read_table(self.client_file(client_id, table), table)
                if row.get("status") == Status.OFFEN
            ]

    # --- report summaries (issue 9) ------------------------------------------------------------------
    _SUMMARY_KINDS = frozenset({"clients", "profilings", "egvs", "folgegespraeche", "massnahmen",
                                "beschaeftigungsaufnahmen"})

    def _summary_path(self, client_id: str) -> Path:
        return self.root / "index" / f"summary-{shard(client_id)}.json"

    def _summary_shard(self, path: Path) -> dict[str, dict]:
        return self._index_shard(path)  # same stat-keyed cache as the client index

    def _client_summary(self, client_id: str) -> dict | None:
        client = self.read_from(self.client_file(client_id, "clients"), "clients", client_id)
        if client is None:
            return None
        rows = {t: self.read_table(self.client_file(client_id, t), t) for t in self._SUMMARY_KINDS - {"clients"}}
        return summary.client_summary(client, rows["profilings"], rows["egvs"], rows["folgegespraeche"],
                                      rows["massnahmen"], rows["beschaeftigungsaufnahmen"])

    def summary_changed(self, client_id: str, table: str, undo: Undo | None = None) -> None:
        """Rewrite the changed client's summary in its shard; the caller holds the write lock."""
        if table not in self._SUMMARY_KINDS:
            return
        shard_path = self._summary_path(client_id)
        self._put_shard(shard_path, self._read_raw(shard_path), client_id, self._client_summary(client_id), undo)

    # --- building the derived indexes ---------------------------------------------------------------
    @property
    def _derived_ready_path(self) -> Path:
        return self.root / "index" / "ready.json"

    def _derived_ready(self) -> bool:
        try:
            return self._derived_ready_path.read_bytes() == _DERIVED_FORMAT
        except FileNotFoundError:
            return False

    def _build_derived(self, write) -> None:
        """Build the client, Kundennummer and summary indexes from the record files; the caller holds the lock.

        Runs after an import, and once for a data directory written before the current index format.
        """
        indexes: dict[str, dict[str, dict]] = {"clients": {}, "kundennummer": {}, "summary": {}}
        for client_id in self._client_ids():
            client = self.read_from(self.client_file(client_id, "clients"), "clients", client_id)
            if client is None:
                continue
            indexes["clients"].setdefault(shard(client_id), {})[client_id] = client
            indexes["kundennummer"].setdefault(shard(client["kundennummer"]), {})[client["kundennummer"]] = client_id
            indexes["summary"].setdefault(shard(client_id), {})[client_id] = self._client_summary(client_id)
        for prefix, by_shard in indexes.items():
            for number in range(_SHARDS):
                key = f"{number:02x}"
                path = self.root / "index" / f"{prefix}-{key}.json"
                if key in by_shard or path.exists():
                    write(path, shards.render(by_shard.get(key, {})))
        write(self._derived_ready_path, _DERIVED_FORMAT)

    def _summaries(self) -> Iterator[tuple[str, dict]]:
        for number in range(_SHARDS):
            yield from self._summary_shard(self.root / "index" / f"summary-{number:02x}.json").items()

    def report_counts(self, *, team: str | None, von: date, bis: date, stichtag: date) -> ReportCounts:
        with _io_errors():
            return summary.aggregate((s for _, s in self._summaries()), team=team, von=von, bis=bis,
                                     stichtag=stichtag)  # fmt: skip

    def due_items(self, *, team: str | None, until: date) -> list[DueItem]:
        with _io_errors():
            return summary.due_items(self._summaries(), team=team, until=until)

    def verlauf_due(self, *, team: str | None, heute: date, massnahme_bis: date, vorschau_tage: int) -> list[DueItem]:
        with _io_errors():
            return summary.verlauf_due(self._summaries(), team=team, heute=heute, massnahme_bis=massnahme_bis,
                                       vorschau_tage=vorschau_tage)

    def report_teams(self) -> list[str]:
        with _io_errors():
            return summary.teams(s for _, s in self._summaries())

    def ended_clients(self, *, team: str | None = None) -> list[Client]:
        with _io_errors():
            return _ended(self, team)

    def purge_client(self, client_id: str, *, actor: User, action: AuditAction | Aktion) -> list[str]:
        check_id(client_id)
        with _io_errors(), self.write_lock():
            return _purge(self, client_id, actor, action)


# --- the case over the years (issue 14) -------------------------------------------------------------------
def _ended(store: TinyDBStore, team: str | None) -> list[Client]:
    rows = [row for row in store._all_indexed()
            if row.get("abgemeldet_am") and (team is None or row["team"] == team)]  # fmt: skip
    rows.sort(key=lambda r: (r["abgemeldet_am"], r["id"]))
    return [Client.model_validate(row) for row in rows]


def _purge(store: TinyDBStore, client_id: str, actor: User, action: AuditAction | Aktion) -> list[str]:
    """Delete a client's directory, id pointers and index entries under the write lock (see `purge_client`).

    The audit entries come first: a crash after them leaves the client due, and the next run deletes again.
    """
    client = store.read_from(store.client_file(client_id, "clients"), "clients", client_id)
    if client is None:
        raise NotFound(f"Kunde „{client_id}“ wurde nicht gefunden.")
    records: list[tuple[str, str]] = []
    for kind in CLIENT_KINDS:
        table = TABLES[kind]
        records += [(KIND_NAMES[kind], row["id"]) for row in store.read_table(store.client_file(client_id, table), table)]
    records.append((KIND_NAMES[Client], client_id))
    # the log's changes made durable first: a replay after a power loss must never bring the client back
    store._checkpoint()
    # the skeleton entries chained in memory and appended with one write and one flush to the disk
    seq, prev = store._chain_tail()
    entries = []
    for kind_name, record_id in records:
        entry = audit_chain.make_entry(seq=seq + 1, prev_hash=prev, at=utcnow(),
                                       **audit_fields(actor, action, kind_name, record_id, client_id, None, None))
        entries.append(entry)
        seq, prev = entry.seq, entry.hash
    store._append_lines([store._audit_line(e) for e in entries])
    store._write_audit_head(seq, prev)
    for _, record_id in records[:-1]:
        store.pointer_path(record_id).unlink(missing_ok=True)
        store._changed(store.pointer_path(record_id))
    for prefix, key in (("clients", client_id), ("summary", client_id), ("kundennummer", client["kundennummer"])):
        path = store.root / "index" / f"{prefix}-{shard(key)}.json"
        payload = shards.put(store._read_raw(path), key, None)
        if payload is not None:
            atomic_write(path, payload)
            store._changed(path)  # the readers' caches hold the client's row too
    directory = store.client_dir(client_id)
    removed = list(directory.iterdir())
    shutil.rmtree(directory)
    for path in removed:
        store._changed(path)
    fsync_dir(directory.parent)
    return [record_id for _, record_id in records]


def _users_by_name(raw: bytes) -> dict[str, dict]:
    """users.json's rows by username (the first row of a name wins, as in a search of the table)."""
    rows: dict[str, dict] = {}
    for row in ((json.loads(raw) or {}).get("users", {})).values():
        rows.setdefault(row["username"], row)
    return rows


def _plain_write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _tinydb_doc(table: str, records: list[Record]) -> dict[str, dict[str, dict]]:
    return {table: {str(number): r.model_dump(mode="json") for number, r in enumerate(records, start=1)}}


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


__all__ = ["KINDS_BY_TABLE", "AtomicJSONStorage", "TinyDBStore"]
